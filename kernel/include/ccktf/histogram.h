/* SPDX-License-Identifier: MIT */
/*
 * Latency samples and their percentiles (docs/benchmarks.md, "Precision"): no allocation, constant space.
 *
 * struct samples keeps every raw value while they fit (SAMPLES_RAW_MAX) and then gives EXACT percentiles,
 * nearest-rank: the p-th percentile of N values is the ceil(p * N / 100)-th smallest (p = 0: the smallest).
 * Beyond that it answers from a log-linear histogram fed with every value: each power of two of
 * nanoseconds is split into 2^HIST_SUB_BITS = 128 buckets of equal width (HdrHistogram's idea), values
 * below 128 have a bucket each, and a percentile reads the middle of the bucket holding the nearest-rank
 * sample, clamped to the exact [min, max]: relative error at most 1/256 (0.4%), never above 1%.
 * min and max are always exact.
 */
#ifndef CCKTF_HISTOGRAM_H
#define CCKTF_HISTOGRAM_H

#include <ccktf/types.h>

#define HIST_SUB_BITS 7
#define HIST_SUB_BUCKETS (1u << HIST_SUB_BITS)
#define HIST_TOP_BITS 48 /* values from 2^48 ns (3 days) up share the last power of two's buckets */
#define HIST_BUCKETS ((HIST_TOP_BITS - HIST_SUB_BITS + 1) * HIST_SUB_BUCKETS)

struct histogram {
	u64 count;
	u64 min, max;
	u32 buckets[HIST_BUCKETS];
};

void hist_init(struct histogram *h);
void hist_add(struct histogram *h, u64 ns);
/* The nearest-rank pct-th percentile, within 1/256 of it (see above); 0 the exact min, 100 the exact
 * max; 0 if empty. */
u64 hist_percentile(const struct histogram *h, unsigned pct);
/* The bucket of v and the smallest and largest value it holds (for tests of the bound). */
unsigned hist_bucket_of(u64 v);
u64 hist_bucket_low(unsigned b);
u64 hist_bucket_high(unsigned b);

#define SAMPLES_RAW_MAX 1024

struct samples {
	u32 raw_count; /* raw[0..raw_count) hold the first values; exact while count <= SAMPLES_RAW_MAX */
	bool sorted;
	u64 raw[SAMPLES_RAW_MAX];
	struct histogram hist; /* every value */
};

void samples_init(struct samples *s);
void samples_add(struct samples *s, u64 ns);
u64 samples_count(const struct samples *s);
/* Are the percentiles exact (every value kept)? */
bool samples_exact(const struct samples *s);
/* The nearest-rank pct-th percentile (0..100): exact while samples_exact(), else hist_percentile. Sorts
 * the raw values in place the first time. 0 if empty. */
u64 samples_percentile(struct samples *s, unsigned pct);

#endif
