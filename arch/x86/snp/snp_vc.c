/* SPDX-License-Identifier: MIT */
/*
 * #VC (vector 29, APM vol. 2 15.35.5): the error code is the exit code the hypervisor would have seen.
 * CPUID (exit 0x72) is answered as Linux's do_vc_no_ghcb() does (arch/x86/boot/startup/sev-shared.c):
 * the instruction must be CPUID (0F A2); the answer comes from the SNP CPUID page when the firmware
 * provided one (cpuid_table.c), else from the hypervisor through the GHCB MSR protocol, one register per
 * exit (GHCB 2.3.1), which carries no sub-leaf: a leaf with sub-leaves and ECX != 0 is refused, and the
 * hypervisor's answers for 0x80000000 and 0x8000001F are checked. With a CPUID page the per-vCPU fields
 * (APIC IDs) come from the hypervisor on the asking vCPU (snp_cpuid_postprocess()), through this CPU's GHCB
 * once it has one (CPUID exit 0x72: RAX, RCX in; RAX..RDX valid out, Linux __sev_cpuid_hv_ghcb()), else
 * through the MSR protocol.
 *
 * MSR (exit 0x7C): KVM intercepts every MSR of an SEV-ES/SNP guest but the GHCB MSR, EFER and CR_PAT
 * (sev_es_init_vmcb()), the x2APIC's among them. Answered as Linux vc_handle_msr() does, through this CPU's
 * GHCB: RCX, and RAX/RDX for a write; SW_EXITINFO1 0 read, 1 write; a read's RAX and RDX must come back
 * valid. A hypervisor that answers "issue an exception" (SW_EXITINFO1 = 1) with a #GP or #UD in
 * SW_EXITINFO2 (Linux verify_exception_info()) refuses the access: the guest takes that exception, so a
 * *_safe accessor's fix-up runs and returns the vector, as the #GP would on bare metal; the raw answer is
 * printed. Any other answer is a broken hypervisor: reported raw, and the guest terminates (Linux
 * ES_VMM_ERROR).
 *
 * Anything else is reported with its exit code and faulting RIP, and the guest asks the hypervisor to
 * terminate it (GHCB termination request: Linux's set 1 code CPUID / CPUID_HV for a refused CPUID, set 0
 * "general" otherwise).
 */
#include <arch/percpu.h>
#include <arch/snp_spec.h>
#include <arch/trap.h>
#include <ccktf/console.h>
#include <ccktf/smp.h>
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

/* CPUID exit through this CPU's GHCB (sub-leaf 0): all four registers in one exit. */
static bool cpuid_by_ghcb(u32 leaf, u32 out[4])
{
	static const unsigned regs[4] = { GHCB_OFF_RAX, GHCB_OFF_RBX, GHCB_OFF_RCX, GHCB_OFF_RDX };

	ghcb_clear_valid();
	ghcb_set_field(GHCB_OFF_RAX, leaf);
	ghcb_set_field(GHCB_OFF_RCX, 0);
	if (ghcb_call(SVM_EXIT_CPUID, 0, 0, NULL))
		return false;
	for (unsigned i = 0; i < 4; i++) {
		if (!ghcb_field_valid(regs[i]))
			return false;
		out[i] = (u32)ghcb_field(regs[i]);
	}
	return true;
}

static bool cpuid_by_hypervisor(u32 leaf, u32 out[4])
{
	return ghcb_ready() ? cpuid_by_ghcb(leaf, out) : cpuid_by_msr_protocol(leaf, out);
}

static bool handle_cpuid(struct cpu_regs *r)
{
	u32 v[4];
	const char *why = snp_cpuid_emulate(r->rip, (u32)r->rax, (u32)r->rcx, cpuid_page,
					    cpuid_page ? cpuid_by_hypervisor : cpuid_by_msr_protocol, snp_cbit(), v);

	if (why) {
		printk("# snp: FATAL: #VC CPUID leaf 0x%x sub-leaf 0x%x at rip 0x%llx refused: %s\n", (u32)r->rax,
		       (u32)r->rcx, r->rip, why);
		ghcb_terminate(GHCB_TERM_SET_LINUX, cpuid_page ? GHCB_TERM_CPUID : GHCB_TERM_CPUID_HV);
	}
	r->rax = v[0], r->rbx = v[1], r->rcx = v[2], r->rdx = v[3];
	r->rip += SNP_CPUID_INSN_LEN;
	return true;
}

/* MSR exits taken and refused, per CPU (arch/percpu.h index), for the tests. */
static struct snp_vc_msr_record msr_record[SMP_MAX_CPUS];

