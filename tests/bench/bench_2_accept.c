/* SPDX-License-Identifier: MIT */
/*
 * Acceptance throughput and latency by page level and request size (docs/benchmarks.md, bench.accept.*),
 * over memory that is really unaccepted. Requests of a unit (2 MiB) or more go through the bitmap engine;
 * smaller ones call the platform directly inside one unit, whose bit is cleared once it is all accepted,
 * so the bitmap stays true.
 */
#include <ccktf/metric.h>
#include <ccktf/platform.h>
#include <ccktf/string.h>
#include <ccktf/time.h>
#include "../../arch/x86/snp/snp.h"
#include "bench_util.h"

#define UNIT UNACCEPTED_UNIT_SIZE
#define PAGE 4096ull

struct size_plan {
	u64 size;
	unsigned reps_short, reps_full;
};

/*
 * A fixed plan, never cut to what happens to be left: a level's figures must not depend on which bench
 * cases ran before it. Full: about 770 MiB per level (1 GiB requests would not fit both levels beside the
 * reference and the strategies in the 4 GiB a 6G guest presents as unaccepted).
 */
static const struct size_plan plans[] = {
	{ 4 * KiB, 32, 256 }, { 64 * KiB, 16, 64 }, { 2 * MiB, 8, 32 },
	{ 8 * MiB, 2, 8 },    { 32 * MiB, 0, 4 },   { 256 * MiB, 0, 2 },
};

struct measurement {
	u64 rep_milli[BENCH_REPS_MAX]; /* throughput of each repetition, MiB/s * 1000 */
	struct bench_rep_latency latency; /* per repetition too: bench.accept.fixed_cost */
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
	struct snp_evict_totals evict = snp_evict_totals();
	u64 calls = calls_so_far(), t0 = time_now_ns(), done = accept(start, size), ns = time_now_ns() - t0;
	struct snp_evict_totals after = snp_evict_totals();

