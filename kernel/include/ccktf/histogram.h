/* SPDX-License-Identifier: MIT */
/*
 * A fixed-bucket latency histogram: no allocation, constant time per sample. Buckets split each power of
 * two of nanoseconds into four (HIST_SUB_BUCKETS), so a percentile read from a bucket bound is within 25%.
 * min and max are exact.
 */
#ifndef CCKTF_HISTOGRAM_H
#define CCKTF_HISTOGRAM_H

#include <ccktf/types.h>

#define HIST_SUB_BITS 2
#define HIST_SUB_BUCKETS (1u << HIST_SUB_BITS)
#define HIST_BUCKETS (64 * HIST_SUB_BUCKETS)

struct histogram {
	u64 count;
	u64 min, max;
	u64 buckets[HIST_BUCKETS];
};

void hist_init(struct histogram *h);
void hist_add(struct histogram *h, u64 ns);
/* The upper bound of the bucket holding the pct-th percentile sample, clamped to [min, max]; 0 is the
 * exact min, 100 the exact max; 0 if empty. */
u64 hist_percentile(const struct histogram *h, unsigned pct);

#endif
