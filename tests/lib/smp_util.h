/* SPDX-License-Identifier: MIT */
/* Running one function on several CPUs at once, for the suites that race CPUs (tests/smp, tests/accept_smp,
 * tests/bench). Built on smp_post()/smp_wait() (ccktf/smp.h). */
#ifndef TESTS_SMP_UTIL_H
#define TESTS_SMP_UTIL_H

#include <ccktf/smp.h>

#define SMP_UTIL_TIMEOUT_NS 60000000000ull /* one run of work on every CPU: generous for TCG */

/* Online CPUs (the boot CPU included): 1 when no AP came up. */
u32 smp_util_online(void);
/* The slot index of the n-th online CPU (n = 0: the boot CPU). */
u32 smp_util_cpu(u32 n);

/* What each CPU is handed: which of the ncpus it is, and the caller's argument. */
struct smp_util_call {
	u32 nth, ncpus;
	void *arg;
};
typedef void (*smp_util_fn)(const struct smp_util_call *c);

/*
 * Runs fn on the first ncpus online CPUs (the boot CPU is nth 0), all released together from a start
 * barrier so that they really race, and waits for all of them. False (with why) when an AP could not be
 * posted to or did not finish within SMP_UTIL_TIMEOUT_NS; the caller then must not trust the results (the
 * late AP may still be running fn), and every later run is refused, false with why, until that AP ends.
 */
bool smp_util_run(u32 ncpus, smp_util_fn fn, void *arg, const char **why);

#endif
