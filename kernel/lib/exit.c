/* SPDX-License-Identifier: MIT */
#include <ccktf/console.h>
#include <ccktf/exit.h>

const char *ccktf_exit_name(enum ccktf_exit e)
{
	static const char *const names[] = {
		[CCKTF_EXIT_PASSED] = "passed",
		[CCKTF_EXIT_FAILED] = "failed",
		[CCKTF_EXIT_USAGE_ERROR] = "usage-error",
		[CCKTF_EXIT_CRASHED] = "crashed",
	};

	return (unsigned)e < ARRAY_SIZE(names) ? names[e] : "unknown";
}

static bool printed;

bool ccktf_exit_printed(void)
{
	return printed;
}

void ccktf_print_exit(enum ccktf_exit e)
{
	printed = true;
	printk("# ccktf: exit=%s code=%d\n", ccktf_exit_name(e), (int)e);
}
