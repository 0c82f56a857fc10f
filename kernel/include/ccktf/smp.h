/* SPDX-License-Identifier: MIT */
/*
 * The application processors (arch/x86/cpu/smp.c): found in the ACPI MADT before ExitBootServices, brought
 * up after it by the platform's wake-up mechanism (platform_ops.cpu_wake; arch/ap_wake.h), each parked in a loop that runs work posted to its mailbox. docs/protocol.md "CPUs".
 */
#ifndef CCKTF_SMP_H
#define CCKTF_SMP_H

#include <arch/trap.h>
#include <ccktf/types.h>
#include "efi/acpi_madt.h"

#define SMP_MAX_CPUS MADT_MAX_CPUS

enum smp_cpu_state {
	SMP_CPU_ABSENT,	   /* not started (no stack, or bring-up skipped) */
	SMP_CPU_STARTING,  /* the waker was asked to start it, not checked in yet */
	SMP_CPU_ONLINE,	   /* checked in and parked */
	SMP_CPU_NO_ANSWER, /* did not check in within the bound (reported with its APIC ID) */
};

typedef void (*smp_work_fn)(void *arg);

/* One CPU; index 0 is the boot CPU. The fields marked AP are written by the AP itself. */
struct smp_cpu {
	u32 index, apic_id;
	volatile u32 state;	    /* enum smp_cpu_state */
	volatile u32 checkins;	    /* AP: +1 when it reaches C (exactly once, or it started twice) */
	volatile u32 seen_apic_id;  /* AP: cpu_apic_id() on the AP */
	volatile u16 seen_tr;	    /* AP: its task register after loading its own GDT/TSS */
	volatile u64 seen_gdt;	    /* AP: its GDT base (SGDT) */
	volatile u64 seen_rsp;	    /* AP: an address on the stack it checked in on */
	u64 stack_base, stack_top;  /* its stack, [base, top) */
	u64 ist_top;		    /* its IST1 stack (NMI, #DF, #MC) */
	u64 up_ns;		    /* from the waker's start request to its check-in */
	const char *start_error;    /* NULL, or why the waker's start request failed */
	struct cpu_gdt gdt;	    /* its own GDT and TSS */
	/* The mailbox: the BSP writes fn and arg, then bumps work_seq; the AP runs fn(arg), then sets
	 * done_seq to work_seq. */
	smp_work_fn volatile work_fn;
	void *volatile work_arg;
	volatile u64 work_seq, done_seq;
	volatile u64 wakeups;	    /* AP: NMIs taken (each wakes it from HLT) */
};

struct smp_state {
	const char *wake;	 /* the platform's mechanism: init-sipi-sipi, madt-mailbox, snp-ap-create, none */
	const char *skipped;	 /* NULL, or why no AP was started */
	u32 boot_apic_id;
	u32 madt_enabled;	 /* M: the MADT's processors present at boot (1 when there is no MADT) */
	u32 online;		 /* N: the boot CPU and every AP that checked in */
	volatile u32 checked_in; /* AP check-ins, all CPUs together */
	volatile u32 stray;	 /* CPUs that ran the trampoline with a slot not theirs (never expected) */
	bool x2apic;
	u64 trampoline;		 /* the trampoline page's address, 0 when none */
	u32 ncpus;		 /* slots in cpus[] (the boot CPU and the MADT's other enabled CPUs) */
	struct smp_cpu cpus[SMP_MAX_CPUS];
	struct madt_info madt;
};

struct boot_info;
/* Before ExitBootServices: reads the MADT; when the platform has a waker and there are APs, lets the waker
 * take what it needs from the firmware and allocates the APs' stacks. */
void smp_prepare(struct boot_info *b);
/* In place of smp_prepare() when the APs cannot be prepared (no boot services to allocate their pages from):
 * smp_bring_up() then runs on the boot CPU alone and reports why. */
void smp_prepare_none(const char *why);
/* After ExitBootServices, on the kernel's page tables: brings the APs up; prints the "# cpus:" lines. */
void smp_bring_up(void);
const struct smp_state *smp_get(void);

/* Posts fn(arg) to online AP index and wakes it; false when index is not an online AP or is busy. */
bool smp_post(u32 index, smp_work_fn fn, void *arg);
/* Waits at most timeout_ns for AP index to finish its posted work (re-waking it each millisecond). */
bool smp_wait(u32 index, u64 timeout_ns);

#endif
