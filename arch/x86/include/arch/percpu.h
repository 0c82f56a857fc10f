/* SPDX-License-Identifier: MIT */
/*
 * What belongs to one CPU, reached through its GS base (the way Linux reaches its per-CPU area: MSR
 * IA32_GS_BASE, arch/x86/kernel/setup_percpu.c and cpu/common.c; the MSR is not intercepted on TDX, where
 * it is TD-VCPU state, nor on SEV-ES/SNP, where it is swapped through the VMSA, so it never traps).
 * Reading it is one GS-relative load: no CPUID (which traps on TDX and SNP), no MSR read, no lock, so the
 * trap path can use it. Set on each CPU before anything that may use it, and again after its GDT is loaded
 * (loading GS resets the base): the boot CPU in trap_init(), each AP in ap_main().
 */
#ifndef ARCH_PERCPU_H
#define ARCH_PERCPU_H

#include <ccktf/smp.h>
#include <ccktf/types.h>

#define MSR_IA32_GS_BASE 0xc0000101u /* SDM vol. 4, table 2-2 */

struct cpu_local {
	struct cpu_local *self;	  /* first: %gs:0 is the area's own address */
	u32 index;		  /* the CPU's slot in smp_get()->cpus[]; 0: the boot CPU */
	volatile int caught_vector; /* the *_safe accessors' exception-table report (arch/trap.h), or -1 */
};

/* The boot CPU, once, in trap_init(): sets every slot's area up and points its own GS base at slot 0's. */
void percpu_setup(void);
/*
 * Points this CPU's GS base at slot index's area (index < SMP_MAX_CPUS); writes nothing else, so a late AP
 * that runs it for a slot given up disturbs no one. An AP calls it first thing in ap_main() (its waker's
 * ap_init may use a *_safe accessor) and again after loading its GDT (loading GS resets the base).
 */
void percpu_init(u32 index);

static inline struct cpu_local *this_cpu_local(void)
{
	struct cpu_local *p;

	asm volatile("movq %%gs:0, %0" : "=r"(p));
	return p;
}

/* This CPU's slot index (0 on the boot CPU). */
static inline u32 this_cpu_index(void)
{
	u32 i;

	asm volatile("movl %%gs:%c1, %0" : "=r"(i) : "i"(__builtin_offsetof(struct cpu_local, index)));
	return i;
}

#endif
