/* SPDX-License-Identifier: MIT */
/*
 * The local APIC's ID and ICR, in x2APIC or xAPIC mode (arch/apic.h). lapic_init() on the boot CPU.
 *
 * On a platform that protects the guest's state (TDX, SNP: cc_platform_has(CC_ATTR_GUEST_STATE_PROTECTED))
 * the local APIC is the hypervisor's x2APIC and nothing else: a TD's vAPIC is x2APIC from reset and KVM
 * refuses writes to IA32_APIC_BASE (arch/x86/kvm/vmx/tdx.c tdx_is_read_only_msr()); there is no xAPIC
 * page to map, and CPUID's topology leaves trap (TDX: #VE unless topology enumeration was enabled, Linux
 * arch/x86/coco/tdx/tdx.c enable_cpu_topology_enumeration()) or lie (SNP: the CPUID page holds vCPU 0's
 * values). So there: no mode switch, no MMIO, the APIC ID from x2APIC MSR 0x802, which raises #VE/#VC and
 * the hypervisor answers for the vCPU that asked (Linux does the same: x2apic_get_apic_id() reads
 * APIC_ID through native_apic_msr_read()).
 */
#include <arch/apic.h>
#include <arch/cpu.h>
#include <arch/machine.h>
#include <arch/trap.h>
#include <ccktf/format.h>
#include <ccktf/platform.h>
#include <ccktf/time.h>

#define MSR_X2APIC_ID 0x802
#define MSR_X2APIC_ICR 0x830
#define XAPIC_ID 0x20
#define XAPIC_ICR_LOW 0x300
#define XAPIC_ICR_HIGH 0x310
#define CPUID1_ECX_X2APIC (1u << 21)
#define PTE_PWT (1ull << 3)
#define PTE_PCD (1ull << 4)

static bool x2apic;
static u64 mmio;
static lapic_msr_trap_fn msr_trap; /* a model's stand-in for the trap TCG does not raise */
static char init_error[120];
static u64 sent[APIC_ICR_DM_KINDS]; /* IPIs sent, by delivery mode (ICR bits 10:8) */

u64 lapic_ipis_sent(u32 delivery_mode)
{
	return sent[(delivery_mode >> 8) % APIC_ICR_DM_KINDS];
}

static void count(u32 icr_low)
{
	sent[(icr_low >> 8) % APIC_ICR_DM_KINDS]++;
}

static u32 mmio_read(u32 reg)
{
	return *(volatile u32 *)(uintptr_t)(mmio + reg);
}

static void mmio_write(u32 reg, u32 v)
{
	*(volatile u32 *)(uintptr_t)(mmio + reg) = v;
}

void lapic_set_msr_trap(lapic_msr_trap_fn trap)
{
	msr_trap = trap;
}

int lapic_msr_read(u32 msr, u64 *value)
{
	*value = 0;
	return msr_trap ? msr_trap(msr, false, value) : rdmsr_safe(msr, value);
}

int lapic_msr_write(u32 msr, u64 value)
{
	return msr_trap ? msr_trap(msr, true, &value) : wrmsr_safe(msr, value);
}

/* x2APIC only, through the hypervisor (top of file). A hardware model that does not stand in for the x2APIC
 * trap (lapic_set_msr_trap()) keeps TCG's xAPIC: native RDMSR of 0x802 reads 0 there, silently. */
bool lapic_x2apic_only(void)
{
	return cc_platform_has(CC_ATTR_GUEST_STATE_PROTECTED) && (msr_trap || !cc_platform_has(CC_ATTR_HW_MODEL));
}

static const char *x2apic_only_init(void)
{
	u64 id;
	int v = lapic_msr_read(MSR_X2APIC_ID, &id);

	if (v >= 0) {
		snprintf(init_error, sizeof(init_error),
			 "the platform's local APIC answers no x2APIC: RDMSR 0x%x raised %s (vector %d)", MSR_X2APIC_ID,
			 trap_vector_name((unsigned)v), v);
		return init_error;
	}
	x2apic = true;
	return NULL;
}

const char *lapic_init(void)
{
	u64 base;

	if (lapic_x2apic_only())
		return x2apic_only_init();
	base = rdmsr(MSR_IA32_APIC_BASE);

	if (!(base & APIC_BASE_EN))
		return "the local APIC is disabled (IA32_APIC_BASE bit 11 clear)";
	if (!(base & APIC_BASE_EXTD) && (cpuid(1).ecx & CPUID1_ECX_X2APIC)) {
		wrmsr(MSR_IA32_APIC_BASE, base | APIC_BASE_EXTD);
		base = rdmsr(MSR_IA32_APIC_BASE);
	}
	x2apic = base & APIC_BASE_EXTD;
	if (x2apic)
		return NULL;
	mmio = base & APIC_BASE_ADDR_MASK;
	/* The identity map is write-back; APIC registers want UC (on hardware the MTRRs say so too). */
	if (!paging_set_page_flags(mmio, PTE_PCD | PTE_PWT, 0))
		return "the local APIC's page is not in the kernel's map";
	return NULL;
}

bool lapic_is_x2apic(void)
{
	return x2apic;
}

u64 lapic_mmio_base(void)
{
	return x2apic ? 0 : mmio;
}

/* ~0u when the read raised an exception (a hypervisor that refused it). */
static u32 x2apic_id(void)
{
	u64 id;

	return lapic_msr_read(MSR_X2APIC_ID, &id) < 0 ? (u32)id : ~0u;
}

u32 lapic_id(void)
{
	return x2apic ? x2apic_id() : mmio_read(XAPIC_ID) >> 24;
}

u32 cpu_apic_id(void)
{
	if (lapic_x2apic_only())
		return x2apic_id();
	if (cpuid(0).eax >= 0xb && cpuid_count(0xb, 0).ebx)
		return cpuid_count(0xb, 0).edx;
	return cpuid(1).ebx >> 24;
}

bool lapic_send_ipi(u32 apic_id, u32 icr_low, u64 timeout_ns)
{
	u64 start = time_now_ns();

	if (x2apic) {
		/* WRMSR to the x2APIC ICR is not serializing: earlier stores (the work, the trampoline's
		 * parameters) must be visible first (SDM vol. 3A 11.12.3). */
		asm volatile("mfence; lfence" ::: "memory");
		if (lapic_msr_write(MSR_X2APIC_ICR, (u64)apic_id << 32 | icr_low) >= 0)
			return false;
		count(icr_low);
		return true;
	}
	if (apic_id > 0xfe)
		return false;
	while (mmio_read(XAPIC_ICR_LOW) & APIC_ICR_BUSY) {
		if (time_now_ns() - start > timeout_ns)
			return false;
		cpu_relax();
	}
	asm volatile("mfence" ::: "memory");
	mmio_write(XAPIC_ICR_HIGH, apic_id << 24);
	mmio_write(XAPIC_ICR_LOW, icr_low); /* this write sends it */
	count(icr_low);
	return true;
}
