/* SPDX-License-Identifier: MIT */
/*
 * The TDX backend (arch/x86/tdx/) over a scripted TDCALL, as the TDX module and the VMM would answer:
 * TDG.MEM.PAGE.ACCEPT answers the next status of a script (low operand bits included), TDG.VP.VEINFO.GET
 * what the module would put in the #VE information, and every TDG.VP.VMCALL is recorded as the VMM would
 * see it. Covers the acceptor's status mapping, the #VE handler (IN/OUT, HLT) and ReportFatalError.
 */
#include <ccktf/ktest.h>
#include <string.h>

#include "../../arch/x86/tdx/tdx_accept.c"
#include "../../arch/x86/tdx/tdx_cpuid.c"
#include "../../arch/x86/tdx/tdx_fatal.c"
#include "../../arch/x86/tdx/tdx_io.c"
#include "../../arch/x86/tdx/tdx_msr.c"
#include "../../arch/x86/tdx/tdx_ve.c"

KTEST_SUITE(host_tdx_accept, KTEST_AFTER_EXIT_BOOT_SERVICES, NULL);
KTEST_SUITE(host_tdx_ve, KTEST_AFTER_EXIT_BOOT_SERVICES, NULL);

static u64 script[8];
static unsigned script_len, script_pos, calls;
static u64 last_rcx;
static struct tdx_ve_info next_ve;
static struct tdx_module_args last_vmcall;
static unsigned vmcalls;
static u64 vmcall_status = TDVMCALL_STATUS_SUCCESS; /* what the stub VMM answers in R10 */

static bool script_forever; /* the last status again and again once the script is played */

u64 tdx_tdcall(u64 leaf, struct tdx_module_args *args)
{
	switch (leaf) {
	case TDG_MEM_PAGE_ACCEPT:
		calls++;
		last_rcx = args->rcx;
		if (script_pos == script_len && script_forever && script_len)
			return script[script_len - 1];
		return script_pos < script_len ? script[script_pos++] : TDX_SUCCESS;
	case TDG_VP_VEINFO_GET:
		args->rcx = next_ve.exit_reason;
		args->rdx = next_ve.qualification;
		args->r8 = next_ve.gla;
		args->r9 = next_ve.gpa;
		args->r10 = next_ve.insn_len;
		return TDX_SUCCESS;
	case TDG_VP_VMCALL:
		vmcalls++;
		last_vmcall = *args;
		args->r10 = vmcall_status;
		args->r11 = 0x5a; /* what an IN reads */
		args->r12 = 0x12, args->r13 = 0x13, args->r14 = 0x14, args->r15 = 0x15; /* CPUID's answer */
		return TDX_SUCCESS;
	}
	return TDX_OPERAND_INVALID;
}

void trap_set_hook(unsigned vector, trap_hook_fn hook)
{
	(void)vector, (void)hook;
}

static void play(unsigned n, const u64 *statuses)
{
	memcpy(script, statuses, n * sizeof(*statuses));
	script_len = n;
	script_pos = calls = 0;
	script_forever = false;
}

/* TDX module 1.5: TDX_OPERAND_BUSY_HOST_PRIORITY is a busy, retried like TDX_OPERAND_BUSY. */
KTEST(host_tdx_accept, busy_host_priority_is_retried)
{
	const u64 s[] = { TDX_OPERAND_BUSY_HOST_PRIORITY | TDX_OPERAND_ID_RCX, TDX_SUCCESS };
	struct accept_stats st = { 0 };

	play(2, s);
	KEXPECT_EQ(t, tdx_accept_range(4 * GiB, 4096, &st), 4096);
	KEXPECT_EQ(t, st.busy_retries, 1);
	KEXPECT_EQ(t, st.errors, 0);
	KEXPECT_EQ(t, calls, 2);
}

