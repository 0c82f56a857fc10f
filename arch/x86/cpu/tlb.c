/* SPDX-License-Identifier: MIT */
/* The TLB flush behind the page-table code (arch/x86/cpu/paging.c): INVLPG (Intel SDM vol. 2A). */
#include <arch/machine.h>

void paging_flush_page(u64 addr)
{
	asm volatile("invlpg (%0)" : : "r"(addr) : "memory");
}
