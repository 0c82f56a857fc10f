/* SPDX-License-Identifier: MIT */
/*
 * What a TD reads of its TDX module: the field-identifier constants (arch/x86/include/arch/tdx_spec.h), the
 * model's TDG.SYS.RD rules (arch/x86/sim/tdx_model_sys.c) and the identity words the kernel prints
 * (arch/x86/tdx/tdx_identity.c). Both are pure, so they are compiled into this file.
 */
#include <ccktf/ktest.h>
#include <string.h>

#include "../../arch/x86/sim/tdx_model_sys.c"
#include "../../arch/x86/tdx/tdx_identity.c"

KTEST_SUITE(host_tdx_identity, KTEST_AFTER_EXIT_BOOT_SERVICES, NULL);

#define NOT_READABLE_WORD "err:0xc0000c0200000000"

static u64 bits(unsigned lo, unsigned hi)
{
	return (hi == 63 ? ~0ull : (1ull << (hi + 1)) - 1) & ~((1ull << lo) - 1);
}

/* md_field_id_t: reserved 31:24, last element 37:34, last field 46:38, reserved 49:47, 55, 62. */
KTEST(host_tdx_identity, single_element_must_be_zero_bits)
{
	KEXPECT_EQ(t, TDX_MD_SINGLE_ELEMENT_MBZ,
		   bits(24, 31) | bits(34, 37) | bits(38, 46) | bits(47, 49) | bits(55, 55) | bits(62, 62));
	KEXPECT_EQ(t, TDX_MD_CLASS_CODE_MASK, bits(56, 61));
	KEXPECT_EQ(t, TDX_MD_FIELD_CODE_MASK, bits(0, 23));
}

/* Element sizes from the identifiers' bits 33:32, as the module's lookup table gives them. */
KTEST(host_tdx_identity, element_sizes)
{
	KEXPECT_EQ(t, tdx_md_element_bytes(TDX_MD_NUM_TDX_FEATURES), 1);
	KEXPECT_EQ(t, tdx_md_element_bytes(TDX_MD_MAJOR_VERSION), 2);
	KEXPECT_EQ(t, tdx_md_element_bytes(TDX_MD_MINOR_VERSION), 2);
	KEXPECT_EQ(t, tdx_md_element_bytes(TDX_MD_BUILD_NUM), 2);
	KEXPECT_EQ(t, tdx_md_element_bytes(TDX_MD_VENDOR_ID), 4);
	KEXPECT_EQ(t, tdx_md_element_bytes(TDX_MD_BUILD_DATE), 4);
	KEXPECT_EQ(t, tdx_md_element_bytes(TDX_MD_SYS_ATTRIBUTES), 4);
	KEXPECT_EQ(t, tdx_md_element_bytes(TDX_MD_TDX_FEATURES0), 8);
	for (unsigned f = 0; f < TDX_ID_FIELDS; f++)
		KEXPECT_EQ(t, tdx_id_fields[f].field_id & TDX_MD_SINGLE_ELEMENT_MBZ, 0);
}

KTEST(host_tdx_identity, model_answers_the_readable_fields)
{
	u64 value, next;

	KEXPECT_EQ(t, tdx_model_sys_rd(TDX_MD_MAJOR_VERSION, &value, &next), TDX_SUCCESS);
	KEXPECT_EQ(t, value, 1);
	KEXPECT_EQ(t, next, TDX_MD_SYS_ATTRIBUTES);
	KEXPECT_EQ(t, tdx_model_sys_rd(TDX_MD_MINOR_VERSION, &value, &next), TDX_SUCCESS);
	KEXPECT_EQ(t, value, 5);
	KEXPECT_EQ(t, next, TDX_MD_MAJOR_VERSION);
	KEXPECT_EQ(t, tdx_model_sys_rd(TDX_MD_VENDOR_ID, &value, &next), TDX_SUCCESS);
	KEXPECT_EQ(t, value, 0x8086);
	KEXPECT_EQ(t, tdx_model_sys_rd(TDX_MD_TDX_FEATURES0, &value, &next), TDX_SUCCESS);
	KEXPECT_EQ(t, value, 0x2e1f0fbf);
	KEXPECT_EQ(t, next, TDX_MD_FIELD_ID_NA); /* the model knows no field after it */
	KEXPECT_EQ(t, tdx_model_sys_rd(TDX_MD_NUM_TDX_FEATURES, &value, &next), TDX_SUCCESS);
	KEXPECT_EQ(t, value, 1);
}

