/* SPDX-License-Identifier: MIT */
/*
 * Acceptance throughput and latency by page level and request size (docs/benchmarks.md, bench.accept.*),
 * over memory that is really unaccepted. Requests of a unit (2 MiB) or more go through the bitmap engine;
 * smaller ones call the platform directly inside one unit, whose bit is cleared once it is all accepted,
 * so the bitmap stays true.
 */
#include <ccktf/metric.h>
#include <ccktf/platform.h>
#include <ccktf/time.h>
#include "../../arch/x86/snp/snp.h"
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
	u64 calls, fallbacks, retries;
	u64 evict_ns, evicted_pages; /* SNP: the cache-coherency step inside ns (arch/x86/snp/coherency.c) */
};

static u64 calls_so_far(void)
{
	const struct accept_stats *s = &unaccepted.stats;

	return s->calls[ACCEPT_4K] + s->calls[ACCEPT_2M] + s->calls[ACCEPT_1G];
}

static bool timed(struct measurement *m, u64 (*accept)(u64 start, u64 size), u64 start, u64 size)
{
	struct accept_stats before = unaccepted.stats;
	struct snp_pvalidate_cfg evict = snp_pvalidate_cfg;
	u64 calls = calls_so_far(), t0 = time_now_ns(), done = accept(start, size), ns = time_now_ns() - t0;

	m->evict_ns += snp_pvalidate_cfg.evict_ns - evict.evict_ns;
	m->evicted_pages += snp_pvalidate_cfg.evicted_pages - evict.evicted_pages;
	hist_add(&m->latency, ns);
	m->ns += ns;
	m->bytes += done;
	m->calls += calls_so_far() - calls;
	m->fallbacks += unaccepted.stats.size_mismatch_fallbacks - before.size_mismatch_fallbacks;
	m->retries += unaccepted.stats.busy_retries - before.busy_retries;
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

/* Accepts the rest of a unit that small requests started, untimed, and clears its bit. */
static bool finish_unit(struct range unit, u64 from)
{
	if (from < unit.end && through_platform(from, unit.end - from) != unit.end - from)
		return false;
	unaccepted_mark_accepted(unit.start, UNIT);
	return true;
}

/*
 * One untimed request of this size (capped to a unit) in a unit of its own: under TCG the first call
 * translates the path. Its own unit, because the host backs guest memory lazily, 2 MiB at a time: the
 * timed requests must all meet memory as fresh as on their first use.
 */
static bool warm_up(u64 size)
{
	struct range r;

	size = MIN(size, UNIT);
	return take_units(1, &r) && through_platform(r.start, size) == size && finish_unit(r, r.start + size);
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
		if (!finish_unit(r, r.start + off))
			return false;
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

/* Timed repetitions, as many as fit. */
static unsigned reps_that_fit(const struct size_plan *p)
{
	unsigned reps = bench_full() ? p->reps_full : p->reps_short;
	u64 left = bench_unaccepted_left(), need = MAX(p->size, UNIT);

	return (unsigned)MIN((u64)reps, left / need / 2); /* keep half for what follows */
}

static void report(const struct measurement *m, const char *level, u64 size)
{
	u64 ratio;
	char ctx[64];

	snprintf(ctx, sizeof(ctx), "level=%s size=%llu", level, size);
	u64 milli = mibps_milli(m->bytes, m->ns);
	metric_fixed("bench.accept.throughput", milli, 3, "MiB/s", ctx);
	metric_u64("bench.accept.ns_per_page", m->ns / MAX(m->bytes / PAGE, 1ull), "ns", ctx);
	bench_latency_metrics("bench.accept.latency", &m->latency, ctx);
	if (bench_zero_mibps_milli) {
		ratio = milli * 1000 / bench_zero_mibps_milli;
		metric_fixed("bench.accept.zero_ratio", ratio, 3, "ratio", ctx);
	}
	metric_u64("bench.accept.calls", m->calls, "count", ctx);
	metric_u64("bench.accept.fallbacks", m->fallbacks, "count", ctx);
	metric_u64("bench.accept.retries", m->retries, "count", ctx);
	if (cc_platform_has(CC_ATTR_SEV_SNP_GUEST)) { /* what the COHERENCY_SFW_NO mitigation costs here */
		metric_u64("bench.accept.coherency_ns", m->evict_ns, "ns", ctx);
		metric_u64("bench.accept.coherency_pages", m->evicted_pages, "count", ctx);
	}
}

/* The median 4 KiB accept minus the median time to zero one (hot) 4 KiB page. */
static void report_fixed_cost(const char *level, const struct histogram *h)
{
	char ctx[16];
	u64 median = hist_percentile(h, 50), zero = bench_zero_4k_ns;

	snprintf(ctx, sizeof(ctx), "level=%s", level);
	metric_u64("bench.accept.fixed_cost", median > zero ? median - zero : 0, "ns", ctx);
}

static void measure_level(struct ktest *t, const char *level, unsigned cap)
{
	unsigned previous = accept_set_level_cap(cap);

	for (size_t i = 0; i < ARRAY_SIZE(plans); i++) {
		const struct size_plan *p = &plans[i];
		unsigned reps = reps_that_fit(p);
		struct measurement m = { 0 };
		if (!reps)
			continue;
		bench_progress("level %s, %llu KiB requests x %u", level, p->size / KiB, reps);
		hist_init(&m.latency);
		bool ok = warm_up(p->size) &&
			  (p->size < UNIT ? measure_small(&m, p->size, reps) : measure_large(&m, p->size, reps));
		if (!ok)
			ktest_fail(t, __FILE__, __LINE__, "accepting %llu-byte requests failed", p->size);
		report(&m, level, p->size);
		if (p->size == PAGE)
			report_fixed_cost(level, &m.latency);
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
