/* SPDX-License-Identifier: MIT */
/*
 * Configuration-table conformance (CT-*, docs/conformance.md): the tables the firmware installed (copied
 * before ccktf installed its own unaccepted-memory table), where they lie in the final memory map, and the
 * ACPI, SMBIOS, CC-blob and unaccepted-memory tables' contents. Rules: kernel/conform/tables.c.
 */
#include <ccktf/platform.h>
#include <ccktf/string.h>
#include "conformance/conform_util.h"

#define UEFI_TABLES "UEFI 2.10 section 4.6 (EFI_CONFIGURATION_TABLE)"

static void list_tables(struct ktest *t, const struct memmap *m)
{
	char where[48];

	for (u64 i = 0; i < conform_table_count(); i++)
		ktest_evidence(t, "%s at 0x%llx in %s", conform_table_label(i), conform_table_addr(i),
			       conform_where(m, conform_table_addr(i), where, sizeof(where)));
}

KTEST_CHECK(conformance, ct_guids_known, "CT-001", KTEST_SHOULD,
	    UEFI_TABLES "; GUIDs from edk2 MdePkg.dec, OvmfPkg.dec, Linux include/linux/efi.h",
	    "every configuration table has a GUID a consumer can recognise")
{
	struct memmap m = conform_final_map();
	u64 unknown = 0;

	list_tables(t, &m);
	for (u64 i = 0; i < conform_table_count(); i++)
		unknown += !efi_guid_name(&boot_info.config_tables[i].guid);
	if (boot_info.config_table_total > conform_table_count())
		ktest_evidence(t, "%llu tables beyond the %u ccktf keeps were not examined",
			       boot_info.config_table_total - conform_table_count(), BOOT_MAX_CONFIG_TABLES);
	if (unknown)
		ktest_fail(t, __FILE__, __LINE__, "%llu of %llu tables have a GUID ccktf does not know", unknown,
			   conform_table_count());
}

static u32 rsdp_length(const u8 *p)
{
	u32 v;

	memcpy(&v, p + 20, sizeof(v));
	return v;
}

KTEST_CHECK(conformance, ct_acpi_rsdp, "CT-002", KTEST_MUST,
	    "ACPI 6.5 section 5.2.5.3 (RSDP); " UEFI_TABLES " (EFI_ACPI_20_TABLE_GUID)",
	    "the ACPI 2.0 table is an RSDP with valid checksums, revision >= 2 and an XSDT")
{
	const u8 *rsdp = conform_firmware_table(EFI_ACPI_20_TABLE_GUID);
	struct memmap m = conform_final_map();
	enum conform_rsdp_verdict v;
	char where[48];

	if (!rsdp)
		KTEST_SKIP(t, "no ACPI 2.0 configuration table (a firmware without ACPI publishes none)");
	v = conform_rsdp(rsdp);
	ktest_evidence(t, "RSDP at %p in %s: OEM \"%.6s\", revision %u, length %u: %s", (const void *)rsdp,
		       conform_where(&m, (u64)(uintptr_t)rsdp, where, sizeof(where)), (const char *)rsdp + 9,
		       rsdp[15], rsdp_length(rsdp), conform_rsdp_verdict_text(v));
	KEXPECT_EQ(t, v, RSDP_OK);
}

static void describe_smbios2(struct ktest *t)
{
	const u8 *v2 = conform_firmware_table(EFI_SMBIOS_TABLE_GUID);

	if (!v2)
		ktest_evidence(t, "no SMBIOS (2.x) configuration table either");
	else if (!memcmp(v2, "_SM_", 4))
		ktest_evidence(t, "only the 32-bit SMBIOS 2.x entry point is published: \"_SM_\" at %p, version %u.%u",
			       (const void *)v2, v2[6], v2[7]);
	else
		ktest_evidence(t, "SMBIOS (2.x) table at %p has no \"_SM_\" anchor", (const void *)v2);
}

KTEST_CHECK(conformance, ct_smbios3, "CT-003", KTEST_SHOULD,
	    "DMTF DSP0134 3.7 section 5.2.2 (SMBIOS 3.0 entry point); " UEFI_TABLES " (SMBIOS3_TABLE_GUID)",
	    "the firmware publishes a valid 64-bit SMBIOS 3 entry point ('_SM3_' anchor, checksum, version >= 3)")
{
	const u8 *v3 = conform_firmware_table(EFI_SMBIOS3_TABLE_GUID);
	enum conform_smbios3_verdict v;

	if (!v3) {
		describe_smbios2(t);
		ktest_fail(t, __FILE__, __LINE__, "no SMBIOS3 configuration table (GUID f2fd1544-...)");
		return;
	}
	v = conform_smbios3(v3);
	ktest_evidence(t, "SMBIOS3 entry point at %p: version %u.%u, length %u, entry point revision %u: %s",
		       (const void *)v3, v3[7], v3[8], v3[6], v3[10], conform_smbios3_verdict_text(v));
	KEXPECT_EQ(t, v, SMBIOS3_OK);
}

