/* SPDX-License-Identifier: MIT */
/* The per-CPU areas behind the GS base (arch/percpu.h). */
#include <arch/cpu.h>
#include <arch/percpu.h>

static struct cpu_local locals[SMP_MAX_CPUS];

void percpu_init(u32 index)
{
	wrmsr(MSR_IA32_GS_BASE, (u64)(uintptr_t)&locals[index < SMP_MAX_CPUS ? index : 0]);
}

void percpu_setup(void)
{
	for (u32 i = 0; i < SMP_MAX_CPUS; i++)
		locals[i] = (struct cpu_local){ .self = &locals[i], .index = i, .caught_vector = -1 };
	percpu_init(0);
}
