/* SPDX-License-Identifier: MIT */
/*
 * The acceptance engine (kernel/mm/accept.c) against a fake platform: a per-4K "accepted" array that answers
 * like the TDX module (statuses from edk2 MdePkg/Include/IndustryStandard/Tdx.h and Linux
 * arch/x86/kvm/vmx/tdx_errno.h) and can be told to mismatch, stay busy or fail.
 */
#include <ccktf/ktest.h>
#include <stdlib.h>
#include <string.h>

#include <ccktf/time.h>
#include "mm/accept.h"

KTEST_SUITE(host_accept_pages, KTEST_AFTER_EXIT_BOOT_SERVICES, NULL);
KTEST_SUITE(host_accept_memory, KTEST_AFTER_EXIT_BOOT_SERVICES, NULL);

#define PAGE 4096ull
#define UNIT (2 * MiB)
#define HI (4 * GiB)

#define TDX_ALREADY_ACCEPTED 0x00000B0A00000000ull
#define TDX_SIZE_MISMATCH 0xC0000B0B00000000ull
#define TDX_OPERAND_INVALID 0xC000010000000000ull
#define TDX_OPERAND_BUSY 0x8000020000000000ull

struct fake {
	u64 base;
	u64 pages;
	u8 *accepted;		 /* per 4K page: how many times a DONE answer covered it */
	struct range mismatch;	 /* 2M and 1G pieces meeting it answer SIZE_MISMATCH */
	unsigned busy_left;	 /* BUSY answers before anything else */
	u64 busy_until_ns;	 /* and BUSY answers until time_now_ns() reaches it */
	bool busy_forever;
	bool fail_set;		 /* pieces containing fail_addr answer fail_answer with fail_status */
	u64 fail_addr;
	enum accept_answer fail_answer;
	u64 fail_status;
	u64 calls[ACCEPT_LEVELS];
	u64 bad_calls;		 /* misaligned or outside the fake */
};

static struct fake *fake_new(u64 base, u64 size)
{
	struct fake *f = calloc(1, sizeof(*f));

	f->base = base;
	f->pages = size / PAGE;
	f->accepted = calloc(f->pages, 1);
	return f;
}

static void fake_free(struct fake *f)
{
	free(f->accepted);
	free(f);
}

static u64 fake_calls(const struct fake *f)
{
	return f->calls[ACCEPT_4K] + f->calls[ACCEPT_2M] + f->calls[ACCEPT_1G];
}

/* Pages in r accepted at least min times. */
static u64 fake_count(const struct fake *f, struct range r, unsigned min)
{
	u64 n = 0;

	for (u64 a = r.start; a < r.end; a += PAGE)
		n += f->accepted[(a - f->base) / PAGE] >= min;
	return n;
}

static enum accept_answer answer(u64 *raw, u64 status, enum accept_answer a)
{
	*raw = status;
	return a;
}

static enum accept_answer fake_mark(struct fake *f, struct range piece, u64 *raw)
{
	u64 first = (piece.start - f->base) / PAGE, n = range_len(piece) / PAGE, done = fake_count(f, piece, 1);

	if (done == n)
		return answer(raw, TDX_ALREADY_ACCEPTED, ACCEPT_ALREADY_ACCEPTED);
	if (done)
		return answer(raw, TDX_SIZE_MISMATCH, ACCEPT_SIZE_MISMATCH);
	for (u64 i = 0; i < n; i++)
		f->accepted[first + i]++;
	return answer(raw, 0, ACCEPT_DONE);
}

static enum accept_answer fake_accept(void *ctx, u64 addr, enum accept_level level, u64 *raw)
{
	struct fake *f = ctx;
	struct range piece = range_make(addr, addr + accept_level_size(level));

	f->calls[level]++;
	if (!IS_ALIGNED(addr, range_len(piece)) || addr < f->base || piece.end > f->base + f->pages * PAGE) {
		f->bad_calls++;
		return answer(raw, TDX_OPERAND_INVALID, ACCEPT_FAILED);
	}
	if (f->busy_forever || f->busy_left || time_now_ns() < f->busy_until_ns) {
		f->busy_left -= !!f->busy_left;
		return answer(raw, TDX_OPERAND_BUSY, ACCEPT_BUSY);
	}
	if (level > ACCEPT_4K && range_overlaps(piece, f->mismatch))
		return answer(raw, TDX_SIZE_MISMATCH, ACCEPT_SIZE_MISMATCH);
	if (f->fail_set && range_contains_addr(piece, f->fail_addr))
		return answer(raw, f->fail_status, f->fail_answer);
	return fake_mark(f, piece, raw);
}

