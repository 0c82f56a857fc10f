/* SPDX-License-Identifier: MIT */
/*
 * The Secure Boot variable rules (SB-*, kernel/conform/secure_boot.c) on fake variables: the states a
 * conforming firmware reports pass; each way of breaking a rule (a size, a reserved value, NV attributes,
 * every one of the mode implications) must make its rule fail.
 */
#include <ccktf/ktest.h>
#include <string.h>

#include "conform/secure_boot.h"

KTEST_SUITE(host_conform_secure_boot, KTEST_AFTER_EXIT_BOOT_SERVICES, NULL);

#define BS_RT SB_VAR_ATTRIBUTES

static void set_var(struct sb_state *s, enum sb_var_id id, u8 value)
{
	s->var[id] = (struct sb_var){ .status = EFI_SUCCESS, .attributes = BS_RT, .size = 1, .data = { value } };
}

static void missing(struct sb_state *s, enum sb_var_id id)
{
	s->var[id] = (struct sb_var){ .status = EFI_NOT_FOUND };
}

/* A state as firmware in that mode reports it (UEFI 2.10 section 32.3). */
static struct sb_state state(u8 secure, u8 setup, u8 audit, u8 deployed)
{
	struct sb_state s = { .read = true };

	set_var(&s, SB_SECURE_BOOT, secure);
	set_var(&s, SB_SETUP_MODE, setup);
	set_var(&s, SB_AUDIT_MODE, audit);
	set_var(&s, SB_DEPLOYED_MODE, deployed);
	return s;
}

static bool all_rules_hold(const struct sb_state *s, unsigned *judged)
{
	struct conform_finding f;
	bool held;

	conform_finding_init(&f, NULL, NULL);
	held = sb_rule_size_value(s, &f) && sb_rule_attributes(s, &f) && sb_rule_modes(s, judged, &f);
	return held && f.count == 0;
}

KTEST(host_conform_secure_boot, every_mode_of_the_spec_passes)
{
	const struct {
		struct sb_state s;
		enum sb_mode mode;
	} cases[] = {
		{ state(0, 1, 0, 0), SB_MODE_SETUP },
		{ state(1, 0, 0, 0), SB_MODE_USER },
		{ state(0, 0, 0, 0), SB_MODE_USER }, /* user mode with Secure Boot turned off */
		{ state(0, 1, 1, 0), SB_MODE_AUDIT },
		{ state(1, 0, 0, 1), SB_MODE_DEPLOYED },
	};
	unsigned judged;

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		KEXPECT_TRUE(t, all_rules_hold(&cases[i].s, &judged));
		KEXPECT_EQ(t, judged, SB_IMPLICATIONS);
		KEXPECT_EQ(t, sb_mode(&cases[i].s), cases[i].mode);
	}
}

KTEST(host_conform_secure_boot, firmware_without_audit_and_deployed_mode_passes)
{
	struct sb_state s = state(1, 0, 0, 0);
	unsigned judged;

	missing(&s, SB_AUDIT_MODE);
	missing(&s, SB_DEPLOYED_MODE);
	KEXPECT_TRUE(t, all_rules_hold(&s, &judged));
	KEXPECT_EQ(t, judged, 1); /* only SecureBoot => SetupMode can be judged */
	KEXPECT_EQ(t, sb_mode(&s), SB_MODE_USER);
	set_var(&s, SB_SECURE_BOOT, 0);
	set_var(&s, SB_SETUP_MODE, 1);
	KEXPECT_EQ(t, sb_mode(&s), SB_MODE_SETUP);
}

KTEST(host_conform_secure_boot, no_variables_at_all_judges_nothing)
{
	struct sb_state s = { .read = true };
	unsigned judged;

	for (unsigned i = 0; i < SB_VAR_COUNT; i++)
		missing(&s, i);
	KEXPECT_TRUE(t, all_rules_hold(&s, &judged));
	KEXPECT_EQ(t, judged, 0);
	KEXPECT_EQ(t, sb_mode(&s), SB_MODE_UNKNOWN);
}

