/* SPDX-License-Identifier: MIT */
/*
 * Starting an AP by INIT-SIPI-SIPI through the local APIC (arch/ap_wake.h; platforms none, and any whose
 * CPUs answer STARTUP IPIs). Intel SDM vol. 3A 9.4.4 ("MP Initialization Example"): an INIT IPI, 10 ms, a
 * STARTUP IPI, 200 us, a second STARTUP IPI, 200 us, every delay measured with the TSC.
 *
 * Before ExitBootServices, TRAMP_PAGES pages below 640 KiB are allocated for the real-mode trampoline (as
 * Linux reserves its real-mode trampoline from the firmware's low memory). After it, the blob
 * (ap_trampoline.asm) is copied there and patched (ap_patch.c), with a copy of the kernel's PML4 in the
 * second page, since CR3 is loaded from 32-bit code and the kernel's own PML4 may lie above 4 GiB. The
 * trampoline has one parameter block (the stack, entry and argument of the AP being started), so APs are
 * started one at a time; an AP that never checked in is sent an INIT again (back to wait-for-SIPI), so that
 * it cannot run the trampoline later with another AP's stack.
 */
#include <arch/ap_boot.h>
#include <arch/ap_wake.h>
#include <arch/apic.h>
#include <arch/cpu.h>
#include <arch/machine.h>
#include <ccktf/boot.h>
#include <ccktf/string.h>
#include <ccktf/time.h>
#include "efi/efi_spec.h"

#define TRAMP_PAGES 3		  /* the blob, the low PML4, and one spare in case the first is page 0 */
#define INIT_DELAY_NS 10000000ull /* SDM 9.4.4: 10 ms after INIT */
#define SIPI_DELAY_NS 200000ull	  /* 200 us after each STARTUP IPI */
#define IPI_IDLE_NS 100000000ull  /* xAPIC: the previous IPI leaves within this */

#define CR3_ADDR_MASK 0x000ffffffffff000ull

static u64 tramp_base; /* the trampoline's first low page (never page 0), 0 when none was allocated */
static u64 tramp;      /* the installed trampoline page */

static const char *sipi_prepare(struct boot_info *b, const struct madt_info *madt, u32 aps)
{
	u64 addr = AP_TRAMP_LIMIT - 1;

	(void)madt;
	(void)aps;
	if (EFI_IS_ERROR(b->st->boot_services->allocate_pages(EFI_ALLOCATE_MAX_ADDRESS, EFI_LOADER_DATA,
							      TRAMP_PAGES, &addr)))
		return "no free pages below 640 KiB for the AP trampoline (AllocatePages)";
	tramp_base = addr ? addr : AP_TRAMP_PAGE; /* page 0 is the kernel's null guard: use the next */
	return NULL;
}

static const char *sipi_setup(struct smp_state *st)
{
	u8 *page = (u8 *)(uintptr_t)tramp_base;
	u64 cr3 = read_cr3();
	struct ap_tramp_setup s;
	const char *err;

	memcpy(page + AP_TRAMP_PAGE, (void *)(uintptr_t)(cr3 & CR3_ADDR_MASK & ~paging_encryption_mask()),
	       AP_TRAMP_PAGE);
	s = (struct ap_tramp_setup){
		.cr3_low = (u64)(uintptr_t)page + AP_TRAMP_PAGE,
		.cr3 = cr3,
		.cr0 = ((u32)read_cr0() & (X86_CR0_MP | X86_CR0_ET | X86_CR0_NE | X86_CR0_WP)) | X86_CR0_PE | X86_CR0_PG,
		.cr4 = ((u32)read_cr4() & (X86_CR4_PSE | X86_CR4_PGE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT)) | X86_CR4_PAE,
		.efer = ((u32)rdmsr(MSR_EFER) & EFER_NXE) | EFER_LME,
	};
	err = ap_tramp_install(page, (u64)(uintptr_t)page, ap_trampoline_start,
			       (size_t)(ap_trampoline_end - ap_trampoline_start),
			       (size_t)(ap_trampoline_params - ap_trampoline_start), &s);
	tramp = (u64)(uintptr_t)page;
	st->trampoline = tramp;
	return err;
}

static const char *sipi_start(struct smp_cpu *c)
{
	u8 vector = ap_tramp_sipi_vector(tramp);

	ap_tramp_set_cpu((u8 *)(uintptr_t)tramp, (size_t)(ap_trampoline_params - ap_trampoline_start),
			 c->stack_top, (u64)(uintptr_t)ap_main, (u64)(uintptr_t)c);
	if (!lapic_send_ipi(c->apic_id, APIC_ICR_DM_INIT | APIC_ICR_ASSERT, IPI_IDLE_NS))
		return "the INIT IPI was not accepted by the local APIC";
	delay_ns(INIT_DELAY_NS);
	for (unsigned i = 0; i < 2; i++) {
		if (!lapic_send_ipi(c->apic_id, APIC_ICR_DM_STARTUP | APIC_ICR_ASSERT | vector, IPI_IDLE_NS))
			return "a STARTUP IPI was not accepted by the local APIC";
		delay_ns(SIPI_DELAY_NS);
	}
	return NULL;
}

static void sipi_give_up(struct smp_cpu *c)
{
	lapic_send_ipi(c->apic_id, APIC_ICR_DM_INIT | APIC_ICR_ASSERT, IPI_IDLE_NS);
	delay_ns(INIT_DELAY_NS); /* the INIT lands before the shared parameter block is rewritten */
}

const struct ap_waker ap_waker_init_sipi = {
	.kind = CPU_WAKE_INIT_SIPI,
	.name = "init-sipi-sipi",
	.prepare = sipi_prepare,
	.setup = sipi_setup,
	.start = sipi_start,
	.give_up = sipi_give_up,
};
