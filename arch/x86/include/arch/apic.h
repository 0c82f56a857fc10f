/* SPDX-License-Identifier: MIT */
/*
 * The local APIC, as far as bringing up the application processors needs it (arch/x86/cpu/apic.c):
 * its ID and the interrupt command register. Intel SDM vol. 3A chapter 11 ("Advanced Programmable
 * Interrupt Controller"): 11.4.4 IA32_APIC_BASE, 11.6.1 the ICR, 11.12 x2APIC mode (the ICR is one
 * 64-bit MSR there, 0x830, with the destination in bits 63:32).
 */
#ifndef ARCH_APIC_H
#define ARCH_APIC_H

#include <ccktf/types.h>

#define MSR_IA32_APIC_BASE 0x1b
#define APIC_BASE_EXTD (1ull << 10) /* x2APIC mode */
#define APIC_BASE_EN (1ull << 11)   /* globally enabled */
#define APIC_BASE_ADDR_MASK 0x000ffffffffff000ull

/* ICR low-word fields (SDM vol. 3A figure 11-12). */
#define APIC_ICR_DM_NMI (4u << 8)
#define APIC_ICR_DM_INIT (5u << 8)
#define APIC_ICR_DM_STARTUP (6u << 8)
#define APIC_ICR_DM_KINDS 8	   /* delivery mode: ICR bits 10:8 */
#define APIC_ICR_BUSY (1u << 12)   /* xAPIC only: delivery status, send pending */
#define APIC_ICR_ASSERT (1u << 14)
#define APIC_ICR_LEVEL (1u << 15)

/*
 * Where lapic_x2apic_only(): checks that x2APIC MSR 0x802 answers (the hypervisor's x2APIC) and touches
 * nothing else. Elsewhere, chooses the mode: x2APIC (MSRs) when the APIC is in it or CPUID.1:ECX[21] says the CPU has it (it is
 * then switched on, as SDM 11.12.1 allows from xAPIC mode); else xAPIC (MMIO at the IA32_APIC_BASE
 * address, whose page is made uncacheable). NULL, or why the APIC cannot be used.
 */
const char *lapic_init(void);
bool lapic_is_x2apic(void);
u64 lapic_mmio_base(void); /* 0 in x2APIC mode */
/* This CPU's APIC ID from its APIC (lapic_init first). */
u32 lapic_id(void);
/*
 * This CPU's APIC ID. Where the platform protects guest state (lapic_x2apic_only()): x2APIC MSR 0x802,
 * answered by the hypervisor for this vCPU (~0u if refused); NEVER CPUID there (TDX: leaf 0xB/0x1F raise
 * #VE; SNP: the CPUID page holds vCPU 0's values). Elsewhere: CPUID leaf 0xB's x2APIC ID where the leaf
 * exists, else CPUID.1:EBX[31:24]. Any CPU, any time (no lapic_init needed); after percpu_init prefer
 * this_cpu_index() (arch/percpu.h), which asks nobody.
 */
u32 cpu_apic_id(void);
/* True on a platform whose APIC is the hypervisor's x2APIC only: no mode switch, no xAPIC page (apic.c). */
bool lapic_x2apic_only(void);
/*
 * x2APIC MSR access (0x800-0x8FF): RDMSR/WRMSR through the exception table; -1, or the vector raised
 * (TDX: the #GP the #VE handler raises when the VMM refuses, as Linux ve_raise_fault()).
 * A hardware model replaces the instruction with trap(), which delivers the exception the hardware would
 * raise (QEMU 7.2's TCG raises none: x2APIC MSRs read 0 there; arch/x86/sim/sim_x2apic.h).
 */
typedef int (*lapic_msr_trap_fn)(u32 msr, bool write, u64 *value);
void lapic_set_msr_trap(lapic_msr_trap_fn trap);
int lapic_msr_read(u32 msr, u64 *value);
int lapic_msr_write(u32 msr, u64 value);
/*
 * Sends an IPI to apic_id with this ICR low word; in xAPIC mode it first waits, bounded by timeout_ns, for
 * the previous one to leave (delivery status). False when it never did, or apic_id does not fit xAPIC's
 * 8-bit destination.
 */
bool lapic_send_ipi(u32 apic_id, u32 icr_low, u64 timeout_ns);
/* IPIs lapic_send_ipi() sent with this delivery mode (APIC_ICR_DM_*) since boot: the evidence that a
 * mechanism without INIT/SIPI (a TD's mailbox) sent none. */
u64 lapic_ipis_sent(u32 delivery_mode);

#endif