KTEST(host_tdx_identity, model_refuses_what_a_td_may_not_read)
{
	static const u64 host_only[] = { TDX_MD_BUILD_DATE, TDX_MD_BUILD_NUM, TDX_MD_UPDATE_VERSION,
					 TDX_MD_INTERNAL_VERSION };

	for (unsigned i = 0; i < ARRAY_SIZE(host_only); i++) {
		u64 value = 7, next = 7;
		KEXPECT_EQ(t, tdx_model_sys_rd(host_only[i], &value, &next), TDX_METADATA_FIELD_NOT_READABLE);
		KEXPECT_EQ(t, value, 0);
		KEXPECT_EQ(t, next, TDX_MD_FIELD_ID_NA);
	}
}

KTEST(host_tdx_identity, model_checks_the_identifier_as_the_module_does)
{
	u64 value, next;

	/* ignored: context code (54:52), element size (33:32), write mask valid (51), inc size (50), bit 63 */
	KEXPECT_EQ(t, tdx_model_sys_rd(TDX_MD_MAJOR_VERSION | 7ull << 52, &value, &next), TDX_SUCCESS);
	KEXPECT_EQ(t, tdx_model_sys_rd((TDX_MD_MAJOR_VERSION & ~(3ull << 32)) | 3ull << 32, &value, &next), TDX_SUCCESS);
	KEXPECT_EQ(t, value, 1); /* masked to the field's own element size */
	KEXPECT_EQ(t, tdx_model_sys_rd(TDX_MD_MAJOR_VERSION | 3ull << 50, &value, &next), TDX_SUCCESS);
	KEXPECT_EQ(t, tdx_model_sys_rd(TDX_MD_MAJOR_VERSION | 1ull << 63, &value, &next), TDX_SUCCESS);
	/* must be zero */
	for (unsigned b = 0; b < 64; b++)
		if (TDX_MD_SINGLE_ELEMENT_MBZ & (1ull << b))
			KEXPECT_EQ(t, tdx_model_sys_rd(TDX_MD_MAJOR_VERSION | 1ull << b, &value, &next),
				   TDX_METADATA_FIELD_ID_INCORRECT);
	/* unknown: another field code, another class */
	KEXPECT_EQ(t, tdx_model_sys_rd(0x0800000100000007ull, &value, &next), TDX_METADATA_FIELD_ID_INCORRECT);
	KEXPECT_EQ(t, tdx_model_sys_rd(0x0900000100000004ull, &value, &next), TDX_METADATA_FIELD_ID_INCORRECT);
	KEXPECT_EQ(t, next, TDX_MD_FIELD_ID_NA);
	KEXPECT_EQ(t, value, 0);
}

KTEST(host_tdx_identity, model_enumeration_starts_at_vendor_id)
{
	u64 value, next, id = TDX_MD_FIELD_ID_NA;
	unsigned n = 0;

	KEXPECT_EQ(t, tdx_model_sys_rd(id, &value, &next), TDX_METADATA_FIRST_FIELD_ID_IN_CONTEXT);
	KEXPECT_EQ(t, next, TDX_MD_VENDOR_ID);
	for (id = next; id != TDX_MD_FIELD_ID_NA && n < 16; id = next, n++)
		KASSERT_EQ(t, tdx_model_sys_rd(id, &value, &next), TDX_SUCCESS);
	KEXPECT_EQ(t, n, 6); /* VENDOR_ID, MINOR, MAJOR, SYS_ATTRIBUTES, NUM_TDX_FEATURES, TDX_FEATURES0 */
}

static void read_from_model(struct tdx_module_identity *id)
{
	id->vp_info_status = TDX_SUCCESS;
	id->sys_rd_available = true;
	for (unsigned f = 0; f < TDX_ID_FIELDS; f++) {
		u64 next;
		id->status[f] = tdx_model_sys_rd(tdx_id_fields[f].field_id, &id->value[f], &next);
	}
}

