/* SPDX-License-Identifier: MIT */
/*
 * The memory map a kernel entered through the 64-bit boot protocol gives its tests: the EFI memory map is
 * gone (ExitBootServices was called by the previous stage), so it is synthesized from the zero page's e820
 * table (boot_params.h), the reverse of what Linux does when it builds e820 from the EFI map
 * (arch/x86/platform/efi/efi.c do_add_efi_memmap(): EfiConventionalMemory and boot-services/loader memory ->
 * E820_TYPE_RAM, EfiACPIReclaimMemory -> E820_TYPE_ACPI, EfiACPIMemoryNVS -> E820_TYPE_NVS,
 * EfiUnusableMemory -> E820_TYPE_UNUSABLE, EfiPersistentMemory -> E820_TYPE_PMEM, the rest reserved).
 * E820 type numbers: Linux arch/x86/include/asm/e820/types.h.
 *
 * The result is a map of EFI_MEMORY_DESCRIPTORs (UEFI 2.10 section 7.2, 40 bytes each, version 1) sorted
 * by address, page-granular: RAM is rounded inwards (a partial page is not usable RAM, as Linux's
 * e820__memblock_setup() trims it), every other type outwards (a partial page of a reserved range is
 * reserved). Overlaps are kept as they are, so the memory-map checks can report them.
 */
#ifndef CCKTF_BOOT_E820_MEMMAP_H
#define CCKTF_BOOT_E820_MEMMAP_H

#include "boot/boot_params.h"
#include "efi/efi_spec.h"

#define E820_TYPE_RESERVED 2
#define E820_TYPE_ACPI 3
#define E820_TYPE_NVS 4
#define E820_TYPE_UNUSABLE 5
#define E820_TYPE_PMEM 7
#define E820_TYPE_SOFT_RESERVED 0xefffffff /* specific-purpose memory (EFI_MEMORY_SP) */

/* The EFI memory type an e820 type stands for. */
u32 e820_type_to_efi(u32 e820_type);

/*
 * Descriptors for in[0..n) into out[0..max), sorted by phys_start: NULL and *count, or why not (more
 * descriptors than max). Entries that hold no whole page of RAM are dropped.
 */
const char *e820_to_memmap(const struct e820_entry *in, unsigned n, struct efi_memory_descriptor *out,
			   unsigned max, unsigned *count);

#endif
