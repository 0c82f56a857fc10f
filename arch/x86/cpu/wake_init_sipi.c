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

#define INIT_DELAY_NS 10000000ull /* SDM 9.4.4: 10 ms after INIT */
#define IPI_IDLE_NS 100000000ull  /* xAPIC: the previous IPI leaves within this */

#define CR3_ADDR_MASK 0x000ffffffffff000ull

static u64 tramp_base; /* the trampoline's first low page (never page 0), 0 when none was allocated */
static u64 tramp;      /* the installed trampoline page */

static const char *sipi_prepare(struct boot_info *b, const struct madt_info *madt, u32 aps)
{
	(void)madt;
	(void)aps;
	if (!ap_tramp_reserve(b, EFI_LOADER_DATA, &tramp_base))
		return "no free pages below 640 KiB for the AP trampoline (AllocatePages)";
	return NULL;
}

static const char *sipi_setup(struct smp_state *st)
{
	u64 cr3 = read_cr3();
	struct ap_tramp_setup s;
	const char *err;

	s = (struct ap_tramp_setup){
		.cr3 = cr3,
		.cr0 = ((u32)read_cr0() & (X86_CR0_MP | X86_CR0_ET | X86_CR0_NE | X86_CR0_WP)) | X86_CR0_PE | X86_CR0_PG,
		.cr4 = ((u32)read_cr4() & (X86_CR4_PSE | X86_CR4_PGE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT)) | X86_CR4_PAE,
		.efer = ((u32)rdmsr(MSR_EFER) & EFER_NXE) | EFER_LME,
	};
	err = ap_tramp_prepare(tramp_base, cr3 & CR3_ADDR_MASK & ~paging_encryption_mask(), &s);
	tramp = tramp_base;
	st->trampoline = tramp;
	return err;
}

static bool lapic_send(u32 apic_id, u32 icr)
{
	return lapic_send_ipi(apic_id, icr | APIC_ICR_ASSERT, IPI_IDLE_NS);
}

static const char *sipi_start(struct smp_cpu *c)
{
	ap_tramp_set_cpu((u8 *)(uintptr_t)tramp, (size_t)(ap_trampoline_params - ap_trampoline_start),
			 c->stack_top, (u64)(uintptr_t)ap_main, (u64)(uintptr_t)c);
	switch (ap_init_sipi_sipi(c->apic_id, ap_tramp_sipi_vector(tramp), lapic_send)) {
	case AP_IPI_INIT_REFUSED:
		return "the INIT IPI was not accepted by the local APIC";
	case AP_IPI_STARTUP_REFUSED:
		return "a STARTUP IPI was not accepted by the local APIC";
	case AP_IPI_SENT:
		break;
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