static u64 size_value_offenders(struct ktest *t, const struct sb_state *s, struct conform_finding *f)
{
	conform_finding_init(f, NULL, NULL);
	KEXPECT_FALSE(t, sb_rule_size_value(s, f));
	return f->count;
}

KTEST(host_conform_secure_boot, wrong_size_or_reserved_value_fails)
{
	struct sb_state s = state(1, 0, 0, 0);
	struct conform_finding f;

	s.var[SB_SETUP_MODE].size = 4; /* a UINT32 instead of a UINT8 */
	KEXPECT_EQ(t, size_value_offenders(t, &s, &f), 1);
	KEXPECT_EQ(t, f.first.index, SB_SETUP_MODE);
	KEXPECT_EQ(t, f.first.addr, 4);

	s = state(2, 0, 0, 0); /* reserved */
	KEXPECT_EQ(t, size_value_offenders(t, &s, &f), 1);
	KEXPECT_EQ(t, f.first.index, SB_SECURE_BOOT);
	KEXPECT_EQ(t, f.first.type, 2);
	KEXPECT_EQ(t, sb_mode(&s), SB_MODE_UNKNOWN);

	s = state(1, 0, 0, 0);
	s.var[SB_AUDIT_MODE] = (struct sb_var){ .status = EFI_BUFFER_TOO_SMALL, .size = 16 };
	s.var[SB_DEPLOYED_MODE] = (struct sb_var){ .status = EFI_DEVICE_ERROR };
	KEXPECT_EQ(t, size_value_offenders(t, &s, &f), 2);
	KEXPECT_EQ(t, f.first.index, SB_AUDIT_MODE);
}

KTEST(host_conform_secure_boot, attributes_other_than_bs_rt_fail)
{
	static const u32 bad[] = { EFI_VARIABLE_NON_VOLATILE | BS_RT, EFI_VARIABLE_BOOTSERVICE_ACCESS,
				   BS_RT | 0x20 /* time-based authenticated write access */ };
	struct conform_finding f;

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sb_state s = state(0, 1, 0, 0);

		s.var[SB_DEPLOYED_MODE].attributes = bad[i];
		conform_finding_init(&f, NULL, NULL);
		KEXPECT_FALSE(t, sb_rule_attributes(&s, &f));
		KEXPECT_EQ(t, f.count, 1);
		KEXPECT_EQ(t, f.first.index, SB_DEPLOYED_MODE);
		KEXPECT_EQ(t, f.first.attribute, bad[i]);
	}
}

/* The implication that breaks, by index (0 SecureBoot/SetupMode, 1 AuditMode/SetupMode, 2 DeployedMode). */
static void expect_modes_fail(struct ktest *t, struct sb_state s, u64 implication, u64 offenders)
{
	struct conform_finding f;
	unsigned judged;

	conform_finding_init(&f, NULL, NULL);
	KEXPECT_FALSE(t, sb_rule_modes(&s, &judged, &f));
	KEXPECT_EQ(t, f.count, offenders);
	KEXPECT_EQ(t, f.first.index, implication);
	KEXPECT_EQ(t, sb_mode(&s), SB_MODE_UNKNOWN);
}

KTEST(host_conform_secure_boot, secure_boot_in_setup_mode_fails)
{
	expect_modes_fail(t, state(1, 1, 0, 0), 0, 1);
}

KTEST(host_conform_secure_boot, audit_mode_outside_setup_mode_fails)
{
	expect_modes_fail(t, state(0, 0, 1, 0), 1, 1);
}

KTEST(host_conform_secure_boot, deployed_mode_with_audit_or_setup_mode_fails)
{
	expect_modes_fail(t, state(0, 1, 0, 1), 2, 1); /* DeployedMode=1 in Setup Mode */
	expect_modes_fail(t, state(0, 1, 1, 1), 2, 2); /* DeployedMode=1 in Audit Mode: both halves break */
}

