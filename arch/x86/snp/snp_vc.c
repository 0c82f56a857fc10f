/* SPDX-License-Identifier: MIT */
/*
 * #VC (vector 29, APM vol. 2 15.35.5): the error code is the exit code the hypervisor would have seen.
 * CPUID (exit 0x72) is answered through the GHCB MSR protocol CPUID request, one register per exit
 * (GHCB 2.3.1; as Linux's early do_vc_no_ghcb() in sev-shared.c; only leaves
 * without sub-leaves are exact: the MSR request carries no ECX). Anything else is reported with
 * its exit code and faulting RIP, and the guest asks the hypervisor to terminate it (GHCB TERMINATE,
 * reason set 0, "general termination request").
 */
#include <arch/snp_spec.h>
#include <arch/trap.h>
#include <ccktf/console.h>
#include "snp.h"

#define CPUID_INSN_LEN 2

static const char *exit_name(u64 code)
{
	switch (code) {
	case SVM_EXIT_CPUID:
		return "CPUID";
	case SVM_EXIT_IOIO:
		return "IOIO";
	case SVM_EXIT_MSR:
		return "MSR";
	case SVM_EXIT_NPF:
		return "NPF";
	case SVM_EXIT_VC_NOT_VALIDATED:
		return "page not validated";
	}
	return "unhandled";
}

static bool cpuid_by_msr_protocol(struct cpu_regs *r)
{
	u32 fn = (u32)r->rax, v[4];

	for (unsigned reg = 0; reg < 4; reg++)
		if (!ghcb_msr_cpuid(fn, reg, &v[reg]))
			return false;
	ghcb_msr_write(snp_ghcb_gpa()); /* leave the MSR pointing at the GHCB, as Linux restores it */
	r->rax = v[0], r->rbx = v[1], r->rcx = v[2], r->rdx = v[3];
	r->rip += CPUID_INSN_LEN;
	return true;
}

static bool snp_vc_hook(struct cpu_regs *r)
{
	if (r->error_code == SVM_EXIT_CPUID && cpuid_by_msr_protocol(r))
		return true;
	printk("# snp: FATAL: #VC exit code 0x%llx (%s) at rip 0x%llx: asking the hypervisor to terminate\n",
	       r->error_code, exit_name(r->error_code), r->rip);
	ghcb_terminate(GHCB_TERM_SET_GENERAL, GHCB_TERM_GENERAL_REQUEST);
}

void snp_vc_install(void)
{
	trap_set_hook(X86_VC, snp_vc_hook);
}
