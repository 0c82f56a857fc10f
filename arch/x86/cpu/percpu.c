/* SPDX-License-Identifier: MIT */
/* The per-CPU areas behind the GS base (arch/percpu.h). */
#include <arch/cpu.h>
#include <arch/percpu.h>

static struct cpu_local locals[SMP_MAX_CPUS];

void percpu_init(u32 index)
{
	struct cpu_local *p = &locals[index < SMP_MAX_CPUS ? index : 0];

	p->self = p;
	p->index = index;
	p->caught_vector = -1;
	wrmsr(MSR_IA32_GS_BASE, (u64)(uintptr_t)p);
}
