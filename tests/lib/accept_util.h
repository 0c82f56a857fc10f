/* SPDX-License-Identifier: MIT */
/* Shared by the acceptance suites: fresh unaccepted units, counters, the model. */
#ifndef TESTS_ACCEPT_UTIL_H
#define TESTS_ACCEPT_UTIL_H

#include <ccktf/ktest.h>
#include <ccktf/platform.h>
#include <ccktf/unaccepted.h>

/* NULL when there is something to accept, else why the suite skips. */
const char *accept_skip_reason(void);
/* n consecutive units still marked unaccepted, never handed out before; false when none are left. */
bool take_units(u64 n, struct range *r);

/* In a test: takes n fresh units into r, or skips when this guest has no such run left. */
#define TAKE_UNITS_OR_SKIP(t, n, r)                                                                   \
	do {                                                                                          \
		if (!take_units((n), (r)))                                                            \
			KTEST_SKIP((t), "no %llu consecutive unaccepted units left in this guest",   \
				   (unsigned long long)(n));                                          \
	} while (0)
/* Is the unit holding addr still marked unaccepted in the table? */
bool unit_unaccepted(u64 addr);
/* The model, or NULL (on hardware): tests that need it skip. */
const struct platform_model_ops *accept_model(void);
bool memory_is_zero(u64 start, u64 len);
bool memory_is_pattern(u64 start, u64 len, u64 pattern);
void fill_pattern(u64 start, u64 len, u64 pattern);

#endif
