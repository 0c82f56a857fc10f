/* SPDX-License-Identifier: MIT */
/*
 * MSRs the VMM emulates for a TD: TDG.VP.VMCALL<Instruction.RDMSR> (R11 = 31, R12 the MSR; the value in
 * R11) and <Instruction.WRMSR> (R11 = 32, R12 the MSR, R13 the value) [GHCI; Linux arch/x86/coco/tdx/
 * tdx.c read_msr(), write_msr()]. The TDX module turns RDMSR/WRMSR of such an MSR into #VE (exit reason
 * 31/32; tdx_ve.c): among them IA32_APIC_BASE and the x2APIC ICR (0x830), which the AP bring-up and the
 * NMI that wakes a parked AP use (arch/x86/cpu/apic.c).
 */
#include <arch/tdx.h>
#include <arch/tdx_spec.h>

u64 tdx_msr_read(u32 msr, u64 *value)
{
	struct tdx_module_args args = { .r11 = TDVMCALL_MSR_READ, .r12 = msr };
	u64 status = tdx_vmcall(&args);

	if (status)
		return status;
	*value = args.r11;
	return args.r10;
}

u64 tdx_msr_write(u32 msr, u64 value)
{
	struct tdx_module_args args = { .r11 = TDVMCALL_MSR_WRITE, .r12 = msr, .r13 = value };
	u64 status = tdx_vmcall(&args);

	return status ? status : args.r10;
}
