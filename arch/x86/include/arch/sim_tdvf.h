/* SPDX-License-Identifier: MIT */
/*
 * sim-tdx's model of TDVF's multiprocessor side (arch/x86/sim/tdvf_mp.c, tdvf_ap_loop.asm): the APs parked
 * in the ACPI Multiprocessor Wakeup mailbox loop, and what the model saw. For the smp suite's checks that
 * the kernel's wake-up ran the real protocol; NOT something a kernel on hardware can ask.
 */
#ifndef ARCH_SIM_TDVF_H
#define ARCH_SIM_TDVF_H

#include <ccktf/types.h>

#define TDVF_MP_MAX_IDS 64

struct tdvf_mp_report {
	u64 mailbox;		   /* the mailbox the model published */
	u32 parked;		   /* APs the model put in its loop (INIT-SIPI, the firmware's business) */
	u32 parked_init_sipi;	   /* INIT + STARTUP IPIs the model sent to park them */
	u32 arrived;		   /* entries into the loop so far (parking, and any AP handed back) */
	u32 answered;		   /* Wakeup commands answered */
	u32 ids[TDVF_MP_MAX_IDS];  /* the APIC ID of each, in order */
	/* The model's VMM, TDG.VP.VMCALL<Instruction.RDMSR/WRMSR> of the x2APIC it answered (sim_x2apic.c) */
	u64 vmm_x2apic_id_reads;   /* MSR 0x802 */
	u64 vmm_x2apic_icr_writes; /* MSR 0x830: each an IPI sent for the TD */
};

/* False when the model did not publish a mailbox (not sim-tdx, or it failed). */
bool tdvf_mp_report(struct tdvf_mp_report *out);
/* The TD's vCPUs as the model's TDX module reports them in TDG.VP.INFO: the TD's configured count (the
 * MADT's enabled processors), not the APs the firmware parked. */
u32 tdvf_mp_vcpus(void);

#endif
