/* SPDX-License-Identifier: MIT */
/* Final EFI memory map -> e820 for the next stage (efi_to_e820.h). */
#include "boot/e820_memmap.h"
#include "boot/efi_to_e820.h"
#include "mm/kind_memory.h"

u32 efi_type_to_e820(u32 efi_type, u64 attribute)
{
	/*
	 * Specific-purpose memory is soft-reserved, never general RAM: x86-stub.c setup_e820() for loader and
	 * boot-services code/data and conventional memory (the types a kernel that does not accept memory
	 * uses, kind_memory_usable_type(type, false)), checked before EFI_MEMORY_WB as
	 * do_add_efi_memmap() does; it leaves EfiUnacceptedMemoryType RAM whatever the attribute.
	 */
	if (kind_memory_usable_type(efi_type, false) && (attribute & EFI_MEMORY_SP))
		return E820_TYPE_SOFT_RESERVED;
	switch (efi_type) {
	case EFI_LOADER_CODE:
	case EFI_LOADER_DATA:
	case EFI_BOOT_SERVICES_CODE:
	case EFI_BOOT_SERVICES_DATA:
	case EFI_CONVENTIONAL_MEMORY:
	case EFI_UNACCEPTED_MEMORY:
		return attribute & EFI_MEMORY_WB ? E820_TYPE_RAM : E820_TYPE_RESERVED;
	case EFI_ACPI_RECLAIM_MEMORY:
		return E820_TYPE_ACPI;
	case EFI_ACPI_MEMORY_NVS:
		return E820_TYPE_NVS;
	case EFI_UNUSABLE_MEMORY:
		return E820_TYPE_UNUSABLE;
	case EFI_PERSISTENT_MEMORY:
		return E820_TYPE_PMEM;
	default:
		return E820_TYPE_RESERVED;
	}
}

const char *efi_to_e820(const struct memmap *m, struct e820_entry *out, unsigned max, unsigned *count)
{
	const struct efi_memory_descriptor *d;

	*count = 0;
	for_each_memmap_desc(m, i, d) {
		u32 type = efi_type_to_e820(d->type, d->attribute);
		u64 end;

		if (!memmap_desc_end(d, &end))
			return "a descriptor wraps past 2^64";
		if (end == d->phys_start)
			continue;
		if (*count && out[*count - 1].type == type && out[*count - 1].addr + out[*count - 1].size == d->phys_start) {
			out[*count - 1].size += end - d->phys_start;
			continue;
		}
		if (*count == max)
			return "more e820 entries than the zero page holds";
		out[(*count)++] = (struct e820_entry){ d->phys_start, end - d->phys_start, type };
	}
	return NULL;
}
