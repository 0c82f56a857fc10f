/* SPDX-License-Identifier: MIT */
/* How a run ends (docs/protocol.md): the exit line, and the code given to QEMU's isa-debug-exit. */
#ifndef CCKTF_EXIT_H
#define CCKTF_EXIT_H

#include <ccktf/types.h>

enum ccktf_exit {
	CCKTF_EXIT_PASSED = 0,
	CCKTF_EXIT_FAILED = 1,
	CCKTF_EXIT_USAGE_ERROR = 2,
	CCKTF_EXIT_CRASHED = 3,
};

const char *ccktf_exit_name(enum ccktf_exit e);
/* Prints the closing "# ccktf: exit=KIND code=N" line. */
void ccktf_print_exit(enum ccktf_exit e);
/* Whether the exit line was printed (a model that stops the run afterwards does not print another). */
bool ccktf_exit_printed(void);
/* What failed, in a few words (at most 63 characters kept): the message a platform's termination call
 * carries when the console cannot be used (TDX ReportFatalError). */
void ccktf_set_exit_reason(const char *fmt, ...) __printf(1, 2);
/* Prints the exit line and leaves: isa-debug-exit or ResetSystem in the kernel, exit() on the host. */
__noreturn void ccktf_exit(enum ccktf_exit e);

#endif
