/* SPDX-License-Identifier: MIT */
/* The configuration-table array after a hand-off (efi_handoff.h). */
#include "efi_handoff.h"

const char *efi_handoff_config_tables(u64 systab_pa, u64 tables_pa, const struct boot_phys *phys,
				      const u8 **array, u32 *count)
{
	const u8 *st = systab_pa ? phys->read(phys->ctx, systab_pa, EFI_SYSTAB_MIN_SIZE) : NULL;
	u64 n;

	*array = NULL;
	*count = 0;
	if (!st)
		return "the EFI system table cannot be read";
	if (bp_get(st, 8) != EFI_SYSTEM_TABLE_SIGNATURE)
		return "the EFI system table's signature is not \"IBI SYST\"";
	if (bp_get(st + EFI_TABLE_HEADER_SIZE_OFFSET, 4) < EFI_SYSTAB_MIN_SIZE)
		return "the EFI system table's HeaderSize stops short of ConfigurationTable";
	n = bp_get(st + EFI_SYSTAB_NR_TABLES, 8);
	if (n > EFI_CONFIG_TABLES_MAX)
		return "the EFI system table claims more than 1024 configuration tables";
	if (!n)
		return NULL;
	if (!tables_pa || !(*array = phys->read(phys->ctx, tables_pa, n * EFI_CONFIG_TABLE_SIZE)))
		return "the configuration-table array cannot be read";
	*count = (u32)n;
	return NULL;
}
