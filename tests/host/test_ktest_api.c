/* SPDX-License-Identifier: MIT */
/*
 * The test API the benchmarks rely on: suite init and exit, deferred cleanup actions, parameterized cases.
 * Each test runs a small suite of its own through ktest_run_suite with the console captured, and checks
 * both what ran (in order) and the KTAP the runner printed.
 */
#include <ccktf/console.h>
#include <ccktf/format.h>
#include <ccktf/ktest.h>
#include <ccktf/string.h>

KTEST_SUITE(host_ktest_api, KTEST_AFTER_EXIT_BOOT_SERVICES, NULL);

static char out[8192];
static size_t out_len;
static char trace[256]; /* what ran, in order: one word per event */

static void capture(const char *s, size_t n)
{
	n = MIN(n, sizeof(out) - 1 - out_len);
	memcpy(out + out_len, s, n);
	out_len += n;
	out[out_len] = '\0';
}

static void note(const char *word)
{
	size_t len = strlen(trace);

	snprintf(trace + len, sizeof(trace) - len, "%s%s", len ? " " : "", word);
}

static bool has_line(const char *line)
{
	size_t n = strlen(line);

	for (const char *p = out; *p;) {
		const char *end = strchr(p, '\n');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (len == n && !strncmp(p, line, n))
			return true;
		p += len + (end ? 1 : 0);
	}
	return false;
}

static bool has_text(const char *text)
{
	size_t n = strlen(text);

	for (const char *p = out; *p; p++)
		if (!strncmp(p, text, n))
			return true;
	return false;
}

/* Runs the cases [first, last) of s as suite number 7, output captured; returns the totals. */
static struct ktest_totals run(const struct ktest_suite *s, const struct ktest_case *first,
			       const struct ktest_case *last, const char *globs)
{
	struct ktest_selection sel = { .globs = globs };
	struct ktest_totals totals = { 0 };
	console_write_fn previous;

	out_len = 0;
	out[0] = '\0';
	previous = console_set_writer(capture);
	ktest_run_suite(&sel, s, first, last, 7, &totals);
	console_set_writer(previous);
	return totals;
}

/* --- suite init and exit ------------------------------------------------------------------------ */

static const char *init_fails_with;

static const char *init_ok(void)
{
	note("init");
	return init_fails_with;
}

static void exit_note(void)
{
	note("exit");
}

static const char *skip_everything(void)
{
	return "not on this platform";
}

static void case_a(struct ktest *t)
{
	(void)t;
	note("a");
}

static void case_b(struct ktest *t)
{
	(void)t;
	note("b");
}

static const struct ktest_suite with_init = { .name = "alpha", .init = init_ok, .exit = exit_note };
static const struct ktest_case with_init_cases[] = {
	{ .suite = &with_init, .name = "a", .run = case_a },
	{ .suite = &with_init, .name = "b", .run = case_b },
};

KTEST(host_ktest_api, init_and_exit_run_once_around_the_cases)
{
	trace[0] = '\0';
	init_fails_with = NULL;
	struct ktest_totals n = run(&with_init, with_init_cases, with_init_cases + 2, "*");

	KEXPECT_STREQ(t, trace, "init a b exit");
	KEXPECT_EQ(t, n.pass, 2);
	KEXPECT_TRUE(t, has_line("ok 7 alpha"));
}

KTEST(host_ktest_api, init_runs_only_for_a_suite_with_selected_cases)
{
	trace[0] = '\0';
	init_fails_with = NULL;
	run(&with_init, with_init_cases, with_init_cases + 2, "alpha.b");
	KEXPECT_STREQ(t, trace, "init b exit");
	KEXPECT_TRUE(t, has_line("    1..1"));
	KEXPECT_TRUE(t, has_line("    ok 1 b"));
}

/* A failing init fails every case (as KUnit fails the suite): it used to skip them, and a suite whose setup
 * broke passed. What the environment lacks is skip_reason's to say. */
KTEST(host_ktest_api, failing_init_fails_every_case_with_its_reason)
{
	trace[0] = '\0';
	init_fails_with = "accepting the reference failed";
	struct ktest_totals n = run(&with_init, with_init_cases, with_init_cases + 2, "*");

	init_fails_with = NULL;
	KEXPECT_STREQ(t, trace, "init"); /* neither case, and no exit after a failed init */
	KEXPECT_EQ(t, n.fail, 2);
	KEXPECT_EQ(t, n.pass + n.skip, 0);
	KEXPECT_TRUE(t, has_line("    not ok 1 a"));
	KEXPECT_TRUE(t, has_line("    not ok 2 b"));
	KEXPECT_TRUE(t, has_line("not ok 7 alpha"));
}

static const struct ktest_suite skipped = { .name = "beta", .skip_reason = skip_everything, .init = init_ok,
					    .exit = exit_note };
static const struct ktest_case skipped_cases[] = { { .suite = &skipped, .name = "a", .run = case_a } };

