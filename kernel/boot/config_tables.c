/* SPDX-License-Identifier: MIT */
/* The configuration-table array as both entries keep it in boot_info (ccktf/boot_steps.h). */
#include <ccktf/boot_steps.h>
#include <ccktf/string.h>

#include "boot/boot_params.h"
#include "boot/efi_handoff.h"

/* UEFI 2.10 4.6 EFI_CONFIGURATION_TABLE on x64: VendorGuid (16 bytes), VendorTable (8). */
_Static_assert(sizeof(struct efi_configuration_table) == EFI_CONFIG_TABLE_SIZE, "EFI_CONFIGURATION_TABLE size");

void boot_set_config_tables(struct boot_info *b, const u8 *array, u64 count)
{
	b->config_table_total = count;
	b->config_table_count = MIN(count, (u64)BOOT_MAX_CONFIG_TABLES);
	for (u64 i = 0; i < b->config_table_count; i++) {
		memcpy(&b->config_tables[i].guid, array + i * EFI_CONFIG_TABLE_SIZE, sizeof(efi_guid_t));
		b->config_tables[i].table = (void *)(uintptr_t)bp_get(array + i * EFI_CONFIG_TABLE_SIZE + 16, 8);
	}
}

void *boot_config_table(const struct boot_info *b, efi_guid_t guid)
{
	for (u64 i = 0; i < b->config_table_count; i++)
		if (efi_guid_equal(&b->config_tables[i].guid, &guid))
			return b->config_tables[i].table;
	return NULL;
}
