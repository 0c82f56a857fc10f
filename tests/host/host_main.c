/* SPDX-License-Identifier: MIT */
/*
 * The host-side unit-test runner: the kernel's own test framework and KTAP output, linked with the
 * portable logic and the host-only suites in tests/host/, run as an ordinary Linux program.
 * Usage: ccktf-host-tests [tests=GLOB[,GLOB]] [demo_fail=1] [list=1]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ccktf/console.h>
#include <ccktf/exit.h>
#include <ccktf/ktest.h>
#include <ccktf/time.h>

static void stdout_write(const char *s, size_t n)
{
	fwrite(s, 1, n, stdout);
}

u64 time_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ull + (u64)ts.tv_nsec;
}

void ccktf_exit(enum ccktf_exit e)
{
	ccktf_print_exit(e);
	fflush(stdout);
	exit((int)e);
}

static void usage(const char *word)
{
	printk("# ccktf: usage error: '%s' is not one of tests=GLOB[,GLOB] demo_fail=0|1 list=0|1\n", word);
	ccktf_exit(CCKTF_EXIT_USAGE_ERROR);
}

static bool flag_value(const char *v, const char *word)
{
	if (strcmp(v, "0") && strcmp(v, "1"))
		usage(word);
	return v[0] == '1';
}

int main(int argc, char **argv)
{
	struct ktest_selection sel = { .globs = "*" };
	struct ktest_totals totals = { 0 };
	bool list = false;

	console_set_writer(stdout_write);
	printk("KTAP version 1\n# ccktf: host unit tests\n");
	for (int i = 1; i < argc; i++) {
		if (!strncmp(argv[i], "tests=", 6))
			sel.globs = argv[i] + 6;
		else if (!strncmp(argv[i], "demo_fail=", 10))
			sel.demo_fail = flag_value(argv[i] + 10, argv[i]);
		else if (!strncmp(argv[i], "list=", 5))
			list = flag_value(argv[i] + 5, argv[i]);
		else
			usage(argv[i]);
	}
	if (list) {
		ktest_list(&sel);
		ccktf_exit(CCKTF_EXIT_PASSED);
	}
	ktest_begin(&sel);
	for (int phase = 0; phase < KTEST_PHASES; phase++)
		ktest_run_phase(&sel, phase, &totals);
	ccktf_exit(ktest_finish(&totals));
}
