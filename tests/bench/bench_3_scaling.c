/* SPDX-License-Identifier: MIT */
/*
 * Scaling with CPUs (docs/benchmarks.md "Scaling", bench.scaling.*): eager acceptance of fresh memory by
 * 1, 2, 4, ... N online CPUs working one job (kernel/mm/accept_parallel.h), per page level and strategy,
 * with the speed-up over one CPU, the parallel efficiency (speed-up / CPUs), each CPU's share and the cost
 * of claiming work; and the latency of a 4 KiB accept on the boot CPU while the other CPUs are idle
 * (parked in HLT) against while they are busy (spinning). Needs two online CPUs; the job on one CPU is the
 * same code with one worker, so the speed-up compares like with like. Numbered 3: after the accept and
 * SNP cases, whose plans are fixed, before the strategies, the eager one of which takes all that is left.
 */
#include <arch/cpu.h>
#include <ccktf/metric.h>
#include <ccktf/platform.h>
#include <ccktf/string.h>
#include <ccktf/time.h>
#include "bench_util.h"
#include "mm/accept_parallel.h"
#include "lib/smp_util.h"

#define UNIT UNACCEPTED_UNIT_SIZE
#define JOB_SHORT (16 * MiB)
/* 48 MiB: stride's 32 MiB chunks do not divide it evenly between 2 CPUs (32 + 16), as real ranges rarely do;
 * and the points of both levels (about 880 MiB with 2 CPUs) leave the strategies after them their share of
 * the 4 GiB a 6G guest presents as unaccepted. */
#define JOB_FULL (48 * MiB)
#define LATENCY_SHORT 64
#define LATENCY_FULL 512
#define MAX_POINTS 8 /* CPU counts: 1, 2, 4, ... and N */


static u64 job_bytes(void)
{
	return bench_full() ? JOB_FULL : JOB_SHORT;
}

/* 1, 2, 4, ... below n, then n. */
static unsigned cpu_counts(u32 n, u32 *out)
{
	unsigned k = 0;

	for (u32 c = 1; c < n && k < MAX_POINTS - 1; c *= 2)
		out[k++] = c;
	out[k++] = n;
	return k;
}


/* One job on ncpus CPUs: each worker's own stats, times from the TSC (one clock on every vCPU). */
struct scaling_job {
	struct accept_job job;
	struct accept_worker w[SMP_MAX_CPUS];
	struct accept_stats stats[SMP_MAX_CPUS];
	u64 start_ns[SMP_MAX_CPUS], end_ns[SMP_MAX_CPUS];
};

static u64 platform_accept(void *ctx, u64 start, u64 size)
{
	return platform_current()->accept_range(start, size, ctx);
}

static void job_worker(const struct smp_util_call *c)
{
	struct scaling_job *s = c->arg;
	struct range_acceptor ra = { platform_accept, &s->stats[c->nth] };

	memset(&s->stats[c->nth], 0, sizeof(s->stats[c->nth]));
	s->start_ns[c->nth] = time_now_ns();
	accept_job_work(&s->job, c->nth, &ra, &s->w[c->nth]);
	s->end_ns[c->nth] = time_now_ns();
}

/* Wall time of the job: from the first worker's start to the last one's end. */
static u64 job_ns(const struct scaling_job *s, u32 n)
{
	u64 first = U64_MAX, last = 0;

	for (u32 i = 0; i < n; i++) {
		first = MIN(first, s->start_ns[i]);
		last = MAX(last, s->end_ns[i]);
	}
	return last > first ? last - first : 1;
}

/* Inside the wall time above: from the first worker's start to the last one's. The workers leave smp_util's
 * start barrier together, so the APs' wake-up is before it; this is the barrier's release skew. */
static u64 start_skew(const struct scaling_job *s, u32 n)
{
	u64 first = U64_MAX, last = 0;

	for (u32 i = 0; i < n; i++) {
		first = MIN(first, s->start_ns[i]);
		last = MAX(last, s->start_ns[i]);
	}
	return last - first;
}

static struct scaling_job sjob;

