/* SPDX-License-Identifier: MIT */
/* The benchmark histogram: exact min/max, percentiles within a bucket (25%) of the true value. */
#include <ccktf/histogram.h>
#include <ccktf/ktest.h>

KTEST_SUITE(host_histogram, KTEST_AFTER_EXIT_BOOT_SERVICES, NULL);

static struct histogram h;

KTEST(host_histogram, empty_reads_zero)
{
	hist_init(&h);
	KEXPECT_EQ(t, hist_percentile(&h, 50), 0);
}

KTEST(host_histogram, percentiles_within_a_bucket)
{
	hist_init(&h);
	for (u64 v = 1; v <= 1000; v++)
		hist_add(&h, v * 100); /* 100 ns .. 100 us */
	KEXPECT_EQ(t, h.min, 100);
	KEXPECT_EQ(t, h.max, 100000);
	u64 median = hist_percentile(&h, 50), p99 = hist_percentile(&h, 99);
	KEXPECT_GE(t, median, 50000);
	KEXPECT_LE(t, median, 50000 * 5 / 4);
	KEXPECT_GE(t, p99, 99000);
	KEXPECT_LE(t, p99, 100000);
	KEXPECT_EQ(t, hist_percentile(&h, 100), 100000);
	KEXPECT_EQ(t, hist_percentile(&h, 0), 100);
}

KTEST(host_histogram, single_value_is_exact)
{
	hist_init(&h);
	hist_add(&h, 12345);
	hist_add(&h, 12345);
	KEXPECT_EQ(t, hist_percentile(&h, 50), 12345);
	KEXPECT_EQ(t, hist_percentile(&h, 99), 12345);
}

KTEST(host_histogram, small_and_huge_values)
{
	hist_init(&h);
	hist_add(&h, 0);
	hist_add(&h, ~0ull);
	KEXPECT_EQ(t, hist_percentile(&h, 50), 0);
	KEXPECT_EQ(t, hist_percentile(&h, 100), ~0ull);
}
