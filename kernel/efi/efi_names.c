/* SPDX-License-Identifier: MIT */
/* Human names for GUIDs and memory types, for diagnostics and reports. */
#include <ccktf/boot.h>
#include <ccktf/format.h>

struct guid_name {
	efi_guid_t guid;
	const char *name;
};

const char *efi_guid_name(const efi_guid_t *guid)
{
	static const struct guid_name known[] = {
		{ EFI_ACPI_20_TABLE_GUID, "ACPI 2.0" },
		{ EFI_ACPI_10_TABLE_GUID, "ACPI 1.0" },
		{ EFI_SMBIOS_TABLE_GUID, "SMBIOS" },
		{ EFI_SMBIOS3_TABLE_GUID, "SMBIOS3" },
		{ EFI_MEMORY_ATTRIBUTES_TABLE_GUID, "MemoryAttributesTable" },
		{ EFI_DXE_SERVICES_TABLE_GUID, "DxeServicesTable" },
		{ EFI_HOB_LIST_GUID, "HobList" },
		{ EFI_MEMORY_TYPE_INFORMATION_GUID, "MemoryTypeInformation" },
		{ EFI_DEBUG_IMAGE_INFO_TABLE_GUID, "DebugImageInfoTable" },
		{ EFI_TCG2_FINAL_EVENTS_TABLE_GUID, "Tcg2FinalEvents" },
		{ EFI_RT_PROPERTIES_TABLE_GUID, "RtPropertiesTable" },
		{ EFI_SYSTEM_RESOURCE_TABLE_GUID, "ESRT" },
		{ EFI_CONFORMANCE_PROFILES_TABLE_GUID, "ConformanceProfiles" },
		{ EDKII_LZMA_CUSTOM_DECOMPRESS_GUID, "LzmaCustomDecompress" },
		{ EDKII_MEMORY_STATUS_CODE_RECORD_GUID, "MemoryStatusCodeRecord" },
		{ EFI_IMAGE_SECURITY_DATABASE_GUID, "ImageSecurityDatabase" },
		{ EFI_CC_BLOB_GUID, "CcBlob (SEV-SNP)" },
		{ LINUX_EFI_UNACCEPTED_MEM_TABLE_GUID, "LinuxUnacceptedMemory" },
		{ LINUX_EFI_MEMRESERVE_TABLE_GUID, "LinuxMemreserve" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(known); i++)
		if (efi_guid_equal(&known[i].guid, guid))
			return known[i].name;
	return NULL;
}

const char *efi_memory_type_name(u32 type)
{
	static const char *const names[EFI_MAX_MEMORY_TYPE] = {
		"Reserved",	      "LoaderCode",	 "LoaderData",	      "BootServicesCode",
		"BootServicesData",   "RuntimeCode",	 "RuntimeData",	      "Conventional",
		"Unusable",	      "ACPIReclaim",	 "ACPINVS",	      "MMIO",
		"MMIOPortSpace",      "PalCode",	 "Persistent",	      "Unaccepted",
	};

	if (type < EFI_MAX_MEMORY_TYPE)
		return names[type];
	if (type >= EFI_OS_MEMORY_TYPE_FIRST)
		return "OSReserved";
	if (type >= EFI_OEM_MEMORY_TYPE_FIRST)
		return "OEM";
	return "Invalid";
}

/* The canonical text form, e.g. d5d1de3c-105c-44f9-9ea9-bcef98120031. */
void efi_guid_format(const efi_guid_t *g, char *buf, size_t size)
{
	snprintf(buf, size, "%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x", g->data1, g->data2, g->data3,
		 g->data4[0], g->data4[1], g->data4[2], g->data4[3], g->data4[4], g->data4[5], g->data4[6],
		 g->data4[7]);
}
