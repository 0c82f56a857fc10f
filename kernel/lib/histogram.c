/* SPDX-License-Identifier: MIT */
/* Latency samples: raw values while they fit, a log-linear histogram always (ccktf/histogram.h). */
#include <ccktf/histogram.h>
#include <ccktf/string.h>

void hist_init(struct histogram *h)
{
	memset(h, 0, sizeof(*h));
	h->min = ~0ull;
}

/*
 * Values below 2^HIST_SUB_BITS have a bucket each. Above, the power of two 2^top (top = position of the
 * highest set bit) owns HIST_SUB_BUCKETS buckets of width 2^(top - HIST_SUB_BITS), picked by the
 * HIST_SUB_BITS bits below the top one.
 */
unsigned hist_bucket_of(u64 v)
{
	unsigned top;

	if (v < HIST_SUB_BUCKETS)
		return (unsigned)v;
	top = 63 - (unsigned)__builtin_clzll(v);
	if (top >= HIST_TOP_BITS) /* beyond the range: the last bucket, min and max stay exact */
		return HIST_BUCKETS - 1;
	return (top - HIST_SUB_BITS + 1) * HIST_SUB_BUCKETS + (unsigned)((v >> (top - HIST_SUB_BITS)) & (HIST_SUB_BUCKETS - 1));
}

u64 hist_bucket_low(unsigned b)
{
	unsigned top = b / HIST_SUB_BUCKETS + HIST_SUB_BITS - 1, sub = b % HIST_SUB_BUCKETS;

	if (b < HIST_SUB_BUCKETS)
		return b;
	return (u64)(HIST_SUB_BUCKETS + sub) << (top - HIST_SUB_BITS);
}

u64 hist_bucket_high(unsigned b)
{
	if (b == HIST_BUCKETS - 1)
		return ~0ull;
	return hist_bucket_low(b + 1) - 1;
}

void hist_add(struct histogram *h, u64 ns)
{
	h->buckets[hist_bucket_of(ns)]++;
	h->count++;
	h->min = MIN(h->min, ns);
	h->max = MAX(h->max, ns);
}

/* Nearest rank of the pct-th percentile among n values: ceil(pct * n / 100), at least 1. */
static u64 nearest_rank(u64 n, unsigned pct)
{
	u64 rank = (n * pct + 99) / 100;

	return MAX(rank, 1ull);
}

u64 hist_percentile(const struct histogram *h, unsigned pct)
{
	u64 rank, seen = 0;

	if (!h->count)
		return 0;
	if (pct == 0)
		return h->min;
	if (pct >= 100)
		return h->max;
	rank = nearest_rank(h->count, pct);
	for (unsigned b = 0; b < HIST_BUCKETS; b++) {
		seen += h->buckets[b];
		if (seen >= rank) {
			u64 low = hist_bucket_low(b), high = b == HIST_BUCKETS - 1 ? h->max : hist_bucket_high(b);
			u64 mid = low + (high - low) / 2;

			return MIN(MAX(mid, h->min), h->max);
		}
	}
	return h->max;
}

void samples_init(struct samples *s)
{
	s->raw_count = 0;
	s->sorted = true;
	hist_init(&s->hist);
}

void samples_add(struct samples *s, u64 ns)
{
	if (s->raw_count < SAMPLES_RAW_MAX) {
		s->raw[s->raw_count++] = ns;
		s->sorted = false;
	}
	hist_add(&s->hist, ns);
}

u64 samples_count(const struct samples *s)
{
	return s->hist.count;
}

bool samples_exact(const struct samples *s)
{
	return s->hist.count == s->raw_count;
}

/* Insertion sort: at most SAMPLES_RAW_MAX values, sorted once per figure. */
static void sort_u64(u64 *v, u32 n)
{
	for (u32 i = 1; i < n; i++) {
		u64 x = v[i];
		u32 j = i;

		for (; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

u64 samples_percentile(struct samples *s, unsigned pct)
{
	if (!samples_exact(s))
		return hist_percentile(&s->hist, pct);
	if (!s->raw_count)
		return 0;
	if (!s->sorted) {
		sort_u64(s->raw, s->raw_count);
		s->sorted = true;
	}
	if (pct >= 100)
		return s->raw[s->raw_count - 1];
	return s->raw[nearest_rank(s->raw_count, pct) - 1];
}