static struct page_acceptor acceptor(struct fake *f, unsigned mask)
{
	return (struct page_acceptor){ "fake", mask, fake_accept, f };
}

static void fake_fail_at(struct fake *f, u64 addr, enum accept_answer a, u64 status)
{
	f->fail_set = true;
	f->fail_addr = addr;
	f->fail_answer = a;
	f->fail_status = status;
}

/* accept_pages() */

KTEST(host_accept_pages, level_policy)
{
	KEXPECT_EQ(t, accept_pick_level(ACCEPT_LEVELS_4K_2M, 1 * GiB, 1 * GiB), ACCEPT_2M);
	KEXPECT_EQ(t, accept_pick_level(ACCEPT_LEVELS_ALL, 1 * GiB, 1 * GiB), ACCEPT_1G);
	KEXPECT_EQ(t, accept_pick_level(ACCEPT_LEVELS_ALL, 1 * GiB, 1 * GiB - PAGE), ACCEPT_2M);
	KEXPECT_EQ(t, accept_pick_level(ACCEPT_LEVELS_ALL, 2 * MiB + PAGE, 1 * GiB), ACCEPT_4K);
	KEXPECT_EQ(t, accept_pick_level(ACCEPT_LEVELS_ALL, 2 * MiB, 2 * MiB - PAGE), ACCEPT_4K);
	KEXPECT_EQ(t, accept_pick_level(ACCEPT_LEVEL_BIT(ACCEPT_2M), PAGE, 1 * GiB), ACCEPT_LEVEL_NONE);
	KEXPECT_EQ(t, accept_pick_level(ACCEPT_LEVELS_ALL, 0, PAGE - 1), ACCEPT_LEVEL_NONE);
	KEXPECT_EQ(t, accept_level_size(ACCEPT_1G), 1 * GiB);
}

KTEST(host_accept_pages, platform_mask_rules_out_1g)
{
	struct fake *f = fake_new(1 * GiB, 1 * GiB);
	struct page_acceptor a = acceptor(f, ACCEPT_LEVELS_4K_2M);
	struct accept_stats s = { 0 };

	KEXPECT_EQ(t, accept_pages(&a, 1 * GiB, 1 * GiB, &s), 1 * GiB);
	KEXPECT_EQ(t, f->calls[ACCEPT_1G], 0);
	KEXPECT_EQ(t, f->calls[ACCEPT_2M], 512);
	KEXPECT_EQ(t, s.calls[ACCEPT_2M], 512);
	KEXPECT_EQ(t, s.bytes[ACCEPT_2M], 1 * GiB);
	KEXPECT_EQ(t, fake_count(f, range_make(1 * GiB, 2 * GiB), 1), f->pages);
	fake_free(f);
}

KTEST(host_accept_pages, one_1g_call_where_allowed)
{
	struct fake *f = fake_new(1 * GiB, 1 * GiB + UNIT);
	struct page_acceptor a = acceptor(f, ACCEPT_LEVELS_ALL);
	struct accept_stats s = { 0 };

	KEXPECT_EQ(t, accept_pages(&a, 1 * GiB, 1 * GiB + UNIT, &s), 1 * GiB + UNIT);
	KEXPECT_EQ(t, s.calls[ACCEPT_1G], 1);
	KEXPECT_EQ(t, s.calls[ACCEPT_2M], 1);
	KEXPECT_EQ(t, s.calls[ACCEPT_4K], 0);
	KEXPECT_EQ(t, s.bytes[ACCEPT_1G], 1 * GiB);
	KEXPECT_EQ(t, f->bad_calls, 0);
	fake_free(f);
}

