/* SPDX-License-Identifier: MIT */
#include <ccktf/boot.h>
#include <ccktf/console.h>
#include <ccktf/format.h>
#include <ccktf/metric.h>
#include <ccktf/platform.h>
#include "bench_util.h"

#include <ccktf/args.h>
#include <ccktf/string.h>

struct bench_reference bench_ref;

static unsigned reps = BENCH_REPS_DEFAULT;

static bool parse_reps(const char *v)
{
	unsigned n = 0;

	if (!*v || strlen(v) > 2)
		return false;
	for (; *v; v++) {
		if (*v < '0' || *v > '9')
			return false;
		n = n * 10 + (unsigned)(*v - '0');
	}
	if (n < 1 || n > BENCH_REPS_MAX)
		return false;
	reps = n;
	return true;
}

static const struct arg_key_ext bench_reps_key = { "bench_reps", "1..15 (default 3)", parse_reps };
ARG_KEY_REGISTER(bench_reps_key);

unsigned bench_reps(void)
{
	return reps;
}

static void format_fixed(char *buf, size_t size, u64 v, unsigned decimals)
{
	u64 scale = 1;

	for (unsigned i = 0; i < decimals; i++)
		scale *= 10;
	if (decimals)
		snprintf(buf, size, "%llu.%0*llu", v / scale, (int)decimals, v % scale);
	else
		snprintf(buf, size, "%llu", v);
}

static void sort_u64(u64 *v, unsigned n)
{
	for (unsigned i = 1; i < n; i++) /* insertion sort: a handful of values */
		for (unsigned j = i; j > 0 && v[j - 1] > v[j]; j--) {
			u64 x = v[j];

			v[j] = v[j - 1];
			v[j - 1] = x;
		}
}

void bench_metric_repeated(const char *name, u64 *values, unsigned n, unsigned decimals, const char *unit,
			   const char *extra)
{
	char ctx[160], lo[32], hi[32];

	sort_u64(values, n);
	format_fixed(lo, sizeof(lo), values[0], decimals);
	format_fixed(hi, sizeof(hi), values[n - 1], decimals);
	snprintf(ctx, sizeof(ctx), "%s%sreps=%u min=%s max=%s", extra ? extra : "", extra ? " " : "", n, lo, hi);
	/* the lower median for an even count: a value that was measured */
	metric_fixed(name, values[(n - 1) / 2], decimals, unit, ctx);
}

const char *bench_skip_reason(void)
{
	if (boot_info.args.bench == BENCH_OFF)
		return "benchmarks run only when asked: bench=short or bench=full (make bench)";
	return accept_skip_reason();
}

bool bench_full(void)
{
	return boot_info.args.bench == BENCH_FULL;
}

u64 bench_unaccepted_left(void)
{
	return unaccepted_count_set(unaccepted.table) * unaccepted.table->unit_size;
}

/* MiB/s * 1000 = bytes * 10^12 / (2^20 * ns), in two steps that stay within 64 bits up to 16 TiB. */
u64 mibps_milli(u64 bytes, u64 ns)
{
	u64 mib_micro = (bytes / 1024) * 1000000 / 1024; /* MiB * 10^6 */

	return ns ? mib_micro * 1000000 / ns : 0;
}

void bench_latency_metrics(const char *name, struct samples *s, const char *extra, unsigned which)
{
	static const struct {
		unsigned bit;
		const char *stat;
		unsigned pct;
	} stats[] = { { BENCH_STAT_MIN, "min", 0 },
		      { BENCH_STAT_MEDIAN, "median", 50 },
		      { BENCH_STAT_P99, "p99", 99 },
		      { BENCH_STAT_MAX, "max", 100 } };
	u64 n = samples_count(s);
	char ctx[160];

	for (size_t i = 0; i < ARRAY_SIZE(stats); i++) {
		if (!(which & stats[i].bit) || (stats[i].bit == BENCH_STAT_P99 && n < BENCH_P99_MIN_SAMPLES))
			continue;
		/* min and max are always exact; a percentile in between is exact while every value was kept */
		bool exact = stats[i].pct == 0 || stats[i].pct == 100 || samples_exact(s);

		snprintf(ctx, sizeof(ctx), "%s%sstat=%s samples=%llu%s", extra ? extra : "", extra ? " " : "",
			 stats[i].stat, n, exact ? "" : " exact=0");
		metric_u64(name, samples_percentile(s, stats[i].pct), "ns", ctx);
	}
}

void bench_rep_latency_init(struct bench_rep_latency *l)
{
	samples_init(&l->all);
	samples_init(&l->rep);
	l->reps = 0;
	l->inexact = false;
}

void bench_rep_latency_add(struct bench_rep_latency *l, u64 ns)
{
	samples_add(&l->all, ns);
	samples_add(&l->rep, ns);
}

void bench_rep_latency_next(struct bench_rep_latency *l)
{
	if (!samples_count(&l->rep) || l->reps == BENCH_REPS_MAX)
		return;
	l->inexact |= !samples_exact(&l->rep);
	l->medians[l->reps++] = samples_percentile(&l->rep, 50);
	samples_init(&l->rep);
}

u64 bench_rep_latency_median(const struct bench_rep_latency *l)
{
	u64 sorted[BENCH_REPS_MAX];

	if (!l->reps)
		return 0;
	memcpy(sorted, l->medians, l->reps * sizeof(sorted[0]));
	sort_u64(sorted, l->reps);
	return sorted[(l->reps - 1) / 2]; /* the lower median, as bench_metric_repeated prints */
}

void bench_rep_latency_metrics(const char *name, struct bench_rep_latency *l, const char *extra, unsigned which)
{
	u64 values[BENCH_REPS_MAX];
	char ctx[120];

	bench_latency_metrics(name, &l->all, extra, which & BENCH_STAT_MIN);
	if ((which & BENCH_STAT_MEDIAN) && l->reps) {
		/* samples=: every value the repetitions' medians rest on */
		snprintf(ctx, sizeof(ctx), "%s%sstat=median samples=%llu%s", extra ? extra : "", extra ? " " : "",
			 samples_count(&l->all), l->inexact ? " exact=0" : "");
		memcpy(values, l->medians, l->reps * sizeof(values[0]));
		bench_metric_repeated(name, values, l->reps, 0, "ns", ctx);
	}
	bench_latency_metrics(name, &l->all, extra, which & (BENCH_STAT_P99 | BENCH_STAT_MAX));
}

unsigned bench_per_rep(unsigned total)
{
	return MAX(total / bench_reps(), 1u);
}

void bench_progress(const char *fmt, ...)
{
	char line[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* As a diagnostic of the running test (docs/protocol.md), so that a boot that dies here names it. */
	if (ktest_current_name())
		printk("    # %s: %s\n", ktest_current_name(), line);
	else
		printk("    # bench progress: %s\n", line);
}

void (*bench_host_back(void))(u64 start, u64 size)
{
	const struct platform_model_ops *model = platform_current()->model;

	return model ? model->host_back : NULL;
}

const struct bench_level bench_level_4k = { "4k", ACCEPT_LEVEL_BIT(ACCEPT_4K) };
const struct bench_level bench_level_2m = { "2m", ACCEPT_LEVELS_ALL };
const struct ktest_param bench_levels[2] = { { "4k", &bench_level_4k }, { "2m", &bench_level_2m } };

static void restore_level_cap(void *previous)
{
	accept_set_level_cap((unsigned)(uintptr_t)previous);
}

void bench_cap_level(struct ktest *t, const struct bench_level *level)
{
	ktest_add_action(t, restore_level_cap, (void *)(uintptr_t)accept_set_level_cap(level->cap));
}
