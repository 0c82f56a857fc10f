/* SPDX-License-Identifier: MIT */
/*
 * The physical reference, measured in the same boot: zeroing bandwidth on memory that was unaccepted a
 * moment ago (docs/benchmarks.md, bench.zero.bandwidth) and the cost of an empty round trip to the
 * platform (bench.round_trip.latency). The acceptance figures are expressed against these.
 */
#include <arch/zero.h>
#include <ccktf/metric.h>
#include <ccktf/string.h>
#include <ccktf/time.h>
#include "bench_util.h"

/*
 * The zeroing reference is measured by the suite's init, once, before any bench case runs: every figure
 * expressed against it (bench.accept.zero_ratio, bench.accept.fixed_cost) is then the same whichever bench
 * cases a boot selects (tests=bench.accept_by_request_size_4k alone gives what the full suite gives).
 */
static const char *bench_suite_skip(void);
KTEST_SUITE_INIT(bench, KTEST_AFTER_EXIT_BOOT_SERVICES, bench_suite_skip, bench_suite_init, NULL);

struct zero_method {
	const char *name;
	void (*zero)(void *p, u64 bytes);
};

static const struct zero_method methods[] = {
	{ "rep_stosb", zero_rep_stosb },
	{ "rep_stosq", zero_rep_stosq },
	{ "movnti", zero_movnti },
};

static u64 time_zeroing(void (*zero)(void *p, u64 bytes), struct range r)
{
	u64 start = time_now_ns();

	zero((void *)(uintptr_t)r.start, range_len(r));
	return time_now_ns() - start;
}

/* One hot 4 KiB page at a time: the zeroing share of a 4 KiB accept, for bench.accept.fixed_cost. */
static void zeroing_4k(const struct zero_method *best, struct range r, struct samples *s)
{
	samples_init(s);
	for (unsigned i = 0; i < BENCH_ZERO_4K_SAMPLES; i++) {
		u64 start = time_now_ns();
		best->zero((void *)(uintptr_t)r.start, 4096);
		samples_add(s, time_now_ns() - start);
	}
}

/*
 * The host's first touch on its own (docs/benchmarks.md "Cold and warm memory"): where a model can back
 * memory (platform_model_ops.host_back, model-only: it zeroes pending memory with REP STOSQ), each 2 MiB
 * of the still unaccepted reference region is backed twice, timed. The first pass meets memory the host
 * never backed, so it is zeroing on cold memory (bench.zero.bandwidth method=rep_stosq memory=cold); the
 * second is the same zeroing on warm memory; the difference is the host's first touch. The region is warm
 * afterwards, so the zeroing reference below is warm zeroing, as it always was.
 */
static void measure_first_touch(struct bench_reference *ref, struct range r)
{
	void (*host_back)(u64 start, u64 size) = bench_host_back();
	u64 cold_total = 0;

	samples_init(&ref->first_touch);
	if (!host_back)
		return;
	for (u64 unit = r.start; unit < r.end; unit += UNACCEPTED_UNIT_SIZE) {
		u64 t0 = time_now_ns(), cold, warm;

		host_back(unit, UNACCEPTED_UNIT_SIZE);
		cold = time_now_ns() - t0;
		t0 = time_now_ns();
		host_back(unit, UNACCEPTED_UNIT_SIZE);
		warm = time_now_ns() - t0;
		cold_total += cold;
		samples_add(&ref->first_touch, cold > warm ? cold - warm : 0);
	}
	ref->first_touch_ns = samples_percentile(&ref->first_touch, 50);
	ref->cold_zero_mibps_milli = mibps_milli(range_len(r), cold_total);
	ref->first_touch_measured = true;
}

static u64 reference_bytes(void)
{
	return bench_full() ? 256 * MiB : 16 * MiB;
}

/* What this guest lacks is a skip; a suite init that fails despite it is a failure of every case. */
static const char *bench_suite_skip(void)
{
	static char why[120];
	const char *skip = bench_skip_reason();

	if (skip)
		return skip;
	if (bench_unaccepted_left() < reference_bytes()) {
		snprintf(why, sizeof(why), "the zeroing reference needs %llu MiB of unaccepted memory, %llu MiB left",
			 reference_bytes() / MiB, bench_unaccepted_left() / MiB);
		return why;
	}
	return NULL;
}

