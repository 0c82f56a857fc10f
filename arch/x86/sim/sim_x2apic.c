/* SPDX-License-Identifier: MIT */
/*
 * x2APIC emulated on the vCPU's real xAPIC, for the models (sim_x2apic.h says how a model uses it).
 *
 * The hypervisor's rules are KVM's (arch/x86/kvm/lapic.c: kvm_x2apic_msr_read(), kvm_x2apic_msr_write(),
 * kvm_lapic_reg_write(), kvm_x2apic_icr_write()), each cited where applied. The model is never more
 * permissive than KVM: an MSR KVM would refuse is refused, and an MSR the model does not emulate (the
 * timer, the LVTs, TPR/EOI/ISR/TMR/IRR, which TDX and SNP's AVIC virtualize in the CPU without the VMM:
 * KVM arch/x86/kvm/vmx/tdx.c tdx_has_emulated_msr() refuses them for a TD) is refused too, so a kernel
 * that used one would see the failure here rather than a silent answer.
 *
 * Register map: x2APIC MSR 0x800 + (xAPIC MMIO offset >> 4) (SDM vol. 3A 11.12.1.2, table 11-6).
 */
#include <arch/apic.h>
#include <arch/cpu.h>
#include "sim_x2apic.h"

#define X2APIC_ID 0x802u
#define X2APIC_VERSION 0x803u
#define X2APIC_LDR 0x80du
#define X2APIC_SVR 0x80fu
#define X2APIC_ICR 0x830u

#define XAPIC_ID 0x20u
#define XAPIC_VERSION 0x30u
#define XAPIC_SVR 0xf0u
#define XAPIC_ICR_LOW 0x300u
#define XAPIC_ICR_HIGH 0x310u

/* KVM lapic.c X2APIC_ICR_RESERVED_BITS: GENMASK_ULL(31, 20) | GENMASK_ULL(17, 16) | BIT(13). */
#define X2APIC_ICR_RESERVED 0x00000000fff32000ull
#define ICR_DEST_LOGICAL (1u << 11)   /* SDM figure 11-12: destination mode */
#define ICR_SHORTHAND_MASK (3u << 18) /* destination shorthand; 0: the destination field */
#define X2APIC_BROADCAST 0xffffffffu  /* SDM 11.12.9: physical destination 0xFFFFFFFF is all */
#define XAPIC_BROADCAST 0xffu
#define ICR_BUSY_SPINS 10000000u /* the previous IPI has long left by then on any host */

static u64 served[2][SIM_X2APIC_MSR_LAST - SIM_X2APIC_MSR_FIRST + 1];
static sim_x2apic_deliver_fn deliver_fn;

bool sim_x2apic_msr(u32 msr)
{
	return msr >= SIM_X2APIC_MSR_FIRST && msr <= SIM_X2APIC_MSR_LAST;
}

u64 sim_x2apic_served(u32 msr, bool write)
{
	return sim_x2apic_msr(msr) ? __atomic_load_n(&served[write][msr - SIM_X2APIC_MSR_FIRST], __ATOMIC_RELAXED)
				   : 0;
}

static void count(u32 msr, bool write)
{
	__atomic_fetch_add(&served[write][msr - SIM_X2APIC_MSR_FIRST], 1, __ATOMIC_RELAXED);
}

/* The hypervisor side: the vCPU's real xAPIC (TCG's), at the address its IA32_APIC_BASE holds; a host
 * test plays the page instead (tests/host/test_sim_x2apic.c). */
#ifndef SIM_X2APIC_XAPIC_BASE
#define SIM_X2APIC_XAPIC_BASE() (rdmsr(MSR_IA32_APIC_BASE) & APIC_BASE_ADDR_MASK)
#endif

static volatile u32 *xapic_reg(u32 offset)
{
	return (volatile u32 *)(uintptr_t)(SIM_X2APIC_XAPIC_BASE() + offset);
}

u32 sim_x2apic_vcpu_id(void)
{
	return *xapic_reg(XAPIC_ID) >> 24;
}

/* x2APIC LDR is derived from the ID: cluster in 31:16, one bit of 16 in 15:0 (SDM 11.12.10.2; KVM
 * kvm_apic_calc_x2apic_ldr()). */
