/* SPDX-License-Identifier: MIT */
/*
 * Percentiles (ccktf/histogram.h, docs/benchmarks.md "Precision"): exact nearest-rank while every sample is
 * kept, within 1% of the exact value from the log-linear histogram beyond, against sorted arrays.
 */
#include <stdlib.h>

#include <ccktf/histogram.h>
#include <ccktf/ktest.h>

KTEST_SUITE(host_histogram, KTEST_AFTER_EXIT_BOOT_SERVICES, NULL);

static struct samples s;
static struct histogram h;
static u64 values[20000];

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/* The nearest-rank percentile of sorted v[0..n): the ceil(pct * n / 100)-th smallest. */
static u64 exact_percentile(const u64 *v, size_t n, unsigned pct)
{
	size_t rank = (n * pct + 99) / 100;

	return v[rank ? rank - 1 : 0];
}

static u64 xorshift(u64 *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return *state;
}

/* Latency-like values: a body around base plus a long tail, spanning several powers of two. */
static void fill(size_t n, u64 seed, u64 base)
{
	for (size_t i = 0; i < n; i++) {
		u64 r = xorshift(&seed);

		values[i] = base + r % base + (r % 97 == 0 ? (r >> 20) % (base * 1000) : 0);
	}
}

static unsigned worst_permille(struct ktest *t, size_t n)
{
	static const unsigned pcts[] = { 0, 1, 10, 25, 50, 75, 90, 99, 100 };
	u64 worst = 0;

	samples_init(&s);
	for (size_t i = 0; i < n; i++)
		samples_add(&s, values[i]);
	qsort(values, n, sizeof(values[0]), cmp_u64);
	for (size_t i = 0; i < ARRAY_SIZE(pcts); i++) {
		u64 want = exact_percentile(values, n, pcts[i]), got = samples_percentile(&s, pcts[i]);
		u64 diff = got > want ? got - want : want - got;

		if (n <= SAMPLES_RAW_MAX)
			KEXPECT_EQ(t, got, want); /* every sample kept: exact */
		worst = MAX(worst, diff * 1000000 / want); /* parts per million */
	}
	return (unsigned)worst;
}

KTEST(host_histogram, empty_reads_zero)
{
	samples_init(&s);
	KEXPECT_EQ(t, samples_percentile(&s, 50), 0);
	KEXPECT_EQ(t, samples_count(&s), 0);
	hist_init(&h);
	KEXPECT_EQ(t, hist_percentile(&h, 50), 0);
}

KTEST(host_histogram, raw_samples_give_exact_nearest_rank_percentiles)
{
	for (u64 seed = 1; seed <= 20; seed++) {
		size_t n = 1 + (size_t)(seed * 53) % SAMPLES_RAW_MAX;

		fill(n, seed, 5000);
		KEXPECT_EQ(t, worst_permille(t, n), 0);
		KEXPECT_TRUE(t, samples_exact(&s));
	}
}

KTEST(host_histogram, nearest_rank_on_a_known_array)
{
	samples_init(&s);
	for (u64 v = 100; v >= 1; v--) /* 100 .. 1, unsorted */
		samples_add(&s, v * 10);
	KEXPECT_EQ(t, samples_percentile(&s, 0), 10);
	KEXPECT_EQ(t, samples_percentile(&s, 50), 500); /* the 50th smallest of 100 */
	KEXPECT_EQ(t, samples_percentile(&s, 99), 990);
	KEXPECT_EQ(t, samples_percentile(&s, 100), 1000);
	samples_add(&s, 5);
	KEXPECT_EQ(t, samples_percentile(&s, 50), 500); /* 101 values: the 51st smallest */
	KEXPECT_EQ(t, samples_percentile(&s, 0), 5);
}

KTEST(host_histogram, beyond_the_raw_buffer_within_one_percent)
{
	for (u64 seed = 1; seed <= 8; seed++) {
		size_t n = ARRAY_SIZE(values) - (size_t)seed * 1000;

		fill(n, seed, 300 + seed * 7919);
		unsigned ppm = worst_permille(t, n);

		KEXPECT_FALSE(t, samples_exact(&s));
		KEXPECT_LE(t, ppm, 10000);	   /* the promise: 1% */
		KEXPECT_LE(t, ppm, 1000000 / 256); /* what the bucket width gives: 1/256 */
	}
}

KTEST(host_histogram, every_bucket_is_narrower_than_one_percent_of_its_values)
{
	for (unsigned b = 0; b < HIST_BUCKETS - 1; b++) {
		u64 low = hist_bucket_low(b), high = hist_bucket_high(b);

		KASSERT_EQ(t, hist_bucket_of(low), b);
		KASSERT_EQ(t, hist_bucket_of(high), b);
		KASSERT_EQ(t, hist_bucket_low(b + 1), high + 1);
		KASSERT_LE(t, (high - low) * 128, low); /* width <= low / 128 */
	}
	KEXPECT_EQ(t, hist_bucket_of(~0ull), HIST_BUCKETS - 1);
}

KTEST(host_histogram, min_and_max_are_exact_whatever_the_values)
{
	hist_init(&h);
	hist_add(&h, 0);
	hist_add(&h, ~0ull);
	KEXPECT_EQ(t, hist_percentile(&h, 0), 0);
	KEXPECT_EQ(t, hist_percentile(&h, 50), 0);
	KEXPECT_EQ(t, hist_percentile(&h, 100), ~0ull);
	hist_init(&h);
	for (unsigned i = 0; i < 3000; i++)
		hist_add(&h, 12345);
	KEXPECT_EQ(t, hist_percentile(&h, 50), 12345); /* clamped to [min, max]: one value is exact */
	KEXPECT_EQ(t, hist_percentile(&h, 99), 12345);
}