KTEST(host_conform_secure_boot, an_unreadable_variable_leaves_its_implications_unjudged)
{
	struct sb_state s = state(1, 1, 0, 0); /* would break SecureBoot => SetupMode=0 */
	struct conform_finding f;
	unsigned judged;

	missing(&s, SB_SETUP_MODE);
	conform_finding_init(&f, NULL, NULL);
	KEXPECT_TRUE(t, sb_rule_modes(&s, &judged, &f));
	KEXPECT_EQ(t, judged, 1); /* DeployedMode => AuditMode=0 only */
}

KTEST(host_conform_secure_boot, only_present_read_only_variables_are_written)
{
	struct sb_state s = state(1, 0, 0, 0);

	KEXPECT_TRUE(t, sb_write_probe_wanted(SB_SECURE_BOOT, &s.var[SB_SECURE_BOOT]));
	KEXPECT_TRUE(t, sb_write_probe_wanted(SB_SETUP_MODE, &s.var[SB_SETUP_MODE]));
	KEXPECT_FALSE(t, sb_write_probe_wanted(SB_AUDIT_MODE, &s.var[SB_AUDIT_MODE])); /* writable */
	missing(&s, SB_SECURE_BOOT);
	KEXPECT_FALSE(t, sb_write_probe_wanted(SB_SECURE_BOOT, &s.var[SB_SECURE_BOOT])); /* would create it */
	s.var[SB_SETUP_MODE].size = 4;
	KEXPECT_FALSE(t, sb_write_probe_wanted(SB_SETUP_MODE, &s.var[SB_SETUP_MODE]));
}

/* Written back, attributes 0 delete the variable (UEFI 2.10 section 8.2), NV writes flash, APPEND_WRITE grows it. */
KTEST(host_conform_secure_boot, a_read_only_variable_not_exactly_bs_rt_is_never_written)
{
	static const u32 attributes[] = { 0, EFI_VARIABLE_NON_VOLATILE | BS_RT, EFI_VARIABLE_BOOTSERVICE_ACCESS,
					  BS_RT | 0x40 /* EFI_VARIABLE_APPEND_WRITE */,
					  BS_RT | 0x20 /* EFI_VARIABLE_TIME_BASED_AUTHENTICATED_WRITE_ACCESS */ };
	struct sb_state s = state(1, 0, 0, 0);

	for (unsigned i = 0; i < sizeof(attributes) / sizeof(attributes[0]); i++) {
		s.var[SB_SECURE_BOOT].attributes = s.var[SB_SETUP_MODE].attributes = attributes[i];
		KEXPECT_FALSE(t, sb_write_probe_wanted(SB_SECURE_BOOT, &s.var[SB_SECURE_BOOT]));
		KEXPECT_FALSE(t, sb_write_probe_wanted(SB_SETUP_MODE, &s.var[SB_SETUP_MODE]));
	}
}

/* What GetVariable() reads after a write that changed nothing: the variable as it was. */
static void unchanged(struct sb_var *v)
{
	v->reread_status = v->status;
	v->reread_attributes = v->attributes;
	v->reread_size = v->size;
	memcpy(v->reread_data, v->data, sizeof(v->data));
}

static struct sb_state probed_state(u64 secure_boot_answer, u64 setup_mode_answer)
{
	struct sb_state s = state(1, 0, 0, 0);

	s.var[SB_SECURE_BOOT].write_probed = s.var[SB_SETUP_MODE].write_probed = true;
	s.var[SB_SECURE_BOOT].write_status = secure_boot_answer;
	s.var[SB_SETUP_MODE].write_status = setup_mode_answer;
	unchanged(&s.var[SB_SECURE_BOOT]);
	unchanged(&s.var[SB_SETUP_MODE]);
	return s;
}