const char *bench_suite_init(void)
{
	u64 bytes = reference_bytes();
	struct bench_reference *ref = &bench_ref;
	unsigned best = 0;
	struct range r;

	*ref = (struct bench_reference){ 0 };
	if (!take_units(bytes / UNACCEPTED_UNIT_SIZE, &r))
		return "no unaccepted memory left for the zeroing reference";
	ref->region = r;
	measure_first_touch(ref, r);
	struct accept_stats before = unaccepted.stats;

	if (unaccepted_accept(r.start, bytes, NULL) != ACCEPT_MEMORY_OK)
		return "accepting the memory of the zeroing reference failed";
	/* 2 MiB-aligned units, all levels allowed: every unit is first tried at 2M */
	ref->map_attempts = unaccepted.stats.calls[ACCEPT_2M] - before.calls[ACCEPT_2M];
	ref->map_fallbacks = unaccepted.stats.size_mismatch_fallbacks - before.size_mismatch_fallbacks;
	ref->map_level = accept_host_map_level(ref->map_attempts, ref->map_fallbacks);
	bench_progress("host mapping level: %s (%llu of %llu 2 MiB accepts fell back to 4K on SIZE_MISMATCH)",
		       ref->map_level == ACCEPT_LEVEL_NONE ? "unknown or mixed" : accept_level_name(ref->map_level),
		       ref->map_fallbacks, ref->map_attempts);
	bench_progress("reference: zeroing %llu MiB, each method %u times", bytes / MiB, bench_reps());
	for (unsigned i = 0; i < ARRAY_SIZE(methods); i++)
		methods[i].zero((void *)(uintptr_t)r.start, bytes); /* untimed: the first pass backs the memory */
	for (unsigned rep = 0; rep < bench_reps(); rep++) /* methods interleaved: drift hits them alike */
		for (unsigned i = 0; i < ARRAY_SIZE(methods); i++)
			ref->method_reps[i][rep] = mibps_milli(bytes, time_zeroing(methods[i].zero, r));
	for (unsigned i = 0; i < ARRAY_SIZE(methods); i++) {
		u64 sorted[BENCH_REPS_MAX];
		unsigned n = bench_reps();

		memcpy(sorted, ref->method_reps[i], n * sizeof(sorted[0]));
		for (unsigned a = 1; a < n; a++)
			for (unsigned b = a; b > 0 && sorted[b - 1] > sorted[b]; b--) {
				u64 x = sorted[b];

				sorted[b] = sorted[b - 1];
				sorted[b - 1] = x;
			}
		ref->method_mibps_milli[i] = sorted[(n - 1) / 2]; /* the median, as printed */
		if (ref->method_mibps_milli[i] > ref->method_mibps_milli[best])
			best = i;
	}
	ref->best = best;
	ref->zero_mibps_milli = ref->method_mibps_milli[best];
	ref->best_method = methods[best].name;
	zeroing_4k(&methods[best], r, &ref->zero_4k);
	ref->zero_4k_ns = samples_percentile(&ref->zero_4k, 50);
	ref->measured = true;
	return ref->zero_mibps_milli && ref->zero_4k_ns ? NULL : "the zeroing reference measured nothing";
}

/* Prints the reference the suite's init measured (every boot of the bench suite measures it). */
KTEST(bench, zeroing_bandwidth)
{
	struct bench_reference *ref = &bench_ref;
	char extra[64];

	KASSERT_TRUE(t, ref->measured);
	u64 values[BENCH_REPS_MAX];

	for (size_t i = 0; i < ARRAY_SIZE(methods); i++) {
		snprintf(extra, sizeof(extra), "method=%s", methods[i].name);
		memcpy(values, ref->method_reps[i], bench_reps() * sizeof(values[0]));
		bench_metric_repeated("bench.zero.bandwidth", values, bench_reps(), 3, "MiB/s", extra);
		KEXPECT_GT(t, ref->method_mibps_milli[i], 0);
	}
	memcpy(values, ref->method_reps[ref->best], bench_reps() * sizeof(values[0]));
	bench_metric_repeated("bench.zero.bandwidth", values, bench_reps(), 3, "MiB/s", "method=best");
	snprintf(extra, sizeof(extra), "size=4096 method=%s", ref->best_method);
	bench_latency_metrics("bench.zero.latency", &ref->zero_4k, extra, BENCH_STAT_MEDIAN);
	KEXPECT_GT(t, ref->zero_4k_ns, 0);
	if (ref->map_level != ACCEPT_LEVEL_NONE) {
		snprintf(extra, sizeof(extra), "fallbacks=%llu attempts=%llu", ref->map_fallbacks, ref->map_attempts);
		metric_u64("bench.host.map_level", accept_level_size(ref->map_level), "bytes", extra);
	}
	if (!ref->first_touch_measured)
		return; /* hardware: the guest cannot make the host back memory (docs/benchmarks.md) */
	bench_latency_metrics("bench.host.first_touch", &ref->first_touch, "size=2097152",
			      BENCH_STAT_MIN | BENCH_STAT_MEDIAN | BENCH_STAT_MAX);
	metric_fixed("bench.zero.bandwidth", ref->cold_zero_mibps_milli, 3, "MiB/s", "method=rep_stosq memory=cold");
	/* not GT 0: with the host's memory pre-allocated (--mem-prealloc) the first touch costs nothing */
	KEXPECT_EQ(t, samples_count(&ref->first_touch), range_len(ref->region) / UNACCEPTED_UNIT_SIZE);
	KEXPECT_GT(t, ref->cold_zero_mibps_milli, 0);
}

/*
 * The calls are split over bench_reps() repetitions (docs/benchmarks.md "Repetitions"): the median line is
 * the median of their medians with reps= min= max=; min, p99 and max are over every call.
 */
KTEST(bench, platform_round_trip)
{
	void (*round_trip)(void) = platform_current()->round_trip;
	unsigned per_rep = bench_per_rep(bench_full() ? 20000 : 500);
	static struct bench_rep_latency l; /* static: struct samples is too large for the stack */

	if (!round_trip)
		KTEST_SKIP(t, "platform %s has no empty call to time", platform_name());
	bench_rep_latency_init(&l);
	for (unsigned rep = 0; rep < bench_reps(); rep++) {
		for (unsigned i = 0; i < per_rep; i++) {
			u64 start = time_now_ns();
			round_trip();
			bench_rep_latency_add(&l, time_now_ns() - start);
		}
		bench_rep_latency_next(&l);
	}
	bench_rep_latency_metrics("bench.round_trip.latency", &l, NULL, BENCH_STAT_ALL);
	KEXPECT_EQ(t, samples_count(&l.all), (u64)per_rep * bench_reps());
	KEXPECT_EQ(t, l.reps, bench_reps());
	KEXPECT_GT(t, samples_percentile(&l.all, 100), 0);
}
