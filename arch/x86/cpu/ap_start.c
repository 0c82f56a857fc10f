/* SPDX-License-Identifier: MIT */
/*
 * Starting an AP through the trampoline by INIT-SIPI-SIPI, shared by the kernel's waker
 * (wake_init_sipi.c) and the models that start vCPUs the same way (sim/snp_model_ap.c, sim/tdvf_mp.c):
 * the low pages, the low PML4 copy with the blob, and the IPI sequence. Each caller brings its own sender.
 */
#include <arch/ap_boot.h>
#include <arch/apic.h>
#include <ccktf/boot.h>
#include <ccktf/string.h>
#include <ccktf/time.h>
#include "efi/efi_spec.h"

#define INIT_DELAY_NS 10000000ull /* Intel SDM vol. 3A 9.4.4: 10 ms after INIT */
#define SIPI_DELAY_NS 200000ull	  /* ... and 200 us after each STARTUP IPI */

bool ap_tramp_reserve(struct boot_info *b, u32 memory_type, u64 *base)
{
	u64 addr = AP_TRAMP_LIMIT - 1;

	if (EFI_IS_ERROR(b->st->boot_services->allocate_pages(EFI_ALLOCATE_MAX_ADDRESS, memory_type,
							      AP_TRAMP_RESERVE_PAGES, &addr)))
		return false;
	*base = addr ? addr : AP_TRAMP_PAGE; /* page 0 is the kernel's null guard: use the next */
	return true;
}

const char *ap_tramp_prepare(u64 base, u64 pml4, struct ap_tramp_setup *s)
{
	u8 *page = (u8 *)(uintptr_t)base;

	memcpy(page + AP_TRAMP_PAGE, (const void *)(uintptr_t)pml4, AP_TRAMP_PAGE);
	s->cr3_low = base + AP_TRAMP_PAGE;
	return ap_tramp_install(page, base, ap_trampoline_start, (size_t)(ap_trampoline_end - ap_trampoline_start),
				(size_t)(ap_trampoline_params - ap_trampoline_start), s);
}

enum ap_ipi_result ap_init_sipi_sipi(u32 apic_id, u8 vector, ap_ipi_send_fn send)
{
	if (!send(apic_id, APIC_ICR_DM_INIT))
		return AP_IPI_INIT_REFUSED;
	delay_ns(INIT_DELAY_NS);
	for (unsigned i = 0; i < 2; i++) {
		if (!send(apic_id, APIC_ICR_DM_STARTUP | vector))
			return AP_IPI_STARTUP_REFUSED;
		delay_ns(SIPI_DELAY_NS);
	}
	return AP_IPI_SENT;
}
