/* SPDX-License-Identifier: MIT */
/*
 * #VC (vector 29, APM vol. 2 15.35.5): the error code is the exit code the hypervisor would have seen.
 * CPUID (exit 0x72) is answered as Linux's do_vc_no_ghcb() does (arch/x86/boot/startup/sev-shared.c):
 * the instruction must be CPUID (0F A2); the answer comes from the SNP CPUID page when the firmware
 * provided one (cpuid_table.c), else from the hypervisor through the GHCB MSR protocol, one register per
 * exit (GHCB 2.3.1), which carries no sub-leaf: a leaf with sub-leaves and ECX != 0 is refused, and the
 * hypervisor's answers for 0x80000000 and 0x8000001F are checked. Anything else is reported with its exit
 * code and faulting RIP, and the guest asks the hypervisor to terminate it (GHCB termination request:
 * Linux's set 1 code CPUID / CPUID_HV for a refused CPUID, set 0 "general" otherwise).
 */
#include <arch/snp_spec.h>
#include <arch/trap.h>
#include <ccktf/console.h>
#include "snp.h"
#include "snp_cpuid.h"

static const struct snp_cpuid_table *cpuid_page;

void snp_vc_set_cpuid_page(const struct snp_cpuid_table *t)
{
	cpuid_page = t;
}

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

static bool cpuid_by_msr_protocol(u32 leaf, u32 out[4])
{
	bool ok = true;

	for (unsigned reg = 0; reg < 4 && ok; reg++)
		ok = ghcb_msr_cpuid(leaf, reg, &out[reg]);
	ghcb_msr_write(ghcb_current_gpa()); /* leave the MSR pointing at this CPU's GHCB, as Linux restores it */
	return ok;
}

static bool handle_cpuid(struct cpu_regs *r)
{
	u32 v[4];
	const char *why = snp_cpuid_emulate(r->rip, (u32)r->rax, (u32)r->rcx, cpuid_page, cpuid_by_msr_protocol,
					    snp_cbit(), v);

	if (why) {
		printk("# snp: FATAL: #VC CPUID leaf 0x%x sub-leaf 0x%x at rip 0x%llx refused: %s\n", (u32)r->rax,
		       (u32)r->rcx, r->rip, why);
		ghcb_terminate(GHCB_TERM_SET_LINUX, cpuid_page ? GHCB_TERM_CPUID : GHCB_TERM_CPUID_HV);
	}
	r->rax = v[0], r->rbx = v[1], r->rcx = v[2], r->rdx = v[3];
	r->rip += SNP_CPUID_INSN_LEN;
	return true;
}

bool snp_vc_handle(struct cpu_regs *r)
{
	if (r->error_code == SVM_EXIT_CPUID)
		return handle_cpuid(r);
	printk("# snp: FATAL: #VC exit code 0x%llx (%s) at rip 0x%llx: asking the hypervisor to terminate\n",
	       r->error_code, exit_name(r->error_code), r->rip);
	ghcb_terminate(GHCB_TERM_SET_GENERAL, GHCB_TERM_GENERAL_REQUEST);
}

void snp_vc_install(void)
{
	trap_set_hook(X86_VC, snp_vc_handle);
}