KTEST(host_accept_pages, mismatch_falls_back_1g_to_2m_to_4k)
{
	struct fake *f = fake_new(1 * GiB, 1 * GiB);
	struct page_acceptor a = acceptor(f, ACCEPT_LEVELS_ALL);
	struct accept_stats s = { 0 };

	f->mismatch = range_make(1 * GiB + 6 * MiB, 1 * GiB + 7 * MiB);
	KEXPECT_EQ(t, accept_pages(&a, 1 * GiB, 1 * GiB, &s), 1 * GiB);
	KEXPECT_EQ(t, s.calls[ACCEPT_1G], 1);
	KEXPECT_EQ(t, s.calls[ACCEPT_2M], 512);
	KEXPECT_EQ(t, s.calls[ACCEPT_4K], 512);
	KEXPECT_EQ(t, s.size_mismatch_fallbacks, 2);
	KEXPECT_EQ(t, s.bytes[ACCEPT_2M], 1 * GiB - UNIT);
	KEXPECT_EQ(t, s.bytes[ACCEPT_4K], UNIT);
	KEXPECT_EQ(t, fake_count(f, range_make(1 * GiB, 2 * GiB), 1), f->pages);
	KEXPECT_EQ(t, fake_count(f, range_make(1 * GiB, 2 * GiB), 2), 0);
	fake_free(f);
}

KTEST(host_accept_pages, mismatch_2m_on_chosen_units)
{
	struct fake *f = fake_new(HI, 32 * MiB);
	struct page_acceptor a = acceptor(f, ACCEPT_LEVELS_4K_2M);
	struct accept_stats s = { 0 };

	f->mismatch = range_make(HI + 6 * MiB, HI + 10 * MiB); /* units 3 and 4 */
	KEXPECT_EQ(t, accept_pages(&a, HI, 32 * MiB, &s), 32 * MiB);
	KEXPECT_EQ(t, s.calls[ACCEPT_2M], 16);
	KEXPECT_EQ(t, s.calls[ACCEPT_4K], 1024);
	KEXPECT_EQ(t, s.size_mismatch_fallbacks, 2);
	KEXPECT_EQ(t, s.bytes[ACCEPT_2M], 28 * MiB);
	KEXPECT_EQ(t, s.bytes[ACCEPT_4K], 4 * MiB);
	KEXPECT_EQ(t, s.errors, 0);
	KEXPECT_EQ(t, fake_count(f, range_make(HI, HI + 32 * MiB), 1), f->pages);
	KEXPECT_EQ(t, fake_count(f, range_make(HI, HI + 32 * MiB), 2), 0);
	fake_free(f);
}

KTEST(host_accept_pages, unaligned_head_and_tail)
{
	struct fake *f = fake_new(HI, 8 * MiB);
	struct page_acceptor a = acceptor(f, ACCEPT_LEVELS_4K_2M);
	struct accept_stats s = { 0 };
	struct range r = range_make(HI + PAGE, HI + 4 * MiB + 2 * PAGE);

	KEXPECT_EQ(t, accept_pages(&a, r.start, range_len(r), &s), range_len(r));
	KEXPECT_EQ(t, s.calls[ACCEPT_4K], 511 + 2);
	KEXPECT_EQ(t, s.calls[ACCEPT_2M], 1);
	KEXPECT_EQ(t, fake_count(f, r, 1), range_len(r) / PAGE);
	KEXPECT_EQ(t, fake_count(f, range_make(HI, HI + 8 * MiB), 1), range_len(r) / PAGE);
	fake_free(f);
}

KTEST(host_accept_pages, busy_then_success_is_retried)
{
	struct fake *f = fake_new(HI, 8 * MiB);
	struct page_acceptor a = acceptor(f, ACCEPT_LEVELS_4K_2M);
	struct accept_stats s = { 0 };

	f->busy_left = ACCEPT_BUSY_RETRIES;
	KEXPECT_EQ(t, accept_pages(&a, HI, 8 * MiB, &s), 8 * MiB);
	KEXPECT_EQ(t, s.busy_retries, 3);
	KEXPECT_EQ(t, s.calls[ACCEPT_2M], 4 + 3);
	KEXPECT_EQ(t, s.errors, 0);
	KEXPECT_EQ(t, fake_count(f, range_make(HI, HI + 8 * MiB), 1), f->pages);
	fake_free(f);
}

/* Another vCPU's 2 MiB accept in flight (20 ms here, as under TCG): waited out, not failed in microseconds */
KTEST(host_accept_pages, busy_for_another_vcpus_whole_accept_is_waited_out)
{
	struct fake *f = fake_new(HI, 8 * MiB);
	struct page_acceptor a = acceptor(f, ACCEPT_LEVELS_4K_2M);
	struct accept_stats s = { 0 };

	f->busy_until_ns = time_now_ns() + 20 * 1000000ull;
	KEXPECT_EQ(t, accept_pages(&a, HI, 8 * MiB, &s), 8 * MiB);
	KEXPECT_EQ(t, s.errors, 0);
	KEXPECT_GT(t, s.busy_retries, ACCEPT_BUSY_RETRIES);
	KEXPECT_EQ(t, fake_count(f, range_make(HI, HI + 8 * MiB), 1), f->pages);
	fake_free(f);
}

