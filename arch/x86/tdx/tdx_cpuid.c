/* SPDX-License-Identifier: MIT */
/*
 * CPUID in a TD, the leaves the TDX module leaves to the VMM: TDG.VP.VMCALL<Instruction.CPUID> (R11 = 10,
 * R12 = EAX, R13 = ECX in; R12-R15 = EAX, EBX, ECX, EDX out) [GHCI 1.5 "TDG.VP.VMCALL<Instruction.CPUID>";
 * Linux arch/x86/coco/tdx/tdx.c handle_cpuid()].
 */
#include <arch/tdx.h>
#include <arch/tdx_spec.h>

u64 tdx_cpuid(u32 leaf, u32 subleaf, u32 out[4])
{
	struct tdx_module_args args = { .r11 = TDVMCALL_CPUID, .r12 = leaf, .r13 = subleaf };
	u64 status = tdx_vmcall(&args);

	if (status)
		return status;
	if (args.r10)
		return args.r10;
	out[0] = (u32)args.r12;
	out[1] = (u32)args.r13;
	out[2] = (u32)args.r14;
	out[3] = (u32)args.r15;
	return TDX_SUCCESS;
}
