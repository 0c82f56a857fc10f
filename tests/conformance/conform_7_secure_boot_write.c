/* SPDX-License-Identifier: MIT */
/*
 * SB-004 (docs/conformance.md): SecureBoot and SetupMode are read-only (UEFI 2.10 section 3.3, Table 3-1), so a
 * SetVariable() on them answers EFI_WRITE_PROTECTED (section 8.2). Needs boot services: runs in
 * conformance_boot_services, only with conformance=1. The write is each variable's own value with its own
 * attributes, and only of a variable that is present (kernel/conform/secure_boot.h, sb_write_probe_wanted()).
 */
#include <ccktf/string.h>
#include "conform/secure_boot.h"
#include "conformance/conform_util.h"

/* UEFI 2.10 section 3.3: EFI_GLOBAL_VARIABLE {8BE4DF61-93CA-11D2-AA0D-00E098032B8C} */
#define GLOBAL_VARIABLE EFI_GUID(0x8be4df61, 0x93ca, 0x11d2, 0xaa, 0x0d, 0x00, 0xe0, 0x98, 0x03, 0x2b, 0x8c)

static void write_back(enum sb_var_id id, struct sb_var *v)
{
	efi_guid_t guid = GLOBAL_VARIABLE;
	efi_char16_t name[16];
	const char *ascii = sb_var_name(id);
	size_t i;

	for (i = 0; ascii[i] && i + 1 < sizeof(name) / sizeof(name[0]); i++)
		name[i] = (efi_char16_t)ascii[i];
	name[i] = 0;
	v->write_status = boot_info.st->runtime_services->set_variable(name, &guid, v->attributes, SB_VAR_SIZE,
									 v->data);
	v->write_probed = true;
}

static void print_offender(void *ctx, const struct conform_item *it)
{
	ktest_evidence(ctx, "%s: %s (0x%llx)", sb_var_name(it->index), it->what, it->addr);
}

KTEST_CHECK(conformance_boot_services, sb_read_only_variables_refuse_writes, "SB-004", KTEST_MUST,
	    "UEFI 2.10 sections 3.3 (Table 3-1: SecureBoot, SetupMode read-only) and 8.2 (SetVariable)",
	    "SetVariable() of SecureBoot and SetupMode, with their own value and attributes, answers "
	    "EFI_WRITE_PROTECTED")
{
	struct sb_state *s = &boot_info.secure_boot;
	struct conform_finding f;
	unsigned probed;

	for (unsigned i = 0; i < SB_VAR_COUNT; i++) {
		struct sb_var *v = &s->var[i];

		if (!sb_write_probe_wanted(i, v))
			continue;
		write_back(i, v);
		ktest_evidence(t, "%s: SetVariable(value %u, attributes 0x%x) returned 0x%llx", sb_var_name(i),
			       v->data[0], v->attributes, v->write_status);
	}
	conform_finding_init(&f, print_offender, t);
	if (sb_rule_read_only(s, &probed, &f) && !probed)
		KTEST_SKIP(t, "neither SecureBoot nor SetupMode is present as one byte 0/1 (GetVariable(SecureBoot): "
			      "0x%llx): nothing to write back", s->var[SB_SECURE_BOOT].status);
	if (f.count)
		ktest_fail(t, __FILE__, __LINE__, "%llu read-only variable(s) took or mis-answered a write", f.count);
}
