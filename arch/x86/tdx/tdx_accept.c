/* SPDX-License-Identifier: MIT */
/*
 * TDG.MEM.PAGE.ACCEPT as the acceptance engine's per-page acceptor (kernel/mm/accept.h). The engine picks
 * the level (4K or 2M: the TDX module accepts nothing larger, intel/tdx-module tdg_mem_page_accept.c),
 * falls back from 2M to 4K on SIZE_MISMATCH and retries BUSY (edk2 MdePkg/Library/TdxLib/AcceptPages.c).
 * This file only speaks TDCALL and maps the statuses, comparing their upper 32 bits (the low 32 bits name
 * an operand or a level).
 */
#include <arch/tdx.h>
#include <arch/tdx_spec.h>
#include <ccktf/platform.h>

/* enum accept_level is the TDX encoding already; spelled out so that neither depends on the other. */
static u64 tdx_level(enum accept_level level)
{
	switch (level) {
	case ACCEPT_2M:
		return TDX_PS_2M;
	case ACCEPT_1G:
		return TDX_PS_1G;
	default:
		return TDX_PS_4K;
	}
}

u64 tdx_accept_page(u64 gpa, enum accept_level level)
{
	struct tdx_module_args args = { .rcx = gpa | tdx_level(level) };

	return tdx_tdcall(TDG_MEM_PAGE_ACCEPT, &args);
}

enum accept_answer tdx_accept_answer(u64 status)
{
	if (status == TDX_SUCCESS)
		return ACCEPT_DONE;
	if (tdx_status_is(status, TDX_PAGE_ALREADY_ACCEPTED))
		return ACCEPT_ALREADY_ACCEPTED;
	if (tdx_status_is(status, TDX_PAGE_SIZE_MISMATCH))
		return ACCEPT_SIZE_MISMATCH;
	/* A concurrent host operation on the S-EPT entry, with or without host priority (module 1.5): retry. */
	if (tdx_status_is(status, TDX_OPERAND_BUSY) || tdx_status_is(status, TDX_OPERAND_BUSY_HOST_PRIORITY))
		return ACCEPT_BUSY;
	return ACCEPT_FAILED;
}

static enum accept_answer accept_one(void *ctx, u64 addr, enum accept_level level, u64 *raw_status)
{
	(void)ctx;
	*raw_status = tdx_accept_page(addr, level);
	return tdx_accept_answer(*raw_status);
}

const struct page_acceptor tdx_page_acceptor = {
	.name = "TDG.MEM.PAGE.ACCEPT",
	.level_mask = ACCEPT_LEVELS_4K_2M,
	.accept_page = accept_one,
};

u64 tdx_accept_range(u64 start, u64 size, struct accept_stats *stats)
{
	struct accept_pages_ctx ctx = { .acceptor = &tdx_page_acceptor, .stats = stats };

	return accept_range_by_pages(&ctx, start, size);
}

enum cc_page_state tdx_page_state(u64 addr, u64 *raw_status)
{
	*raw_status = tdx_accept_page(addr, ACCEPT_4K);
	if (*raw_status == TDX_SUCCESS)
		return CC_PAGE_PENDING;
	return tdx_status_is(*raw_status, TDX_PAGE_ALREADY_ACCEPTED) ? CC_PAGE_ACCEPTED : CC_PAGE_UNKNOWN;
}