KTEST(host_accept_pages, busy_forever_is_a_hard_error)
{
	struct fake *f = fake_new(HI, 8 * MiB);
	struct page_acceptor a = acceptor(f, ACCEPT_LEVELS_4K_2M);
	struct accept_stats s = { 0 };
	u64 t0;

	f->busy_forever = true;
	t0 = time_now_ns();
	KEXPECT_EQ(t, accept_pages(&a, HI, 8 * MiB, &s), 0);
	KEXPECT_GE(t, time_now_ns() - t0, ACCEPT_BUSY_WAIT_NS); /* waited the bound out, then gave up */
	KEXPECT_GE(t, s.calls[ACCEPT_2M], 1 + ACCEPT_BUSY_RETRIES);
	KEXPECT_EQ(t, s.busy_retries, s.calls[ACCEPT_2M] - 1);
	KEXPECT_EQ(t, s.errors, 1);
	KEXPECT_EQ(t, s.first_error.addr, HI);
	KEXPECT_EQ(t, s.first_error.status, TDX_OPERAND_BUSY);
	KEXPECT_EQ(t, s.first_error.answer, ACCEPT_BUSY);
	KEXPECT_EQ(t, fake_count(f, range_make(HI, HI + 8 * MiB), 1), 0);
	fake_free(f);
}

KTEST(host_accept_pages, already_accepted_is_counted_not_fatal)
{
	struct fake *f = fake_new(HI, 8 * MiB);
	struct page_acceptor a = acceptor(f, ACCEPT_LEVELS_4K_2M);
	struct accept_stats s = { 0 };

	memset(f->accepted + 512, 1, 512); /* unit 1 wholly */
	f->accepted[3 * 512 + 7] = 1;	   /* one page of unit 3 */
	KEXPECT_EQ(t, accept_pages(&a, HI, 8 * MiB, &s), 8 * MiB);
	KEXPECT_EQ(t, s.already_accepted, 2); /* unit 1 at 2M, the one page at 4K */
	KEXPECT_EQ(t, s.size_mismatch_fallbacks, 1);
	KEXPECT_EQ(t, s.calls[ACCEPT_4K], 512);
	KEXPECT_EQ(t, s.errors, 0);
	KEXPECT_EQ(t, fake_count(f, range_make(HI, HI + 8 * MiB), 1), f->pages);
	KEXPECT_EQ(t, fake_count(f, range_make(HI, HI + 8 * MiB), 2), 0);
	fake_free(f);
}

KTEST(host_accept_pages, failed_at_4k_stops_with_address_and_status)
{
	struct fake *f = fake_new(HI, 16 * MiB);
	struct page_acceptor a = acceptor(f, ACCEPT_LEVELS_4K_2M);
	struct accept_stats s = { 0 };
	u64 bad = HI + 10 * MiB + 17 * PAGE;

	f->mismatch = range_make(HI + 10 * MiB, HI + 12 * MiB);
	fake_fail_at(f, bad, ACCEPT_FAILED, TDX_OPERAND_INVALID);
	KEXPECT_EQ(t, accept_pages(&a, HI, 16 * MiB, &s), bad - HI);
	KEXPECT_EQ(t, s.errors, 1);
	KEXPECT_EQ(t, s.first_error.addr, bad);
	KEXPECT_EQ(t, s.first_error.status, TDX_OPERAND_INVALID);
	KEXPECT_EQ(t, s.first_error.level, ACCEPT_4K);
	KEXPECT_EQ(t, s.first_error.answer, ACCEPT_FAILED);
	KEXPECT_STREQ(t, s.first_error.reason, "failed");
	KEXPECT_EQ(t, fake_count(f, range_make(HI, bad), 1), (bad - HI) / PAGE);
	KEXPECT_EQ(t, fake_count(f, range_make(bad, HI + 16 * MiB), 1), 0);
	fake_free(f);
}

