/* SPDX-License-Identifier: MIT */
/*
 * The EFI configuration tables as a kernel entered through the 64-bit boot protocol finds them: the system
 * table at efi_info's address (boot_params.h) gives NumberOfTableEntries; the array itself is at the
 * physical address SETUP_EFI gives (setup_data.h), because the system table's ConfigurationTable pointer
 * is virtual after SetVirtualAddressMap(). Layouts: UEFI 2.10 section 4.3 (EFI_SYSTEM_TABLE: the
 * EFI_TABLE_HEADER, then NumberOfTableEntries at 0x68 and ConfigurationTable at 0x70 on x64) and 4.6
 * (EFI_CONFIGURATION_TABLE: a 16-byte GUID and a pointer, 24 bytes).
 */
#ifndef CCKTF_BOOT_EFI_HANDOFF_H
#define CCKTF_BOOT_EFI_HANDOFF_H

#include "boot_params.h"

#define EFI_SYSTEM_TABLE_SIGNATURE 0x5453595320494249ull /* "IBI SYST" */
#define EFI_TABLE_HEADER_SIZE_OFFSET 12			   /* u32 HeaderSize */
#define EFI_SYSTAB_NR_TABLES 0x68
#define EFI_SYSTAB_MIN_SIZE 0x78 /* through ConfigurationTable */
#define EFI_CONFIG_TABLE_SIZE 24
#define EFI_CONFIG_TABLES_MAX 1024 /* edk2 installs a few dozen; more is garbage */

/* NULL, *array (count * 24 readable bytes) and *count; or why not: the system table cannot be read, has
 * the wrong signature or a HeaderSize short of ConfigurationTable, claims more than 1024 tables, or the
 * array at tables_pa cannot be read. */
const char *efi_handoff_config_tables(u64 systab_pa, u64 tables_pa, const struct boot_phys *phys,
				      const u8 **array, u32 *count);

#endif
