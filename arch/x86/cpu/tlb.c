/* SPDX-License-Identifier: MIT */
/* The TLB flushes behind the page-table code (arch/x86/cpu/paging.c): INVLPG (Intel SDM vol. 2A) and a CR3
 * reload. */
#include <arch/machine.h>

void paging_flush_page(u64 addr)
{
	asm volatile("invlpg (%0)" : : "r"(addr) : "memory");
}

/* A CR3 write flushes every non-global TLB entry and the paging-structure caches (SDM vol. 3A 4.10.4.1). */
void paging_flush_all(void)
{
	u64 cr3;

	asm volatile("mov %%cr3, %0" : "=r"(cr3));
	asm volatile("mov %0, %%cr3" : : "r"(cr3) : "memory");
}
