/* SPDX-License-Identifier: MIT */
/* Boot arguments: space-separated key=value words (docs/protocol.md, "Boot arguments"). */
#ifndef CCKTF_ARGS_H
#define CCKTF_ARGS_H

#include <ccktf/types.h>

#define ARGS_TEXT_MAX 8192
#define ARGS_MAX_WORDS 64

enum crash_kind { CRASH_NONE, CRASH_PF, CRASH_UD, CRASH_GP, CRASH_DE, CRASH_HANG };
enum bench_mode { BENCH_OFF, BENCH_SHORT, BENCH_FULL };
enum probe_kind {
	PROBE_NONE,
	PROBE_TOUCH_UNACCEPTED,
	PROBE_TOUCH_PENDING_RAM,
	PROBE_TOUCH_BESIDE_ACCEPTED,
	PROBE_TOUCH_DURING_ACCEPT,
};
/*
 * Which kernel ccktf behaves as (issue 14's matrix, kernel/matrix.c): UNENLIGHTENED knows nothing of
 * unaccepted memory (type 15 is reserved to it: never accepted, no protocol call), ENLIGHTENED calls
 * AllowUnacceptedMemory() and accepts, PROTOCOL_DROPPED accepts but never calls the protocol.
 */
enum kernel_kind { KERNEL_ENLIGHTENED, KERNEL_UNENLIGHTENED, KERNEL_PROTOCOL_DROPPED };

struct kernel_args {
	char text[ARGS_TEXT_MAX]; /* the words, NUL-separated after parsing */
	const char *tests;        /* tests=GLOB[,GLOB] */
	const char *platform;     /* platform=NAME */
	u64 seed;
	bool list;
	bool demo_fail;
	enum crash_kind crash;
	/* SNP: call AllowUnacceptedMemory() before ExitBootServices (0 lets OVMF accept everything itself);
	 * false for every kernel kind but the enlightened one */
	bool allow_unaccepted;
	enum kernel_kind kernel_kind; /* kernel_kind=: which kernel ccktf behaves as */
	bool matrix;		      /* matrix=1: the matrix suite (kernel/matrix.c) */
	enum bench_mode bench; /* bench=off|short|full: the benchmark suite (docs/benchmarks.md) */
	bool conformance;      /* conformance=1: the firmware conformance checks (docs/conformance.md) */
	enum probe_kind probe; /* probe=touch_unaccepted|touch_pending_ram: touch on purpose (kernel/probe.c) */
	bool lava;	       /* lava=1: flat result lines for LAVA monitors (docs/protocol.md "Flat results") */
};

/*
 * Parses args->text in place. On a usage error returns false with a message in err, which names the
 * offending word; args_print_valid_keys() then lists what is accepted.
 */
bool args_parse(struct kernel_args *args, char *err, size_t err_size);

/*
 * A key owned by the code it configures (the hardware models' knobs live with the models,
 * arch/x86/sim/sim_knobs.c), registered in the "arg_keys" linker section: parsed like the core's keys and
 * listed in the usage message. parse() stores the value in its owner's state, whose static initializer is
 * the default.
 */
struct arg_key_ext {
	const char *name;
	const char *values; /* for the usage message */
	bool (*parse)(const char *value);
};

#define ARG_KEY_REGISTER(key_) \
	static const struct arg_key_ext *const arg_key_ptr_##key_ __section("arg_keys") __used = &(key_)

/* Value parsers for owners of keys: "0"/"1"; a size with an optional K, M or G suffix. */
/* The index of v in names[count], or -1: a key's value given by name (ARGS_LOOKUP for an array). */
int args_lookup(const char *const *names, size_t count, const char *v);
#define ARGS_LOOKUP(names, v) args_lookup((names), ARRAY_SIZE(names), (v))
bool args_parse_flag(const char *s, bool *out);
bool args_parse_size(const char *s, u64 *out);
void args_print_valid_keys(void);
const char *args_crash_name(enum crash_kind kind);
const char *args_kernel_kind_name(enum kernel_kind kind);
/* Does this kernel kind accept unaccepted memory (and count it as usable)? */
static inline bool kernel_kind_accepts(enum kernel_kind kind)
{
	return kind != KERNEL_UNENLIGHTENED;
}

#endif