KTEST(host_accept_pages, failed_at_2m_is_a_hard_error)
{
	struct fake *f = fake_new(HI, 16 * MiB);
	struct page_acceptor a = acceptor(f, ACCEPT_LEVELS_4K_2M);
	struct accept_stats s = { 0 };

	fake_fail_at(f, HI + 10 * MiB + 17 * PAGE, ACCEPT_FAILED, TDX_OPERAND_INVALID);
	KEXPECT_EQ(t, accept_pages(&a, HI, 16 * MiB, &s), 10 * MiB);
	KEXPECT_EQ(t, s.first_error.addr, HI + 10 * MiB);
	KEXPECT_EQ(t, s.first_error.level, ACCEPT_2M);
	KEXPECT_EQ(t, s.calls[ACCEPT_4K], 0);
	fake_free(f);
}

KTEST(host_accept_pages, size_mismatch_at_4k_is_a_hard_error)
{
	struct fake *f = fake_new(HI, 4 * MiB);
	struct page_acceptor a = acceptor(f, ACCEPT_LEVELS_4K_2M);
	struct accept_stats s = { 0 };

	fake_fail_at(f, HI + 2 * MiB + 5 * PAGE, ACCEPT_SIZE_MISMATCH, TDX_SIZE_MISMATCH);
	KEXPECT_EQ(t, accept_pages(&a, HI, 4 * MiB, &s), 2 * MiB + 5 * PAGE);
	KEXPECT_EQ(t, s.size_mismatch_fallbacks, 1);
	KEXPECT_EQ(t, s.first_error.addr, HI + 2 * MiB + 5 * PAGE);
	KEXPECT_EQ(t, s.first_error.status, TDX_SIZE_MISMATCH);
	KEXPECT_STREQ(t, s.first_error.reason, "size mismatch at 4K");
	fake_free(f);
}

KTEST(host_accept_pages, bad_requests_call_nothing)
{
	struct fake *f = fake_new(HI, 4 * MiB);
	struct page_acceptor a = acceptor(f, ACCEPT_LEVELS_4K_2M);
	struct page_acceptor no_4k = acceptor(f, ACCEPT_LEVEL_BIT(ACCEPT_2M));
	struct accept_stats s = { 0 };

	KEXPECT_EQ(t, accept_pages(&a, HI + 8, 2 * MiB, &s), 0);
	KEXPECT_EQ(t, accept_pages(&a, HI, 2 * MiB + 8, &s), 0);
	KEXPECT_EQ(t, accept_pages(&a, U64_MAX - PAGE + 1, 2 * PAGE, &s), 0);
	KEXPECT_EQ(t, accept_pages(&no_4k, HI, 2 * MiB, &s), 0);
	KEXPECT_EQ(t, s.errors, 4);
	KEXPECT_STREQ(t, s.first_error.reason, "request not 4 KiB aligned");
	KEXPECT_EQ(t, fake_calls(f), 0);
	KEXPECT_EQ(t, accept_pages(&a, HI, 0, NULL), 0);
	KEXPECT_EQ(t, accept_pages(&a, HI, 4 * MiB, NULL), 4 * MiB);
	fake_free(f);
}

/* accept_memory() */

/* A TDX-like platform: accept_memory() -> accept_range_by_pages() -> accept_pages() -> the fake. */
struct tdx_fixture {
	struct fake *f;
	struct page_acceptor pages;
	struct accept_stats stats;
	struct accept_pages_ctx pctx;
	struct range_acceptor ra;
	struct efi_unaccepted_memory *tbl;
	struct accept_memory_result res;
};

/* 16 units at 4G, all unaccepted. */
static struct efi_unaccepted_memory *table_all_set(void)
{
	struct efi_unaccepted_memory *tbl = calloc(1, UNACCEPTED_HEADER_SIZE + 2);

	*tbl = (struct efi_unaccepted_memory){ 1, UNIT, HI, 2 };
	unaccepted_set_units(tbl, 0, 16);
	return tbl;
}

static void tdx_setup(struct tdx_fixture *x)
{
	memset(x, 0, sizeof(*x));
	x->f = fake_new(HI, 32 * MiB);
	x->pages = acceptor(x->f, ACCEPT_LEVELS_4K_2M);
	x->pctx = (struct accept_pages_ctx){ &x->pages, &x->stats };
	x->ra = (struct range_acceptor){ accept_range_by_pages, &x->pctx };
	x->tbl = table_all_set();
}

static void tdx_teardown(struct tdx_fixture *x)
{
	fake_free(x->f);
	free(x->tbl);
}

static int tdx_accept(struct tdx_fixture *x, u64 start, u64 size)
{
	return accept_memory(x->tbl, start, size, &x->ra, &x->res);
}

