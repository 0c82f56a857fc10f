/* SPDX-License-Identifier: MIT */
/*
 * #VE (vector 20) in a TD: the TDX module turned an instruction the VMM must see into an exception. The
 * handler reads why with TDG.VP.VEINFO.GET (Linux arch/x86/coco/tdx/tdx.c, tdx_get_ve_info()), emulates
 * port I/O through TDG.VP.VMCALL (handle_io()), HLT through TDG.VP.VMCALL<Instruction.HLT> (handle_halt():
 * in a TD, HLT raises #VE with exit reason 12), RDMSR/WRMSR of the MSRs the module leaves to the VMM
 * through TDG.VP.VMCALL<Instruction.RDMSR/WRMSR> (read_msr(), write_msr(): IA32_APIC_BASE and the x2APIC
 * ICR among them, which waking the APs needs; a refusal becomes #GP, as Linux's ve_raise_fault() makes it),
 * CPUID as handle_cpuid() does (the hypervisor range 0x40000000-0x4FFFFFFF through
 * TDG.VP.VMCALL<Instruction.CPUID>, every other leaf that reaches #VE reads zeros), and reports everything else before letting the crash path
 * print the registers: touching a page that is not accepted (EPT violation, exit reason 48) is the case a
 * test of unaccepted memory is most likely to meet.
 */
#include <arch/tdx.h>
#include <arch/tdx_spec.h>
#include <arch/trap.h>
#include <ccktf/console.h>

u64 tdx_ve_info_get(struct tdx_ve_info *ve)
{
	struct tdx_module_args args = { 0 };
	u64 status = tdx_tdcall(TDG_VP_VEINFO_GET, &args);

	ve->exit_reason = (u32)(args.rcx & TDX_VE_EXIT_REASON_MASK);
	ve->qualification = args.rdx;
	ve->gla = args.r8;
	ve->gpa = args.r9;
	ve->insn_len = (u32)(args.r10 & TDX_VE_INSN_LEN_MASK);
	ve->insn_info = (u32)(args.r10 >> TDX_VE_INSN_INFO_SHIFT);
	return status;
}

static const char *exit_reason_name(u32 reason)
{
	switch (reason) {
	case TDX_EXIT_REASON_CPUID:
		return "CPUID";
	case TDX_EXIT_REASON_HLT:
		return "HLT";
	case TDX_EXIT_REASON_VMCALL:
		return "VMCALL";
	case TDX_EXIT_REASON_IO_INSTRUCTION:
		return "IO_INSTRUCTION";
	case TDX_EXIT_REASON_MSR_READ:
		return "MSR_READ";
	case TDX_EXIT_REASON_MSR_WRITE:
		return "MSR_WRITE";
	case TDX_EXIT_REASON_EPT_VIOLATION:
		return "EPT_VIOLATION (a private page not accepted, or a shared one the host did not map)";
	default:
		return "unknown";
	}
}

struct io_insn {
	unsigned size;
	bool in;
	bool string;
	u16 port;
};

/* Intel SDM vol. 3C, table 28-5, as Linux handle_io() decodes it. */
static struct io_insn decode_io(u64 q)
{
	return (struct io_insn){
		.size = (unsigned)(q & TDX_VE_IO_SIZE_MASK) + 1,
		.in = q & TDX_VE_IO_IN,
		.string = q & TDX_VE_IO_STRING,
		.port = (u16)((q >> TDX_VE_IO_PORT_SHIFT) & TDX_VE_IO_PORT_MASK),
	};
}

/* IN/OUT with AL/AX/EAX: done through TDG.VP.VMCALL; INS/OUTS are not emulated (nor by Linux). */
static bool handle_io(struct cpu_regs *regs, const struct tdx_ve_info *ve)
{
	struct io_insn io = decode_io(ve->qualification);
	u32 value = (u32)(regs->rax & (u64)portio_value_mask(io.size));

	if (io.string || !tdx_io(io.port, io.size, !io.in, &value))
		return false;
	if (io.in)
		regs->rax = (regs->rax & ~(u64)portio_value_mask(io.size)) | (value & (u64)portio_value_mask(io.size));
	regs->rip += ve->insn_len;
	return true;
}

static void report(const struct tdx_ve_info *ve)
{
	printk("# tdx: #VE exit_reason=%u (%s) qualification=0x%llx gpa=0x%llx gla=0x%llx insn_len=%u "
	       "insn_info=0x%x\n",
	       ve->exit_reason, exit_reason_name(ve->exit_reason), ve->qualification, ve->gpa, ve->gla,
	       ve->insn_len, ve->insn_info);
	if (ve->exit_reason == TDX_EXIT_REASON_IO_INSTRUCTION) {
		struct io_insn io = decode_io(ve->qualification);
		printk("# tdx: #VE was %s%s port 0x%x size %u (not emulated)\n", io.in ? "IN" : "OUT",
		       io.string ? " (string)" : "", io.port, io.size);
	}
}

