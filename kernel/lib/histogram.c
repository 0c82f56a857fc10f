/* SPDX-License-Identifier: MIT */
#include <ccktf/histogram.h>
#include <ccktf/string.h>

void hist_init(struct histogram *h)
{
	memset(h, 0, sizeof(*h));
	h->min = ~0ull;
}

/* Bucket of v: the position of its top bit, refined by the HIST_SUB_BITS bits below it. */
static unsigned bucket_of(u64 v)
{
	unsigned top;

	if (v < HIST_SUB_BUCKETS)
		return (unsigned)v;
	top = 63 - (unsigned)__builtin_clzll(v);
	return top * HIST_SUB_BUCKETS + (unsigned)((v >> (top - HIST_SUB_BITS)) & (HIST_SUB_BUCKETS - 1));
}

/* The largest value that falls in bucket b. */
static u64 bucket_upper(unsigned b)
{
	unsigned top = b / HIST_SUB_BUCKETS, sub = b % HIST_SUB_BUCKETS;

	if (b < HIST_SUB_BUCKETS)
		return b;
	return ((u64)(HIST_SUB_BUCKETS + sub + 1) << (top - HIST_SUB_BITS)) - 1;
}

void hist_add(struct histogram *h, u64 ns)
{
	h->buckets[bucket_of(ns)]++;
	h->count++;
	h->min = MIN(h->min, ns);
	h->max = MAX(h->max, ns);
}

u64 hist_percentile(const struct histogram *h, unsigned pct)
{
	u64 rank = (h->count * pct + 99) / 100, seen = 0;

	if (!h->count)
		return 0;
	if (pct == 0)
		return h->min;
	rank = MAX(rank, 1ull);
	for (unsigned b = 0; b < HIST_BUCKETS; b++) {
		seen += h->buckets[b];
		if (seen >= rank)
			return MIN(MAX(bucket_upper(b), h->min), h->max);
	}
	return h->max;
}