/* An SNP-like range acceptor that records each range and accepts up to limit. */
struct range_log {
	unsigned n;
	struct range r[8];
	u64 limit;
};

static u64 log_range(void *ctx, u64 start, u64 size)
{
	struct range_log *log = ctx;

	if (log->n < ARRAY_SIZE(log->r))
		log->r[log->n] = range_make(start, start + size);
	log->n++;
	return range_contains_addr(range_make(start, start + size), log->limit) ? log->limit - start : size;
}

KTEST(host_accept_memory, accepts_everything_and_clears_every_bit)
{
	static struct tdx_fixture x;

	tdx_setup(&x);
	KEXPECT_EQ(t, tdx_accept(&x, HI, 32 * MiB), ACCEPT_MEMORY_OK);
	KEXPECT_EQ(t, x.res.runs, 1);
	KEXPECT_EQ(t, x.res.units_cleared, 16);
	KEXPECT_EQ(t, unaccepted_count_set(x.tbl), 0);
	KEXPECT_EQ(t, x.stats.calls[ACCEPT_2M], 16);
	KEXPECT_EQ(t, x.stats.calls[ACCEPT_1G], 0);
	KEXPECT_EQ(t, fake_count(x.f, range_make(HI, HI + 32 * MiB), 1), x.f->pages);
	tdx_teardown(&x);
}

KTEST(host_accept_memory, outside_the_bitmap_is_a_noop)
{
	static struct tdx_fixture x;

	tdx_setup(&x);
	KEXPECT_EQ(t, tdx_accept(&x, 0, HI), ACCEPT_MEMORY_OK);
	KEXPECT_EQ(t, tdx_accept(&x, HI + 32 * MiB, 1 * GiB), ACCEPT_MEMORY_OK);
	KEXPECT_EQ(t, tdx_accept(&x, HI + 2 * MiB, 0), ACCEPT_MEMORY_OK);
	KEXPECT_EQ(t, x.res.runs, 0);
	KEXPECT_EQ(t, fake_calls(x.f), 0);
	KEXPECT_EQ(t, unaccepted_count_set(x.tbl), 16);
	KEXPECT_EQ(t, tdx_accept(&x, HI - 4 * MiB, 6 * MiB), ACCEPT_MEMORY_OK); /* straddles the start */
	KEXPECT_EQ(t, x.res.units_cleared, 1);
	KEXPECT_FALSE(t, unaccepted_test(x.tbl, 0));
	KEXPECT_TRUE(t, unaccepted_test(x.tbl, 1));
	KEXPECT_EQ(t, x.f->bad_calls, 0);
	tdx_teardown(&x);
}

KTEST(host_accept_memory, double_accept_touches_nothing)
{
	static struct tdx_fixture x;
	u64 calls;

	tdx_setup(&x);
	KEXPECT_EQ(t, tdx_accept(&x, HI, 32 * MiB), ACCEPT_MEMORY_OK);
	calls = fake_calls(x.f);
	KEXPECT_EQ(t, tdx_accept(&x, HI, 32 * MiB), ACCEPT_MEMORY_OK);
	KEXPECT_EQ(t, x.res.runs, 0);
	KEXPECT_EQ(t, x.res.units_cleared, 0);
	KEXPECT_EQ(t, fake_calls(x.f), calls);
	KEXPECT_EQ(t, x.stats.already_accepted, 0);
	tdx_teardown(&x);
}

KTEST(host_accept_memory, unaligned_request_takes_whole_units)
{
	static struct tdx_fixture x;
	struct range_log log = { .limit = U64_MAX };
	struct range_acceptor ra = { log_range, &log };

	tdx_setup(&x);
	/* [4G+3M, 4G+7M): parts of units 1 and 3, all of unit 2. */
	KEXPECT_EQ(t, accept_memory(x.tbl, HI + 3 * MiB, 4 * MiB, &ra, &x.res), ACCEPT_MEMORY_OK);
	KEXPECT_EQ(t, log.n, 1);
	KEXPECT_EQ(t, log.r[0].start, HI + 2 * MiB);
	KEXPECT_EQ(t, log.r[0].end, HI + 8 * MiB);
	KEXPECT_EQ(t, x.res.units_cleared, 3);
	KEXPECT_TRUE(t, unaccepted_test(x.tbl, 0));
	KEXPECT_FALSE(t, unaccepted_test(x.tbl, 1));
	KEXPECT_FALSE(t, unaccepted_test(x.tbl, 3));
	KEXPECT_TRUE(t, unaccepted_test(x.tbl, 4));
	KEXPECT_EQ(t, unaccepted_count_set(x.tbl), 13);
	tdx_teardown(&x);
}

