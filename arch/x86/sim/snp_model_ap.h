/* SPDX-License-Identifier: MIT */
/* The SNP model's vCPUs: AP Creation, the RMP's VMSA bit, per-vCPU GHCB registration (snp_model_ap.c). */
#ifndef ARCH_X86_SIM_SNP_MODEL_AP_H
#define ARCH_X86_SIM_SNP_MODEL_AP_H

#include <ccktf/smp.h>
#include <ccktf/types.h>

struct boot_info;
struct cpu_regs;

/* What the modelled host did for one vCPU (by APIC ID), for the tests (tests/snp/snp_ap.c). */
struct snp_model_vcpu {
	bool used;
	u32 apic_id;
	u64 ghcb_gfn;	     /* the GHCB GPA it registered (GHCB spec 2.3.2), valid when registered */
	bool registered;
	u64 vmsa_gpa;	     /* the VMSA it runs from (0: none) */
	u64 caa_gpa;	     /* its SVSM Calling Area (SVSM_CORE_CREATE_VCPU), 0 without */
	u32 creates;	     /* AP Creation CREATE requests accepted for it */
	u32 refusals;	     /* AP Creation requests refused for it */
	u32 destroys;
	volatile u32 vmsa_entries; /* times it started running from a VMSA (the model's VMRUN) */
	u64 destroyed_vmsa;  /* the VMSA a DESTROY left IN_USE until the next take-back (0: none) */
	u32 busy_take_backs; /* take-backs refused with FAIL_INUSE */
	/* snp_model_apic.c: the host's x2APIC through this vCPU's GHCB, and KVM's SEV-ES NMI rule */
	u64 msr_exits;	     /* MSR exits (0x7C) this vCPU made through its GHCB */
	u64 msr_refused;     /* of those, answered with a #GP */
	u64 nmis_injected;   /* NMIs the host delivered to it */
	u64 nmis_held;	     /* NMI IPIs to it held: its previous NMI was not completed yet */
	u64 nmi_completes;   /* NMI Complete exits it made */
	bool nmi_masked;     /* an NMI was injected and no NMI Complete came since */
	bool nmi_pending;    /* one held NMI waits for the NMI Complete (KVM keeps one pending while masked) */
};

/* Before ExitBootServices: the low pages of the model's own start-up trampoline. NULL, or why not. */
const char *snp_model_ap_reserve(struct boot_info *b);
/* The vCPU record for apic_id, NULL when the model has none. */
const struct snp_model_vcpu *snp_model_vcpu(u32 apic_id);
/* The same, writable, for the model's own files; and the vCPU running this (its real xAPIC ID). */
struct snp_model_vcpu *snp_model_vcpu_rw(u32 apic_id);
struct snp_model_vcpu *snp_model_this_vcpu(void);
/* snp_model_apic.c: the MSR exit (0x7C) of the vCPU running this: the GHCB answer (SW_EXITINFO1[31:0]) with
 * SW_EXITINFO2 in *info2, a read's value in *rax, *rdx; and its NMI Complete exit. */
u64 snp_model_msr_exit(u64 info1, u32 msr, u64 *rax, u64 *rdx, u64 *info2);
void snp_model_nmi_complete(void);
/* Is pfn the VMSA of a running vCPU, or of one a DESTROY just kicked (RMPADJUST then fails, FAIL_INUSE)? */
bool snp_model_vmsa_in_use(u64 pfn);
/* INIT and STARTUP IPIs the model itself sent to start vCPUs (the kernel's are the rest of
 * lapic_ipis_sent()). */
u64 snp_model_ap_ipis(u32 delivery_mode);

/* GHCB spec 2.3.2, per vCPU: register gfn for the vCPU running this; is gfn the one it registered? */
void snp_model_ghcb_register(u64 gfn);
bool snp_model_ghcb_registered(u64 gfn);
/* The AP Creation NAE: 0 (accepted), or the GHCB_ERR_* reason to answer with SW_EXITINFO1 = 2. */
u64 snp_model_ap_creation(u64 info1, u64 vmsa_gpa, u64 rax, bool rax_valid);
/* RMPADJUST's VMSA bit (the RMP entry's VMSA flag). */
bool snp_model_set_vmsa(u64 pfn, bool vmsa);
bool snp_model_is_vmsa(u64 pfn);
/* SVSM_CORE_CREATE_VCPU / DELETE_VCPU for the modelled SVSM: the SVSM's RAX. */
u64 snp_model_svsm_create_vcpu(const struct cpu_regs *r);
u64 snp_model_svsm_delete_vcpu(const struct cpu_regs *r);
/* The Calling Area of the vCPU running this: its own once created through the SVSM, else 0. */
u64 snp_model_caa_of_this_vcpu(void);

#endif
