/* SPDX-License-Identifier: MIT */
/*
 * The TDX backend's acceptor (arch/x86/tdx/tdx_accept.c) over a scripted TDCALL: each TDG.MEM.PAGE.ACCEPT
 * answers the next status of a script, as the TDX module would, low operand bits included.
 */
#include <ccktf/ktest.h>
#include <string.h>

#include "../../arch/x86/tdx/tdx_accept.c"

KTEST_SUITE(host_tdx_accept, KTEST_AFTER_EXIT_BOOT_SERVICES, NULL);

static u64 script[8];
static unsigned script_len, script_pos, calls;
static u64 last_rcx;

u64 tdx_tdcall(u64 leaf, struct tdx_module_args *args)
{
	calls++;
	last_rcx = args->rcx;
	if (leaf != TDG_MEM_PAGE_ACCEPT)
		return TDX_OPERAND_INVALID;
	return script_pos < script_len ? script[script_pos++] : TDX_SUCCESS;
}

static void play(unsigned n, const u64 *statuses)
{
	memcpy(script, statuses, n * sizeof(*statuses));
	script_len = n;
	script_pos = calls = 0;
}

/* TDX module 1.5: TDX_OPERAND_BUSY_HOST_PRIORITY is a busy, retried like TDX_OPERAND_BUSY. */
KTEST(host_tdx_accept, busy_host_priority_is_retried)
{
	const u64 s[] = { TDX_OPERAND_BUSY_HOST_PRIORITY | TDX_OPERAND_ID_RCX, TDX_SUCCESS };
	struct accept_stats st = { 0 };

	play(2, s);
	KEXPECT_EQ(t, tdx_accept_range(4 * GiB, 4096, &st), 4096);
	KEXPECT_EQ(t, st.busy_retries, 1);
	KEXPECT_EQ(t, st.errors, 0);
	KEXPECT_EQ(t, calls, 2);
}

KTEST(host_tdx_accept, status_mapping)
{
	KEXPECT_EQ(t, tdx_accept_answer(TDX_SUCCESS), ACCEPT_DONE);
	KEXPECT_EQ(t, tdx_accept_answer(TDX_PAGE_ALREADY_ACCEPTED | 1), ACCEPT_ALREADY_ACCEPTED);
	KEXPECT_EQ(t, tdx_accept_answer(TDX_PAGE_SIZE_MISMATCH | 1), ACCEPT_SIZE_MISMATCH);
	KEXPECT_EQ(t, tdx_accept_answer(TDX_OPERAND_BUSY | TDX_OPERAND_ID_RCX), ACCEPT_BUSY);
	KEXPECT_EQ(t, tdx_accept_answer(TDX_OPERAND_BUSY_HOST_PRIORITY), ACCEPT_BUSY);
	KEXPECT_EQ(t, tdx_accept_answer(TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX), ACCEPT_FAILED);
}

/* A busy that never clears is a hard error carrying the raw status, operand bits included. */
KTEST(host_tdx_accept, busy_forever_keeps_the_raw_status)
{
	const u64 b = TDX_OPERAND_BUSY_HOST_PRIORITY | TDX_OPERAND_ID_RCX;
	const u64 s[] = { b, b, b, b, b };
	struct accept_stats st = { 0 };

	play(5, s);
	KEXPECT_EQ(t, tdx_accept_range(4 * GiB, 4096, &st), 0);
	KEXPECT_EQ(t, st.errors, 1);
	KEXPECT_EQ(t, st.first_error.status, b);
	KEXPECT_EQ(t, st.first_error.answer, ACCEPT_BUSY);
	KEXPECT_EQ(t, last_rcx, 4 * GiB | TDX_PS_4K);
}