KTEST(host_accept_memory, one_call_per_run_of_set_bits)
{
	static struct tdx_fixture x;
	struct range_log log = { .limit = U64_MAX };
	struct range_acceptor ra = { log_range, &log };

	tdx_setup(&x);
	unaccepted_clear_units(x.tbl, 4, 2);
	KEXPECT_EQ(t, accept_memory(x.tbl, 0, U64_MAX, &ra, &x.res), ACCEPT_MEMORY_OK);
	KEXPECT_EQ(t, log.n, 2);
	KEXPECT_EQ(t, log.r[0].start, HI);
	KEXPECT_EQ(t, log.r[0].end, HI + 8 * MiB);
	KEXPECT_EQ(t, log.r[1].start, HI + 12 * MiB);
	KEXPECT_EQ(t, log.r[1].end, HI + 32 * MiB);
	KEXPECT_EQ(t, x.res.units_cleared, 14);
	KEXPECT_EQ(t, unaccepted_count_set(x.tbl), 0);
	tdx_teardown(&x);
}

KTEST(host_accept_memory, failed_at_4k_keeps_the_bits_from_there_on)
{
	static struct tdx_fixture x;
	u64 bad = HI + 10 * MiB + 17 * PAGE;

	tdx_setup(&x);
	x.f->mismatch = range_make(HI + 10 * MiB, HI + 12 * MiB); /* unit 5 goes down to 4K */
	fake_fail_at(x.f, bad, ACCEPT_FAILED, TDX_OPERAND_INVALID);
	KEXPECT_EQ(t, tdx_accept(&x, HI, 32 * MiB), ACCEPT_MEMORY_PLATFORM_ERROR);
	KEXPECT_EQ(t, x.res.fail_addr, bad);
	KEXPECT_EQ(t, x.res.units_cleared, 5);
	KEXPECT_EQ(t, x.stats.first_error.addr, bad);
	KEXPECT_EQ(t, x.stats.first_error.status, TDX_OPERAND_INVALID);
	KEXPECT_FALSE(t, unaccepted_test(x.tbl, 4));
	KEXPECT_TRUE(t, unaccepted_test(x.tbl, 5)); /* partly accepted: stays set */
	KEXPECT_EQ(t, unaccepted_count_set(x.tbl), 11);
	KEXPECT_EQ(t, fake_count(x.f, range_make(bad, HI + 32 * MiB), 1), 0);
	tdx_teardown(&x);
}

KTEST(host_accept_memory, short_range_acceptor_clears_whole_units_only)
{
	static struct tdx_fixture x;
	struct range_log log = { .limit = HI + 5 * MiB };
	struct range_acceptor ra = { log_range, &log };

	tdx_setup(&x);
	KEXPECT_EQ(t, accept_memory(x.tbl, HI, 32 * MiB, &ra, &x.res), ACCEPT_MEMORY_PLATFORM_ERROR);
	KEXPECT_EQ(t, x.res.fail_addr, HI + 5 * MiB);
	KEXPECT_EQ(t, x.res.units_cleared, 2);
	KEXPECT_TRUE(t, unaccepted_test(x.tbl, 2));
	KEXPECT_EQ(t, unaccepted_count_set(x.tbl), 14);
	tdx_teardown(&x);
}

KTEST(host_accept_memory, busy_forever_clears_nothing)
{
	static struct tdx_fixture x;

	tdx_setup(&x);
	x.f->busy_forever = true;
	KEXPECT_EQ(t, tdx_accept(&x, HI + 6 * MiB, 4 * MiB), ACCEPT_MEMORY_PLATFORM_ERROR);
	KEXPECT_EQ(t, x.res.fail_addr, HI + 6 * MiB);
	KEXPECT_EQ(t, x.res.units_cleared, 0);
	KEXPECT_EQ(t, unaccepted_count_set(x.tbl), 16);
	KEXPECT_EQ(t, x.res.runs, 1);
	KEXPECT_EQ(t, x.stats.errors, 1);
	KEXPECT_GE(t, x.stats.busy_retries, ACCEPT_BUSY_RETRIES);
	tdx_teardown(&x);
}