static u64 x2apic_ldr(u32 id)
{
	return (u64)(id >> 4) << 16 | 1u << (id & 0xf);
}

bool sim_x2apic_read(u32 msr, u64 *value)
{
	switch (msr) {
	case X2APIC_ID: /* the full 32-bit x2APIC ID (KVM kvm_x2apic_id()) */
		*value = sim_x2apic_vcpu_id();
		break;
	case X2APIC_VERSION:
		*value = *xapic_reg(XAPIC_VERSION);
		break;
	case X2APIC_LDR:
		*value = x2apic_ldr(sim_x2apic_vcpu_id());
		break;
	case X2APIC_SVR:
		*value = *xapic_reg(XAPIC_SVR);
		break;
	case X2APIC_ICR: /* one 64-bit register in x2APIC mode (KVM kvm_x2apic_msr_read(): reg64 ICR) */
		*value = (u64)(*xapic_reg(XAPIC_ICR_HIGH) >> 24) << 32 | (*xapic_reg(XAPIC_ICR_LOW) & ~APIC_ICR_BUSY);
		break;
	default: /* 0x831 (no ICR2 in x2APIC), write-only EOI/SELF IPI, or not emulated: refused */
		return false;
	}
	count(msr, false);
	return true;
}

/* The ICR destination as xAPIC's 8-bit field; false when it does not fit (a model limit: refused). */
static bool xapic_dest(u64 icr, u32 *dest)
{
	u32 d = (u32)(icr >> 32);

	if ((u32)icr & ICR_SHORTHAND_MASK) {
		*dest = 0; /* ignored with a shorthand */
		return true;
	}
	if ((u32)icr & ICR_DEST_LOGICAL)
		return false; /* x2APIC logical (cluster) destinations are not modelled */
	if (d == X2APIC_BROADCAST)
		d = XAPIC_BROADCAST;
	else if (d >= XAPIC_BROADCAST)
		return false;
	*dest = d;
	return true;
}

/* KVM kvm_x2apic_icr_write(): reserved bits refused, BUSY cleared, then the IPI is sent; here by the
 * vCPU's real xAPIC: ICR high (destination) first, the low write sends it (SDM 11.6.1). */
static bool icr_write(u64 icr)
{
	u32 dest;

	if ((icr & X2APIC_ICR_RESERVED) || !xapic_dest(icr, &dest))
		return false;
	for (u32 spins = 0; *xapic_reg(XAPIC_ICR_LOW) & APIC_ICR_BUSY; spins++)
		if (spins > ICR_BUSY_SPINS)
			return false;
	*xapic_reg(XAPIC_ICR_HIGH) = dest << 24;
	*xapic_reg(XAPIC_ICR_LOW) = (u32)icr & ~APIC_ICR_BUSY;
	return true;
}

bool sim_xapic_ipi(u32 apic_id, u32 icr_low)
{
	return icr_write((u64)apic_id << 32 | icr_low);
}

bool sim_x2apic_write(u32 msr, u64 value)
{
	switch (msr) {
	case X2APIC_ICR:
		if (!icr_write(value))
			return false;
		break;
	case X2APIC_SVR: /* 32-bit register: the upper half must be zero (KVM kvm_x2apic_msr_write()) */
		if (value >> 32)
			return false;
		*xapic_reg(XAPIC_SVR) = (u32)value;
		break;
	default: /* ID, version, LDR are read-only in x2APIC mode (KVM kvm_lapic_reg_write()); the rest is
		  * not emulated */
		return false;
	}
	count(msr, true);
	return true;
}

/* The kernel's x2APIC accessor (arch/apic.h) on a model: RCX, EDX:EAX as at the instruction. */
static int trap(u32 msr, bool write, u64 *value)
{
	struct cpu_regs regs = { .rcx = msr, .rax = (u32)*value, .rdx = (u32)(*value >> 32) };
	struct sim_msr_access a = { .msr = msr, .write = write, .value = write ? *value : 0, .len = 2 };

	if (!deliver_fn(&regs, &a))
		return (int)regs.vector;
	if (!write)
		*value = (u64)(u32)regs.rdx << 32 | (u32)regs.rax;
	return -1;
}

void sim_x2apic_install(sim_x2apic_deliver_fn deliver)
{
	deliver_fn = deliver;
	lapic_set_msr_trap(trap);
}
