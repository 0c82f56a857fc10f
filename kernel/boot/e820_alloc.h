/* SPDX-License-Identifier: MIT */
/*
 * Page allocation for a kernel entered through the 64-bit boot protocol, before it has any allocator: pages
 * from e820 RAM (type 1) that nothing the loader handed over occupies. The caller lists what is in use
 * (boot.rst "64-bit BOOT PROTOCOL" and "Details of header fields": the kernel image through init_size, the
 * zero page, the command line, the setup_data nodes, the initrd; whatever else it knows), and the first
 * MiB is never handed out (Linux reserves it too: arch/x86/kernel/setup.c, reserve_real_mode() and
 * CONFIG_X86_RESERVE_LOW). Allocation is top-down below a ceiling (the memory the caller has mapped), as
 * memblock allocates top-down by default (mm/memblock.c memblock_find_in_range_node()), so the low memory a
 * previous stage is likelier to have used is taken last. What it hands out is added to the used list.
 */
#ifndef CCKTF_BOOT_E820_ALLOC_H
#define CCKTF_BOOT_E820_ALLOC_H

#include "boot/boot_params.h"
#include "mm/range.h"

#define E820_ALLOC_MAX_USED 64
#define E820_ALLOC_FLOOR 0x100000ull /* the first MiB */

struct e820_alloc {
	const struct e820_entry *entries;
	unsigned count;
	u64 ceiling; /* allocations end at or below this */
	struct range used[E820_ALLOC_MAX_USED];
	unsigned nused;
};

void e820_alloc_init(struct e820_alloc *a, const struct e820_entry *entries, unsigned count, u64 ceiling);
/* Marks [start, start + size) in use (clamped at 2^64); false when the list is full. */
bool e820_alloc_reserve(struct e820_alloc *a, u64 start, u64 size);
/* The highest 4 KiB-aligned run of pages * 4 KiB free bytes, marked in use; 0 when there is none (or the
 * used list is full). */
u64 e820_alloc_pages(struct e820_alloc *a, u64 pages);

#endif