KTEST(host_tdx_accept, status_mapping)
{
	KEXPECT_EQ(t, tdx_accept_answer(TDX_SUCCESS), ACCEPT_DONE);
	KEXPECT_EQ(t, tdx_accept_answer(TDX_PAGE_ALREADY_ACCEPTED | 1), ACCEPT_ALREADY_ACCEPTED);
	KEXPECT_EQ(t, tdx_accept_answer(TDX_PAGE_SIZE_MISMATCH | 1), ACCEPT_SIZE_MISMATCH);
	KEXPECT_EQ(t, tdx_accept_answer(TDX_OPERAND_BUSY | TDX_OPERAND_ID_RCX), ACCEPT_BUSY);
	KEXPECT_EQ(t, tdx_accept_answer(TDX_OPERAND_BUSY_HOST_PRIORITY), ACCEPT_BUSY);
	KEXPECT_EQ(t, tdx_accept_answer(TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX), ACCEPT_FAILED);
}

/* A busy that never clears is a hard error carrying the raw status, operand bits included. */
KTEST(host_tdx_accept, busy_forever_keeps_the_raw_status)
{
	const u64 b = TDX_OPERAND_BUSY_HOST_PRIORITY | TDX_OPERAND_ID_RCX;
	const u64 s[] = { b, b, b, b, b };
	struct accept_stats st = { 0 };

	play(5, s);
	script_forever = true; /* busy beyond the engine's time bound (ACCEPT_BUSY_WAIT_NS) */
	KEXPECT_EQ(t, tdx_accept_range(4 * GiB, 4096, &st), 0);
	KEXPECT_EQ(t, st.errors, 1);
	KEXPECT_EQ(t, st.first_error.status, b);
	KEXPECT_EQ(t, st.first_error.answer, ACCEPT_BUSY);
	KEXPECT_EQ(t, last_rcx, 4 * GiB | TDX_PS_4K);
}

static void reset(u32 exit_reason, u64 qualification, u32 insn_len)
{
	next_ve = (struct tdx_ve_info){ .exit_reason = exit_reason, .qualification = qualification, .insn_len = insn_len };
	memset(&last_vmcall, 0, sizeof(last_vmcall));
	vmcalls = 0;
}

/* "cli; hlt" in a TD: #VE exit reason 12, emulated with Instruction.HLT, R12 = 1 (interrupts disabled). */
KTEST(host_tdx_ve, hlt_with_interrupts_disabled_is_a_hlt_vmcall)
{
	struct cpu_regs regs = { .vector = X86_VE, .rip = 0x1000, .rflags = 0x2 };

	reset(TDX_EXIT_REASON_HLT, 0, 1);
	KEXPECT_TRUE(t, tdx_ve_handle(&regs));
	KEXPECT_EQ(t, vmcalls, 1);
	KEXPECT_EQ(t, last_vmcall.r11, TDVMCALL_HLT);
	KEXPECT_EQ(t, last_vmcall.r12, TDVMCALL_HLT_IRQ_DISABLED);
	KEXPECT_EQ(t, last_vmcall.r10, TDVMCALL_STANDARD);
	KEXPECT_EQ(t, regs.rip, 0x1001);
}

KTEST(host_tdx_ve, hlt_with_interrupts_enabled_says_so)
{
	struct cpu_regs regs = { .vector = X86_VE, .rip = 0x1000, .rflags = 0x202 };

	reset(TDX_EXIT_REASON_HLT, 0, 1);
	KEXPECT_TRUE(t, tdx_ve_handle(&regs));
	KEXPECT_EQ(t, last_vmcall.r12, 0);
}

/* IN AL, DX from port 0x3f8: size 1, IN, port 0x3f8 in the qualification (SDM vol. 3C table 28-5). */
KTEST(host_tdx_ve, in_is_emulated_through_the_vmm)
{
	struct cpu_regs regs = { .vector = X86_VE, .rip = 0x2000, .rax = 0xffffff00 };

	reset(TDX_EXIT_REASON_IO_INSTRUCTION, 0 | TDX_VE_IO_IN | 0x3f8ull << TDX_VE_IO_PORT_SHIFT, 1);
	KEXPECT_TRUE(t, tdx_ve_handle(&regs));
	KEXPECT_EQ(t, last_vmcall.r11, TDVMCALL_IO);
	KEXPECT_EQ(t, last_vmcall.r14, 0x3f8);
	KEXPECT_EQ(t, last_vmcall.r13, TDVMCALL_IO_READ);
	KEXPECT_EQ(t, regs.rax, 0xffffff5a);
	KEXPECT_EQ(t, regs.rip, 0x2001);
}

