/* SPDX-License-Identifier: MIT */
/*
 * Acceptance on every CPU at once (kernel/mm/accept_parallel.h): CPUs racing for the same units through
 * the lazy path, and eager jobs by both strategies, never accept a unit twice (the model counts every
 * accept that met a page already accepted or being accepted: platform_model_ops.double_accepts), leave
 * none out, and leave the bitmap as the platform's own state says. Runs with at least two online CPUs and
 * unaccepted memory; harness/tests/test_accept_smp_boot.py boots it on sim-tdx and sim-snp with -smp 2.
 */
#include <ccktf/format.h>
#include <ccktf/ktest.h>
#include <ccktf/string.h>
#include <ccktf/time.h>
#include "mm/accept_parallel.h"
#include "lib/accept_util.h"
#include "lib/smp_util.h"

#define RACE_UNITS 8   /* 16 MiB, every CPU asking for all of it */
#define EAGER_UNITS 24 /* 48 MiB per strategy: a 32 MiB stride and a part */

static const char *accept_smp_skip(void)
{
	static char why[200];
	const struct smp_state *s = smp_get();
	const char *r = accept_skip_reason();

	if (r)
		return r;
	if (smp_util_online() >= 2)
		return NULL;
	snprintf(why, sizeof(why), "needs two online CPUs, has %u (wake=%s%s%s)", smp_util_online(), s->wake,
		 s->skipped ? ": " : "", s->skipped ? s->skipped : "");
	return why;
}

KTEST_SUITE(accept_smp, KTEST_AFTER_EXIT_BOOT_SERVICES, accept_smp_skip);

static struct accept_stats cpu_stats[SMP_MAX_CPUS];
static struct accept_memory_result cpu_result[SMP_MAX_CPUS];
static int cpu_status[SMP_MAX_CPUS];

static u64 double_accepts(void)
{
	const struct platform_model_ops *m = accept_model();

	return m && m->double_accepts ? m->double_accepts() : 0;
}

/* Every page of r accepted as the model sees it; false (with the first page that is not) otherwise. */
static bool model_accepted_all(struct range r, u64 *bad)
{
	const struct platform_model_ops *m = accept_model();

	for (u64 a = r.start; m && m->page_accepted && a < r.end; a += EFI_PAGE_SIZE)
		if (!m->page_accepted(a)) {
			*bad = a;
			return false;
		}
	return true;
}

static void check_range_accepted(struct ktest *t, struct range r)
{
	u64 bad = 0;

	for (u64 a = r.start; a < r.end; a += UNACCEPTED_UNIT_SIZE)
		KEXPECT_FALSE(t, unit_unaccepted(a));
	if (!model_accepted_all(r, &bad))
		ktest_fail(t, __FILE__, __LINE__, "page 0x%llx: the bitmap says accepted, the model says not", bad);
}

/* Lazy: all CPUs ask for the same units at once */

/* This CPU (call c) accepts w lazily, its status, stats and result in its own slots. */
static void accept_on_this_cpu(const struct smp_util_call *c, struct range w)
{
	memset(&cpu_stats[c->nth], 0, sizeof(cpu_stats[c->nth]));
	cpu_status[c->nth] = unaccepted_accept_with(w.start, range_len(w), &cpu_stats[c->nth], &cpu_result[c->nth]);
}

static void accept_same_range(const struct smp_util_call *c)
{
	accept_on_this_cpu(c, *(const struct range *)c->arg);
}

/*
 * Runs fn on every online CPU over r and fails t for each CPU whose accept did not end OK; *cleared: the
 * units the CPUs cleared together. False when the run itself failed (reported).
 */
static bool race_over(struct ktest *t, smp_util_fn fn, struct range *r, u64 *cleared)
{
	u32 n = smp_util_online();
	const char *why;

	*cleared = 0;
	if (!smp_util_run(n, fn, r, &why)) {
		ktest_fail(t, __FILE__, __LINE__, "running on %u CPUs: %s", n, why);
		return false;
	}
	for (u32 i = 0; i < n; i++) {
		char err[200];

		accept_error_format(&cpu_stats[i].first_error, err, sizeof(err));
		if (cpu_status[i] != ACCEPT_MEMORY_OK)
			ktest_fail(t, __FILE__, __LINE__, "CPU %u: status %d, %s", i, cpu_status[i], err);
		*cleared += cpu_result[i].units_cleared;
		ktest_log(t, "CPU %u cleared %llu of the %u units", i, cpu_result[i].units_cleared, RACE_UNITS);
	}
	return true;
}

KTEST(accept_smp, racing_cpus_over_the_same_units_never_double_accept)
{
	u32 n = smp_util_online();
	u64 doubles = double_accepts(), cleared;
	struct range r;

	TAKE_UNITS_OR_SKIP(t, RACE_UNITS, &r);
	if (!race_over(t, accept_same_range, &r, &cleared))
		return;
	KEXPECT_EQ(t, cleared, RACE_UNITS); /* each unit by exactly one CPU */
	KEXPECT_EQ(t, double_accepts() - doubles, 0);
	check_range_accepted(t, r);
	ktest_evidence(t, "%u CPUs raced for %u units: %llu cleared, %llu double accepts (model), %llu waits",
		       n, RACE_UNITS, cleared, double_accepts() - doubles, unaccepted_shared()->waits);
}

