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

/* kernel_kind= (the matrix's kernel kinds): only the enlightened kernel calls AllowUnacceptedMemory(). */
KTEST(host_args, kernel_kind_decides_the_protocol_call)
{
	KASSERT_TRUE(t, parse("tests=*"));
	KEXPECT_EQ(t, args.kernel_kind, KERNEL_ENLIGHTENED);
	KEXPECT_TRUE(t, args.allow_unaccepted);
	KASSERT_TRUE(t, parse("kernel_kind=unenlightened"));
	KEXPECT_FALSE(t, args.allow_unaccepted);
	KEXPECT_FALSE(t, kernel_kind_accepts(args.kernel_kind));
	KASSERT_TRUE(t, parse("kernel_kind=protocol-dropped"));
	KEXPECT_FALSE(t, args.allow_unaccepted);
	KEXPECT_TRUE(t, kernel_kind_accepts(args.kernel_kind));
	KEXPECT_STREQ(t, args_kernel_kind_name(args.kernel_kind), "protocol-dropped");
}

/* allow_unaccepted=0 predates kernel_kind= and is the protocol-dropped kernel; contradictions are errors. */
KTEST(host_args, allow_unaccepted_is_an_alias_and_contradictions_fail)
{
	KASSERT_TRUE(t, parse("allow_unaccepted=0"));
	KEXPECT_EQ(t, args.kernel_kind, KERNEL_PROTOCOL_DROPPED);
	KASSERT_TRUE(t, parse("allow_unaccepted=1 kernel_kind=enlightened"));
	KEXPECT_TRUE(t, args.allow_unaccepted);
	KEXPECT_FALSE(t, parse("kernel_kind=protocol-dropped allow_unaccepted=1"));
	KEXPECT_STREQ(t, err, "kernel_kind=protocol-dropped contradicts allow_unaccepted=1 (only the enlightened "
			      "kernel calls AllowUnacceptedMemory())");
	KEXPECT_FALSE(t, parse("allow_unaccepted=0 kernel_kind=enlightened"));
	KEXPECT_FALSE(t, parse("kernel_kind=unenlightened allow_unaccepted=1"));
	KEXPECT_FALSE(t, parse("kernel_kind=lazy"));
}
