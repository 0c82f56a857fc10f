/* SPDX-License-Identifier: MIT */
/*
 * Shared by the benchmark cases (docs/benchmarks.md): modes, budgets, timing, figures. Cases run in link
 * order, so the files are numbered: the reference (zeroing, round trip) runs before what is compared to it.
 */
#ifndef TESTS_BENCH_UTIL_H
#define TESTS_BENCH_UTIL_H

#include <ccktf/format.h>
#include <ccktf/histogram.h>
#include <ccktf/ktest.h>
#include "lib/accept_util.h"

const char *bench_skip_reason(void);
bool bench_full(void);
/* Bytes the table still marks unaccepted. */
u64 bench_unaccepted_left(void);

/* MiB/s with three decimals, from bytes and nanoseconds (no 128-bit division needed). */
u64 mibps_milli(u64 bytes, u64 ns);
/* Which statistics bench_latency_metrics prints. */
#define BENCH_STAT_MIN (1u << 0)
#define BENCH_STAT_MEDIAN (1u << 1)
#define BENCH_STAT_P99 (1u << 2)
#define BENCH_STAT_MAX (1u << 3)
#define BENCH_STAT_ALL (BENCH_STAT_MIN | BENCH_STAT_MEDIAN | BENCH_STAT_P99 | BENCH_STAT_MAX)
/* p99 is printed only from this many samples on: below, it would be the maximum under another name. */
#define BENCH_P99_MIN_SAMPLES 100
/*
 * Prints the statistics of s named in which as metric lines name, with "stat=... samples=N" added to
 * extra (samples: how many values the figure rests on; exact=0 when a percentile came from the
 * histogram, docs/benchmarks.md "Precision").
 */
void bench_latency_metrics(const char *name, struct samples *s, const char *extra, unsigned which);
void bench_progress(const char *fmt, ...) __printf(1, 2);

/* The page levels the level-parameterized cases run at: a name and an accept_set_level_cap() mask. */
struct bench_level {
	const char *name;
	unsigned cap;
};
extern const struct bench_level bench_level_4k, bench_level_2m;
extern const struct ktest_param bench_levels[2]; /* 4k, 2m: KTEST_PARAM(bench, case, bench_levels) */
/* Caps acceptance at level for the rest of the case; a deferred action puts the previous cap back. */
void bench_cap_level(struct ktest *t, const struct bench_level *level);

#define BENCH_REPS_MAX 15
/*
 * Repetitions of every headline figure (kernel argument bench_reps=, owned here; default 3, at least 3
 * unless asked for fewer on purpose): a figure is printed as the median of its repetitions with
 * reps=N min=X max=Y, so that the harness can say how stable it is (docs/benchmarks.md "Repetitions").
 */
#define BENCH_REPS_DEFAULT 3
unsigned bench_reps(void);
/* Prints name=median(values) with "reps=N min=... max=..." added to extra; values in units of
 * 10^-decimals (as metric_fixed), sorted in place. */
void bench_metric_repeated(const char *name, u64 *values, unsigned n, unsigned decimals, const char *unit,
			   const char *extra);

/*
 * Latency over repetitions (docs/benchmarks.md "Repetitions"): every value goes into one pool (the min,
 * p99 and max lines: the tail over all repetitions) and into its repetition's own samples; the median
 * line is the median of the repetitions' medians, with reps=N min=X max=Y (their extremes).
 */
struct bench_rep_latency {
	struct samples all; /* every value of every repetition */
	struct samples rep; /* the current repetition's values */
	u64 medians[BENCH_REPS_MAX];
	unsigned reps;	  /* repetitions ended with at least one value */
	bool inexact;	  /* a repetition's median came from the histogram */
};
void bench_rep_latency_init(struct bench_rep_latency *l);
void bench_rep_latency_add(struct bench_rep_latency *l, u64 ns);
/* Ends the current repetition: its median joins the others (nothing when it had no value). */
void bench_rep_latency_next(struct bench_rep_latency *l);
/* The median of the repetitions' medians: the median line's value (0 without any). */
u64 bench_rep_latency_median(const struct bench_rep_latency *l);
/* As bench_latency_metrics; the median line (if in which) is the repeated one described above. */
void bench_rep_latency_metrics(const char *name, struct bench_rep_latency *l, const char *extra, unsigned which);
/* Values per repetition when total values are split over bench_reps() repetitions: at least one. */
unsigned bench_per_rep(unsigned total);

/* The suite's init (bench_1_reference.c): measures the reference below, once per boot of the suite. */
const char *bench_suite_init(void);

#define BENCH_ZERO_4K_SAMPLES 256
#define BENCH_ZERO_METHODS 3

/* What every acceptance figure is expressed against, measured by the suite's init before any case. */
struct bench_reference {
	bool measured;
	u64 method_reps[BENCH_ZERO_METHODS][BENCH_REPS_MAX]; /* each repetition, MiB/s * 1000 */
	u64 method_mibps_milli[BENCH_ZERO_METHODS]; /* their medians */
	unsigned best;				    /* the method with the highest median */
	u64 zero_mibps_milli;			    /* its median: the reference */
	const char *best_method;
	struct samples zero_4k; /* zeroing one hot 4 KiB page with the fastest method */
	u64 zero_4k_ns;		/* its median */
	/* Cold and warm memory (docs/benchmarks.md): measured where a model can back memory (host_back). */
	struct range region;	/* the reference region */
	bool first_touch_measured;
	struct samples first_touch; /* per 2 MiB: the host's first touch, cold pass minus warm pass */
	u64 first_touch_ns;	    /* its median */
	u64 cold_zero_mibps_milli;  /* REP STOSQ over cold memory: the cold passes */
	/* The host's mapping level, from the reference region's 2 MiB accepts (accept_host_map_level()). */
	u64 map_attempts, map_fallbacks;
	int map_level; /* enum accept_level; ACCEPT_LEVEL_NONE: unknown or mixed */
};
/* The model's host_back, or NULL on hardware (warm memory cannot be made there). */
void (*bench_host_back(void))(u64 start, u64 size);
extern struct bench_reference bench_ref;

#endif