/* RDMSR IA32_APIC_BASE (0x1b) in a TD: #VE exit reason 31, Instruction.RDMSR with R12 = the MSR; the value
 * (the stub VMM answers 0x5a in R11) lands in EDX:EAX and RIP steps over the 2-byte instruction. */
KTEST(host_tdx_ve, rdmsr_is_emulated_through_the_vmm)
{
	struct cpu_regs regs = { .vector = X86_VE, .rip = 0x4000, .rcx = 0x1b, .rax = ~0ull, .rdx = ~0ull };

	reset(TDX_EXIT_REASON_MSR_READ, 0, 2);
	KEXPECT_TRUE(t, tdx_ve_handle(&regs));
	KEXPECT_EQ(t, last_vmcall.r11, TDVMCALL_MSR_READ);
	KEXPECT_EQ(t, last_vmcall.r12, 0x1b);
	KEXPECT_EQ(t, regs.rax, 0x5a);
	KEXPECT_EQ(t, regs.rdx, 0);
	KEXPECT_EQ(t, regs.rip, 0x4002);
}

/* WRMSR to the x2APIC ICR (0x830), an NMI IPI to APIC ID 1: Instruction.WRMSR, R13 = EDX:EAX. */
KTEST(host_tdx_ve, wrmsr_of_the_x2apic_icr_is_emulated_through_the_vmm)
{
	struct cpu_regs regs = { .vector = X86_VE, .rip = 0x5000, .rcx = 0x830, .rax = 0xffffffff00004400ull,
				 .rdx = 1 };

	reset(TDX_EXIT_REASON_MSR_WRITE, 0, 2);
	KEXPECT_TRUE(t, tdx_ve_handle(&regs));
	KEXPECT_EQ(t, vmcalls, 1);
	KEXPECT_EQ(t, last_vmcall.r11, TDVMCALL_MSR_WRITE);
	KEXPECT_EQ(t, last_vmcall.r12, 0x830);
	KEXPECT_EQ(t, last_vmcall.r13, 0x100004400ull);
	KEXPECT_EQ(t, regs.rip, 0x5002);
}

/* The VMM refuses an RDMSR (KVM: an MSR it does not emulate): Linux read_msr() returns -EIO and the #VE
 * handler raises #GP (ve_raise_fault()); so must this one, for rdmsr_safe() to see 13. */
KTEST(host_tdx_ve, a_refused_rdmsr_becomes_gp)
{
	struct cpu_regs regs = { .vector = X86_VE, .rip = 0x4000, .rcx = 0x8ff, .rax = 7, .rdx = 8 };

	reset(TDX_EXIT_REASON_MSR_READ, 0, 2);
	vmcall_status = TDVMCALL_STATUS_INVALID_OPERAND;
	KEXPECT_FALSE(t, tdx_ve_handle(&regs));
	vmcall_status = TDVMCALL_STATUS_SUCCESS;
	KEXPECT_EQ(t, regs.vector, X86_GP);
	KEXPECT_EQ(t, regs.error_code, 0);
	KEXPECT_EQ(t, regs.rip, 0x4000); /* the fix-up or the crash report sees the faulting RDMSR */
	KEXPECT_EQ(t, regs.rax, 7);
}

KTEST(host_tdx_ve, a_refused_wrmsr_becomes_gp)
{
	struct cpu_regs regs = { .vector = X86_VE, .rip = 0x4000, .rcx = 0x1b, .rax = 0xfee00d00 };

	reset(TDX_EXIT_REASON_MSR_WRITE, 0, 2);
	vmcall_status = TDVMCALL_STATUS_INVALID_OPERAND;
	KEXPECT_FALSE(t, tdx_ve_handle(&regs));
	vmcall_status = TDVMCALL_STATUS_SUCCESS;
	KEXPECT_EQ(t, regs.vector, X86_GP);
	KEXPECT_EQ(t, regs.rip, 0x4000);
}