KTEST(host_ktest_api, a_skipped_suite_never_runs_init_or_exit)
{
	trace[0] = '\0';
	run(&skipped, skipped_cases, skipped_cases + 1, "*");
	KEXPECT_STREQ(t, trace, "");
	KEXPECT_TRUE(t, has_line("    ok 1 a # SKIP not on this platform"));
}

/* --- deferred cleanup actions ---------------------------------------------------------------------- */

static void undo(void *word)
{
	note(word);
}

static void asserts_after_two_actions(struct ktest *t)
{
	ktest_add_action(t, undo, "undo_first");
	ktest_add_action(t, undo, "undo_second");
	note("body");
	KASSERT_EQ(t, 1, 2);
	note("unreachable");
}

static void skips_after_an_action(struct ktest *t)
{
	ktest_add_action(t, undo, "undo_skip");
	KTEST_SKIP(t, "nothing to do");
}

static void ends_normally(struct ktest *t)
{
	ktest_add_action(t, undo, "undo_end");
	note("end");
}

static void registers_too_many(struct ktest *t)
{
	for (unsigned i = 0; i < KTEST_MAX_ACTIONS; i++)
		KASSERT_TRUE(t, ktest_add_action(t, undo, "x"));
	note("full");
	KEXPECT_FALSE(t, ktest_add_action(t, undo, "at_once")); /* runs at once, fails the case */
	note("after");
}

static const struct ktest_suite actions = { .name = "gamma" };
static const struct ktest_case actions_cases[] = {
	{ .suite = &actions, .name = "asserts", .run = asserts_after_two_actions },
	{ .suite = &actions, .name = "skips", .run = skips_after_an_action },
	{ .suite = &actions, .name = "ends", .run = ends_normally },
	{ .suite = &actions, .name = "too_many", .run = registers_too_many },
};

KTEST(host_ktest_api, actions_run_in_reverse_order_even_after_an_assert)
{
	trace[0] = '\0';
	run(&actions, actions_cases, actions_cases + 1, "*");
	KEXPECT_STREQ(t, trace, "body undo_second undo_first");
	KEXPECT_TRUE(t, has_line("    not ok 1 asserts"));
}

KTEST(host_ktest_api, actions_run_after_a_skip_and_a_normal_end)
{
	trace[0] = '\0';
	struct ktest_totals n = run(&actions, actions_cases + 1, actions_cases + 3, "*");

	KEXPECT_STREQ(t, trace, "undo_skip end undo_end");
	KEXPECT_EQ(t, n.skip, 1);
	KEXPECT_EQ(t, n.pass, 1);
}

KTEST(host_ktest_api, an_action_beyond_the_limit_runs_at_once_and_fails)
{
	trace[0] = '\0';
	struct ktest_totals n = run(&actions, actions_cases + 3, actions_cases + 4, "*");

	KEXPECT_STREQ(t, trace, "full at_once after x x x x x x x x");
	KEXPECT_EQ(t, n.fail, 1);
	KEXPECT_TRUE(t, has_text("more than 8 cleanup actions"));
}

/* --- parameterized cases ---------------------------------------------------------------------------- */

static void param_case(struct ktest *t)
{
	note(t->param->data);
	note(t->name);
	if (!strcmp(t->param->name, "fails"))
		KEXPECT_EQ(t, 1, 0);
}

static const struct ktest_param sizes[] = { { "4k", "four" }, { "2m", "two" }, { "fails", "bad" } };
static const struct ktest_param bad_names[] = { { "4K", "upper" }, { "x-y", "dash" } };
static const struct ktest_suite params = { .name = "delta", .init = init_ok, .exit = exit_note };
static const struct ktest_case params_cases[] = {
	{ .suite = &params, .name = "sizes", .run = param_case, .params = sizes, .nparams = 3 },
	{ .suite = &params, .name = "bad", .run = param_case, .params = bad_names, .nparams = 2 },
};

KTEST(host_ktest_api, each_parameter_is_its_own_result)
{
	trace[0] = '\0';
	init_fails_with = NULL;
	struct ktest_totals n = run(&params, params_cases, params_cases + 1, "*");

	KEXPECT_STREQ(t, trace, "init four sizes_4k two sizes_2m bad sizes_fails exit");
	KEXPECT_EQ(t, n.pass, 2);
	KEXPECT_EQ(t, n.fail, 1);
	KEXPECT_TRUE(t, has_line("    1..3"));
	KEXPECT_TRUE(t, has_text("    # duration: sizes_4k "));
	KEXPECT_TRUE(t, has_line("    ok 1 sizes_4k"));
	KEXPECT_TRUE(t, has_line("    ok 2 sizes_2m"));
	KEXPECT_TRUE(t, has_line("    # sizes_fails: expected 1 == 0, 1 = 0x1 (1), 0 = 0x0 (0)"));
	KEXPECT_TRUE(t, has_line("    not ok 3 sizes_fails"));
	KEXPECT_TRUE(t, has_line("not ok 7 delta"));
}

