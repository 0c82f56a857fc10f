/* SPDX-License-Identifier: MIT */
/*
 * TDX-specific semantics through the real TDCALL path (arch/x86/tdx/): on TDX hardware the TDX module
 * answers, under sim-tdx the model does (arch/x86/sim/tdx_model.h lists its rules and their sources). The
 * cases only a model can force (the host mapping 4 KiB, poisoning a pending page) skip on hardware.
 * Statuses are compared by their upper 32 bits (tdx_status_is()), except where the module's source fixes
 * the operand id. Every unit a test takes is finally accepted through the bitmap, so that the table stays
 * true.
 */
#include <arch/portio.h>
#include <arch/sim.h>
#include <arch/tdx.h>
#include <arch/tdx_spec.h>
#include <ccktf/platform.h>
#include <ccktf/string.h>
#include "lib/accept_util.h"

#define PAGE (4 * KiB)
#define UNIT (2 * MiB)
#define PATTERN 0x0123456789abcdefull
#define UNKNOWN_LEAF 0x7fff	       /* no TDCALL leaf has this number */
#define UNKNOWN_SUBFUNCTION 0x7ffffffe /* nor any TDG.VP.VMCALL sub-function */
#define COM1_SCRATCH 0x3ff	       /* 16550 scratch register: reads back what was written */
#define NO_UNIT_LEFT "no unaccepted 2 MiB unit left (more memory: sim_unaccepted=SIZE)"

static const char *tdx_skip_reason(void)
{
	return cc_platform_has(CC_ATTR_TDX_GUEST) ? NULL : "not a TDX guest (platform=tdx or sim-tdx)";
}

KTEST_SUITE(tdx, KTEST_AFTER_EXIT_BOOT_SERVICES, tdx_skip_reason);

/* Leaves other than acceptance */

KTEST(tdx, vp_info_describes_a_plausible_td)
{
	struct tdx_td_info info;

	KASSERT_EQ(t, tdx_vp_info(&info), TDX_SUCCESS);
	KEXPECT_TRUE(t, info.gpaw == TDX_GPAW_48 || info.gpaw == TDX_GPAW_52);
	KEXPECT_EQ(t, info.shared_bit, 1ull << (info.gpaw - 1));
	KEXPECT_GE(t, info.num_vcpus, 1);
	KEXPECT_LE(t, info.num_vcpus, info.max_vcpus);
	KEXPECT_LT(t, info.vcpu_index, info.num_vcpus);
}

KTEST(tdx, model_is_a_production_td_with_gpaw_48)
{
	struct tdx_td_info info;

	if (!accept_model())
		KTEST_SKIP(t, "the attributes of a real TD are the host's choice");
	KASSERT_EQ(t, tdx_vp_info(&info), TDX_SUCCESS);
	KEXPECT_EQ(t, info.gpaw, TDX_GPAW_48);
	KEXPECT_EQ(t, info.attributes & TDX_ATTR_SEPT_VE_DISABLE, TDX_ATTR_SEPT_VE_DISABLE);
	KEXPECT_EQ(t, info.attributes & TDX_ATTR_DEBUG, 0);
}

KTEST(tdx, veinfo_get_without_a_ve_says_so)
{
	struct tdx_ve_info ve;

	KEXPECT_TRUE(t, tdx_status_is(tdx_ve_info_get(&ve), TDX_NO_VALID_VE_INFO));
}

KTEST(tdx, unknown_leaf_is_an_invalid_rax)
{
	struct tdx_module_args args = { 0 };

	KEXPECT_EQ(t, tdx_tdcall(UNKNOWN_LEAF, &args), TDX_OPERAND_INVALID | TDX_OPERAND_ID_RAX);
}

