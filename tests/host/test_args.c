/* SPDX-License-Identifier: MIT */
/* The boot-argument parser (kernel/args.c): what it refuses, so that no boot runs on a guessed value. */
#include <ccktf/args.h>
#include <ccktf/ktest.h>
#include <string.h>

#include "../../kernel/args.c"

KTEST_SUITE(host_args, KTEST_AFTER_EXIT_BOOT_SERVICES, NULL);

static bool host_knob;

static bool parse_host_knob(const char *v)
{
	return args_parse_flag(v, &host_knob);
}

static const struct arg_key_ext host_knob_key = { "host_knob", "0|1", parse_host_knob };
ARG_KEY_REGISTER(host_knob_key);

static struct kernel_args args;
static char err[160];

static bool parse(const char *text)
{
	strcpy(args.text, text);
	err[0] = '\0';
	return args_parse(&args, err, sizeof(err));
}

KTEST(host_args, words_set_their_keys)
{
	KASSERT_TRUE(t, parse("  seed=0x10\ttests=a.*,b platform=sim-tdx host_knob=1 "));
	KEXPECT_EQ(t, args.seed, 0x10);
	KEXPECT_STREQ(t, args.tests, "a.*,b");
	KEXPECT_STREQ(t, args.platform, "sim-tdx");
	KEXPECT_TRUE(t, host_knob);
}

/* seed=1 seed=2 used to keep the last value silently. */
KTEST(host_args, a_key_given_twice_is_a_usage_error)
{
	KEXPECT_FALSE(t, parse("seed=1 seed=2"));
	KEXPECT_STREQ(t, err, "key 'seed' given twice");
	KEXPECT_FALSE(t, parse("host_knob=0 tests=* host_knob=1"));
	KEXPECT_STREQ(t, err, "key 'host_knob' given twice");
	KEXPECT_FALSE(t, parse("tests=a tests=a"));
}

KTEST(host_args, keys_that_share_a_prefix_are_different_keys)
{
	KEXPECT_FALSE(t, parse("seed=1 seedx=2")); /* unknown key, not "given twice" */
	KEXPECT_STREQ(t, err, "unknown key 'seedx'");
}

KTEST(host_args, malformed_words_are_usage_errors)
{
	KEXPECT_FALSE(t, parse("seed"));
	KEXPECT_STREQ(t, err, "'seed' is not a key=value word");
	KEXPECT_FALSE(t, parse("seed=banana"));
	KEXPECT_FALSE(t, parse("bogus=1"));
}
