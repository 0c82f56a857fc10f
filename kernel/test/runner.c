/* SPDX-License-Identifier: MIT */
/* Runs the selected suites, phase by phase, and prints them as nested KTAP version 1 (docs/protocol.md). */
#include <ccktf/console.h>
#include <ccktf/exit.h>
#include <ccktf/ktest.h>
#include <ccktf/string.h>
#include <ccktf/time.h>

/* Provided by the linker for the two registration sections (linker/ccktf.ld; GNU ld on the host). */
extern const struct ktest_suite __start_ktest_suites[], __stop_ktest_suites[];
extern const struct ktest_case __start_ktest_cases[], __stop_ktest_cases[];

static const struct ktest_case *current_case;
static unsigned suites_reported;

const struct ktest_case *ktest_current(void)
{
	return current_case;
}

#define for_each_suite(s) for (const struct ktest_suite *s = __start_ktest_suites; s < __stop_ktest_suites; s++)
#define for_each_case(c) for (const struct ktest_case *c = __start_ktest_cases; c < __stop_ktest_cases; c++)

static unsigned selected_cases(const struct ktest_selection *sel, const struct ktest_suite *s)
{
	unsigned n = 0;

	for_each_case(c)
		if (c->suite == s && ktest_selected(sel, c))
			n++;
	return n;
}

void ktest_list(const struct ktest_selection *sel)
{
	for_each_suite(s)
		for_each_case(c)
			if (c->suite == s && ktest_selected(sel, c))
				printk("# test: %s.%s\n", s->name, c->name);
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

static void print_check(const struct ktest_case *c)
{
	const struct ktest_check *k = c->check;

	printk("    # check: name=%s id=%s severity=%s spec=\"%s\" statement=\"%s\"\n", c->name, k->id,
	       k->severity == KTEST_MUST ? "must" : "should", k->spec, k->statement);
}

static void run_case(const struct ktest_selection *sel, const struct ktest_case *c, const char *suite_skip,
		     struct ktest *t)
{
	*t = (struct ktest){ .tcase = c, .status = KTEST_PASS };
	if (c->check)
		print_check(c);
	if (suite_skip)
		ktest_skip(t, "%s", suite_skip);
	else if ((c->flags & KTEST_F_DEMO_FAIL) && !sel->demo_fail)
		ktest_skip(t, "fails on purpose; run with demo_fail=1");
	if (t->status == KTEST_SKIP)
		return;
	current_case = c;
	u64 start = time_now_ns();
	c->run(t);
	u64 elapsed = time_now_ns() - start;
	current_case = NULL;
	printk("    # duration: %s %llu us\n", c->name, (unsigned long long)(elapsed / 1000));
}

static const char *const flat_result[] = { [KTEST_PASS] = "pass", [KTEST_FAIL] = "fail", [KTEST_SKIP] = "skip" };

/* docs/protocol.md "Flat results": one line a LAVA monitors pattern reads, before the KTAP result line. */
static void report_flat(const struct ktest *t)
{
	printk("    # lava: case=%s.%s result=%s\n", t->tcase->suite->name, t->tcase->name, flat_result[t->status]);
}

static void report_case(const struct ktest_selection *sel, unsigned n, const struct ktest *t)
{
	const char *name = t->tcase->name;

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

static void run_suite(const struct ktest_selection *sel, const struct ktest_suite *s, struct ktest_totals *all)
{
	struct ktest_totals mine = { 0 };
	const char *suite_skip = s->skip_reason ? s->skip_reason() : NULL;
	unsigned n = 0, total = selected_cases(sel, s);
	struct ktest t;

	printk("    KTAP version 1\n    # Subtest: %s\n    1..%u\n", s->name, total);
	for_each_case(c) {
		if (c->suite != s || !ktest_selected(sel, c))
			continue;
		run_case(sel, c, suite_skip, &t);
		report_case(sel, ++n, &t);
		count(&mine, t.status);
	}
	printk("# %s: pass:%u fail:%u skip:%u total:%u\n", s->name, mine.pass, mine.fail, mine.skip, total);
	suites_reported++;
	if (mine.fail)
		printk("not ok %u %s\n", suites_reported, s->name);
	else if (mine.skip == total)
		printk("ok %u %s # SKIP all tests skipped\n", suites_reported, s->name);
	else
		printk("ok %u %s\n", suites_reported, s->name);
	all->pass += mine.pass;
	all->fail += mine.fail;
	all->skip += mine.skip;
}

void ktest_run_phase(const struct ktest_selection *sel, enum ktest_phase phase, struct ktest_totals *totals)
{
	for_each_suite(s)
		if (s->phase == phase && selected_cases(sel, s))
			run_suite(sel, s, totals);
}

enum ccktf_exit ktest_finish(const struct ktest_totals *t)
{
	printk("# ccktf: totals pass:%u fail:%u skip:%u total:%u\n", t->pass, t->fail, t->skip,
	       t->pass + t->fail + t->skip);
	return t->fail ? CCKTF_EXIT_FAILED : CCKTF_EXIT_PASSED;
}