KTEST(tdx, vmcall_io_writes_and_reads_a_port)
{
	u32 saved = 0, value = 0xa5;

	KASSERT_TRUE(t, tdx_io(COM1_SCRATCH, 1, false, &saved));
	KASSERT_TRUE(t, tdx_io(COM1_SCRATCH, 1, true, &value));
	value = 0;
	KASSERT_TRUE(t, tdx_io(COM1_SCRATCH, 1, false, &value));
	KEXPECT_EQ(t, value, 0xa5);
	KEXPECT_TRUE(t, tdx_io(COM1_SCRATCH, 1, true, &saved));
}

KTEST(tdx, vmcall_unknown_subfunction_fails_in_r10)
{
	struct tdx_module_args args = { .r11 = UNKNOWN_SUBFUNCTION };

	KASSERT_EQ(t, tdx_vmcall(&args), TDX_SUCCESS);
	KEXPECT_NE(t, args.r10, TDVMCALL_STATUS_SUCCESS);
}

KTEST(tdx, vmcall_exposing_rsp_is_an_invalid_rcx)
{
	struct tdx_module_args args = { .rcx = TDVMCALL_EXPOSE_R10_R15 | TDX_GPR_BIT(4) };

	KEXPECT_EQ(t, tdx_tdcall(TDG_VP_VMCALL, &args), TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX);
}

/* TDG.SYS.RD: what a TD can read of its TDX module (tdx_spec.h, docs/abi.md) */

static bool sys_rd_available(void)
{
	struct tdx_td_info info;

	return tdx_vp_info(&info) == TDX_SUCCESS && (info.commands_available & TDX_VP_INFO_R10_SYS_RD);
}

KTEST(tdx, sys_rd_reads_the_module_version)
{
	u64 major = 0, minor = 0, vendor = 0;

	if (!sys_rd_available())
		KTEST_SKIP(t, "TDG.VP.INFO R10 bit 0 clear: no TDG.SYS.RD (a TDX 1.0 module)");
	KASSERT_EQ(t, tdx_sys_rd(TDX_MD_MAJOR_VERSION, &major, NULL), TDX_SUCCESS);
	KASSERT_EQ(t, tdx_sys_rd(TDX_MD_MINOR_VERSION, &minor, NULL), TDX_SUCCESS);
	ktest_evidence(t, "TDX module %llu.%llu", major, minor);
	KEXPECT_GE(t, major, 1);
	KEXPECT_LE(t, major, 0xffff); /* a u16 field, masked by the module */
	KEXPECT_LE(t, minor, 0xffff);
	KEXPECT_EQ(t, tdx_sys_rd(TDX_MD_VENDOR_ID, &vendor, NULL), TDX_SUCCESS);
	KEXPECT_EQ(t, vendor, TDX_VENDOR_ID_INTEL);
}

/* The module's lookup table gives these a guest read mask of 0: the TD gets the status, R8 = 0. */
KTEST(tdx, sys_rd_build_and_update_are_not_readable_by_a_td)
{
	static const u64 host_only[] = { TDX_MD_BUILD_NUM, TDX_MD_BUILD_DATE, TDX_MD_UPDATE_VERSION,
					 TDX_MD_INTERNAL_VERSION };

	if (!sys_rd_available())
		KTEST_SKIP(t, "no TDG.SYS.RD (a TDX 1.0 module)");
	for (unsigned i = 0; i < ARRAY_SIZE(host_only); i++) {
		u64 value = 1, next = 0;
		KEXPECT_EQ(t, tdx_sys_rd(host_only[i], &value, &next), TDX_METADATA_FIELD_NOT_READABLE);
		KEXPECT_EQ(t, value, 0);
		KEXPECT_EQ(t, next, TDX_MD_FIELD_ID_NA);
	}
}