#define RFLAGS_IF (1ull << 9)

/* HLT: the VMM halts the vCPU; with interrupts disabled (R12 = 1) it never wakes it for an interrupt,
 * which is what a "cli; hlt" means (Linux handle_halt()). Then the HLT is stepped over. */
static bool handle_halt(struct cpu_regs *regs, const struct tdx_ve_info *ve)
{
	u64 status = tdx_halt(!(regs->rflags & RFLAGS_IF));

	if (status != TDX_SUCCESS)
		return false;
	regs->rip += ve->insn_len;
	return true;
}

/*
 * The VMM refused an MSR or CPUID request: Linux's read_msr()/write_msr()/handle_cpuid() return -EIO and
 * its #VE handler raises #GP(0) instead (ve_raise_fault(): the exception table first, then die). Here the
 * #VE becomes a #GP(0) and the handler declines it, so the dispatcher's exception-table fix-up runs
 * (rdmsr_safe() returns 13) before the crash path; the raw status is printed first.
 */
static bool raise_gp(struct cpu_regs *regs, const char *what, u64 operand, u64 status)
{
	printk("# tdx: #VE %s 0x%llx: the VMM refused it (status 0x%llx): raised as #GP(0)\n", what, operand, status);
	regs->vector = X86_GP;
	regs->error_code = 0;
	return false;
}

/* RDMSR: ECX the MSR, the value into EDX:EAX (upper halves cleared, as the instruction does). */
static bool handle_rdmsr(struct cpu_regs *regs, const struct tdx_ve_info *ve)
{
	u64 value, status = tdx_msr_read((u32)regs->rcx, &value);

	if (status != TDX_SUCCESS)
		return raise_gp(regs, "RDMSR", (u32)regs->rcx, status);
	regs->rax = (u32)value;
	regs->rdx = value >> 32;
	regs->rip += ve->insn_len;
	return true;
}

static bool handle_wrmsr(struct cpu_regs *regs, const struct tdx_ve_info *ve)
{
	u64 status = tdx_msr_write((u32)regs->rcx, (u64)(u32)regs->rdx << 32 | (u32)regs->rax);

	if (status != TDX_SUCCESS)
		return raise_gp(regs, "WRMSR", (u32)regs->rcx, status);
	regs->rip += ve->insn_len;
	return true;
}

#define CPUID_HV_FIRST 0x40000000u /* the leaves reserved for the hypervisor (Linux handle_cpuid()) */
#define CPUID_HV_LAST 0x4fffffffu

/* CPUID that reached #VE: only the hypervisor range goes to the VMM; every other such leaf reads zeros,
 * as the CPU answers a leaf it does not support (Linux handle_cpuid()). */
static bool handle_cpuid(struct cpu_regs *regs, const struct tdx_ve_info *ve)
{
	u32 leaf = (u32)regs->rax, out[4] = { 0 };

	if (leaf >= CPUID_HV_FIRST && leaf <= CPUID_HV_LAST) {
		u64 status = tdx_cpuid(leaf, (u32)regs->rcx, out);

		if (status != TDX_SUCCESS)
			return raise_gp(regs, "CPUID leaf", leaf, status);
	}
	regs->rax = out[0];
	regs->rbx = out[1];
	regs->rcx = out[2];
	regs->rdx = out[3];
	regs->rip += ve->insn_len;
	return true;
}

/* Returns false, after reporting, for the crash path to print the registers. */
bool tdx_ve_handle(struct cpu_regs *regs)
{
	struct tdx_ve_info ve;
	u64 status = tdx_ve_info_get(&ve);

	if (status != TDX_SUCCESS) {
		printk("# tdx: #VE but TDG.VP.VEINFO.GET failed with status 0x%llx\n", status);
		return false;
	}
	if (ve.exit_reason == TDX_EXIT_REASON_IO_INSTRUCTION && handle_io(regs, &ve))
		return true;
	if (ve.exit_reason == TDX_EXIT_REASON_HLT && handle_halt(regs, &ve))
		return true;
	if (ve.exit_reason == TDX_EXIT_REASON_MSR_READ)
		return handle_rdmsr(regs, &ve);
	if (ve.exit_reason == TDX_EXIT_REASON_MSR_WRITE)
		return handle_wrmsr(regs, &ve);
	if (ve.exit_reason == TDX_EXIT_REASON_CPUID)
		return handle_cpuid(regs, &ve);
	report(&ve);
	return false;
}

void tdx_ve_install(void)
{
	trap_set_hook(X86_VE, tdx_ve_handle);
}
