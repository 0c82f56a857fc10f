/* SPDX-License-Identifier: MIT */
/*
 * The test framework tests itself: passing checks pass, failing checks fail and print file, line and
 * values, skips keep their reason and never hide a failure. Failure output is captured from the console
 * and inspected, so these cases pass only when the failure path really works. The cases flagged
 * KTEST_F_DEMO_FAIL fail for real, and run only with demo_fail=1.
 */
#include <ccktf/console.h>
#include <ccktf/format.h>
#include <ccktf/ktest.h>
#include <ccktf/string.h>

KTEST_SUITE(selftest, KTEST_AFTER_EXIT_BOOT_SERVICES, NULL);

static char captured[1024];
static size_t captured_len;

static void capture(const char *s, size_t n)
{
	n = MIN(n, sizeof(captured) - 1 - captured_len);
	memcpy(captured + captured_len, s, n);
	captured_len += n;
	captured[captured_len] = '\0';
}

/* Runs fn against a scratch test whose output is captured, then restores the console. */
static enum ktest_status run_captured(struct ktest *t, void (*fn)(struct ktest *scratch))
{
	struct ktest scratch = { .tcase = t->tcase, .status = KTEST_PASS };
	console_write_fn previous;

	captured_len = 0;
	captured[0] = '\0';
	previous = console_set_writer(capture);
	fn(&scratch);
	console_set_writer(previous);
	return scratch.status;
}

static bool contains(const char *haystack, const char *needle)
{
	size_t n = strlen(needle);

	for (; *haystack; haystack++)
		if (!strncmp(haystack, needle, n))
			return true;
	return false;
}

KTEST(selftest, passing_checks_pass)
{
	u64 big = 1ull << 40;

	KEXPECT_EQ(t, 2 + 2, 4);
	KEXPECT_NE(t, big, 0);
	KEXPECT_LT(t, 1, 2);
	KEXPECT_LE(t, 2, 2);
	KEXPECT_GT(t, big, 1);
	KEXPECT_GE(t, big, big);
	KEXPECT_TRUE(t, big > 0);
	KEXPECT_FALSE(t, big == 0);
	KEXPECT_STREQ(t, "ccktf", "ccktf");
	KEXPECT_EQ(t, t->status, KTEST_PASS);
}

static void failing_eq(struct ktest *s)
{
	u64 one = 1;

	KEXPECT_EQ(s, one, 2);
}

KTEST(selftest, failure_reports_file_line_and_values)
{
	KEXPECT_EQ(t, run_captured(t, failing_eq), KTEST_FAIL);
	KEXPECT_TRUE(t, contains(captured, "ASSERTION FAILED at tests/selftest/selftest.c:"));
	KEXPECT_TRUE(t, contains(captured, "expected one == 2, one = 0x1 (1), 2 = 0x2 (2)"));
}

static void assert_then_continue(struct ktest *s)
{
	KASSERT_TRUE(s, false);
	ktest_log(s, "unreachable: ASSERT must return from the test");
}

KTEST(selftest, assert_stops_the_test)
{
	KEXPECT_EQ(t, run_captured(t, assert_then_continue), KTEST_FAIL);
	KEXPECT_FALSE(t, contains(captured, "unreachable"));
	KEXPECT_TRUE(t, contains(captured, "expected false to be true"));
}

static void fail_then_skip(struct ktest *s)
{
	KEXPECT_STREQ(s, "a", "b");
	ktest_skip(s, "too late");
}

KTEST(selftest, skip_never_hides_a_failure)
{
	KEXPECT_EQ(t, run_captured(t, fail_then_skip), KTEST_FAIL);
	KEXPECT_TRUE(t, contains(captured, "\"a\""));
}

static void skip_with_reason(struct ktest *s)
{
	KTEST_SKIP(s, "reason %d", 42);
}

KTEST(selftest, skip_keeps_its_reason)
{
	struct ktest scratch = { .tcase = t->tcase };

	skip_with_reason(&scratch);
	KEXPECT_EQ(t, scratch.status, KTEST_SKIP);
	KEXPECT_STREQ(t, scratch.skip_reason, "reason 42");
}

KTEST(selftest, reports_a_skip)
{
	KTEST_SKIP(t, "demonstrates a skip as KTAP reports it");
}

KTEST(selftest, glob_selects_suites_and_tests)
{
	static const struct ktest_suite suite = { .name = "alpha", .phase = KTEST_AFTER_EXIT_BOOT_SERVICES };
	const struct ktest_case c = { .suite = &suite, .name = "beta_gamma" };

	KEXPECT_TRUE(t, ktest_selected(&(struct ktest_selection){ .globs = "alpha" }, &c));
	KEXPECT_TRUE(t, ktest_selected(&(struct ktest_selection){ .globs = "x,alpha.beta_*" }, &c));
	KEXPECT_TRUE(t, ktest_selected(&(struct ktest_selection){ .globs = "*.?eta_gamma" }, &c));
	KEXPECT_FALSE(t, ktest_selected(&(struct ktest_selection){ .globs = "alpha.beta" }, &c));
	KEXPECT_FALSE(t, ktest_selected(&(struct ktest_selection){ .globs = "alp" }, &c));
}

KTEST(selftest, formatter)
{
	char b[64];

	snprintf(b, sizeof(b), "%d %u %x %llx %5s|%-3c|%03d", -5, 7u, 255u, 0x123456789abull, "ab", 'z', 9);
	KEXPECT_STREQ(t, b, "-5 7 ff 123456789ab    ab|z  |009");
	KEXPECT_EQ(t, snprintf(b, 4, "%s", "overflow"), 8);
	KEXPECT_STREQ(t, b, "ove");
}

KTEST_CASE(selftest, demo_expect_fails, KTEST_F_DEMO_FAIL)
{
	u64 answer = 41;

	KEXPECT_EQ(t, answer, 42);
}

KTEST_CASE(selftest, demo_assert_fails, KTEST_F_DEMO_FAIL)
{
	KASSERT_GT(t, sizeof(u32), sizeof(u64));
	ktest_log(t, "not reached");
}

KTEST_CHECK(selftest, check_prints_identity_and_evidence, "SELF-001", KTEST_SHOULD, "docs/protocol.md",
	    "a check prints its identity before its result")
{
	ktest_evidence(t, "the runner printed this check's identity line just before this one");
	KEXPECT_STREQ(t, t->tcase->check->id, "SELF-001");
	KEXPECT_EQ(t, t->tcase->check->severity, KTEST_SHOULD);
}