const struct snp_vc_msr_record *snp_vc_msr_record(u32 cpu)
{
	return cpu < SMP_MAX_CPUS ? &msr_record[cpu] : NULL;
}

static __noreturn void msr_fatal(const struct cpu_regs *r, const char *what, u64 info1, u64 info2)
{
	printk("# snp: FATAL: #VC MSR 0x%x %s at rip 0x%llx: %s (SW_EXITINFO1=0x%llx SW_EXITINFO2=0x%llx)\n",
	       (u32)r->rcx, ((const u8 *)(uintptr_t)r->rip)[1] == X86_OPCODE_WRMSR ? "write" : "read", r->rip, what,
	       info1, info2);
	ghcb_terminate(GHCB_TERM_SET_GENERAL, GHCB_TERM_GENERAL_REQUEST);
}

/* SW_EXITINFO2 of an "issue an exception" answer: the vector when it is a #GP or #UD exception event, else -1
 * (Linux verify_exception_info()). */
static int injected_vector(u64 info2)
{
	unsigned v = info2 & SVM_EVTINJ_VEC_MASK;

	if (!(info2 & SVM_EVTINJ_VALID) || (info2 & SVM_EVTINJ_TYPE_MASK) != SVM_EVTINJ_TYPE_EXEPT)
		return -1;
	return v == X86_GP || v == X86_UD ? (int)v : -1;
}

static bool handle_msr(struct cpu_regs *r)
{
	const u8 *insn = (const u8 *)(uintptr_t)r->rip;
	struct snp_vc_msr_record *rec = &msr_record[snp_cpu_index()];
	bool write = insn[1] == X86_OPCODE_WRMSR;
	u64 st, info1, info2;
	int vec;

	if (insn[0] != X86_OPCODE_0F || (insn[1] != X86_OPCODE_RDMSR && !write))
		msr_fatal(r, "the instruction is neither RDMSR nor WRMSR", 0, 0);
	if (!ghcb_ready())
		msr_fatal(r, "this CPU has no GHCB yet", 0, 0);
	ghcb_clear_valid();
	ghcb_set_field(GHCB_OFF_RCX, (u32)r->rcx);
	if (write) {
		ghcb_set_field(GHCB_OFF_RAX, (u32)r->rax);
		ghcb_set_field(GHCB_OFF_RDX, (u32)r->rdx);
	}
	st = ghcb_call(SVM_EXIT_MSR, write ? SVM_MSR_EXIT_WRITE : 0, 0, &info2);
	info1 = ghcb_field(GHCB_OFF_SW_EXIT_INFO_1);
	rec->exits++;
	if (!st) {
		if (!write && (!ghcb_field_valid(GHCB_OFF_RAX) || !ghcb_field_valid(GHCB_OFF_RDX)))
			msr_fatal(r, "the hypervisor's answer to a read lacks RAX or RDX", info1, info2);
		if (!write)
			r->rax = (u32)ghcb_field(GHCB_OFF_RAX), r->rdx = (u32)ghcb_field(GHCB_OFF_RDX);
		r->rip += X86_MSR_INSN_LEN;
		return true;
	}
	if (st != GHCB_RESP_ISSUE_EXCEPTION || (vec = injected_vector(info2)) < 0)
		msr_fatal(r, "the hypervisor refused the request", info1, info2);
	rec->refused++;
	rec->last_msr = (u32)r->rcx, rec->last_info1 = info1, rec->last_info2 = info2;
	printk("# snp: #VC MSR 0x%x %s at rip 0x%llx refused: SW_EXITINFO1=0x%llx SW_EXITINFO2=0x%llx: %s\n",
	       (u32)r->rcx, write ? "write" : "read", r->rip, info1, info2, vec == X86_GP ? "#GP" : "#UD");
	/* The guest takes the exception the hypervisor named: trap_dispatch() runs the fix-up, or crashes. */
	r->vector = (u64)vec;
	r->error_code = info2 & SVM_EVTINJ_VALID_ERR ? info2 >> 32 : 0;
	return false;
}

bool snp_vc_handle(struct cpu_regs *r)
{
	if (r->error_code == SVM_EXIT_CPUID)
		return handle_cpuid(r);
	if (r->error_code == SVM_EXIT_MSR)
		return handle_msr(r);
	printk("# snp: FATAL: #VC exit code 0x%llx (%s) at rip 0x%llx: asking the hypervisor to terminate\n",
	       r->error_code, exit_name(r->error_code), r->rip);
	ghcb_terminate(GHCB_TERM_SET_GENERAL, GHCB_TERM_GENERAL_REQUEST);
}

void snp_vc_install(void)
{
	trap_set_hook(X86_VC, snp_vc_handle);
}