/*
 * Lazy, partly overlapping: CPU k of n asks for a window of 3/4 of the units starting k/(n-1) of the rest
 * along (two CPUs: units 0-5 and 2-7, sharing 2-5), from a page into its first unit to a page short of its
 * last (whole units are accepted), so that each CPU meets another's listed range over only part of its own.
 */
#define WINDOW_UNITS (RACE_UNITS * 3 / 4)

static struct range overlap_window(struct range all, const struct smp_util_call *c)
{
	u64 step = c->ncpus > 1 ? (RACE_UNITS - WINDOW_UNITS) * UNACCEPTED_UNIT_SIZE / (c->ncpus - 1) : 0;
	u64 start = ALIGN_DOWN(all.start + c->nth * step, UNACCEPTED_UNIT_SIZE);

	if (c->nth == c->ncpus - 1) /* the last window ends where the units do */
		start = all.end - WINDOW_UNITS * UNACCEPTED_UNIT_SIZE;
	return range_make(start + EFI_PAGE_SIZE, start + WINDOW_UNITS * UNACCEPTED_UNIT_SIZE - EFI_PAGE_SIZE);
}

static void accept_overlapping_window(const struct smp_util_call *c)
{
	accept_on_this_cpu(c, overlap_window(*(const struct range *)c->arg, c));
}

KTEST(accept_smp, racing_cpus_over_partly_overlapping_units_never_double_accept)
{
	u32 n = smp_util_online();
	u64 doubles = double_accepts(), cleared;
	struct range r;

	TAKE_UNITS_OR_SKIP(t, RACE_UNITS, &r);
	if (!race_over(t, accept_overlapping_window, &r, &cleared))
		return;
	if (n == 1) /* one window of 3/4: the rest stays for later cases to find, as on any boot */
		KEXPECT_EQ(t, cleared, WINDOW_UNITS);
	else
		KEXPECT_EQ(t, cleared, RACE_UNITS); /* the windows cover every unit; each cleared by one CPU */
	KEXPECT_EQ(t, double_accepts() - doubles, 0);
	if (n > 1)
		check_range_accepted(t, r);
	ktest_evidence(t, "%u CPUs raced over windows of %u of %u units: %llu cleared, %llu double accepts (model)",
		       n, WINDOW_UNITS, RACE_UNITS, cleared, double_accepts() - doubles);
}

/* Eager: one job, every CPU a worker */

struct eager {
	struct accept_job job;
	struct accept_worker w[SMP_MAX_CPUS];
};

static u64 ap_accept_range(void *ctx, u64 start, u64 size)
{
	const struct platform_ops *p = platform_current();

	return p->accept_range(start, size, ctx);
}

static void eager_worker(const struct smp_util_call *c)
{
	struct eager *e = c->arg;
	struct range_acceptor ra = { ap_accept_range, &cpu_stats[c->nth] };

	memset(&cpu_stats[c->nth], 0, sizeof(cpu_stats[c->nth]));
	accept_job_work(&e->job, c->nth, &ra, &e->w[c->nth]);
}

static void eager_case(struct ktest *t, enum accept_strategy s)
{
	static struct eager e;
	u32 n = smp_util_online();
	u64 doubles = double_accepts(), units = 0;
	const char *why;
	struct range r;

	TAKE_UNITS_OR_SKIP(t, EAGER_UNITS, &r);
	KASSERT_TRUE(t, accept_job_init(&e.job, unaccepted_shared(), s, n, r.start, range_len(r), 1));
	e.job.now_ns = time_now_ns;
	if (!smp_util_run(n, eager_worker, &e, &why)) {
		ktest_fail(t, __FILE__, __LINE__, "running on %u CPUs: %s", n, why);
		return;
	}
	for (u32 i = 0; i < n; i++) {
		KEXPECT_EQ(t, e.w[i].status, ACCEPT_MEMORY_OK);
		units += e.w[i].units;
		ktest_log(t, "%s: CPU %u accepted %llu units in %llu claims", accept_strategy_name(s), i,
			  e.w[i].units, e.w[i].claims);
	}
	KEXPECT_EQ(t, e.job.failed, 0);
	KEXPECT_EQ(t, units, EAGER_UNITS);
	KEXPECT_EQ(t, double_accepts() - doubles, 0);
	check_range_accepted(t, r);
}

KTEST(accept_smp, claim_job_accepts_every_unit_exactly_once)
{
	eager_case(t, ACCEPT_STRATEGY_CLAIM);
}

KTEST(accept_smp, stride_job_accepts_every_unit_exactly_once)
{
	eager_case(t, ACCEPT_STRATEGY_STRIDE);
}

/*
 * Below the bitmap: every CPU asks the platform itself to accept one page at the same moment, as a kernel
 * without the accepting list would. The model must serialize them as the hardware does (tdx_model.h,
 * snp_model.h): exactly one changes the page, every other one finds it accepted or being accepted (TDX
 * ALREADY_ACCEPTED or BUSY; SNP PVALIDATE CF=1, a hard error the backend reports as a double validation).
 */
