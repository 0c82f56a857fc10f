/* SPDX-License-Identifier: MIT */
/*
 * x2APIC for the models, emulated on top of the vCPU's real xAPIC (sim_x2apic.c).
 *
 * A TD's and an SNP guest's local APIC is in x2APIC mode and the hypervisor emulates most of its MSRs:
 * TDX: RDMSR/WRMSR of 0x800-0x8FF raise #VE (exit reason 31/32) and the guest asks the VMM through
 * TDG.VP.VMCALL<Instruction.RDMSR/WRMSR>; SNP: they raise #VC (exit code 0x7C) and the guest asks through
 * the GHCB. QEMU 7.2's TCG has no x2APIC and raises NOTHING for these MSRs: RDMSR of an MSR it does not
 * know reads 0 and WRMSR is dropped (target/i386/tcg/sysemu/misc_helper.c helper_rdmsr()/helper_wrmsr(),
 * default case "XXX: exception?"; x2APIC MSRs came to TCG in QEMU 8.1). So no #GP hook can catch them;
 * the kernel reaches the x2APIC through one accessor (arch/apic.h lapic_msr_read()/lapic_msr_write()),
 * and a model stands in for the missing trap there, as sim_protect.c does for port I/O:
 *
 *   1. sim_x2apic_install(deliver): from then on every x2APIC MSR access of the kernel is handed to
 *      deliver(regs, access), with regs as the CPU would have them at the RDMSR/WRMSR (RCX the MSR,
 *      EDX:EAX the value); deliver raises what the hardware raises (#VE with the TD's VE info / #VC with
 *      exit code 0x7C) to the kernel's own handler and returns its answer: true when the handler emulated
 *      it (a read's value in EDX:EAX), false with regs->vector the exception that remains (the #GP the
 *      handler turns a refusal into, or the #VE/#VC it declined).
 *   2. when the kernel's handler asks the model's hypervisor (TDG.VP.VMCALL / the GHCB MSR exit), the
 *      model answers with sim_x2apic_read()/sim_x2apic_write(), which run on the asking vCPU and emulate
 *      the x2APIC MSR with its xAPIC (KVM's rules: arch/x86/kvm/lapic.c); false = the hypervisor refuses
 *      (KVM then injects #GP / answers an error).
 *
 * The counters (sim_x2apic_served) let boot tests show that the path ran.
 */
#ifndef ARCH_SIM_X2APIC_H
#define ARCH_SIM_X2APIC_H

#include <arch/trap.h>
#include <ccktf/types.h>

#define SIM_X2APIC_MSR_FIRST 0x800u /* SDM vol. 3A 11.12.1.2, table 11-6 */
#define SIM_X2APIC_MSR_LAST 0x8ffu

/* An RDMSR or WRMSR decoded at the faulting RIP. */
struct sim_msr_access {
	u32 msr;      /* ECX */
	bool write;   /* WRMSR */
	u64 value;    /* WRMSR: EDX:EAX */
	unsigned len; /* instruction length: 2 */
};

/* Raises the platform's exception for the access (the TD's #VE, SNP's #VC), see above. */
typedef bool (*sim_x2apic_deliver_fn)(struct cpu_regs *regs, const struct sim_msr_access *a);

bool sim_x2apic_msr(u32 msr);
/* Puts deliver in place of the trap TCG does not raise (after ExitBootServices). */
void sim_x2apic_install(sim_x2apic_deliver_fn deliver);

/* The hypervisor's x2APIC, on the calling vCPU's xAPIC. False: refused (the MSR is not emulated, it is
 * read-only / write-only, reserved bits are set, or the destination does not fit xAPIC). */
bool sim_x2apic_read(u32 msr, u64 *value);
bool sim_x2apic_write(u32 msr, u64 value);
/* The APIC ID of the vCPU running this, from its real xAPIC ID register (the hypervisor knows it). */
u32 sim_x2apic_vcpu_id(void);
/* The hypervisor's (or a model firmware's) own IPI through the vCPU's real xAPIC, never through the
 * kernel's APIC code nor its counters (arch/apic.h lapic_ipis_sent()). False: the destination does not fit
 * xAPIC, or the previous IPI never left. */
bool sim_xapic_ipi(u32 apic_id, u32 icr_low);
/* Accesses to msr the hypervisor answered (successfully), reads or writes, since boot. */
u64 sim_x2apic_served(u32 msr, bool write);

#endif