KTEST_CHECK(conformance, ct_cc_blob, "CT-004", KTEST_MUST,
	    "edk2 OvmfPkg/Include/Guid/ConfidentialComputingSevSnpBlob.h; Linux arch/x86/boot/compressed/sev.c",
	    "SEV-SNP firmware publishes a CC blob: magic 'AMDE', version 1, secrets and CPUID pages in kept memory")
{
	const struct efi_cc_blob *blob = conform_firmware_table(EFI_CC_BLOB_GUID);
	struct memmap m = conform_final_map();
	struct mm_error e;

	const char *why = conform_not_firmware_of(CC_ATTR_SEV_SNP_GUEST, "SEV-SNP");

	if (!blob && why)
		KTEST_SKIP(t, "no CC blob; %s", why);
	if (!blob) {
		ktest_evidence(t, "platform=snp but the firmware installed no CC blob configuration table");
		ktest_fail(t, __FILE__, __LINE__, "SEV-SNP guest without a CC blob");
		return;
	}
	ktest_evidence(t, "CC blob at %p: magic 0x%08x version %u secrets 0x%llx+0x%x CPUID 0x%llx+0x%x",
		       (const void *)blob, blob->magic, blob->version, blob->secrets_pa, blob->secrets_size,
		       blob->cpuid_pa, blob->cpuid_size);
	mm_error_clear(&e);
	conform_expect_mm(t, conform_cc_blob(blob, &m, &e), &e);
}

static const struct efi_unaccepted_memory *firmware_unaccepted_table(void)
{
	return conform_firmware_table(LINUX_EFI_UNACCEPTED_MEM_TABLE_GUID);
}

#define NO_FIRMWARE_UNACCEPTED_TABLE "the firmware installed no unaccepted-memory table (ccktf builds its own, as the EFI stub does)"

KTEST_CHECK(conformance, ct_unaccepted_table_valid, "CT-005", KTEST_MUST,
	    "Linux include/linux/efi.h (struct efi_unaccepted_memory), drivers/firmware/efi/libstub/unaccepted_memory.c",
	    "an unaccepted-memory table the firmware installs is version 1, 2 MiB units, and matches the memory map")
{
	const struct efi_unaccepted_memory *tbl = firmware_unaccepted_table();
	struct memmap m = conform_final_map();
	struct mm_error e;

	if (!tbl)
		KTEST_SKIP(t, NO_FIRMWARE_UNACCEPTED_TABLE);
	ktest_evidence(t, "table at %p", (const void *)tbl);
	mm_error_clear(&e);
	conform_expect_mm(t, unaccepted_validate(tbl, (u64)(uintptr_t)tbl, &m, &e), &e);
}

KTEST_CHECK(conformance, ct_unaccepted_table_acpi_reclaim, "CT-006", KTEST_SHOULD,
	    "Linux commit e7761d827e99 (v6.6): the table is EfiACPIReclaimMemory so kexec'd kernels find it",
	    "an unaccepted-memory table the firmware installs lies in EfiACPIReclaimMemory")
{
	const struct efi_unaccepted_memory *tbl = firmware_unaccepted_table();
	struct memmap m = conform_final_map();
	char where[48];

	if (!tbl)
		KTEST_SKIP(t, NO_FIRMWARE_UNACCEPTED_TABLE);
	ktest_evidence(t, "table at %p in %s", (const void *)tbl,
		       conform_where(&m, (u64)(uintptr_t)tbl, where, sizeof(where)));
	KEXPECT_EQ(t, conform_locate(&m, 0, (u64)(uintptr_t)tbl).type, EFI_ACPI_RECLAIM_MEMORY);
}

static u64 table_addrs[BOOT_MAX_CONFIG_TABLES + 1];

static u64 collect_addrs(bool with_system_table)
{
	u64 n = conform_table_count();

	for (u64 i = 0; i < n; i++)
		table_addrs[i] = conform_table_addr(i);
	if (with_system_table)
		table_addrs[n++] = (u64)(uintptr_t)boot_info.st;
	return n;
}

KTEST_CHECK(conformance, ct_not_in_boot_services, "CT-007", KTEST_SHOULD,
	    "UEFI 2.10 sections 4.6 and 7.2 (EfiBootServicesCode/Data is free after ExitBootServices)",
	    "no configuration table lies in EfiBootServicesCode or EfiBootServicesData")
{
	struct memmap m = conform_final_map();
	struct conform_evidence ev;
	u64 n = collect_addrs(false);

	conform_evidence_init(&ev, t, conform_table_labels());
	conform_tables_not_in_boot_services(&m, table_addrs, n, &ev.finding);
	conform_expect_held(&ev, "configuration tables in boot-services memory");
}

KTEST_CHECK(conformance, ct_tables_reachable, "CT-008", KTEST_MUST,
	    "UEFI 2.10 sections 4.3, 4.6 and 7.2; Linux drivers/firmware/efi/unaccepted_memory.c",
	    "the system table and every configuration table lie inside the memory map, never in unaccepted memory")
{
	static const char *labels[BOOT_MAX_CONFIG_TABLES + 1];
	const char *const *names = conform_table_labels();
	struct memmap m = conform_final_map();
	struct conform_evidence ev;
	u64 n = collect_addrs(true);

	for (u64 i = 0; i + 1 < n; i++)
		labels[i] = names[i];
	labels[n - 1] = "EFI system table";
	ktest_evidence(t, "%llu tables and the system table at %p", n - 1, (void *)boot_info.st);
	conform_evidence_init(&ev, t, labels);
	conform_tables_reachable(&m, table_addrs, n, &ev.finding);
	conform_expect_held(&ev, "tables outside the map or in unaccepted memory");
}
