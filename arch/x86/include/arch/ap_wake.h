/* SPDX-License-Identifier: MIT */
/*
 * How an application processor is started: one implementation per mechanism (enum cpu_wake in
 * ccktf/platform.h), each in a file of its own, behind this table. The generic bring-up (arch/x86/cpu/
 * smp.c) finds the CPUs, gives each its slot and stacks, starts them one at a time through the platform's
 * waker, waits (bounded) for each to check in, and parks them. A waker only has to get the AP into
 * ap_main(c) on its own stack (c->stack_top) with the kernel's CR3, interrupts off, in 64-bit mode.
 */
#ifndef ARCH_AP_WAKE_H
#define ARCH_AP_WAKE_H

#include <ccktf/platform.h>
#include <ccktf/smp.h>

struct boot_info;

struct ap_waker {
	enum cpu_wake kind; /* the mechanism it serves: smp.c finds the platform's waker by it */
	const char *name; /* printed in "# cpus: ... wake=NAME" */
	/*
	 * Before ExitBootServices (boot services usable): what the mechanism needs from the firmware (pages
	 * below 640 KiB, the mailbox's address from the MADT, VMSA pages). aps > 0 CPUs will be started.
	 * NULL, or why no AP can be started (then no other call is made).
	 */
	const char *(*prepare)(struct boot_info *b, const struct madt_info *madt, u32 aps);
	/* After ExitBootServices, on the kernel's page tables, once before the first start; may record where
	 * its code or mailbox lies in s (s->trampoline). NULL, or why not. */
	const char *(*setup)(struct smp_state *s);
	/*
	 * Starts c (c->state is SMP_CPU_STARTING): it must reach ap_main(c). Does not wait for the check-in.
	 * NULL, or why the request failed, with the raw status the platform returned.
	 */
	const char *(*start)(struct smp_cpu *c);
	/*
	 * c did not check in in time and its slot was taken back: keep it from running later with another
	 * AP's parameters, if the mechanism can (INIT again). NULL: it cannot.
	 */
	void (*give_up)(struct smp_cpu *c);
	/* On the AP, first thing in ap_main(), before any instruction that may trap (an SNP AP's own GHCB).
	 * NULL: nothing to do. */
	void (*ap_init)(struct smp_cpu *c);
};

/* Where every started AP goes, on its own stack (arch/x86/cpu/smp.c). */
__noreturn void ap_main(struct smp_cpu *c);

/* The kernel's IDT, which every AP loads (set by smp.c before the first start). */
struct ap_idtr {
	u16 limit;
	u64 base;
} __packed;
extern struct ap_idtr ap_kernel_idtr;

extern const struct ap_waker ap_waker_init_sipi; /* arch/x86/cpu/wake_init_sipi.c */
extern const struct ap_waker ap_waker_madt_mailbox; /* arch/x86/cpu/wake_madt_mailbox.c */
extern const struct ap_waker ap_waker_snp_ap_create; /* arch/x86/snp/snp_ap_create.c */

#endif
