/* SPDX-License-Identifier: MIT */
/* Runs the selected suites, phase by phase, and prints them as nested KTAP version 1 (docs/protocol.md). */
#include <ccktf/console.h>
#include <ccktf/exit.h>
#include <ccktf/format.h>
#include <ccktf/ktest.h>
#include <ccktf/string.h>
#include <ccktf/time.h>

/* Provided by the linker for the two registration sections (linker/ccktf.ld; GNU ld on the host). */
extern const struct ktest_suite __start_ktest_suites[], __stop_ktest_suites[];
extern const struct ktest_case __start_ktest_cases[], __stop_ktest_cases[];

static const struct ktest_case *current_case;
static const struct ktest *current_test;
static unsigned suites_reported;

const struct ktest_case *ktest_current(void)
{
	return current_case;
}

const char *ktest_current_name(void)
{
	return current_test ? ktest_name(current_test) : current_case ? current_case->name : NULL;
}

const char *ktest_name(const struct ktest *t)
{
	return t->name[0] ? t->name : t->tcase->name;
}

#define for_each_suite(s) for (const struct ktest_suite *s = __start_ktest_suites; s < __stop_ktest_suites; s++)
#define for_each_case(c) for (const struct ktest_case *c = __start_ktest_cases; c < __stop_ktest_cases; c++)

/* The runs of c that sel selects: one per selected parameter, or one for an ordinary case. */
static unsigned selected_runs(const struct ktest_selection *sel, const struct ktest_case *c)
{
	unsigned n = 0;

	for (unsigned i = 0; i < ktest_runs(c); i++)
		n += ktest_param_selected(sel, c, ktest_run_param(c, i));
	return n;
}

static unsigned selected_in(const struct ktest_selection *sel, const struct ktest_suite *s,
			    const struct ktest_case *first, const struct ktest_case *last)
{
	unsigned n = 0;

	for (const struct ktest_case *c = first; c < last; c++)
		if (c->suite == s)
			n += selected_runs(sel, c);
	return n;
}

static unsigned selected_cases(const struct ktest_selection *sel, const struct ktest_suite *s)
{
	return selected_in(sel, s, __start_ktest_cases, __stop_ktest_cases);
}

bool ktest_selection_all_match(const struct ktest_selection *sel, char *unmatched, size_t size)
{
	return ktest_globs_all_match(sel, __start_ktest_cases, __stop_ktest_cases, unmatched, size);
}

void ktest_list(const struct ktest_selection *sel)
{
	char name[KTEST_NAME_MAX];

	for_each_suite(s)
		for_each_case(c) {
			if (c->suite != s)
				continue;
			for (unsigned i = 0; i < ktest_runs(c); i++) {
				const struct ktest_param *p = ktest_run_param(c, i);

				if (!ktest_param_selected(sel, c, p))
					continue;
				if (!ktest_param_name(c, p, name, sizeof(name)))
					snprintf(name, sizeof(name), "%s", c->name);
				printk("# test: %s.%s\n", s->name, name);
			}
		}
	printk("1..0\n");
}

void ktest_begin(const struct ktest_selection *sel)
{
	unsigned n = 0;

	for_each_suite(s)
		if (selected_cases(sel, s))
			n++;
	printk("1..%u\n", n);
}

bool ktest_add_action(struct ktest *t, ktest_action_fn fn, void *ctx)
{
	if (t->nactions == ARRAY_SIZE(t->actions)) {
		fn(ctx); /* what it would have undone must not outlive the case */
		ktest_fail(t, __FILE__, __LINE__, "more than %u cleanup actions; ran this one at once",
			   (unsigned)ARRAY_SIZE(t->actions));
		return false;
	}
	t->actions[t->nactions].fn = fn;
	t->actions[t->nactions].ctx = ctx;
	t->nactions++;
	return true;
}

/* Last registered, first run; an action may register another, which then runs next. */
static void run_actions(struct ktest *t)
{
	while (t->nactions) {
		t->nactions--;
		t->actions[t->nactions].fn(t->actions[t->nactions].ctx);
	}
}

static void print_check(const struct ktest *t)
{
	const struct ktest_check *k = t->tcase->check;

	printk("    # check: name=%s id=%s severity=%s spec=\"%s\" statement=\"%s\"\n", ktest_name(t), k->id,
	       k->severity == KTEST_MUST ? "must" : "should", k->spec, k->statement);
}