KTEST(tdx, sys_rd_malformed_or_unknown_field_is_incorrect)
{
	u64 value, next;

	if (!sys_rd_available())
		KTEST_SKIP(t, "no TDG.SYS.RD (a TDX 1.0 module)");
	/* LAST_ELEMENT_IN_FIELD = 1: not a single-element identifier */
	KEXPECT_EQ(t, tdx_sys_rd(TDX_MD_MAJOR_VERSION | 1ull << 34, &value, &next), TDX_METADATA_FIELD_ID_INCORRECT);
	/* a reserved bit (62) */
	KEXPECT_EQ(t, tdx_sys_rd(TDX_MD_MAJOR_VERSION | 1ull << 62, &value, &next), TDX_METADATA_FIELD_ID_INCORRECT);
	/* no such field in class 8 */
	KEXPECT_EQ(t, tdx_sys_rd(0x0800000100007fffull, &value, &next), TDX_METADATA_FIELD_ID_INCORRECT);
	KEXPECT_EQ(t, next, TDX_MD_FIELD_ID_NA);
}

/* All ones asks for the first guest-readable field; each read names the next (the module's table order). */
KTEST(tdx, sys_rd_enumerates_from_vendor_id_to_minor_version)
{
	u64 value, next;

	if (!sys_rd_available())
		KTEST_SKIP(t, "no TDG.SYS.RD (a TDX 1.0 module)");
	KEXPECT_EQ(t, tdx_sys_rd(TDX_MD_FIELD_ID_NA, &value, &next), TDX_METADATA_FIRST_FIELD_ID_IN_CONTEXT);
	KEXPECT_EQ(t, next, TDX_MD_VENDOR_ID);
	KASSERT_EQ(t, tdx_sys_rd(TDX_MD_VENDOR_ID, &value, &next), TDX_SUCCESS);
	KEXPECT_EQ(t, next, TDX_MD_MINOR_VERSION); /* BUILD_DATE and BUILD_NUM are skipped: not readable */
}

/* A module without the leaf (1.0) answers it as any unknown leaf, and the identity line says so. */
KTEST(tdx, sys_rd_absent_is_an_invalid_rax_and_reported)
{
	struct tdx_module_identity id;
	char words[400];

	if (sys_rd_available())
		KTEST_SKIP(t, "the module has TDG.SYS.RD (sim_tdx_module=1.0 models one without)");
	KEXPECT_EQ(t, tdx_sys_rd(TDX_MD_MAJOR_VERSION, NULL, NULL), TDX_OPERAND_INVALID | TDX_OPERAND_ID_RAX);
	tdx_identity_read(&id);
	tdx_identity_format(&id, words, sizeof(words));
	KEXPECT_EQ(t, strncmp(words, "module=unknown tdx_sys_rd=0 tdx_major=err:0xc000010000000000 ", 61), 0);
}

/* The "# platform-identity:" line of a model boot, word for word (docs/protocol.md). */
KTEST(tdx, model_identity_line_names_the_modelled_module)
{
	static const char *const expected_1_5 =
		"platform=sim-tdx source=model module=1.5 tdx_sys_rd=1 tdx_major=1 tdx_minor=5 "
		"tdx_update=err:0xc0000c0200000000 tdx_internal=err:0xc0000c0200000000 "
		"tdx_build_num=err:0xc0000c0200000000 tdx_build_date=err:0xc0000c0200000000 tdx_vendor_id=0x8086 "
		"tdx_sys_attributes=0x0 tdx_features0=0x2e1f0fbf";
	static const char *const expected_1_0 =
		"platform=sim-tdx source=model module=unknown tdx_sys_rd=0 tdx_major=err:0xc000010000000000 "
		"tdx_minor=err:0xc000010000000000 tdx_update=err:0xc000010000000000 "
		"tdx_internal=err:0xc000010000000000 tdx_build_num=err:0xc000010000000000 "
		"tdx_build_date=err:0xc000010000000000 tdx_vendor_id=err:0xc000010000000000 "
		"tdx_sys_attributes=err:0xc000010000000000 tdx_features0=err:0xc000010000000000";
	char line[480];

	if (!accept_model())
		KTEST_SKIP(t, "the module version of a real TD is the host's");
	platform_identity_line(line, sizeof(line));
	KEXPECT_STREQ(t, line, sim_knobs.tdx_module_1_0 ? expected_1_0 : expected_1_5);
}

/* TDG.MEM.PAGE.ACCEPT on fresh units */

