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
/* Prints min, median, p99, max of h as metric lines name with "stat=..." added to extra. */
void bench_latency_metrics(const char *name, const struct histogram *h, const char *extra);
void bench_progress(const char *fmt, ...) __printf(1, 2);

/* The fastest zeroing bandwidth bench.zeroing_bandwidth measured, in MiB/s * 1000; 0 before it ran. */
extern u64 bench_zero_mibps_milli;
/* Median time to zero one hot 4 KiB page, measured by the same case; 0 before it ran. */
extern u64 bench_zero_4k_ns;

#endif