	m->evict_ns += after.ns - evict.ns;
	m->evicted_pages += after.pages - evict.pages;
	bench_rep_latency_add(&m->latency, ns);
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

/* Requests per repetition: the plan's requests split over bench_reps() repetitions, at least one. */
static unsigned plan_reps(const struct size_plan *p)
{
	unsigned n = bench_full() ? p->reps_full : p->reps_short;

	return n ? MAX(n / bench_reps(), 1u) : 0;
}

/* Unaccepted bytes a level's plan takes: a warm-up unit and the timed requests of each size. */
static u64 plan_bytes(void)
{
	u64 bytes = 0;

	for (size_t i = 0; i < ARRAY_SIZE(plans); i++) {
		u64 reps = plan_reps(&plans[i]), size = plans[i].size;

		if (!reps)
			continue;
		bytes += UNIT; /* the warm-up's unit (warm_up() caps its request to one) */
		bytes += bench_reps() * (size < UNIT ? (reps * size + UNIT - 1) / UNIT * UNIT : reps * size);
	}
	return bytes;
}

/* Each repetition's throughput against a reference, as bench_metric_repeated prints it (ratio * 1000). */
static void report_ratio(struct measurement *m, u64 reference_milli, const char *ctx)
{
	u64 ratios[BENCH_REPS_MAX];

	for (unsigned rep = 0; rep < bench_reps(); rep++)
		ratios[rep] = m->rep_milli[rep] * 1000 / reference_milli;
	bench_metric_repeated("bench.accept.zero_ratio", ratios, bench_reps(), 3, "ratio", ctx);
}

static void report(struct measurement *m, const char *level, u64 size)
{
	char ctx[64];

	snprintf(ctx, sizeof(ctx), "level=%s size=%llu", level, size);
	u64 reps[BENCH_REPS_MAX];

	memcpy(reps, m->rep_milli, bench_reps() * sizeof(reps[0]));
	bench_metric_repeated("bench.accept.throughput", reps, bench_reps(), 3, "MiB/s", ctx);
	metric_u64("bench.accept.ns_per_page", m->ns / MAX(m->bytes / PAGE, 1ull), "ns", ctx);
	bench_latency_metrics("bench.accept.latency", &m->latency.all, ctx, BENCH_STAT_ALL);
	/*
	 * Like with like: these requests meet memory the host never backed, so they are compared with zeroing
	 * on cold memory, which needs the host's first touch measured on its own (models only). On hardware
	 * there is no cold reference to divide by, and no ratio (docs/benchmarks.md "Cold and warm memory").
	 */
	if (bench_ref.cold_zero_mibps_milli) {
		char cold[80];

		snprintf(cold, sizeof(cold), "%s memory=cold", ctx);
		report_ratio(m, bench_ref.cold_zero_mibps_milli, cold);
	}
	metric_u64("bench.accept.calls", m->calls, "count", ctx);
	metric_u64("bench.accept.fallbacks", m->fallbacks, "count", ctx);
	metric_u64("bench.accept.retries", m->retries, "count", ctx);
	if (cc_platform_has(CC_ATTR_SEV_SNP_GUEST)) { /* what the COHERENCY_SFW_NO mitigation costs here */
		metric_u64("bench.accept.coherency_ns", m->evict_ns, "ns", ctx);
		metric_u64("bench.accept.coherency_pages", m->evicted_pages, "count", ctx);
	}
}

/* Each repetition's median 4 KiB accept minus the median time to zero one (hot) 4 KiB page. */
static void report_fixed_cost(const char *level, const struct bench_rep_latency *l)
{
	u64 costs[BENCH_REPS_MAX], zero = bench_ref.zero_4k_ns;
	char ctx[16];

	for (unsigned rep = 0; rep < l->reps; rep++)
		costs[rep] = l->medians[rep] > zero ? l->medians[rep] - zero : 0;
	snprintf(ctx, sizeof(ctx), "level=%s", level);
	if (l->reps)
		bench_metric_repeated("bench.accept.fixed_cost", costs, l->reps, 0, "ns", ctx);
}



static struct measurement measured; /* static: struct samples is too large for the stack */

static void restore_time_evict(void *saved)
{
	snp_pvalidate_cfg.time_evict = (bool)(uintptr_t)saved;
}

/* Throughput and latency by request size, pages accepted at the parameter's level. */
KTEST_PARAM(bench, accept_by_request_size, bench_levels)
{
	const struct bench_level *level = t->param->data;
	u64 need = plan_bytes(), left = bench_unaccepted_left();

	if (need > left)
		KTEST_SKIP(t, "the plan needs %llu MiB unaccepted, %llu MiB are left: give the guest more memory",
			   need / MiB, left / MiB);
	/* Restored however the case ends. */
	bench_cap_level(t, level);
	/* SNP: bench.accept.coherency_ns needs each eviction timed (snp.h: off elsewhere, it costs clock reads) */
	ktest_add_action(t, restore_time_evict, (void *)(uintptr_t)snp_pvalidate_cfg.time_evict);
	snp_pvalidate_cfg.time_evict = true;
	for (size_t i = 0; i < ARRAY_SIZE(plans); i++) {
		const struct size_plan *p = &plans[i];
		unsigned reps = plan_reps(p);

		if (!reps)
			continue;
		bench_progress("level %s, %llu KiB requests x %u, %u times", level->name, p->size / KiB, reps,
			       bench_reps());
		struct measurement *m = &measured;

		memset(m, 0, sizeof(*m));
		bench_rep_latency_init(&m->latency);
		KASSERT_TRUE(t, warm_up(p->size));
		bool ok = true;

		for (unsigned rep = 0; rep < bench_reps() && ok; rep++) {
			u64 bytes = m->bytes, ns = m->ns;

			ok = p->size < UNIT ? measure_small(m, p->size, reps) : measure_large(m, p->size, reps);
			m->rep_milli[rep] = mibps_milli(m->bytes - bytes, m->ns - ns);
			bench_rep_latency_next(&m->latency);
		}
		if (!ok)
			ktest_fail(t, __FILE__, __LINE__, "accepting %llu-byte requests failed", p->size);
		report(m, level->name, p->size);
		if (p->size == PAGE)
			report_fixed_cost(level->name, &m->latency);
	}
}

/* 4 MiB requests: a size of their own, so that no figure here shares its identity with the plan's. */
#define COLD_WARM_UNITS 2ull

/*
 * The same 4 MiB requests on cold memory (never backed by the host) and on warm memory (backed by the
 * model's host first: platform_model_ops.host_back, model-only), each compared with zeroing on memory of
 * the same temperature (docs/benchmarks.md "Cold and warm memory"). Fresh units for every request.
 */
KTEST_PARAM(bench, accept_cold_warm, bench_levels)
{
	static const char *const temps[] = { "cold", "warm" };
	const struct bench_level *level = t->param->data;
	void (*host_back)(u64 start, u64 size) = bench_host_back();
	unsigned per_rep = bench_full() ? 8 : 1;
	u64 need = (2ull * bench_reps() * per_rep * COLD_WARM_UNITS + 1) * UNIT, left = bench_unaccepted_left();

	if (!host_back)
		KTEST_SKIP(t, "warm memory to accept needs a host that backed it first: a model here; on hardware "
			      "compare a boot with the host's memory pre-allocated (docs/benchmarks.md)");
	if (need > left)
		KTEST_SKIP(t, "needs %llu MiB unaccepted, %llu MiB are left", need / MiB, left / MiB);
	bench_cap_level(t, level);
	KASSERT_TRUE(t, warm_up(UNIT));
	for (unsigned w = 0; w < ARRAY_SIZE(temps); w++) {
		struct measurement *m = &measured;
		u64 reference = w ? bench_ref.zero_mibps_milli : bench_ref.cold_zero_mibps_milli, reps[BENCH_REPS_MAX];
		char ctx[80];

		memset(m, 0, sizeof(*m));
		bench_rep_latency_init(&m->latency);
		for (unsigned rep = 0; rep < bench_reps(); rep++) {
			u64 bytes = m->bytes, ns = m->ns;

			for (unsigned i = 0; i < per_rep; i++) {
				struct range r;

				KASSERT_TRUE(t, take_units(COLD_WARM_UNITS, &r));
				if (w)
					host_back(r.start, range_len(r)); /* untimed: the host backs it first */
				KASSERT_TRUE(t, timed(m, through_bitmap, r.start, range_len(r)));
			}
			m->rep_milli[rep] = mibps_milli(m->bytes - bytes, m->ns - ns);
			bench_rep_latency_next(&m->latency);
		}
		snprintf(ctx, sizeof(ctx), "level=%s size=%llu memory=%s", level->name, COLD_WARM_UNITS * UNIT, temps[w]);
		memcpy(reps, m->rep_milli, bench_reps() * sizeof(reps[0]));
		bench_metric_repeated("bench.accept.throughput", reps, bench_reps(), 3, "MiB/s", ctx);
		bench_latency_metrics("bench.accept.latency", &m->latency.all, ctx, BENCH_STAT_MEDIAN);
		if (reference)
			report_ratio(m, reference, ctx);
		KEXPECT_EQ(t, m->bytes, (u64)bench_reps() * per_rep * COLD_WARM_UNITS * UNIT);
	}
}
