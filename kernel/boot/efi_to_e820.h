/* SPDX-License-Identifier: MIT */
/*
 * The e820 table a stage that leaves EFI hands to the next one (handoff=self): built from the final EFI
 * memory map as Linux builds its own (arch/x86/platform/efi/efi.c do_add_efi_memmap(): loader and
 * boot-services code/data and conventional memory become E820_TYPE_RAM when write-back cacheable, else
 * reserved; unaccepted memory RAM (Linux >= 6.5, its acceptance tracked by the unaccepted table);
 * ACPI reclaim -> ACPI, ACPI NVS -> NVS, unusable -> UNUSABLE, persistent -> PMEM; everything else
 * reserved), adjacent entries of one type merged as e820__update_table() merges them.
 */
#ifndef CCKTF_BOOT_EFI_TO_E820_H
#define CCKTF_BOOT_EFI_TO_E820_H

#include "boot/boot_params.h"
#include "mm/memmap.h"

u32 efi_type_to_e820(u32 efi_type, u64 attribute);
/* The map's descriptors as e820 entries in out[0..max), in map order, adjacent same-type ones merged: NULL
 * and *count, or why not (more entries than max, a descriptor that wraps past 2^64). */
const char *efi_to_e820(const struct memmap *m, struct e820_entry *out, unsigned max, unsigned *count);

#endif
