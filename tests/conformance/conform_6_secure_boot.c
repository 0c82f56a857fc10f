/* SPDX-License-Identifier: MIT */
/*
 * Secure Boot variables (SB-*, docs/conformance.md): what the firmware answered to GetVariable() for
 * SecureBoot, SetupMode, AuditMode and DeployedMode before ExitBootServices (kernel/efi/efi_secure_boot.c),
 * judged by the pure rules of kernel/conform/secure_boot.c (UEFI 2.10 section 3.3 Table 3-1, section 32.3).
 * A variable the firmware does not have leaves the rules about it unjudged, said with its raw status.
 */
#include <ccktf/format.h>
#include "conform/secure_boot.h"
#include "conformance/conform_util.h"

#define UEFI_3_3 "UEFI 2.10 section 3.3 (Globally Defined Variables, Table 3-1)"
#define UEFI_32_3 "UEFI 2.10 section 32.3 (Firmware/OS Key Exchange: Setup, User, Audit and Deployed Mode)"

static const struct sb_state *state(void)
{
	return &boot_info.secure_boot;
}

/* One evidence line per variable, whatever the rule's verdict: the raw answer. */
static void readings(struct ktest *t)
{
	for (unsigned i = 0; i < SB_VAR_COUNT; i++) {
		const struct sb_var *v = &state()->var[i];

		if (sb_var_present(v))
			ktest_evidence(t, "%s: %llu byte(s), first 0x%02x, attributes 0x%x", sb_var_name(i), v->size,
				       v->data[0], v->attributes);
		else
			ktest_evidence(t, "%s: GetVariable() returned 0x%llx%s", sb_var_name(i), v->status,
				       v->status == EFI_NOT_FOUND ? " (EFI_NOT_FOUND: not present)" : "");
	}
}

/* Skips when the firmware has none of the four (firmware built without Secure Boot). */
static void skip_unless_any(struct ktest *t)
{
	if (!state()->read)
		KTEST_SKIP(t, "the Secure Boot variables were not read");
	for (unsigned i = 0; i < SB_VAR_COUNT; i++)
		if (state()->var[i].status != EFI_NOT_FOUND)
			return;
	KTEST_SKIP(t, "the firmware has none of the four variables (GetVariable(SecureBoot): 0x%llx)",
		   state()->var[SB_SECURE_BOOT].status);
}

static void print_offender(void *ctx, const struct conform_item *it)
{
	struct ktest *t = ctx;

	/* the mode rule's offenders carry no variable (type CONFORM_TYPE_NONE), the others the variable's id */
	ktest_evidence(t, "%s: %s", it->type == CONFORM_TYPE_NONE ? "modes" : sb_var_name(it->index), it->what);
}

/* Every SB check's start: skipped without any variable, the readings printed, offenders reported to t. */
static void begin(struct ktest *t, struct conform_finding *f)
{
	skip_unless_any(t);
	readings(t);
	conform_finding_init(f, print_offender, t);
}

static void expect_held(struct ktest *t, bool held, const struct conform_finding *f, const char *rule)
{
	if (!held)
		ktest_fail(t, __FILE__, __LINE__, "%llu offender(s): %s", f->count, rule);
}

KTEST_CHECK(conformance, sb_variables_one_byte_zero_or_one, "SB-001", KTEST_MUST, UEFI_3_3,
	    "SecureBoot, SetupMode, AuditMode and DeployedMode, where present, are one byte holding 0 or 1")
{
	struct conform_finding f;

	begin(t, &f);
	expect_held(t, sb_rule_size_value(state(), &f), &f, "a variable of another size or value");
}

KTEST_CHECK(conformance, sb_variables_bs_rt, "SB-002", KTEST_MUST, UEFI_3_3,
	    "the four variables, where present, have exactly the attributes BS|RT (volatile; SecureBoot and "
	    "SetupMode read-only)")
{
	struct conform_finding f;

	begin(t, &f);
	expect_held(t, sb_rule_attributes(state(), &f), &f, "attributes other than BS|RT (0x6)");
}

KTEST_CHECK(conformance, sb_modes_consistent, "SB-003", KTEST_MUST, UEFI_32_3,
	    "the variables name one mode: SecureBoot=1 implies SetupMode=0; AuditMode=1 implies SetupMode=1; "
	    "DeployedMode=1 implies AuditMode=0 and SetupMode=0")
{
	struct conform_finding f;
	unsigned judged;
	bool held;

	begin(t, &f);
	held = sb_rule_modes(state(), &judged, &f);
	if (!judged)
		KTEST_SKIP(t, "no implication can be judged: the variables it names are missing or not 0/1");
	ktest_evidence(t, "%u of %u implications judged; mode %s", judged, SB_IMPLICATIONS,
		       sb_mode_name(sb_mode(state())));
	expect_held(t, held, &f, "variables that contradict each other");
}
