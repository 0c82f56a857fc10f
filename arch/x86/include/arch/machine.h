/* SPDX-License-Identifier: MIT */
/* Machine-level services the portable core needs from the arch layer. */
#ifndef ARCH_MACHINE_H
#define ARCH_MACHINE_H

#include <ccktf/types.h>

struct efi_runtime_services;

/* Leaving (arch/x86/exit.c): isa-debug-exit, else EFI ResetSystem(shutdown), else halt. */
void machine_set_runtime_services(struct efi_runtime_services *rt);

/* TSC (arch/x86/cpu/tsc.c). */
struct tsc_info {
	u64 measured_hz;     /* against the firmware's Stall() */
	u64 cpuid_hz;        /* CPUID 0x15 (crystal ratio), or 0x16 base MHz; 0 when neither is present */
	const char *cpuid_source;
};
void tsc_calibrate(void (*delay_us)(u64 us), struct tsc_info *info);
u64 tsc_hz(void);
u64 tsc_to_ns(u64 cycles);

/* Page tables (arch/x86/cpu/paging.c): identity map of [0, top), page 0 left unmapped (null guard). */
u64 paging_pages_needed(u64 top);
u64 paging_build(u64 pool, u64 pool_pages, u64 top);

/* What machine_take_over needs, allocated while boot services still run. */
struct machine_plan {
	u64 top;	 /* identity-map [0, top) */
	u64 table_pages; /* page-table pool: paging_pages_needed(top) pages at tables */
	void *tables;
	void *stack; /* KERNEL_STACK_PAGES pages */
	u64 stack_pages;
};

/* Takes over the CPU after ExitBootServices: GDT, IDT, page tables, a fresh stack; then calls next(). */
__noreturn void machine_take_over(const struct machine_plan *plan, void (*next)(void));

/* Faults on purpose (arch/x86/crash_inject.c), to prove the crash path: crash=pf|ud|gp|de|hang. */
void machine_inject_crash(unsigned kind);

#endif
