/* SPDX-License-Identifier: MIT */
/* tests=: every glob must select something (kernel/test/select.c), or the run tests less than was asked. */
#include <ccktf/ktest.h>
#include <string.h>

KTEST_SUITE(host_select, KTEST_AFTER_EXIT_BOOT_SERVICES, NULL);

static void nothing(struct ktest *t)
{
	(void)t;
}

static const struct ktest_param levels[] = { { "4k", "4k" }, { "2m", "2m" } };
static const struct ktest_suite efi = { .name = "efi" }, bench = { .name = "bench" };
static const struct ktest_case cases[] = {
	{ .suite = &efi, .name = "memmap_sorted", .run = nothing },
	{ .suite = &bench, .name = "accept", .run = nothing, .params = levels, .nparams = 2 },
};

static bool all_match(const char *globs, char *unmatched)
{
	struct ktest_selection sel = { .globs = globs };

	return ktest_globs_all_match(&sel, cases, cases + 2, unmatched, 64);
}

KTEST(host_select, globs_that_select_tests_are_accepted)
{
	char unmatched[64] = "";

	KEXPECT_TRUE(t, all_match("*", unmatched));
	KEXPECT_TRUE(t, all_match("efi,bench.accept_2m", unmatched));
	KEXPECT_TRUE(t, all_match("efi.mem*,,bench.acc?pt", unmatched)); /* an empty glob selects nothing: skipped */
}

/* tests=selftest.*,selftset.* used to run selftest only and pass. */
KTEST(host_select, the_first_glob_that_selects_nothing_is_named)
{
	char unmatched[64] = "";

	KEXPECT_FALSE(t, all_match("efi,efi.memmap_sortd,bench", unmatched));
	KEXPECT_STREQ(t, unmatched, "efi.memmap_sortd");
	KEXPECT_FALSE(t, all_match("bench.accept_1g", unmatched));
	KEXPECT_STREQ(t, unmatched, "bench.accept_1g");
}

/* The check matches each glob in place: a long glob is judged as the runner will use it, never cut short. */
KTEST(host_select, a_long_glob_is_judged_whole)
{
	char globs[400] = "efi.mem";
	char unmatched[64] = "";

	memset(globs + strlen(globs), '*', 300);
	KEXPECT_TRUE(t, all_match(globs, unmatched));
	strcat(globs, "x"); /* now it ends in x: nothing matches */
	KEXPECT_FALSE(t, all_match(globs, unmatched));
}
