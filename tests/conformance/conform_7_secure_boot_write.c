/* SPDX-License-Identifier: MIT */
/*
 * SB-004 (docs/conformance.md): SecureBoot and SetupMode are read-only (UEFI 2.10 section 3.3, Table 3-1), so a
 * SetVariable() on them answers EFI_WRITE_PROTECTED (section 8.2). Needs boot services: runs in
 * conformance_boot_services, only with conformance=1, and writes only with sb_write_probe=1: it writes firmware
 * variables, which is what it exists to test, so it runs only where the store is a throw-away copy (the
 * harness's Secure Boot mode). The write is each variable's own value with its own attributes, only of a
 * variable that is present, one byte 0/1 and exactly BS|RT (kernel/conform/secure_boot.h,
 * sb_write_probe_wanted()); GetVariable() afterwards must find it unchanged.
 */
#include <ccktf/args.h>
#include <ccktf/string.h>
#include "conform/secure_boot.h"
#include "conformance/conform_util.h"


static bool write_probe; /* sb_write_probe=1 */

static bool parse_write_probe(const char *v)
{
	return args_parse_flag(v, &write_probe);
}

static const struct arg_key_ext sb_write_probe_key = { "sb_write_probe", "0|1", parse_write_probe };
ARG_KEY_REGISTER(sb_write_probe_key);

/* Write the value read with the attributes read (exactly BS|RT: sb_write_probe_wanted()), then read it again. */
static void write_back(enum sb_var_id id, struct sb_var *v)
{
	struct efi_runtime_services *rt = boot_info.st->runtime_services;
	efi_guid_t guid = EFI_GLOBAL_VARIABLE_GUID;
	efi_char16_t name[SB_NAME_MAX];

	sb_var_name_ucs2(id, name);
	v->write_status = rt->set_variable(name, &guid, v->attributes, SB_VAR_SIZE, v->data);
	v->write_probed = true;
	v->reread_size = sizeof(v->reread_data);
	v->reread_attributes = 0;
	memset(v->reread_data, 0, sizeof(v->reread_data));
	v->reread_status = rt->get_variable(name, &guid, &v->reread_attributes, &v->reread_size, v->reread_data);
	if (v->reread_status != EFI_SUCCESS)
		v->reread_attributes = 0;
}

static void print_offender(void *ctx, const struct conform_item *it)
{
	ktest_evidence(ctx, "%s: %s (0x%llx)", sb_var_name(it->index), it->what, it->addr);
}

/* Why nothing was written: a read-only variable present as 0/1 but not exactly BS|RT is SB-002's finding. */
static void skip_unprobed(struct ktest *t, const struct sb_state *s)
{
	static const enum sb_var_id read_only[] = { SB_SECURE_BOOT, SB_SETUP_MODE };

	for (unsigned i = 0; i < ARRAY_SIZE(read_only); i++) {
		const struct sb_var *v = &s->var[read_only[i]];

		if (sb_var_bool(v) >= 0 && v->attributes != SB_VAR_ATTRIBUTES)
			KTEST_SKIP(t, "%s has attributes 0x%x, not exactly BS|RT (0x6): SB-002's finding; not written back "
				      "(0 would delete it, NV write flash, APPEND_WRITE grow it)",
				   sb_var_name(read_only[i]), v->attributes);
	}
	KTEST_SKIP(t, "neither SecureBoot nor SetupMode is present as one byte 0/1 (GetVariable(SecureBoot): 0x%llx): "
		      "nothing to write back", s->var[SB_SECURE_BOOT].status);
}

KTEST_CHECK(conformance_boot_services, sb_read_only_variables_refuse_writes, "SB-004", KTEST_SHOULD,
	    "UEFI 2.10 sections 3.3 (Table 3-1: SecureBoot, SetupMode read-only) and 8.2 (SetVariable)",
	    "SetVariable() of SecureBoot and SetupMode, with their own value and attributes BS|RT, answers "
	    "EFI_WRITE_PROTECTED and leaves them unchanged (writes firmware variables: sb_write_probe=1)")
{
	struct sb_state *s = &boot_info.secure_boot;
	struct conform_finding f;
	unsigned probed;

	if (!write_probe)
		KTEST_SKIP(t, "writes firmware variables: runs with sb_write_probe=1 (the harness's Secure Boot mode "
			      "boots a throw-away copy of the store)");
	for (unsigned i = 0; i < SB_VAR_COUNT; i++) {
		struct sb_var *v = &s->var[i];

		if (!sb_write_probe_wanted(i, v))
			continue;
		write_back(i, v);
		ktest_evidence(t, "%s: SetVariable(value %u, attributes 0x%x) returned 0x%llx; read back: 0x%llx, "
			       "%llu byte(s), first 0x%02x, attributes 0x%x", sb_var_name(i), v->data[0], v->attributes,
			       v->write_status, v->reread_status, v->reread_size, v->reread_data[0],
			       v->reread_attributes);
	}
	conform_finding_init(&f, print_offender, t);
	if (sb_rule_read_only(s, &probed, &f) && !probed)
		skip_unprobed(t, s);
	if (f.count)
		ktest_fail(t, __FILE__, __LINE__, "%llu read-only variable(s) took, mis-answered or changed with a write",
			   f.count);
}
