/* SPDX-License-Identifier: MIT */
/*
 * The VMM's answer to TDG.VP.VMCALL<Instruction.RDMSR/WRMSR> (GHCI 1.5; R12 the MSR, R13 the value written,
 * R11 the value read), as KVM gives it to a TD (arch/x86/kvm/vmx/tdx.c tdx_emulate_rdmsr()/
 * tdx_emulate_wrmsr(), tdx_get_msr()/tdx_set_msr()): an MSR KVM does not emulate for a TD
 * (tdx_has_emulated_msr()) or a write to a read-only one (tdx_is_read_only_msr(): IA32_APIC_BASE among
 * them) answers TDVMCALL_STATUS_INVALID_OPERAND. The model emulates only the local APIC's: the x2APIC
 * MSRs on the vCPU's real xAPIC (sim_x2apic.c) and IA32_APIC_BASE; every other MSR is refused (stricter
 * than KVM, never more permissive).
 */
#include <arch/apic.h>
#include <arch/cpu.h>
#include <arch/tdx_spec.h>
#include "sim_x2apic.h"
#include "tdx_model.h"

/* IA32_APIC_BASE as KVM reads it for a TD: x2APIC mode, enabled (the TD's vAPIC is x2APIC from reset:
 * tdx_vcpu_init() sets MSR_IA32_APICBASE with X2APIC_ENABLE), BSP flag and base from the vCPU's own. */
static u64 apic_base(void)
{
	return rdmsr(MSR_IA32_APIC_BASE) | APIC_BASE_EN | APIC_BASE_EXTD;
}

static u64 served_apic_base;

u64 tdx_model_vmm_rdmsr(u32 msr, u64 *value)
{
	if (msr == MSR_IA32_APIC_BASE) {
		*value = apic_base();
		__atomic_fetch_add(&served_apic_base, 1, __ATOMIC_RELAXED);
		return TDVMCALL_STATUS_SUCCESS;
	}
	if (sim_x2apic_msr(msr) && sim_x2apic_read(msr, value))
		return TDVMCALL_STATUS_SUCCESS;
	return TDVMCALL_STATUS_INVALID_OPERAND;
}

u64 tdx_model_vmm_wrmsr(u32 msr, u64 value)
{
	if (msr == MSR_IA32_APIC_BASE) /* tdx_is_read_only_msr() */
		return TDVMCALL_STATUS_INVALID_OPERAND;
	if (sim_x2apic_msr(msr) && sim_x2apic_write(msr, value))
		return TDVMCALL_STATUS_SUCCESS;
	return TDVMCALL_STATUS_INVALID_OPERAND;
}
