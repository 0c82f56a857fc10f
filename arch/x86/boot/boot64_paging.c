/* SPDX-License-Identifier: MIT */
/*
 * The 64-bit boot-protocol entry's first page tables, so that nothing the previous stage owns stays in
 * use. The entry arrives on the loader's tables (boot.rst "64-bit BOOT PROTOCOL": an identity map of the
 * kernel, boot_params and the command line; Linux's kexec builds them in control pages anywhere in RAM,
 * arch/x86/kernel/machine_kexec_64.c init_pgtable()), and the pages the kernel then allocates from e820
 * RAM could be those very tables. These live in .bss, inside the image the loader placed: an identity map
 * of the first 4 GiB with 2 MiB pages, and of [4 GiB, 512 GiB) with 1 GiB pages when the CPU has them
 * (CPUID 0x80000001 EDX[26] Page1GB, Intel SDM vol. 2A; mapping rules: SDM vol. 3A 4.5). If the CPU runs
 * with CR4.LA57 = 1 (it may: Linux runs 5-level paging where the CPU has it and the image says
 * XLF_5LEVEL), CR3 points at a PML5 above the same PML4, as LA57 cannot be cleared with paging on (SDM vol.
 * 3A 4.1.1).
 */
#include <arch/cpu.h>
#include <arch/machine.h>
#include "boot64.h"

#define PTE_P (1ull << 0)
#define PTE_W (1ull << 1)
#define PTE_PS (1ull << 7)
#define CPUID_EXT_PAGE1GB (1u << 26)
#define LOW_GIB 4
#define ENTRIES 512

static u64 pml5[ENTRIES] __attribute__((aligned(4096)));
static u64 pml4[ENTRIES] __attribute__((aligned(4096)));
static u64 pdpt[ENTRIES] __attribute__((aligned(4096)));
static u64 pd[LOW_GIB][ENTRIES] __attribute__((aligned(4096)));

static bool has_1g_pages(void)
{
	return cpuid(0x80000000).eax >= 0x80000001 && (cpuid(0x80000001).edx & CPUID_EXT_PAGE1GB);
}

bool boot64_paging_la57(void)
{
	return read_cr4() & X86_CR4_LA57;
}

u64 boot64_paging_top(void)
{
	return (has_1g_pages() ? (u64)ENTRIES : LOW_GIB) * GiB;
}

u64 boot64_paging_switch(void)
{
	u64 top = boot64_paging_top();

	for (u64 g = 0; g < LOW_GIB; g++) {
		for (u64 i = 0; i < ENTRIES; i++)
			pd[g][i] = (g * GiB + i * 2 * MiB) | PTE_P | PTE_W | PTE_PS;
		pdpt[g] = (u64)(uintptr_t)pd[g] | PTE_P | PTE_W;
	}
	for (u64 g = LOW_GIB; g < top / GiB; g++)
		pdpt[g] = (g * GiB) | PTE_P | PTE_W | PTE_PS;
	pml4[0] = (u64)(uintptr_t)pdpt | PTE_P | PTE_W;
	pml5[0] = (u64)(uintptr_t)pml4 | PTE_P | PTE_W;
	write_cr3((u64)(uintptr_t)(boot64_paging_la57() ? pml5 : pml4));
	return top;
}