static void run_case(const struct ktest_selection *sel, const struct ktest_case *c, const struct ktest_param *p,
		     const char *suite_skip, const char *init_failed, struct ktest *t)
{
	bool name_ok;

	*t = (struct ktest){ .tcase = c, .status = KTEST_PASS, .param = p };
	name_ok = ktest_param_name(c, p, t->name, sizeof(t->name));
	if (!name_ok) /* still a valid KTAP name, so that the failure is reported */
		snprintf(t->name, sizeof(t->name), "%s_%u", c->name, (unsigned)(p - c->params));
	if (c->check)
		print_check(t);
	if (suite_skip)
		ktest_skip(t, "%s", suite_skip);
	else if (init_failed)
		ktest_fail(t, __FILE__, __LINE__, "suite init failed: %s", init_failed);
	else if ((c->flags & KTEST_F_DEMO_FAIL) && !sel->demo_fail)
		ktest_skip(t, "fails on purpose; run with demo_fail=1");
	if (t->status != KTEST_PASS)
		return;
	const struct ktest_case *outer_case = current_case;
	const struct ktest *outer_test = current_test;

	current_case = c;
	current_test = t;
	u64 start = time_now_ns();
	if (!name_ok) /* p is NULL when the case's own name is the bad one */
		ktest_fail(t, __FILE__, __LINE__, "%s name \"%s\" makes a name longer than %u or not [a-z0-9_]+",
			   p ? "parameter" : "case", p ? p->name : c->name, KTEST_NAME_MAX - 1);
	else
		c->run(t);
	run_actions(t);
	u64 elapsed = time_now_ns() - start;
	current_case = outer_case;
	current_test = outer_test;
	printk("    # duration: %s %llu us\n", t->name, (unsigned long long)(elapsed / 1000));
}

static const char *const flat_result[] = { [KTEST_PASS] = "pass", [KTEST_FAIL] = "fail", [KTEST_SKIP] = "skip" };

/* docs/protocol.md "Flat results": one line a LAVA monitors pattern reads, before the KTAP result line. */
static void report_flat(const struct ktest *t)
{
	printk("    # lava: case=%s.%s result=%s\n", t->tcase->suite->name, ktest_name(t), flat_result[t->status]);
}

static void report_case(const struct ktest_selection *sel, unsigned n, const struct ktest *t)
{
	const char *name = ktest_name(t);

	if (sel->flat)
		report_flat(t);
	if (t->status == KTEST_SKIP)
		printk("    ok %u %s # SKIP %s\n", n, name, t->skip_reason);
	else
		printk("    %s %u %s\n", t->status == KTEST_PASS ? "ok" : "not ok", n, name);
}

static void count(struct ktest_totals *totals, enum ktest_status st)
{
	if (st == KTEST_PASS)
		totals->pass++;
	else if (st == KTEST_FAIL)
		totals->fail++;
	else
		totals->skip++;
}

static const char *phase_unavailable[KTEST_PHASES];

void ktest_skip_phase(enum ktest_phase phase, const char *reason)
{
	if (phase < KTEST_PHASES)
		phase_unavailable[phase] = reason;
}

/* The suite's reason to skip (returned), or its init's failure (in *failed); NULL and no failure: run. A
 * phase the boot cannot offer (ktest_skip_phase()) skips the suite before its own skip_reason is asked. */
static const char *suite_start(const struct ktest_suite *s, const char **failed)
{
	const char *skip = s->phase < KTEST_PHASES && phase_unavailable[s->phase] ? phase_unavailable[s->phase]
			   : s->skip_reason				      ? s->skip_reason()
									      : NULL;

	*failed = NULL;
	if (skip || !s->init)
		return skip;
	*failed = s->init();
	return NULL;
}

void ktest_run_suite(const struct ktest_selection *sel, const struct ktest_suite *s,
		     const struct ktest_case *first, const struct ktest_case *last, unsigned number,
		     struct ktest_totals *all)
{
	struct ktest_totals mine = { 0 };
	unsigned n = 0, total = selected_in(sel, s, first, last);
	const char *init_failed;
	struct ktest t;

	printk("    KTAP version 1\n    # Subtest: %s\n    1..%u\n", s->name, total);
	const char *suite_skip = suite_start(s, &init_failed);

	for (const struct ktest_case *c = first; c < last; c++) {
		if (c->suite != s)
			continue;
		for (unsigned i = 0; i < ktest_runs(c); i++) {
			const struct ktest_param *p = ktest_run_param(c, i);

			if (!ktest_param_selected(sel, c, p))
				continue;
			run_case(sel, c, p, suite_skip, init_failed, &t);
			report_case(sel, ++n, &t);
			count(&mine, t.status);
		}
	}
	if (!suite_skip && !init_failed && s->exit) /* init, if any, succeeded */
		s->exit();
	printk("# %s: pass:%u fail:%u skip:%u total:%u\n", s->name, mine.pass, mine.fail, mine.skip, total);
	if (mine.fail)
		printk("not ok %u %s\n", number, s->name);
	else if (mine.skip == total)
		printk("ok %u %s # SKIP all tests skipped\n", number, s->name);
	else
		printk("ok %u %s\n", number, s->name);
	all->pass += mine.pass;
	all->fail += mine.fail;
	all->skip += mine.skip;
}

void ktest_run_phase(const struct ktest_selection *sel, enum ktest_phase phase, struct ktest_totals *totals)
{
	for_each_suite(s)
		if (s->phase == phase && selected_cases(sel, s))
			ktest_run_suite(sel, s, __start_ktest_cases, __stop_ktest_cases, ++suites_reported, totals);
}

enum ccktf_exit ktest_finish(const struct ktest_totals *t)
{
	printk("# ccktf: totals pass:%u fail:%u skip:%u total:%u\n", t->pass, t->fail, t->skip,
	       t->pass + t->fail + t->skip);
	return t->fail ? CCKTF_EXIT_FAILED : CCKTF_EXIT_PASSED;
}
