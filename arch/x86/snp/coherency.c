/* SPDX-License-Identifier: MIT */
/*
 * The SNP cache-coherency mitigation: after validating a page, touch its first and last byte through the
 * private (C-bit) mapping, so that no stale line from before the validation survives (Linux
 * arch/x86/coco/sev/core.c sev_evict_cache(), commit 7b306dfa326f; edk2's fix for CVE-2024-36331). Not
 * needed on parts that set CPUID 0x8000001F EBX[31] COHERENCY_SFW_NO; pvalidate.c decides.
 */
#include "snp.h"

void snp_evict_cache(u64 va, u64 pages)
{
	for (u64 i = 0; i < pages; i++) {
		const volatile u8 *page = (const volatile u8 *)(uintptr_t)(va + i * EFI_PAGE_SIZE);
		(void)page[0];
		(void)page[EFI_PAGE_SIZE - 1];
	}
}