/* Runs one job over fresh units; false (with a failure recorded) when it could not. */
static bool run_job(struct ktest *t, enum accept_strategy strategy, u32 n, u64 *ns)
{
	const char *why;
	struct range r;

	if (!take_units(job_bytes() / UNIT, &r)) {
		ktest_fail(t, __FILE__, __LINE__, "no %llu MiB of fresh units left", job_bytes() / MiB);
		return false;
	}
	memset(&sjob, 0, sizeof(sjob));
	if (!accept_job_init(&sjob.job, unaccepted_shared(), strategy, n, r.start, range_len(r), 1)) {
		ktest_fail(t, __FILE__, __LINE__, "accept_job_init refused");
		return false;
	}
	sjob.job.now_ns = time_now_ns;
	if (!smp_util_run(n, job_worker, &sjob, &why)) {
		ktest_fail(t, __FILE__, __LINE__, "running on %u CPUs: %s", n, why);
		return false;
	}
	for (u32 i = 0; i < n; i++)
		if (sjob.w[i].status != ACCEPT_MEMORY_OK) {
			char err[200];

			accept_error_format(&sjob.stats[i].first_error, err, sizeof(err));
			ktest_fail(t, __FILE__, __LINE__, "CPU %u: status %d, %s", i, sjob.w[i].status, err);
			return false;
		}
	*ns = job_ns(&sjob, n);
	return true;
}

/*
 * One configuration (a strategy on a number of CPUs): its repetitions (MiB/s * 1000 each), and the per-CPU
 * shares and time outside the platform of its last one (kept when it ran: sjob is reused by the next configuration).
 */
struct point {
	enum accept_strategy strategy;
	u32 cpus;
	u64 reps[BENCH_REPS_MAX];
	u64 share_milli[SMP_MAX_CPUS];
	u64 claims, outside_ns;
	u64 start_skew_ns; /* the last worker's start after the first's (after the start barrier) */
};

static bool measure_once(struct ktest *t, struct point *p, unsigned rep)
{
	u64 ns;

	if (!run_job(t, p->strategy, p->cpus, &ns))
		return false;
	p->reps[rep] = mibps_milli(job_bytes(), ns);
	p->claims = p->outside_ns = 0;
	p->start_skew_ns = start_skew(&sjob, p->cpus);
	for (u32 i = 0; i < p->cpus; i++) {
		p->share_milli[i] = mibps_milli(sjob.w[i].units * UNIT, ns);
		p->claims += sjob.w[i].claims;
		p->outside_ns += sjob.w[i].outside_ns;
	}
	return true;
}

static void report_point(const char *level, struct point *p, const struct point *one)
{
	const char *strategy = accept_strategy_name(p->strategy);
	u64 speedup[BENCH_REPS_MAX], efficiency[BENCH_REPS_MAX], throughput[BENCH_REPS_MAX];
	char ctx[96];

	/* paired: repetition r on cpus CPUs against repetition r on one, measured moments apart */
	for (unsigned rep = 0; rep < bench_reps(); rep++) {
		speedup[rep] = one->reps[rep] ? p->reps[rep] * 1000 / one->reps[rep] : 0;
		efficiency[rep] = speedup[rep] / p->cpus;
	}
	snprintf(ctx, sizeof(ctx), "level=%s strategy=%s cpus=%u", level, strategy, p->cpus);
	bench_metric_repeated("bench.scaling.speedup", speedup, bench_reps(), 3, "ratio", ctx);
	bench_metric_repeated("bench.scaling.efficiency", efficiency, bench_reps(), 3, "ratio", ctx);
	metric_u64("bench.scaling.outside_platform", p->outside_ns / MAX(p->claims, 1ull), "ns", ctx);
	metric_u64("bench.scaling.start_skew", p->start_skew_ns, "ns", ctx);
	memcpy(throughput, p->reps, sizeof(throughput)); /* sorted by the report; p->reps stay paired */
	bench_metric_repeated("bench.scaling.throughput", throughput, bench_reps(), 3, "MiB/s", ctx);
	for (u32 i = 0; i < p->cpus; i++) {
		snprintf(ctx, sizeof(ctx), "level=%s strategy=%s cpus=%u cpu=%u", level, strategy, p->cpus, i);
		metric_fixed("bench.scaling.per_cpu", p->share_milli[i], 3, "MiB/s", ctx);
	}
}

static const char *scaling_skip(void)
{
	return smp_util_online() < 2 ? "one online CPU: nothing to scale (boot with -smp 2 or more: make bench "
				       "SMP=2; docs/benchmarks.md \"Scaling\")"
				     : NULL;
}

static u64 points_bytes(u32 n)
{
	u32 counts[MAX_POINTS];

	/* claim at each count, stride at n, and the warm-up's unit per CPU and strategy */
	return (cpu_counts(n, counts) + 1) * (u64)bench_reps() * job_bytes() + ACCEPT_STRATEGIES * n * UNIT;
}

