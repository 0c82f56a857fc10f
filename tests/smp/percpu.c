/* SPDX-License-Identifier: MIT */
/*
 * Per-CPU state (arch/percpu.h): each CPU's GS base points at its own area, and the *_safe accessors'
 * exception-table report is per CPU, so two CPUs may run them at once. The race: odd CPUs loop over a UD2
 * covered by the exception table (#UD expected), even ones over rdmsr_safe(IA32_GS_BASE) (no exception
 * expected); with one shared report (the code before arch/percpu.h) a CPU reads the other's #UD as its
 * own, or loses its own.
 */
#include <arch/percpu.h>
#include <arch/trap.h>
#include <ccktf/format.h>
#include <ccktf/ktest.h>
#include "lib/smp_util.h"

#define RACE_ROUNDS 20000

static const char *percpu_skip(void)
{
	static char why[160];
	const struct smp_state *s = smp_get();

	if (smp_util_online() >= 2)
		return NULL;
	snprintf(why, sizeof(why), "needs two online CPUs (wake=%s%s%s)", s->wake, s->skipped ? ": " : "",
		 s->skipped ? s->skipped : "");
	return why;
}

KTEST_SUITE(smp_percpu, KTEST_AFTER_EXIT_BOOT_SERVICES, percpu_skip);

struct percpu_seen {
	u32 index;
	u64 area, gs_base;
	u32 wrong; /* rounds whose reported vector was not this CPU's own */
	int last_bad;
};

static struct percpu_seen seen[SMP_MAX_CPUS];

static int ud2_safe(void)
{
	exception_vector_reset();
	asm volatile("1: ud2\n2:\n" ASM_EXTABLE("1b", "2b") ::: "memory");
	return exception_vector();
}

static void race_safe_accessors(const struct smp_util_call *c)
{
	struct percpu_seen *me = &seen[c->nth];
	bool faulting = c->nth & 1;
	u64 v;

	me->index = this_cpu_index();
	me->area = (u64)(uintptr_t)this_cpu_local();
	for (unsigned i = 0; i < RACE_ROUNDS; i++) {
		int vec = faulting ? ud2_safe() : rdmsr_safe(MSR_IA32_GS_BASE, &v);

		if (vec != (faulting ? X86_UD : -1)) {
			me->wrong++;
			me->last_bad = vec;
		}
		if (!faulting)
			me->gs_base = v;
	}
}

KTEST(smp_percpu, each_cpu_has_its_own_area_and_safe_accessor_report)
{
	u32 n = smp_util_online();
	const char *why;

	for (u32 i = 0; i < n; i++)
		seen[i] = (struct percpu_seen){ .last_bad = -2 };
	if (!smp_util_run(n, race_safe_accessors, NULL, &why)) {
		ktest_fail(t, __FILE__, __LINE__, "running on %u CPUs: %s", n, why);
		return;
	}
	for (u32 i = 0; i < n; i++) {
		KEXPECT_EQ(t, seen[i].index, smp_util_cpu(i));
		if (i % 2 == 0)
			KEXPECT_EQ(t, seen[i].gs_base, seen[i].area);
		for (u32 j = 0; j < i; j++)
			KEXPECT_NE(t, seen[i].area, seen[j].area);
		if (seen[i].wrong)
			ktest_fail(t, __FILE__, __LINE__, "CPU %u: %u of %u reported vectors were not its own "
				   "(last %d)", i, seen[i].wrong, RACE_ROUNDS, seen[i].last_bad);
	}
	ktest_log(t, "%u CPUs x %u rounds, half of them faulting (UD2)", n, RACE_ROUNDS);
}