static u64 racing_page;
static u64 cpu_done[SMP_MAX_CPUS];

/*
 * How CPU i may end: the page accepted, with no error (the winner, and TDX losers, which see
 * ALREADY_ACCEPTED, after BUSY while the winner's accept is in flight); or, where accepting an accepted
 * page again is a finding (SNP), refused with the double validation as its only error. Anything else (a
 * BUSY never cleared, a failure) is a hard error of the loser the race must not cause.
 */
static bool cpu_ended_well(u32 i)
{
	const struct accept_stats *s = &cpu_stats[i];

	if (cpu_done[i] == EFI_PAGE_SIZE && !s->errors)
		return true;
	return cc_platform_has(CC_ATTR_REACCEPT_IS_FINDING) && s->no_update && s->errors == s->no_update;
}

static void accept_one_page(const struct smp_util_call *c)
{
	memset(&cpu_stats[c->nth], 0, sizeof(cpu_stats[c->nth]));
	cpu_done[c->nth] = platform_current()->accept_range(racing_page, EFI_PAGE_SIZE, &cpu_stats[c->nth]);
}

KTEST(accept_smp, the_model_serializes_cpus_accepting_one_page)
{
	const struct platform_model_ops *m = accept_model();
	u32 n = smp_util_online();
	u64 before, doubles, no_update = 0, done = 0;
	const char *why;
	struct range r;

	if (!m || !m->double_accepts)
		KTEST_SKIP(t, "needs a model that counts double accepts (hardware does not say)");
	TAKE_UNITS_OR_SKIP(t, 1, &r);
	racing_page = r.start;
	before = m->double_accepts();
	if (!smp_util_run(n, accept_one_page, NULL, &why)) {
		ktest_fail(t, __FILE__, __LINE__, "running on %u CPUs: %s", n, why);
		return;
	}
	doubles = m->double_accepts() - before;
	for (u32 i = 0; i < n; i++) {
		char fields[240];

		no_update += cpu_stats[i].no_update;
		done += cpu_done[i] == EFI_PAGE_SIZE;
		if (cpu_ended_well(i))
			continue;
		accept_error_format(&cpu_stats[i].last_error, fields, sizeof(fields));
		ktest_fail(t, __FILE__, __LINE__, "CPU %u ended with %llu bytes accepted and %llu errors: %s", i,
			   cpu_done[i], cpu_stats[i].errors, fields);
	}
	KEXPECT_TRUE(t, m->page_accepted(racing_page));
	KEXPECT_GE(t, doubles, n - 1); /* every CPU but one met the page done or in flight (BUSY may repeat) */
	KEXPECT_GE(t, done, 1);	       /* one of them did it */
	if (cc_platform_has(CC_ATTR_REACCEPT_IS_FINDING))
		KEXPECT_EQ(t, no_update, n - 1); /* SNP: exactly one validation changed the RMP entry */
	ktest_evidence(t, "%u CPUs accepted page 0x%llx at once: %llu returned it accepted, the model counted %llu "
		       "double accepts, %llu no-update answers", n, racing_page, done, doubles, no_update);
	/* the rest of the unit, so that its bit can be cleared and nothing accepts this page again */
	KASSERT_EQ(t, platform_current()->accept_range(r.start + EFI_PAGE_SIZE, UNACCEPTED_UNIT_SIZE - EFI_PAGE_SIZE,
						       &unaccepted.stats), UNACCEPTED_UNIT_SIZE - EFI_PAGE_SIZE);
	unaccepted_mark_accepted(r.start, UNACCEPTED_UNIT_SIZE);
}

/* After the races: every unit's bit agrees with the model, first and last page of each unit. */
KTEST(accept_smp, bitmap_ends_consistent_with_the_model)
{
	const struct platform_model_ops *m = accept_model();
	const struct efi_unaccepted_memory *tb = unaccepted.table;
	u64 disagree = 0, set = 0;

	if (!m || !m->page_accepted)
		KTEST_SKIP(t, "no model: hardware has no read-only page-state query (a query accepts the page)");
	for (u64 u = 0; u < unaccepted_units(tb); u++) {
		struct range r = unaccepted_unit_range(tb, u);
		bool bit = unaccepted_test(tb, u);

		set += bit;
		/* a set bit: pending in the model (unless the platform never had the page); clear: accepted */
		if (bit && (m->page_accepted(r.start) || m->page_accepted(r.end - EFI_PAGE_SIZE)))
			disagree++;
		if (!bit && tb->phys_base + u * tb->unit_size < unaccepted_covered(tb).end &&
		    !(m->page_accepted(r.start) && m->page_accepted(r.end - EFI_PAGE_SIZE)))
			disagree++;
	}
	ktest_evidence(t, "%llu units, %llu unaccepted, %llu disagreeing with the model", unaccepted_units(tb), set,
		       disagree);
	KEXPECT_EQ(t, disagree, 0);
}
