/* SPDX-License-Identifier: MIT */
/*
 * The hypervisor behind VMGEXIT, as the SNP model plays it. The request is in the GHCB MSR, which TCG
 * does not implement: the backend records every value it writes (ghcb_msr_shadow, arch/x86/snp/ghcb.c,
 * one per vCPU as the MSR is) and the model answers there, as a hypervisor writes the guest's GHCB MSR.
 *   MSR protocol (GHCB spec 2.3.1): SEV_INFO, CPUID, HV_FEATURES, REG_GPA, PSC (4K), TERMINATE.
 *   GHCB page protocol (GHCB 2.1, 4.1): the MSR holds the GHCB GPA this vCPU registered (unregistered: the host
 *   stops the guest, as KVM does for SNP); the page must be shared, i.e. mapped with the C-bit clear, or
 *   the host would read ciphertext; protocol version 2, usage 0; IOIO carried out natively; PSC; AP
 *   Creation (snp_model_ap.c, offered in HV_FEATURES bit 1 as KVM does); other
 *   exit codes answered SW_EXITINFO1 = 2 (malformed input), SW_EXITINFO2 = GHCB_ERR_INVALID_EVENT.
 * The model never prints while the guest is waiting (printing goes through this very path) except when
 * it gives up: snp_model_fatal() switches to native port I/O first.
 */
#include <arch/cpu.h>
#include <arch/machine.h>
#include <arch/portio.h>
#include <arch/snp_spec.h>
#include <ccktf/console.h>
#include <ccktf/exit.h>
#include <ccktf/format.h>
#include <ccktf/string.h>
#include "../snp/snp.h"
#include "snp_model.h"
#include "snp_model_ap.h"


void snp_model_fatal(const char *what, u64 value)
{
	sim_stop(what, value);
}

/* MSR protocol */

static u64 sev_info(void)
{
	return (u64)GHCB_PROTOCOL_MAX << GHCB_MSR_PROTO_MAX_SHIFT | (u64)GHCB_PROTOCOL_MIN << GHCB_MSR_PROTO_MIN_SHIFT |
	       (u64)SIM_SNP_CBIT << GHCB_MSR_CBIT_SHIFT | GHCB_MSR_SEV_INFO_RESP;
}

/* The MSR protocol's CPUID request carries no sub-leaf: the hypervisor answers sub-leaf 0 (GHCB 2.3.1). */
static u32 cpuid_value(u32 fn, unsigned reg)
{
	u32 v[4];

	snp_model_cpuid(fn, 0, v);
	return v[reg];
}

static u64 cpuid_resp(u64 req)
{
	unsigned reg = (req >> GHCB_MSR_CPUID_REG_SHIFT) & GHCB_MSR_CPUID_REG_MASK;
	u32 fn = (u32)(req >> GHCB_MSR_CPUID_FUNC_SHIFT);

	return (u64)cpuid_value(fn, reg) << GHCB_MSR_CPUID_VALUE_SHIFT | (u64)reg << GHCB_MSR_CPUID_REG_SHIFT |
	       GHCB_MSR_CPUID_RESP;
}

/* GHCB 2.3.2: a GPA the hypervisor does not register is answered with GHCBData all ones. */
#define REG_GPA_REFUSED 0xfffffffffffffull

static u64 reg_gpa_resp(u64 req)
{
	if (sim_knobs.fail_setup)
		return REG_GPA_REFUSED << GHCB_MSR_DATA_SHIFT | GHCB_MSR_REG_GPA_RESP;
	snp_model_ghcb_register(req >> GHCB_MSR_DATA_SHIFT); /* per vCPU (snp_model_ap.c) */
	return (req >> GHCB_MSR_DATA_SHIFT) << GHCB_MSR_DATA_SHIFT | GHCB_MSR_REG_GPA_RESP;
}

static u64 psc_resp(u64 req)
{
	u64 gfn = (req >> GHCB_MSR_DATA_SHIFT) & GHCB_MSR_GFN_MASK;
	unsigned op = (req >> GHCB_MSR_PSC_OP_SHIFT) & GHCB_MSR_PSC_OP_MASK;
	bool known = op == SNP_PSC_OP_PRIVATE || op == SNP_PSC_OP_SHARED;
	struct spinlock *l = sim_chunk_lock(gfn * EFI_PAGE_SIZE);
	bool ok;

	spin_lock(l); /* several vCPUs: snp_model.h */
	ok = known && snp_rmp_assign(gfn, op == SNP_PSC_OP_PRIVATE);
	spin_unlock(l);

	return (ok ? 0 : PSC_ERROR_GENERIC) | GHCB_MSR_PSC_RESP;
}

/* GHCB 2.3.1 Termination Request: KVM reports the reason set and code to the VMM and stops the guest. */
static __noreturn void terminate(u64 req)
{
	static char line[120];

	snprintf(line, sizeof(line), "the guest asked to terminate (GHCB termination request): reason set %llu, code %llu",
		 (req >> GHCB_MSR_TERM_SET_SHIFT) & GHCB_MSR_TERM_SET_MASK,
		 (req >> GHCB_MSR_TERM_REASON_SHIFT) & GHCB_MSR_TERM_REASON_MASK);
	snp_model_fatal(line, req);
}

static u64 msr_protocol(u64 req, struct cpu_regs *r)
{
	switch (req & GHCB_MSR_INFO_MASK) {
	case GHCB_MSR_VMPL_REQ:
		return snp_model_svsm_run(req, r);
	case GHCB_MSR_SEV_INFO_REQ:
		return sev_info();
	case GHCB_MSR_CPUID_REQ:
		return cpuid_resp(req);
	case GHCB_MSR_HV_FT_REQ: /* AP Creation as KVM; multi-VMPL where there is an SVSM below the guest */
		return (GHCB_HV_FT_SNP | GHCB_HV_FT_SNP_AP_CREATION |
			(snp_model_guest_vmpl() ? GHCB_HV_FT_SNP_MULTI_VMPL : 0)) << GHCB_MSR_DATA_SHIFT |
		       GHCB_MSR_HV_FT_RESP;
	case GHCB_MSR_REG_GPA_REQ:
		return reg_gpa_resp(req);
	case GHCB_MSR_PSC_REQ:
		return psc_resp(req);
	case GHCB_MSR_TERM_REQ:
		terminate(req);
	}
	snp_model_fatal("unknown GHCB MSR protocol request", req);
}

static void ghcb_page_request(u64 gpa)
{
	if (!snp_model_ghcb_registered(gpa >> GHCB_MSR_DATA_SHIFT))
		snp_model_fatal("VMGEXIT with a GHCB GPA that was never registered (GHCB 2.3.2)", gpa);
	if (paging_page_entry(gpa) & (1ull << SIM_SNP_CBIT))
		snp_model_fatal("the GHCB page is mapped encrypted (C-bit set): the host would read ciphertext", gpa);
	snp_model_ghcb_page(gpa);
}

bool snp_model_vmgexit(struct cpu_regs *r)
{
	u64 req = ghcb_msr_shadow;

	if (req & GHCB_MSR_INFO_MASK) {
		SNP_MODEL_COUNT(msr_exits, 1);
		ghcb_msr_shadow = msr_protocol(req, r);
	} else {
		SNP_MODEL_COUNT(ghcb_exits, 1);
		ghcb_page_request(req);
	}
	return true;
}
