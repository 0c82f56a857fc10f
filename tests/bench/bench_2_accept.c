/* SPDX-License-Identifier: MIT */
/*
 * Acceptance throughput and latency by page level and request size (docs/benchmarks.md, bench.accept.*),
 * over memory that is really unaccepted. Requests of a unit (2 MiB) or more go through the bitmap engine;
 * smaller ones call the platform directly inside one unit, whose bit is cleared once it is all accepted,
 * so the bitmap stays true.
 */
#include <ccktf/metric.h>
#include <ccktf/time.h>
#include "bench_util.h"

#define UNIT UNACCEPTED_UNIT_SIZE
#define PAGE 4096ull

struct size_plan {
	u64 size;
	unsigned reps_short, reps_full;
};

static const struct size_plan plans[] = {
	{ 4 * KiB, 32, 256 },	 { 64 * KiB, 16, 64 }, { 2 * MiB, 8, 32 }, { 8 * MiB, 2, 8 },
	{ 32 * MiB, 0, 4 },	 { 256 * MiB, 0, 2 },  { 1 * GiB, 0, 1 },
};

struct measurement {
	struct histogram latency;
	u64 bytes, ns;
	struct accept_stats before;
};

static bool timed(struct measurement *m, u64 (*accept)(u64 start, u64 size), u64 start, u64 size)
{
	u64 t0 = time_now_ns(), done = accept(start, size), ns = time_now_ns() - t0;

	hist_add(&m->latency, ns);
	m->ns += ns;
	m->bytes += done;
	return done == size;
}

static u64 through_platform(u64 start, u64 size)
{
	return platform_current()->accept_range(start, size, &unaccepted.stats);
}

static u64 through_bitmap(u64 start, u64 size)
{
	return unaccepted_accept(start, size, NULL) == ACCEPT_MEMORY_OK ? size : 0;
}

/* Requests smaller than a unit, carved from fresh units; the rest of each unit is accepted untimed. */
static bool measure_small(struct measurement *m, u64 size, unsigned reps)
{
	struct range r;

	while (reps) {
		if (!take_units(1, &r))
			return false;
		u64 off = 0;
		for (; off < UNIT && reps; off += size, reps--)
			if (!timed(m, through_platform, r.start + off, size))
				return false;
		if (off < UNIT && through_platform(r.start + off, UNIT - off) != UNIT - off)
			return false;
		unaccepted_clear_units(unaccepted.table, (r.start - unaccepted.table->phys_base) / UNIT, 1);
	}
	return true;
}

static bool measure_large(struct measurement *m, u64 size, unsigned reps)
{
	struct range r;

	for (; reps; reps--)
		if (!take_units(size / UNIT, &r) || !timed(m, through_bitmap, r.start, size))
			return false;
	return true;
}

static unsigned reps_that_fit(const struct size_plan *p)
{
	unsigned reps = bench_full() ? p->reps_full : p->reps_short;
	u64 left = bench_unaccepted_left(), need = MAX(p->size, UNIT);

	return (unsigned)MIN((u64)reps, left / need / 2); /* keep half for what follows */
}

static void report(const struct measurement *m, const char *level, u64 size)
{
	const struct accept_stats *now = &unaccepted.stats;
	u64 calls = 0, ratio;
	char ctx[64];

	for (int l = 0; l < ACCEPT_LEVELS; l++)
		calls += now->calls[l] - m->before.calls[l];
	snprintf(ctx, sizeof(ctx), "level=%s size=%llu", level, size);
	u64 milli = mibps_milli(m->bytes, m->ns);
	metric_fixed("bench.accept.throughput", milli, 3, "MiB/s", ctx);
	metric_u64("bench.accept.ns_per_page", m->ns / MAX(m->bytes / PAGE, 1ull), "ns", ctx);
	bench_latency_metrics("bench.accept.latency", &m->latency, ctx);
	if (bench_zero_mibps_milli) {
		ratio = milli * 1000 / bench_zero_mibps_milli;
		metric_fixed("bench.accept.zero_ratio", ratio, 3, "ratio", ctx);
	}
	metric_u64("bench.accept.calls", calls, "count", ctx);
	metric_u64("bench.accept.fallbacks", now->size_mismatch_fallbacks - m->before.size_mismatch_fallbacks, "count",
		   ctx);
	metric_u64("bench.accept.retries", now->busy_retries - m->before.busy_retries, "count", ctx);
}

/* ns to zero size bytes at the measured rep_stosb bandwidth. */
static u64 zeroing_ns(u64 size)
{
	return bench_zero_mibps_milli ? size * 1000000 / MiB * 1000000 / bench_zero_mibps_milli : 0;
}

static void report_fixed_cost(const char *level, u64 size, const struct histogram *h)
{
	char ctx[16];
	u64 median = hist_percentile(h, 50), zero = zeroing_ns(size);

	snprintf(ctx, sizeof(ctx), "level=%s", level);
	metric_u64("bench.accept.fixed_cost", median > zero ? median - zero : 0, "ns", ctx);
}

static void measure_level(struct ktest *t, const char *level, unsigned cap)
{
	unsigned previous = accept_set_level_cap(cap);

	for (size_t i = 0; i < ARRAY_SIZE(plans); i++) {
		const struct size_plan *p = &plans[i];
		unsigned reps = reps_that_fit(p);
		struct measurement m = { .before = unaccepted.stats };
		if (!reps)
			continue;
		bench_progress("level %s, %llu KiB requests x %u", level, p->size / KiB, reps);
		hist_init(&m.latency);
		bool ok = p->size < UNIT ? measure_small(&m, p->size, reps) : measure_large(&m, p->size, reps);
		if (!ok)
			ktest_fail(t, __FILE__, __LINE__, "accepting %llu-byte requests failed", p->size);
		report(&m, level, p->size);
		if (i == 0)
			report_fixed_cost(level, p->size, &m.latency);
	}
	accept_set_level_cap(previous);
}

KTEST(bench, accept_4k_by_request_size)
{
	measure_level(t, "4k", ACCEPT_LEVEL_BIT(ACCEPT_4K));
}

KTEST(bench, accept_2m_by_request_size)
{
	measure_level(t, "2m", ACCEPT_LEVELS_ALL);
}
