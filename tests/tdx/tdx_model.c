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
#include <arch/tdx.h>
#include <arch/tdx_spec.h>
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