KTEST(host_accept_memory, bad_table_touches_nothing)
{
	static struct tdx_fixture x;

	tdx_setup(&x);
	x.tbl->version = 2;
	KEXPECT_EQ(t, tdx_accept(&x, HI, 32 * MiB), ACCEPT_MEMORY_BAD_TABLE);
	x.tbl->version = 1;
	x.tbl->unit_size = 3000;
	KEXPECT_EQ(t, tdx_accept(&x, HI, 32 * MiB), ACCEPT_MEMORY_BAD_TABLE);
	KEXPECT_EQ(t, fake_calls(x.f), 0);
	x.tbl->unit_size = UNIT;
	KEXPECT_EQ(t, unaccepted_count_set(x.tbl), 16);
	tdx_teardown(&x);
}

static int count_accept_now(void *ctx, u64 start, u64 end)
{
	*(u64 *)ctx += end - start;
	return 0;
}

/* Build as the stub does, accept half, and the table is still one a later kernel can trust. */
KTEST(host_accept_memory, plan_populate_accept_validate)
{
	static u64 buf[64];
	struct memmap m = { buf, 0, 48, 1 };
	struct efi_memory_descriptor d[] = {
		{ .type = EFI_ACPI_RECLAIM_MEMORY, .phys_start = 2 * GiB, .num_pages = 256 },
		{ .type = EFI_UNACCEPTED_MEMORY, .phys_start = HI, .num_pages = 32 * MiB / PAGE },
	};
	struct unaccepted_plan plan;
	static struct tdx_fixture x;
	u64 accepted_now = 0;

	for (unsigned i = 0; i < ARRAY_SIZE(d); i++, m.map_size += m.desc_size)
		memcpy((u8 *)buf + m.map_size, &d[i], sizeof(d[i]));
	tdx_setup(&x);
	KASSERT_TRUE(t, unaccepted_plan(&m, UNIT, &plan, NULL));
	KEXPECT_EQ(t, plan.table_bytes, 24 + 2);
	unaccepted_init(x.tbl, &plan);
	KEXPECT_TRUE(t, unaccepted_populate(x.tbl, &m, count_accept_now, &accepted_now, NULL));
	KEXPECT_EQ(t, accepted_now, 0); /* aligned: nothing accepted at once */
	KEXPECT_EQ(t, unaccepted_count_set(x.tbl), 16);
	KEXPECT_EQ(t, tdx_accept(&x, HI + 16 * MiB, 16 * MiB), ACCEPT_MEMORY_OK);
	KEXPECT_EQ(t, unaccepted_count_set(x.tbl), 8);
	KEXPECT_TRUE(t, unaccepted_validate(x.tbl, 2 * GiB, &m, NULL));
	tdx_teardown(&x);
}

KTEST(host_accept_pages, level_cap_limits_every_acceptor)
{
	struct fake *f = fake_new(64 * MiB, 4 * MiB);
	struct page_acceptor a = acceptor(f, ACCEPT_LEVELS_4K_2M);
	struct accept_stats st = { 0 };
	unsigned previous = accept_set_level_cap(ACCEPT_LEVEL_BIT(ACCEPT_4K));

	KEXPECT_EQ(t, accept_pages(&a, 64 * MiB, 2 * MiB, &st), 2 * MiB);
	KEXPECT_EQ(t, accept_set_level_cap(previous), ACCEPT_LEVEL_BIT(ACCEPT_4K));
	KEXPECT_EQ(t, f->calls[ACCEPT_2M], 0);
	KEXPECT_EQ(t, st.calls[ACCEPT_4K], 512);
	KEXPECT_EQ(t, accept_pages(&a, 66 * MiB, 2 * MiB, &st), 2 * MiB); /* the cap is lifted again */
	KEXPECT_EQ(t, f->calls[ACCEPT_2M], 1);
	fake_free(f);
}

KTEST(host_accept_pages, host_map_level_from_size_mismatch_fallbacks)
{
	KEXPECT_EQ(t, accept_host_map_level(8, 8), ACCEPT_4K);
	KEXPECT_EQ(t, accept_host_map_level(8, 0), ACCEPT_2M);
	KEXPECT_EQ(t, accept_host_map_level(8, 3), ACCEPT_LEVEL_NONE); /* mixed: some 2M, some 4K */
	KEXPECT_EQ(t, accept_host_map_level(0, 0), ACCEPT_LEVEL_NONE); /* nothing tried at 2M */
	KEXPECT_EQ(t, accept_host_map_level(2, 3), ACCEPT_LEVEL_NONE);
}
