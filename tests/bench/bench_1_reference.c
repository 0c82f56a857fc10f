/* SPDX-License-Identifier: MIT */
/*
 * The physical reference, measured in the same boot: zeroing bandwidth on memory that was unaccepted a
 * moment ago (docs/benchmarks.md, bench.zero.bandwidth) and the cost of an empty round trip to the
 * platform (bench.round_trip.latency). The acceptance figures are expressed against these.
 */
#include <arch/zero.h>
#include <ccktf/metric.h>
#include <ccktf/time.h>
#include "bench_util.h"

KTEST_SUITE(bench, KTEST_AFTER_EXIT_BOOT_SERVICES, bench_skip_reason);

#define ZERO_ROUNDS 3

static u64 time_zeroing(void (*zero)(void *p, u64 bytes), struct range r)
{
	u64 best = ~0ull;

	for (unsigned i = 0; i < ZERO_ROUNDS; i++) {
		u64 start = time_now_ns();
		zero((void *)(uintptr_t)r.start, range_len(r));
		best = MIN(best, time_now_ns() - start);
	}
	return best;
}

static u64 report_zeroing(const char *method, void (*zero)(void *p, u64 bytes), struct range r)
{
	char extra[32];
	u64 milli = mibps_milli(range_len(r), time_zeroing(zero, r));

	snprintf(extra, sizeof(extra), "method=%s", method);
	metric_fixed("bench.zero.bandwidth", milli, 3, "MiB/s", extra);
	return milli;
}

struct zero_method {
	const char *name;
	void (*zero)(void *p, u64 bytes);
};

static const struct zero_method methods[] = {
	{ "rep_stosb", zero_rep_stosb },
	{ "rep_stosq", zero_rep_stosq },
	{ "movnti", zero_movnti },
};

/* One hot 4 KiB page at a time: the zeroing share of a 4 KiB accept, for bench.accept.fixed_cost. */
static u64 zeroing_4k_median(const struct zero_method *best, struct range r)
{
	struct histogram h;

	hist_init(&h);
	for (unsigned i = 0; i < 256; i++) {
		u64 start = time_now_ns();
		best->zero((void *)(uintptr_t)r.start, 4096);
		hist_add(&h, time_now_ns() - start);
	}
	char extra[64];

	snprintf(extra, sizeof(extra), "size=4096 stat=median method=%s", best->name);
	metric_u64("bench.zero.latency", hist_percentile(&h, 50), "ns", extra);
	return hist_percentile(&h, 50);
}

KTEST(bench, zeroing_bandwidth)
{
	u64 bytes = bench_full() ? 256 * MiB : 16 * MiB;
	struct range r;

	KASSERT_TRUE(t, take_units(bytes / UNACCEPTED_UNIT_SIZE, &r));
	const struct zero_method *best = &methods[0];

	KASSERT_EQ(t, unaccepted_accept(r.start, bytes, NULL), ACCEPT_MEMORY_OK);
	bench_progress("zeroing %llu MiB, best of %u", bytes / MiB, ZERO_ROUNDS);
	for (size_t i = 0; i < ARRAY_SIZE(methods); i++) {
		u64 milli = report_zeroing(methods[i].name, methods[i].zero, r);
		KEXPECT_GT(t, milli, 0);
		if (milli > bench_zero_mibps_milli) {
			bench_zero_mibps_milli = milli;
			best = &methods[i];
		}
	}
	metric_fixed("bench.zero.bandwidth", bench_zero_mibps_milli, 3, "MiB/s", "method=best");
	bench_zero_4k_ns = zeroing_4k_median(best, r);
	KEXPECT_GT(t, bench_zero_4k_ns, 0);
}

KTEST(bench, platform_round_trip)
{
	void (*round_trip)(void) = platform_current()->round_trip;
	unsigned calls = bench_full() ? 20000 : 500;
	struct histogram h;

	if (!round_trip)
		KTEST_SKIP(t, "platform %s has no empty call to time", platform_name());
	hist_init(&h);
	for (unsigned i = 0; i < calls; i++) {
		u64 start = time_now_ns();
		round_trip();
		hist_add(&h, time_now_ns() - start);
	}
	bench_latency_metrics("bench.round_trip.latency", &h, NULL);
	KEXPECT_EQ(t, h.count, calls);
	KEXPECT_GT(t, h.max, 0);
}
