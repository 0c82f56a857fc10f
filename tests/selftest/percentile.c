/* SPDX-License-Identifier: MIT */
/*
 * The benchmarks' percentiles inside the kernel (ccktf/histogram.h, docs/benchmarks.md "Precision"),
 * built as the kernel builds them: exact while every sample is kept, within 1% beyond, against the
 * exact nearest-rank value of a sorted copy.
 */
#include <ccktf/histogram.h>
#include <ccktf/ktest.h>

KTEST_SUITE(percentile, KTEST_AFTER_EXIT_BOOT_SERVICES, NULL);

#define N 3000

static struct samples s;
static u64 values[N], sorted[N];

static void sort(u64 *v, unsigned n)
{
	for (unsigned i = 1; i < n; i++) {
		u64 x = v[i];
		unsigned j = i;

		for (; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

/* Worst error over a few percentiles, in parts per million of the exact value. */
static u64 worst_ppm(unsigned n, u64 seed)
{
	static const unsigned pcts[] = { 0, 1, 50, 90, 99, 100 };
	u64 worst = 0;

	samples_init(&s);
	for (unsigned i = 0; i < n; i++) {
		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		/* 2 us .. 4 us, one in 50 up to ~4 ms: a body and a tail over eleven powers of two */
		values[i] = 2000 + (seed >> 33) % 2000 + ((seed >> 20) % 50 == 0 ? (seed >> 40) % 4000000 : 0);
		samples_add(&s, values[i]);
		sorted[i] = values[i];
	}
	sort(sorted, n);
	for (unsigned i = 0; i < ARRAY_SIZE(pcts); i++) {
		u64 rank = ((u64)n * pcts[i] + 99) / 100, want = sorted[rank ? rank - 1 : 0];
		u64 got = samples_percentile(&s, pcts[i]), diff = got > want ? got - want : want - got;

		worst = MAX(worst, diff * 1000000 / want);
	}
	return worst;
}

KTEST(percentile, exact_while_every_sample_is_kept)
{
	KEXPECT_EQ(t, worst_ppm(SAMPLES_RAW_MAX, 1), 0);
	KEXPECT_TRUE(t, samples_exact(&s));
	KEXPECT_EQ(t, worst_ppm(101, 2), 0);
}

KTEST(percentile, within_one_percent_beyond)
{
	u64 ppm = worst_ppm(N, 3);

	KEXPECT_FALSE(t, samples_exact(&s));
	ktest_log(t, "worst error %llu ppm over %u samples", ppm, N);
	KEXPECT_LE(t, ppm, 10000);
}
