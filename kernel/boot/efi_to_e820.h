/* SPDX-License-Identifier: MIT */
/*
 * The e820 table a stage that leaves EFI hands to the next one (handoff=self): built from the final EFI
 * memory map as Linux's EFI stub builds the kernel's (drivers/firmware/efi/libstub/x86-stub.c setup_e820():
 * loader and boot-services code/data and conventional memory -> E820_TYPE_RAM, ACPI reclaim -> ACPI, ACPI
 * NVS -> NVS, unusable -> UNUSABLE, persistent -> PMEM, unaccepted -> RAM (its acceptance tracked by the
 * unaccepted table, process_unaccepted_memory()), loader/boot-services/conventional memory with
 * EFI_MEMORY_SP -> E820_TYPE_SOFT_RESERVED, adjacent entries of one type merged), with
 * arch/x86/platform/efi/efi.c do_add_efi_memmap()'s rule that RAM without EFI_MEMORY_WB is reserved; every
 * other type (runtime, MMIO, reserved, PAL) reserved, as do_add_efi_memmap() has it.
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
