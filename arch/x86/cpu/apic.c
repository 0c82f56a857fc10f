/* SPDX-License-Identifier: MIT */
/* The local APIC's ID and ICR, in x2APIC or xAPIC mode (arch/apic.h). Boot CPU only. */
#include <arch/apic.h>
#include <arch/cpu.h>
#include <arch/machine.h>
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

const char *lapic_init(void)
{
	u64 base = rdmsr(MSR_IA32_APIC_BASE);

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

u32 lapic_id(void)
{
	return x2apic ? (u32)rdmsr(MSR_X2APIC_ID) : mmio_read(XAPIC_ID) >> 24;
}

u32 cpu_apic_id(void)
{
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
		wrmsr(MSR_X2APIC_ICR, (u64)apic_id << 32 | icr_low);
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
