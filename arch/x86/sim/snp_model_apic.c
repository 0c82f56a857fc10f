/* SPDX-License-Identifier: MIT */
/*
 * The modelled host's side of an SNP vCPU's local APIC: the MSR exit (0x7C) that the guest's #VC handler
 * sends through its GHCB for an x2APIC MSR, and KVM's rule for NMIs to an SEV-ES/SNP vCPU.
 *
 * MSR exit. KVM intercepts every MSR of an SEV-ES/SNP guest but the GHCB MSR, EFER and CR_PAT
 * (arch/x86/kvm/svm/sev.c sev_es_init_vmcb()); the guest asks through the GHCB with RCX, and RAX/RDX for a
 * write, SW_EXITINFO1 0 read / 1 write (sev_es_validate_vmgexit(): RCX must be valid, RAX and RDX too for
 * a write, else GHCB_ERR_MISSING_INPUT; another SW_EXITINFO1 is GHCB_ERR_INVALID_INPUT). The x2APIC MSRs
 * are answered by sim_x2apic (KVM's kvm_x2apic_msr_read()/write() rules on the vCPU's real xAPIC); every
 * other MSR, and any the x2APIC refuses, is refused as KVM refuses a failed kvm_get_msr()/kvm_set_msr()
 * for an SEV-ES guest (svm.c svm_complete_emulated_msr()): SW_EXITINFO1 = 1, SW_EXITINFO2 = a #GP
 * exception event (X86_TRAP_GP | SVM_EVTINJ_TYPE_EXEPT | SVM_EVTINJ_VALID). A read answers RAX and RDX.
 *
 * NMIs. KVM cannot intercept IRET for an SEV-ES/SNP guest, so once it injected an NMI it keeps the vCPU's
 * NMIs masked until the guest says it is done: the NMI Complete exit (0x80000003; sev.c
 * sev_handle_vmgexit() case SVM_VMGEXIT_NMI_COMPLETE clears svm->nmi_masked; Linux sends it at the end of
 * exc_nmi(), sev_es_nmi_complete()). The model applies the rule where the host sees the NMI, the guest's
 * write of an NMI IPI to the x2APIC ICR: to a masked vCPU it is held (counted in nmis_held; several
 * collapse into one pending, as KVM's x86.c process_nmi() keeps at most one while an NMI is masked) and
 * delivered when that vCPU sends NMI Complete. A guest that never completes gets one NMI per vCPU, ever.
 */
#include <arch/apic.h>
#include <arch/snp_spec.h>
#include <arch/trap.h>
#include <ccktf/spinlock.h>
#include "sim_x2apic.h"
#include "snp_model.h"
#include "snp_model_ap.h"

#define ICR_DM_MASK (7u << 8)	     /* SDM vol. 3A figure 11-12: delivery mode, bits 10:8 */
#define ICR_SHORTHAND (3u << 18)     /* destination shorthand: 0 = the destination field */
#define ICR_DEST_LOGICAL (1u << 11)
#define GP_EVENT ((u64)X86_GP | SVM_EVTINJ_TYPE_EXEPT | SVM_EVTINJ_VALID)

static struct spinlock nmi_lock; /* the NMI state of every vCPU: sender and completer race */

/* An NMI IPI to one vCPU by its APIC ID (physical destination, no shorthand), else NULL. */
static struct snp_model_vcpu *nmi_target(u64 icr)
{
	if (((u32)icr & ICR_DM_MASK) != APIC_ICR_DM_NMI || ((u32)icr & (ICR_SHORTHAND | ICR_DEST_LOGICAL)))
		return NULL;
	return snp_model_vcpu_rw((u32)(icr >> 32));
}

static bool icr_write(u64 icr)
{
	struct snp_model_vcpu *t = nmi_target(icr);
	bool ok = true;

	if (!t)
		return sim_x2apic_write(MSR_X2APIC_ICR, icr);
	spin_lock(&nmi_lock);
	if (t->nmi_masked) {
		t->nmis_held++;
		t->nmi_pending = true;
	} else if ((ok = sim_x2apic_write(MSR_X2APIC_ICR, icr))) {
		t->nmi_masked = true;
		t->nmis_injected++;
	}
	spin_unlock(&nmi_lock);
	return ok;
}

/* NMI Complete from the vCPU running this: unmasked; the one held NMI is delivered now (KVM: on the VMRUN
 * that returns from this exit; here a self-IPI the vCPU takes as soon as it is out of this exit). */
void snp_model_nmi_complete(void)
{
	struct snp_model_vcpu *v = snp_model_this_vcpu();

	if (!v)
		return;
	spin_lock(&nmi_lock);
	v->nmi_completes++;
	v->nmi_masked = false;
	if (v->nmi_pending &&
	    sim_x2apic_write(MSR_X2APIC_ICR, (u64)v->apic_id << 32 | APIC_ICR_DM_NMI | APIC_ICR_ASSERT)) {
		v->nmi_pending = false;
		v->nmi_masked = true;
		v->nmis_injected++;
	}
	spin_unlock(&nmi_lock);
}

u64 snp_model_msr_exit(u64 info1, u32 msr, u64 *rax, u64 *rdx, u64 *info2)
{
	struct snp_model_vcpu *v = snp_model_this_vcpu();
	u64 value = (*rdx & 0xffffffffull) << 32 | (*rax & 0xffffffffull);
	bool ok;

	if (v)
		v->msr_exits++;
	if (info1 == SVM_MSR_EXIT_WRITE)
		ok = sim_x2apic_msr(msr) && (msr == MSR_X2APIC_ICR ? icr_write(value) : sim_x2apic_write(msr, value));
	else
		ok = sim_x2apic_msr(msr) && sim_x2apic_read(msr, &value);
	if (!ok) {
		if (v)
			v->msr_refused++;
		*info2 = GP_EVENT;
		return GHCB_RESP_ISSUE_EXCEPTION;
	}
	*rax = (u32)value, *rdx = value >> 32, *info2 = 0;
	return GHCB_RESP_NO_ACTION;
}
