/* SPDX-License-Identifier: MIT */
/*
 * A CPU's identity on a confidential platform (arch/x86/cpu/apic.c): where the platform protects the
 * guest's state, cpu_apic_id() must come from x2APIC MSR 0x802 (the hypervisor answers for the vCPU that
 * asked) and never from CPUID, whose leaf 0xB raises #VE in a TD and reads vCPU 0's values on SNP; and
 * lapic_init() must neither switch the APIC's mode nor touch IA32_APIC_BASE (KVM refuses the write for a TD,
 * tdx_is_read_only_msr()). The MSR accesses are played by the model hook (lapic_set_msr_trap()), whose
 * answer (0xabcdef) no host CPU's CPUID gives; on the old code, which read CPUID, these fail.
 */
#include <arch/apic.h>
#include <arch/trap.h>
#include <ccktf/ktest.h>
#include <ccktf/platform.h>
#include <string.h>

#include "../../arch/x86/cpu/apic.c"

KTEST_SUITE(host_apic_identity, KTEST_AFTER_EXIT_BOOT_SERVICES, NULL);

#define FAKE_ID 0xabcdefu

static u64 attrs;
static u32 reads[0x900], writes[0x900];
static int refuse_vector = -1; /* what the played hypervisor raises; -1: it answers */

bool cc_platform_has(enum cc_attr a)
{
	return attrs & CC_ATTR_BIT(a);
}

/* The native accessors are never reached while a trap is installed: a read through them fails the test. */
int rdmsr_safe(u32 msr, u64 *value)
{
	(void)msr;
	*value = 0;
	return X86_UD;
}

int wrmsr_safe(u32 msr, u64 value)
{
	(void)msr, (void)value;
	return X86_UD;
}

const char *trap_vector_name(unsigned vector)
{
	return vector == X86_GP ? "#GP" : "?";
}

static int played(u32 msr, bool write, u64 *value)
{
	if (msr < 0x900)
		(write ? writes : reads)[msr]++;
	if (refuse_vector >= 0)
		return refuse_vector;
	if (!write)
		*value = msr == MSR_X2APIC_ID ? FAKE_ID : 0;
	return -1;
}

static void reset(u64 a)
{
	attrs = a;
	memset(reads, 0, sizeof(reads));
	memset(writes, 0, sizeof(writes));
	refuse_vector = -1;
	x2apic = false;
	lapic_set_msr_trap(played);
}

#define TD_MODEL (CC_ATTR_BIT(CC_ATTR_GUEST_STATE_PROTECTED) | CC_ATTR_BIT(CC_ATTR_HW_MODEL))

KTEST(host_apic_identity, a_confidential_cpu_is_identified_by_x2apic_msr_0x802_not_cpuid)
{
	reset(TD_MODEL);
	KEXPECT_EQ(t, cpu_apic_id(), FAKE_ID);
	KEXPECT_EQ(t, reads[MSR_X2APIC_ID], 1);
}

KTEST(host_apic_identity, lapic_init_on_a_confidential_platform_switches_nothing)
{
	reset(TD_MODEL);
	KEXPECT_TRUE(t, lapic_init() == NULL);
	KEXPECT_TRUE(t, lapic_is_x2apic());
	KEXPECT_EQ(t, lapic_mmio_base(), 0);
	KEXPECT_EQ(t, reads[MSR_X2APIC_ID], 1);
	KEXPECT_EQ(t, reads[MSR_IA32_APIC_BASE] + writes[MSR_IA32_APIC_BASE], 0);
	KEXPECT_EQ(t, lapic_id(), FAKE_ID);
}

/* An IPI is one WRMSR of the ICR through the hypervisor; a refused one is reported, not counted as sent. */
KTEST(host_apic_identity, an_ipi_is_a_write_of_the_x2apic_icr)
{
	u64 nmis;

	reset(TD_MODEL);
	KASSERT_TRUE(t, lapic_init() == NULL);
	nmis = lapic_ipis_sent(APIC_ICR_DM_NMI);
	KEXPECT_TRUE(t, lapic_send_ipi(3, APIC_ICR_DM_NMI | APIC_ICR_ASSERT, 1000));
	KEXPECT_EQ(t, writes[MSR_X2APIC_ICR], 1);
	refuse_vector = X86_GP;
	KEXPECT_FALSE(t, lapic_send_ipi(3, APIC_ICR_DM_NMI | APIC_ICR_ASSERT, 1000));
	KEXPECT_EQ(t, lapic_ipis_sent(APIC_ICR_DM_NMI), nmis + 1);
}

/* A platform whose APIC answers no x2APIC is refused with the vector it raised. */
KTEST(host_apic_identity, no_x2apic_on_a_confidential_platform_is_refused_clearly)
{
	const char *err;

	reset(TD_MODEL);
	refuse_vector = X86_GP;
	err = lapic_init();
	KASSERT_TRUE(t, err != NULL);
	KEXPECT_TRUE(t, strstr(err, "RDMSR 0x802 raised #GP") != NULL);
	KEXPECT_EQ(t, cpu_apic_id(), ~0u);
}

/* A model that does not stand in for the x2APIC trap keeps TCG's xAPIC and CPUID (lapic_x2apic_only()). */
KTEST(host_apic_identity, a_model_without_the_trap_keeps_cpuid)
{
	reset(TD_MODEL);
	lapic_set_msr_trap(NULL);
	KEXPECT_FALSE(t, lapic_x2apic_only());
	reset(0);
	KEXPECT_FALSE(t, lapic_x2apic_only());
	reset(CC_ATTR_BIT(CC_ATTR_GUEST_STATE_PROTECTED));
	lapic_set_msr_trap(NULL);
	KEXPECT_TRUE(t, lapic_x2apic_only()); /* hardware: always */
	lapic_set_msr_trap(played);
}