/*
 * The control: the same fixed amount of pure computation (no memory, no trap, no model) split over 1 and
 * N CPUs. Its speed-up is what this host gave the guest's vCPUs during the run: with multi-threaded TCG and
 * N free host cores it is close to N; on a loaded or smaller host it is less, and no acceptance speed-up can
 * be read without it (docs/benchmarks.md "Scaling").
 */
#define CONTROL_ITERATIONS (bench_full() ? 400000000ull : 40000000ull)

static u64 control_sink[SMP_MAX_CPUS];

static void control_worker(const struct smp_util_call *c)
{
	u64 x = c->nth + 1, n = CONTROL_ITERATIONS / c->ncpus;

	for (u64 i = 0; i < n; i++)
		x = x * 6364136223846793005ull + 1442695040888963407ull; /* an LCG step: ALU only */
	control_sink[c->nth] = x;
}

static bool control_ns(u32 n, u64 *ns)
{
	const char *why;
	u64 t0 = time_now_ns();

	if (!smp_util_run(n, control_worker, NULL, &why))
		return false;
	*ns = time_now_ns() - t0;
	return true;
}

/* One control repetition, inside a scaling repetition (so that it sees the same host): speed-up * 1000. */
static u64 control_speedups[2 * BENCH_REPS_MAX]; /* both levels' repetitions */
static unsigned control_count;

static bool control_once(struct ktest *t, u32 n)
{
	u64 one, all;

	if (!control_ns(1, &one) || !control_ns(n, &all)) {
		ktest_fail(t, __FILE__, __LINE__, "the control on 1 or %u CPUs failed", n);
		return false;
	}
	if (control_count < ARRAY_SIZE(control_speedups))
		control_speedups[control_count++] = one * 1000 / MAX(all, 1ull);
	return true;
}

/*
 * Untimed, first: one unit per CPU on all of them, by each strategy. Under TCG the first run of a path
 * translates it (docs/benchmarks.md), which would otherwise land in the first point's figures.
 */
static bool warm_up(struct ktest *t, u32 n)
{
	for (int s = 0; s < ACCEPT_STRATEGIES; s++) {
		const char *why;
		struct range r;

		if (!take_units(n, &r) ||
		    !accept_job_init(&sjob.job, unaccepted_shared(), s, n, r.start, range_len(r), 1) ||
		    !smp_util_run(n, job_worker, &sjob, &why)) {
			ktest_fail(t, __FILE__, __LINE__, "the warm-up job on %u CPUs failed", n);
			return false;
		}
	}
	return control_ns(n, &(u64){ 0 }); /* translate the control's loop too */
}

/* Throughput against CPUs at the parameter's level: claim at 1, 2, 4, ... N CPUs, stride at N. */
KTEST_PARAM(bench, scaling_with_cpus, bench_levels)
{
	const struct bench_level *level = t->param->data;
	static struct point points[MAX_POINTS + 1]; /* claim at each count, then stride at n */
	u32 n = smp_util_online(), counts[MAX_POINTS];
	unsigned k;
	const char *skip = scaling_skip();

	if (skip)
		KTEST_SKIP(t, "%s", skip);
	if (points_bytes(n) > bench_unaccepted_left())
		KTEST_SKIP(t, "needs %llu MiB unaccepted, %llu MiB are left", points_bytes(n) / MiB,
			   bench_unaccepted_left() / MiB);
	bench_cap_level(t, level);
	k = cpu_counts(n, counts);
	for (unsigned i = 0; i < k; i++)
		points[i] = (struct point){ .strategy = ACCEPT_STRATEGY_CLAIM, .cpus = counts[i] };
	points[k++] = (struct point){ .strategy = ACCEPT_STRATEGY_STRIDE, .cpus = n };
	if (!warm_up(t, n))
		return;
	/* Interleaved: every configuration once per repetition, so that a host busy for a while slows all of
	 * them alike and the paired speed-ups stay readable (docs/benchmarks.md "Scaling"). */
	for (unsigned rep = 0; rep < bench_reps(); rep++) {
		bench_progress("scaling: level %s, repetition %u: %u configurations x %llu MiB (%llu MiB unaccepted "
			       "left)", level->name, rep + 1, k, job_bytes() / MiB, bench_unaccepted_left() / MiB);
		for (unsigned i = 0; i < k; i++)
			if (!measure_once(t, &points[i], rep))
				return;
		if (!control_once(t, n)) /* the control of this repetition, moments after it */
			return;
	}
	for (unsigned i = 0; i < k; i++)
		report_point(level->name, &points[i], &points[0]);
}