KTEST(host_ktest_api, a_glob_selects_one_parameter_or_the_whole_case)
{
	trace[0] = '\0';
	run(&params, params_cases, params_cases + 1, "delta.sizes_2m");
	KEXPECT_STREQ(t, trace, "init two sizes_2m exit");
	KEXPECT_TRUE(t, has_line("    1..1"));
	KEXPECT_TRUE(t, has_line("    ok 1 sizes_2m"));
	trace[0] = '\0';
	run(&params, params_cases, params_cases + 1, "delta.sizes");
	KEXPECT_STREQ(t, trace, "init four sizes_4k two sizes_2m bad sizes_fails exit");
	trace[0] = '\0';
	run(&params, params_cases, params_cases + 1, "delta.sizes_4*,delta.sizes_f*");
	KEXPECT_STREQ(t, trace, "init four sizes_4k bad sizes_fails exit");
}

KTEST(host_ktest_api, a_parameter_name_outside_the_ktap_alphabet_fails)
{
	trace[0] = '\0';
	struct ktest_totals n = run(&params, params_cases + 1, params_cases + 2, "*");

	KEXPECT_STREQ(t, trace, "init exit"); /* the case never ran with such a name */
	KEXPECT_EQ(t, n.fail, 2);
	KEXPECT_TRUE(t, has_line("    not ok 1 bad_0"));
	KEXPECT_TRUE(t, has_line("    not ok 2 bad_1"));
	KEXPECT_TRUE(t, has_text("parameter name \"4K\""));
}

KTEST(host_ktest_api, param_names_are_checked)
{
	char buf[16];

	KEXPECT_TRUE(t, ktest_param_name(&params_cases[0], &sizes[0], buf, sizeof(buf)));
	KEXPECT_STREQ(t, buf, "sizes_4k");
	KEXPECT_TRUE(t, ktest_param_name(&params_cases[0], NULL, buf, sizeof(buf)));
	KEXPECT_STREQ(t, buf, "sizes");
	KEXPECT_FALSE(t, ktest_param_name(&params_cases[1], &bad_names[1], buf, sizeof(buf)));
	KEXPECT_FALSE(t, ktest_param_name(&params_cases[0], &sizes[0], buf, 8)); /* "sizes_4k" needs 9 */
}

/* A registered parameterized case, for the real runner and the listing (make test-host prints it). */
static const struct ktest_param registered_levels[] = { { "4k", (const void *)4096 }, { "2m", (const void *)(2 << 20) } };

KTEST_PARAM(host_ktest_api, registered_param, registered_levels)
{
	KEXPECT_TRUE(t, t->param == &registered_levels[0] || t->param == &registered_levels[1]);
	KEXPECT_NE(t, (u64)(uintptr_t)t->param->data, 0);
}

/* A case whose own name is too long used to read its (NULL) parameter's name and crash the kernel. */
static const struct ktest_suite long_names = { .name = "epsilon" };
static const struct ktest_case long_name_cases[] = {
	{ .suite = &long_names,
	  .name = "a_case_name_that_is_far_too_long_to_be_reported_as_it_is_in_ktap_x",
	  .run = case_a },
};

KTEST(host_ktest_api, a_case_name_too_long_fails_without_a_parameter)
{
	trace[0] = '\0';
	struct ktest_totals n = run(&long_names, long_name_cases, long_name_cases + 1, "*");

	KEXPECT_EQ(t, n.fail, 1);
	KEXPECT_TRUE(t, has_line("    not ok 1 a_case_name_that_is_far_too_long_to_be_reported_as_it_is_in_kta"));
	KEXPECT_STREQ(t, trace, ""); /* the case itself never ran */
}

/* --- a phase the boot cannot offer ------------------------------------------------------------------ */

static const struct ktest_suite before_exit = { .name = "gamma", .phase = KTEST_BEFORE_EXIT_BOOT_SERVICES,
						.init = init_ok, .exit = exit_note };
static const struct ktest_case before_exit_cases[] = { { .suite = &before_exit, .name = "a", .run = case_a } };

KTEST(host_ktest_api, an_unavailable_phase_skips_its_suites_with_the_reason)
{
	struct ktest_totals n;

	trace[0] = '\0';
	ktest_skip_phase(KTEST_BEFORE_EXIT_BOOT_SERVICES, "no boot services here");
	n = run(&before_exit, before_exit_cases, before_exit_cases + 1, "*");
	ktest_skip_phase(KTEST_BEFORE_EXIT_BOOT_SERVICES, NULL);
	KEXPECT_STREQ(t, trace, "");
	KEXPECT_EQ(t, n.skip, 1);
	KEXPECT_TRUE(t, has_line("    ok 1 a # SKIP no boot services here"));
	n = run(&before_exit, before_exit_cases, before_exit_cases + 1, "*");
	KEXPECT_EQ(t, n.skip, 0);
}