static void finish(struct ktest *t, struct range r)
{
	KEXPECT_EQ(t, unaccepted_accept(r.start, range_len(r), NULL), ACCEPT_MEMORY_OK);
}

KTEST(tdx, misaligned_gpa_is_an_invalid_rcx)
{
	struct range r;

	if (!take_units(1, &r))
		KTEST_SKIP(t, NO_UNIT_LEFT);
	KEXPECT_EQ(t, tdx_accept_page(r.start + PAGE, ACCEPT_2M), TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX);
	KEXPECT_EQ(t, tdx_accept_page(r.start, ACCEPT_1G), TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX);
	finish(t, r);
}

KTEST(tdx, accept_zeroes_and_a_second_accept_keeps_the_data)
{
	const struct platform_model_ops *model = accept_model();
	struct range r;

	if (!take_units(1, &r))
		KTEST_SKIP(t, NO_UNIT_LEFT);
	if (model) {
		model->poison(r.start);
		KEXPECT_FALSE(t, memory_is_zero(r.start, PAGE));
	}
	KASSERT_EQ(t, tdx_accept_page(r.start, ACCEPT_4K), TDX_SUCCESS);
	KEXPECT_TRUE(t, memory_is_zero(r.start, PAGE));
	fill_pattern(r.start, PAGE, PATTERN);
	KEXPECT_TRUE(t, tdx_status_is(tdx_accept_page(r.start, ACCEPT_4K), TDX_PAGE_ALREADY_ACCEPTED));
	KEXPECT_TRUE(t, memory_is_pattern(r.start, PAGE, PATTERN));
	finish(t, r);
}

KTEST(tdx, double_accept_at_2m_is_already_accepted)
{
	const struct platform_model_ops *model = accept_model();
	struct range r;

	if (!model)
		KTEST_SKIP(t, "whether the host maps this 2 MiB as one leaf is the host's choice");
	if (!take_units(1, &r))
		KTEST_SKIP(t, NO_UNIT_LEFT);
	model->set_host_4k(r.start, false);
	KASSERT_EQ(t, tdx_accept_page(r.start, ACCEPT_2M), TDX_SUCCESS);
	KEXPECT_EQ(t, tdx_accept_page(r.start, ACCEPT_2M), TDX_PAGE_ALREADY_ACCEPTED | TDX_PS_2M);
	for (u64 a = r.start; a < r.end; a += PAGE)
		KASSERT_TRUE(t, model->page_accepted(a));
	finish(t, r);
}

KTEST(tdx, size_mismatch_at_2m_where_the_host_maps_4k)
{
	const struct platform_model_ops *model = accept_model();
	struct range r;

	if (!model)
		KTEST_SKIP(t, "needs the model to make the host map 4 KiB pages");
	if (!take_units(1, &r))
		KTEST_SKIP(t, NO_UNIT_LEFT);
	model->set_host_4k(r.start, true);
	KEXPECT_EQ(t, tdx_accept_page(r.start, ACCEPT_2M), TDX_PAGE_SIZE_MISMATCH | TDX_PS_2M);
	KEXPECT_FALSE(t, model->page_accepted(r.start));
	finish(t, r);
}

KTEST(tdx, partly_accepted_2m_is_a_size_mismatch)
{
	const struct platform_model_ops *model = accept_model();
	struct range r;

	if (!model)
		KTEST_SKIP(t, "needs the model to know how the host maps the 2 MiB");
	if (!take_units(1, &r))
		KTEST_SKIP(t, NO_UNIT_LEFT);
	model->set_host_4k(r.start, false);
	KASSERT_EQ(t, tdx_accept_page(r.start + PAGE, ACCEPT_4K), TDX_SUCCESS);
	KEXPECT_EQ(t, tdx_accept_page(r.start, ACCEPT_2M), TDX_PAGE_SIZE_MISMATCH | TDX_PS_2M);
	KEXPECT_FALSE(t, model->page_accepted(r.start));
	finish(t, r);
}