KTEST(host_conform_secure_boot, write_protected_read_only_variables_pass)
{
	struct sb_state s = probed_state(EFI_WRITE_PROTECTED, EFI_WRITE_PROTECTED);
	struct conform_finding f;
	unsigned probed;

	conform_finding_init(&f, NULL, NULL);
	KEXPECT_TRUE(t, sb_rule_read_only(&s, &probed, &f));
	KEXPECT_EQ(t, probed, 2);
	s = state(1, 0, 0, 0); /* nothing probed: nothing judged */
	KEXPECT_TRUE(t, sb_rule_read_only(&s, &probed, &f));
	KEXPECT_EQ(t, probed, 0);
}

KTEST(host_conform_secure_boot, a_read_only_variable_that_takes_a_write_fails)
{
	struct sb_state s = probed_state(EFI_SUCCESS, EFI_WRITE_PROTECTED);
	struct conform_finding f;
	unsigned probed;

	conform_finding_init(&f, NULL, NULL);
	KEXPECT_FALSE(t, sb_rule_read_only(&s, &probed, &f));
	KEXPECT_EQ(t, f.count, 1);
	KEXPECT_EQ(t, f.first.index, SB_SECURE_BOOT);
	s = probed_state(EFI_WRITE_PROTECTED, EFI_INVALID_PARAMETER); /* refused, but not as read-only */
	conform_finding_init(&f, NULL, NULL);
	KEXPECT_FALSE(t, sb_rule_read_only(&s, &probed, &f));
	KEXPECT_EQ(t, f.first.index, SB_SETUP_MODE);
	KEXPECT_EQ(t, f.first.addr, EFI_INVALID_PARAMETER);
}

/* A firmware that answers EFI_WRITE_PROTECTED but changed (or deleted) the variable anyway fails. */
KTEST(host_conform_secure_boot, a_read_only_variable_changed_by_a_refused_write_fails)
{
	struct sb_state s = probed_state(EFI_WRITE_PROTECTED, EFI_WRITE_PROTECTED);
	struct conform_finding f;
	unsigned probed;

	s.var[SB_SETUP_MODE].reread_data[0] = 1; /* SetupMode 0 became 1 */
	conform_finding_init(&f, NULL, NULL);
	KEXPECT_FALSE(t, sb_rule_read_only(&s, &probed, &f));
	KEXPECT_EQ(t, f.count, 1);
	KEXPECT_EQ(t, f.first.index, SB_SETUP_MODE);
	s = probed_state(EFI_WRITE_PROTECTED, EFI_WRITE_PROTECTED);
	s.var[SB_SECURE_BOOT].reread_status = EFI_NOT_FOUND; /* deleted */
	conform_finding_init(&f, NULL, NULL);
	KEXPECT_FALSE(t, sb_rule_read_only(&s, &probed, &f));
	KEXPECT_EQ(t, f.first.index, SB_SECURE_BOOT);
	s = probed_state(EFI_WRITE_PROTECTED, EFI_WRITE_PROTECTED);
	s.var[SB_SECURE_BOOT].reread_attributes = EFI_VARIABLE_NON_VOLATILE | BS_RT; /* made non-volatile */
	conform_finding_init(&f, NULL, NULL);
	KEXPECT_FALSE(t, sb_rule_read_only(&s, &probed, &f));
	KEXPECT_EQ(t, f.count, 1);
}

/* The names GetVariable() and SetVariable() are given: UCS-2, NUL-terminated, the longest one whole. */
KTEST(host_conform_secure_boot, variable_names_in_ucs2)
{
	u16 name[SB_NAME_MAX];
	const char *want = "DeployedMode";

	sb_var_name_ucs2(SB_DEPLOYED_MODE, name);
	for (unsigned i = 0; want[i]; i++)
		KEXPECT_EQ(t, name[i], (u16)want[i]);
	KEXPECT_EQ(t, name[strlen(want)], 0);
	sb_var_name_ucs2(SB_SECURE_BOOT, name);
	KEXPECT_EQ(t, name[0], 'S');
	KEXPECT_EQ(t, name[10], 0); /* "SecureBoot" */
}