/* CPUID leaf 0xB in a TD without topology enumeration: #VE exit reason 10; outside the hypervisor range the
 * handler answers zeros without asking the VMM (Linux handle_cpuid()) and steps over the 2-byte CPUID. */
KTEST(host_tdx_ve, cpuid_outside_the_hypervisor_range_reads_zeros)
{
	struct cpu_regs regs = { .vector = X86_VE, .rip = 0x6000, .rax = 0xb, .rbx = 1, .rcx = 0, .rdx = 3 };

	reset(TDX_EXIT_REASON_CPUID, 0, 2);
	KEXPECT_TRUE(t, tdx_ve_handle(&regs));
	KEXPECT_EQ(t, vmcalls, 0);
	KEXPECT_EQ(t, regs.rax, 0);
	KEXPECT_EQ(t, regs.rbx, 0);
	KEXPECT_EQ(t, regs.rcx, 0);
	KEXPECT_EQ(t, regs.rdx, 0);
	KEXPECT_EQ(t, regs.rip, 0x6002);
}

/* Leaf 0x40000001 subleaf 2: Instruction.CPUID (R11 = 10, R12 leaf, R13 subleaf), EAX-EDX from R12-R15. */
KTEST(host_tdx_ve, cpuid_in_the_hypervisor_range_goes_to_the_vmm)
{
	struct cpu_regs regs = { .vector = X86_VE, .rip = 0x6000, .rax = 0x40000001, .rcx = 2 };

	reset(TDX_EXIT_REASON_CPUID, 0, 2);
	KEXPECT_TRUE(t, tdx_ve_handle(&regs));
	KEXPECT_EQ(t, vmcalls, 1);
	KEXPECT_EQ(t, last_vmcall.r11, TDVMCALL_CPUID);
	KEXPECT_EQ(t, last_vmcall.r12, 0x40000001);
	KEXPECT_EQ(t, last_vmcall.r13, 2);
	KEXPECT_EQ(t, regs.rax, 0x12);
	KEXPECT_EQ(t, regs.rbx, 0x13);
	KEXPECT_EQ(t, regs.rcx, 0x14);
	KEXPECT_EQ(t, regs.rdx, 0x15);
	KEXPECT_EQ(t, regs.rip, 0x6002);
}

KTEST(host_tdx_ve, ept_violation_is_not_handled)
{
	struct cpu_regs regs = { .vector = X86_VE, .rip = 0x3000 };

	reset(TDX_EXIT_REASON_EPT_VIOLATION, 1, 0);
	KEXPECT_FALSE(t, tdx_ve_handle(&regs));
	KEXPECT_EQ(t, vmcalls, 0);
}

/* ReportFatalError: R11 0x10003, R12 0, the message in R14, R15, RBX, RDI, RSI, R8, R9, RDX (GHCI order). */
KTEST(host_tdx_ve, fatal_error_carries_the_message_in_ghci_order)
{
	const char *msg = "0123456789abcdefGHIJKLMNOPQRSTUVwxyz-_+=!@#$%^&*()[]{}<>~:;'\"/?.,";
	char got[65] = { 0 };

	reset(0, 0, 0);
	tdx_report_fatal_error(msg);
	KEXPECT_EQ(t, last_vmcall.r11, TDVMCALL_REPORT_FATAL_ERROR);
	KEXPECT_EQ(t, last_vmcall.r12, 0);
	KEXPECT_EQ(t, last_vmcall.rcx, 0xffcc);
	memcpy(got, &last_vmcall.r14, 8);
	memcpy(got + 8, &last_vmcall.r15, 8);
	memcpy(got + 16, &last_vmcall.rbx, 8);
	memcpy(got + 24, &last_vmcall.rdi, 8);
	memcpy(got + 32, &last_vmcall.rsi, 8);
	memcpy(got + 40, &last_vmcall.r8, 8);
	memcpy(got + 48, &last_vmcall.r9, 8);
	memcpy(got + 56, &last_vmcall.rdx, 8);
	KEXPECT_EQ(t, memcmp(got, msg, 64), 0);
}
