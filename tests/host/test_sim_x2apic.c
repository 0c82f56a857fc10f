/* SPDX-License-Identifier: MIT */
/*
 * The models' x2APIC on top of xAPIC (arch/x86/sim/sim_x2apic.c) against a played xAPIC page: what it
 * answers, and that it is never more permissive than KVM (arch/x86/kvm/lapic.c): read-only and write-only
 * registers, the ICR's reserved bits (X2APIC_ICR_RESERVED_BITS), no ICR2 in x2APIC mode.
 */
#include <ccktf/ktest.h>
#include <string.h>

static u32 fake_apic[1024] __attribute__((aligned(4096))); /* one 4 KiB xAPIC page, u32 per 4 bytes */
#define SIM_X2APIC_XAPIC_BASE() ((u64)(uintptr_t)fake_apic)

#include "../../arch/x86/sim/sim_x2apic.c" /* lapic_set_msr_trap(): apic.c, linked via test_apic_identity.c */

KTEST_SUITE(host_sim_x2apic, KTEST_AFTER_EXIT_BOOT_SERVICES, NULL);

#define REG(off) fake_apic[(off) / 4]

static void apic_with_id(u32 id)
{
	memset(fake_apic, 0, sizeof(fake_apic));
	REG(XAPIC_ID) = id << 24;
	REG(XAPIC_VERSION) = 0x50014;
}

KTEST(host_sim_x2apic, id_version_and_ldr_come_from_the_xapic)
{
	u64 v = 0;

	apic_with_id(0x13);
	KEXPECT_TRUE(t, sim_x2apic_read(0x802, &v));
	KEXPECT_EQ(t, v, 0x13);
	KEXPECT_EQ(t, sim_x2apic_vcpu_id(), 0x13);
	KEXPECT_TRUE(t, sim_x2apic_read(0x803, &v));
	KEXPECT_EQ(t, v, 0x50014);
	KEXPECT_TRUE(t, sim_x2apic_read(0x80d, &v)); /* cluster 1, bit 3 (kvm_apic_calc_x2apic_ldr()) */
	KEXPECT_EQ(t, v, 0x10008);
}

/* KVM: ID, version and LDR are read-only in x2APIC mode; EOI and SELF IPI write-only; no ICR2 (0x831). */
KTEST(host_sim_x2apic, what_kvm_refuses_is_refused)
{
	u64 v = 0;

	apic_with_id(1);
	KEXPECT_FALSE(t, sim_x2apic_write(0x802, 5));
	KEXPECT_FALSE(t, sim_x2apic_write(0x80d, 5));
	KEXPECT_FALSE(t, sim_x2apic_read(0x831, &v));
	KEXPECT_FALSE(t, sim_x2apic_read(0x80b, &v));
	KEXPECT_FALSE(t, sim_x2apic_read(0x83f, &v));
	KEXPECT_FALSE(t, sim_x2apic_write(0x80f, 1ull << 32)); /* SVR: a 32-bit register */
	KEXPECT_EQ(t, REG(XAPIC_ID), 1u << 24);
}

/* An NMI to APIC ID 2: ICR high gets the destination, then the low write sends it; counted once. */
KTEST(host_sim_x2apic, an_icr_write_is_an_xapic_ipi)
{
	u64 before = sim_x2apic_served(0x830, true);

	apic_with_id(0);
	KEXPECT_TRUE(t, sim_x2apic_write(0x830, 2ull << 32 | 0x4400));
	KEXPECT_EQ(t, REG(XAPIC_ICR_HIGH), 2u << 24);
	KEXPECT_EQ(t, REG(XAPIC_ICR_LOW), 0x4400);
	KEXPECT_EQ(t, sim_x2apic_served(0x830, true), before + 1);
	KEXPECT_TRUE(t, sim_x2apic_write(0x830, 0xffffffffull << 32 | 0x4400)); /* broadcast */
	KEXPECT_EQ(t, REG(XAPIC_ICR_HIGH), 0xffu << 24);
}

/* KVM X2APIC_ICR_RESERVED_BITS (31:20, 17:16, 13); logical or too-wide destinations are not modelled. */
KTEST(host_sim_x2apic, an_icr_write_the_model_cannot_or_kvm_would_not_send_is_refused)
{
	u64 before = sim_x2apic_served(0x830, true);

	apic_with_id(0);
	KEXPECT_FALSE(t, sim_x2apic_write(0x830, 1ull << 32 | 0x4400 | 1u << 13));
	KEXPECT_FALSE(t, sim_x2apic_write(0x830, 1ull << 32 | 0x4400 | 1u << 20));
	KEXPECT_FALSE(t, sim_x2apic_write(0x830, 1ull << 32 | 0x4400 | 1u << 16));
	KEXPECT_FALSE(t, sim_x2apic_write(0x830, 1ull << 32 | 0x4400 | 1u << 11));
	KEXPECT_FALSE(t, sim_x2apic_write(0x830, 0x100ull << 32 | 0x4400));
	KEXPECT_EQ(t, REG(XAPIC_ICR_LOW), 0);
	KEXPECT_EQ(t, sim_x2apic_served(0x830, true), before);
}

/* The previous IPI never left (xAPIC delivery status stuck): refused, bounded, nothing overwritten. */
KTEST(host_sim_x2apic, a_stuck_xapic_is_refused_not_waited_on_forever)
{
	apic_with_id(0);
	REG(XAPIC_ICR_LOW) = APIC_ICR_BUSY;
	KEXPECT_FALSE(t, sim_xapic_ipi(1, 0x4400));
	KEXPECT_EQ(t, REG(XAPIC_ICR_HIGH), 0);
}
