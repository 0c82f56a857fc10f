/* SPDX-License-Identifier: MIT */
/* The system table and the configuration tables it lists (UEFI 2.10 sections 4.3 and 4.6). */
#include <ccktf/boot.h>
#include <ccktf/ktest.h>
#include <ccktf/string.h>
#include "conform/conform.h"

static const void *find_table(efi_guid_t guid)
{
	return efi_config_table(boot_info.st, guid);
}

KTEST(efi, system_table_header)
{
	KEXPECT_EQ(t, boot_info.st->hdr.signature, EFI_SYSTEM_TABLE_SIGNATURE);
	KEXPECT_GE(t, boot_info.uefi_revision, 2u << 16);
	KEXPECT_GE(t, boot_info.st->hdr.header_size, sizeof(struct efi_table_header));
}

KTEST(efi, config_tables_all_kept)
{
	KEXPECT_LE(t, boot_info.config_table_total, BOOT_MAX_CONFIG_TABLES);
	KEXPECT_GT(t, boot_info.config_table_count, 0);
}

KTEST(efi, config_table_guids_unique)
{
	for (u64 i = 0; i < boot_info.config_table_count; i++)
		for (u64 j = i + 1; j < boot_info.config_table_count; j++)
			KEXPECT_FALSE(t, efi_guid_equal(&boot_info.config_tables[i].guid,
							&boot_info.config_tables[j].guid));
}

/* ACPI 6.5 section 5.2.5.3, judged by kernel/conform (signature, both checksums, revision >= 2). */
KTEST(efi, acpi20_rsdp_valid)
{
	const u8 *rsdp = find_table(EFI_ACPI_20_TABLE_GUID);
	enum conform_rsdp_verdict v;

	KASSERT_TRUE(t, rsdp != NULL);
	v = conform_rsdp(rsdp);
	if (v != RSDP_OK)
		ktest_fail(t, __FILE__, __LINE__, "RSDP at %p: %s", (const void *)rsdp, conform_rsdp_verdict_text(v));
}

KTEST(efi, smbios_entry_point_present)
{
	const void *v3 = find_table(EFI_SMBIOS3_TABLE_GUID), *v2 = find_table(EFI_SMBIOS_TABLE_GUID);

	KASSERT_TRUE(t, v3 || v2);
	if (v3)
		KEXPECT_EQ(t, memcmp(v3, "_SM3_", 5), 0);
	else
		KEXPECT_EQ(t, memcmp(v2, "_SM_", 4), 0);
}

KTEST(efi, config_tables_named)
{
	char guid[40];
	unsigned unknown = 0;

	for (u64 i = 0; i < boot_info.config_table_count; i++) {
		if (efi_guid_name(&boot_info.config_tables[i].guid))
			continue;
		efi_guid_format(&boot_info.config_tables[i].guid, guid, sizeof(guid));
		ktest_log(t, "no name known for %s", guid);
		unknown++;
	}
	KEXPECT_LT(t, unknown, boot_info.config_table_count);
}