/*
 * Reports the control repetitions run inside the scaling repetitions of both levels. When those were
 * skipped (too little unaccepted memory left) it runs its own, said so in the log: then it saw the host
 * at other moments than any acceptance figure.
 */
KTEST(bench, scaling_control_compute)
{
	u32 n = smp_util_online();
	const char *skip = scaling_skip();
	char ctx[32];

	if (skip)
		KTEST_SKIP(t, "%s", skip);
	if (!control_count) {
		ktest_log(t, "no scaling repetition ran: the control runs on its own");
		KASSERT_TRUE(t, control_ns(n, &(u64){ 0 })); /* warm-up: translate the loop */
		for (unsigned rep = 0; rep < bench_reps(); rep++)
			if (!control_once(t, n))
				return;
	}
	snprintf(ctx, sizeof(ctx), "cpus=%u", n);
	bench_metric_repeated("bench.scaling.control_speedup", control_speedups, control_count, 3, "ratio", ctx);
}

/* Latency of one 4 KiB accept on the boot CPU, the other CPUs idle or busy */

static volatile u32 spin_stop;

static void spin_until_stopped(const struct smp_util_call *c)
{
	(void)c;
	while (!__atomic_load_n(&spin_stop, __ATOMIC_ACQUIRE))
		cpu_relax();
}

struct latency_run {
	struct bench_rep_latency *lat;
	unsigned per_rep;
	bool ok;
};

/* 4 KiB accepts through the platform in fresh units, each unit finished untimed and marked accepted. */
static bool measure_4k(struct bench_rep_latency *lat, unsigned count)
{
	struct range r;

	while (count) {
		if (!take_units(1, &r))
			return false;
		u64 off = 0;
		for (; off < UNIT && count; off += EFI_PAGE_SIZE, count--) {
			u64 t0 = time_now_ns();

			if (platform_current()->accept_range(r.start + off, EFI_PAGE_SIZE, &unaccepted.stats) != EFI_PAGE_SIZE)
				return false;
			bench_rep_latency_add(lat, time_now_ns() - t0);
		}
		if (off < UNIT &&
		    platform_current()->accept_range(r.start + off, UNIT - off, &unaccepted.stats) != UNIT - off)
			return false;
		unaccepted_mark_accepted(r.start, UNIT);
	}
	return true;
}

static void latency_on_boot_cpu(const struct smp_util_call *c)
{
	struct latency_run *l = c->arg;

	if (c->nth) {
		spin_until_stopped(c);
		return;
	}
	l->ok = true;
	for (unsigned rep = 0; rep < bench_reps() && l->ok; rep++) {
		l->ok = measure_4k(l->lat, l->per_rep);
		bench_rep_latency_next(l->lat);
	}
	__atomic_store_n(&spin_stop, 1, __ATOMIC_RELEASE);
}

KTEST(bench, scaling_latency_others_idle_or_busy)
{
	static struct bench_rep_latency idle, busy;
	unsigned per_rep = bench_per_rep(bench_full() ? LATENCY_FULL : LATENCY_SHORT);
	struct latency_run run = { &busy, per_rep, false };
	u32 n = smp_util_online();
	const char *why, *skip = scaling_skip();
	char ctx[64];

	if (skip)
		KTEST_SKIP(t, "%s", skip);
	bench_cap_level(t, &bench_level_4k);
	bench_rep_latency_init(&idle);
	bench_rep_latency_init(&busy);
	bench_progress("scaling: 4 KiB accept latency, %u other CPU(s) idle, then busy", n - 1);
	for (unsigned rep = 0; rep < bench_reps(); rep++) { /* the APs are parked in HLT meanwhile */
		KASSERT_TRUE(t, measure_4k(&idle, per_rep));
		bench_rep_latency_next(&idle);
	}
	spin_stop = 0;
	if (!smp_util_run(n, latency_on_boot_cpu, &run, &why)) {
		ktest_fail(t, __FILE__, __LINE__, "running on %u CPUs: %s", n, why);
		return;
	}
	KASSERT_TRUE(t, run.ok);
	snprintf(ctx, sizeof(ctx), "level=4k size=4096 others=idle cpus=%u", n);
	bench_rep_latency_metrics("bench.scaling.latency", &idle, ctx, BENCH_STAT_MEDIAN | BENCH_STAT_P99);
	snprintf(ctx, sizeof(ctx), "level=4k size=4096 others=busy cpus=%u", n);
	bench_rep_latency_metrics("bench.scaling.latency", &busy, ctx, BENCH_STAT_MEDIAN | BENCH_STAT_P99);
}
