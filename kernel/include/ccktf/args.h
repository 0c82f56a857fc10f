/* SPDX-License-Identifier: MIT */
/* Boot arguments: space-separated key=value words (docs/protocol.md, "Boot arguments"). */
#ifndef CCKTF_ARGS_H
#define CCKTF_ARGS_H

#include <ccktf/types.h>

#define ARGS_TEXT_MAX 8192

enum crash_kind { CRASH_NONE, CRASH_PF, CRASH_UD, CRASH_GP, CRASH_DE, CRASH_HANG };
enum bench_mode { BENCH_OFF, BENCH_SHORT, BENCH_FULL };
enum probe_kind { PROBE_NONE, PROBE_TOUCH_UNACCEPTED };

struct kernel_args {
	char text[ARGS_TEXT_MAX]; /* the words, NUL-separated after parsing */
	const char *tests;        /* tests=GLOB[,GLOB] */
	const char *platform;     /* platform=NAME */
	u64 seed;
	bool list;
	bool demo_fail;
	enum crash_kind crash;
	/* Hardware models (sim-tdx, sim-snp) */
	u64 sim_unaccepted;  /* bytes to present as unaccepted; 0: all memory above 4 GiB */
	bool sim_host_4k;    /* sim_host_map=4k: the host maps private memory with 4 KiB pages */
	bool sim_sept_ve_disable; /* sim-tdx: the TD attribute SEPT_VE_DISABLE (default 1, as production TDs) */
	/* SNP: call AllowUnacceptedMemory() before ExitBootServices (0 lets OVMF accept everything itself) */
	bool allow_unaccepted;
	enum bench_mode bench; /* bench=off|short|full: the benchmark suite (docs/benchmarks.md) */
	bool conformance;      /* conformance=1: the firmware conformance checks (docs/conformance.md) */
	enum probe_kind probe; /* probe=touch_unaccepted: touch unaccepted memory on purpose (kernel/probe.c) */
};

/*
 * Parses args->text in place. On a usage error returns false with a message in err, which names the
 * offending word; args_print_valid_keys() then lists what is accepted.
 */
bool args_parse(struct kernel_args *args, char *err, size_t err_size);
void args_print_valid_keys(void);
const char *args_crash_name(enum crash_kind kind);

#endif