KTEST(host_tdx_identity, words_of_the_modelled_module)
{
	struct tdx_module_identity id;
	char buf[480];

	read_from_model(&id);
	tdx_identity_format(&id, buf, sizeof(buf));
	KEXPECT_STREQ(t, buf,
		      "module=1.5 tdx_sys_rd=1 tdx_major=1 tdx_minor=5 tdx_update=" NOT_READABLE_WORD
		      " tdx_internal=" NOT_READABLE_WORD " tdx_build_num=" NOT_READABLE_WORD
		      " tdx_build_date=" NOT_READABLE_WORD " tdx_vendor_id=0x8086 tdx_sys_attributes=0x0"
		      " tdx_features0=0x2e1f0fbf");
}

/* Were a module to let a TD read them, the release name grows: 1.5.06, 1.5.06.00, build in decimal. */
KTEST(host_tdx_identity, words_name_what_was_read_and_nothing_else)
{
	struct tdx_module_identity id;
	char buf[480];

	read_from_model(&id);
	id.status[TDX_ID_UPDATE] = TDX_SUCCESS, id.value[TDX_ID_UPDATE] = 6;
	tdx_identity_format(&id, buf, sizeof(buf));
	KEXPECT_EQ(t, strncmp(buf, "module=1.5.06 tdx_sys_rd=1 ", 27), 0);
	id.status[TDX_ID_INTERNAL] = TDX_SUCCESS, id.value[TDX_ID_INTERNAL] = 0;
	id.status[TDX_ID_BUILD_NUM] = TDX_SUCCESS, id.value[TDX_ID_BUILD_NUM] = 744;
	id.status[TDX_ID_BUILD_DATE] = TDX_SUCCESS, id.value[TDX_ID_BUILD_DATE] = 20240307;
	tdx_identity_format(&id, buf, sizeof(buf));
	KEXPECT_STREQ(t, buf,
		      "module=1.5.06.00 tdx_sys_rd=1 tdx_major=1 tdx_minor=5 tdx_update=6 tdx_internal=0"
		      " tdx_build_num=744 tdx_build_date=20240307 tdx_vendor_id=0x8086 tdx_sys_attributes=0x0"
		      " tdx_features0=0x2e1f0fbf");
	/* major read, minor not: no version at all */
	id.status[TDX_ID_MINOR] = TDX_METADATA_FIELD_NOT_READABLE;
	tdx_identity_format(&id, buf, sizeof(buf));
	KEXPECT_EQ(t, strncmp(buf, "module=unknown ", 15), 0);
	/* the internal version without the update version is not printed after the minor */
	read_from_model(&id);
	id.status[TDX_ID_INTERNAL] = TDX_SUCCESS, id.value[TDX_ID_INTERNAL] = 3;
	tdx_identity_format(&id, buf, sizeof(buf));
	KEXPECT_EQ(t, strncmp(buf, "module=1.5 ", 11), 0);
}

KTEST(host_tdx_identity, words_of_a_1_0_module_and_of_a_failed_vp_info)
{
	struct tdx_module_identity id = { .vp_info_status = TDX_SUCCESS, .sys_rd_available = false };
	char buf[480];

	for (unsigned f = 0; f < TDX_ID_FIELDS; f++)
		id.status[f] = TDX_OPERAND_INVALID | TDX_OPERAND_ID_RAX, id.value[f] = 0;
	tdx_identity_format(&id, buf, sizeof(buf));
	KEXPECT_EQ(t, strncmp(buf, "module=unknown tdx_sys_rd=0 tdx_major=err:0xc000010000000000 ", 61), 0);
	KEXPECT_LE(t, strlen(buf), 400); /* fits the kernel's line with its prefix */
	id.vp_info_status = TDX_OPERAND_INVALID | TDX_OPERAND_ID_RAX;
	tdx_identity_format(&id, buf, sizeof(buf));
	KEXPECT_EQ(t, strncmp(buf, "module=unknown tdx_sys_rd=err:0xc000010000000000 ", 49), 0);
}

KTEST(host_tdx_identity, words_are_cut_safely)
{
	struct tdx_module_identity id;
	char buf[20];

	read_from_model(&id);
	memset(buf, 'x', sizeof(buf));
	tdx_identity_format(&id, buf, sizeof(buf));
	KEXPECT_EQ(t, strlen(buf), sizeof(buf) - 1);
	KEXPECT_EQ(t, strncmp(buf, "module=1.5 tdx_sys_", 19), 0);
	tdx_identity_format(&id, buf, 1);
	KEXPECT_EQ(t, buf[0], '\0');
}
