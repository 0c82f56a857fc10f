/* SPDX-License-Identifier: MIT */
/*
 * The held console (kernel/lib/console.c): while held nothing reaches the writer, everything comes out in
 * order on release, what did not fit is counted and said, and the tail (for a platform's termination
 * message) is the latest output even after an overflow.
 */
#include <ccktf/console.h>
#include <ccktf/ktest.h>
#include <string.h>

KTEST_SUITE(host_console, KTEST_AFTER_EXIT_BOOT_SERVICES, NULL);

static char captured[8192];
static size_t captured_len;

static void capture(const char *s, size_t n)
{
	size_t take = n < sizeof(captured) - captured_len ? n : sizeof(captured) - captured_len;

	memcpy(captured + captured_len, s, take);
	captured_len += take;
}

KTEST(host_console, held_output_comes_out_in_order_on_release)
{
	console_write_fn previous = console_set_writer(capture);
	char tail[64];

	captured_len = 0;
	console_hold();
	console_write("first\n", 6);
	console_write("second\n", 7);
	KEXPECT_TRUE(t, console_held());
	KEXPECT_EQ(t, captured_len, 0);
	KEXPECT_EQ(t, console_held_tail(tail, sizeof(tail)), 13);
	KEXPECT_STREQ(t, tail, "first\nsecond\n");
	console_release();
	console_set_writer(previous);
	KEXPECT_FALSE(t, console_held());
	KEXPECT_EQ(t, captured_len, 13);
	KEXPECT_EQ(t, memcmp(captured, "first\nsecond\n", 13), 0);
}

KTEST(host_console, overflow_is_counted_and_the_tail_stays_current)
{
	console_write_fn previous = console_set_writer(capture);
	char filler[100], tail[32];

	memset(filler, 'x', sizeof(filler));
	captured_len = 0;
	console_hold();
	for (int i = 0; i < 50; i++) /* 5000 bytes: more than the hold buffer */
		console_write(filler, sizeof(filler));
	console_write("FATAL: the last words\n", 22);
	console_held_tail(tail, sizeof(tail));
	KEXPECT_TRUE(t, strstr(tail, "FATAL: the last words\n") != NULL);
	console_release();
	console_set_writer(previous);
	KEXPECT_TRUE(t, captured_len > 4096);
	KEXPECT_TRUE(t, strstr(captured + 4096, "did not fit while it was held") != NULL);
}
