/* SPDX-License-Identifier: MIT */
/*
 * Configuration-table conformance rules (CT-*, docs/conformance.md): where the tables lie in the memory map
 * and what the ACPI RSDP, the SMBIOS 3 entry point and the SEV-SNP CC blob contain.
 * Sources: UEFI 2.10 sections 4.6 (configuration tables) and 7.2 (memory types), ACPI 6.5 section 5.2.5.3
 * (RSDP), DMTF DSP0134 3.7 section 5.2.2 (SMBIOS 3.0 entry point), edk2
 * OvmfPkg/Include/Guid/ConfidentialComputingSevSnpBlob.h (CC blob).
 */
#include <ccktf/string.h>
#include "conform/conform.h"

/* Where a table lies */

struct conform_item conform_locate(const struct memmap *m, u64 index, u64 addr)
{
	const struct efi_memory_descriptor *d = memmap_find(m, addr, NULL);
	struct conform_item item = { index, addr, 0, 0, CONFORM_TYPE_NONE, NULL };

	if (d) {
		item.pages = d->num_pages;
		item.attribute = d->attribute;
		item.type = d->type;
	}
	return item;
}

bool conform_type_is_boot_services(u32 type)
{
	return type == EFI_BOOT_SERVICES_CODE || type == EFI_BOOT_SERVICES_DATA;
}

bool conform_tables_not_in_boot_services(const struct memmap *m, const u64 *addrs, u64 n,
					 struct conform_finding *f)
{
	bool held = true;

	for (u64 i = 0; i < n; i++) {
		struct conform_item item = conform_locate(m, i, addrs[i]);

		item.what = "an OS may reuse boot-services memory after ExitBootServices";
		if (conform_type_is_boot_services(item.type))
			held = conform_offend(f, &item);
	}
	return held;
}

static const char *unreachable(u32 type)
{
	if (type == CONFORM_TYPE_NONE)
		return "lies outside every memory-map descriptor";
	if (memmap_type_is_unaccepted(type))
		return "lies in unaccepted memory (touching it before accepting it is fatal on TDX)";
	return NULL;
}

bool conform_tables_reachable(const struct memmap *m, const u64 *addrs, u64 n, struct conform_finding *f)
{
	bool held = true;

	for (u64 i = 0; i < n; i++) {
		struct conform_item item = conform_locate(m, i, addrs[i]);

		item.what = unreachable(item.type);
		if (item.what)
			held = conform_offend(f, &item);
	}
	return held;
}

u8 conform_checksum(const u8 *p, u64 n)
{
	u8 sum = 0;

	while (n--)
		sum += *p++;
	return sum;
}

static u32 read_u32(const u8 *p)
{
	u32 v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* ACPI 6.5 section 5.2.5.3: Signature @0, Checksum @8 (first 20 bytes), Revision @15, Length @20,
 * Extended Checksum @32 (Length bytes). */

#define RSDP_MAX_LENGTH 4096u /* 36 today; anything near a page is garbage */

enum conform_rsdp_verdict conform_rsdp(const u8 *p)
{
	u32 length = read_u32(p + 20);

	if (memcmp(p, "RSD PTR ", 8))
		return RSDP_BAD_SIGNATURE;
	if (conform_checksum(p, CONFORM_RSDP_V1_SIZE))
		return RSDP_BAD_CHECKSUM;
	if (p[15] < 2)
		return RSDP_OLD_REVISION;
	if (length < CONFORM_RSDP_V2_SIZE || length > RSDP_MAX_LENGTH)
		return RSDP_BAD_LENGTH;
	if (conform_checksum(p, length))
		return RSDP_BAD_EXTENDED_CHECKSUM;
	return RSDP_OK;
}

const char *conform_rsdp_verdict_text(enum conform_rsdp_verdict v)
{
	static const char *const text[] = {
		[RSDP_OK] = "valid",
		[RSDP_BAD_SIGNATURE] = "signature is not \"RSD PTR \"",
		[RSDP_BAD_CHECKSUM] = "the first 20 bytes do not sum to 0",
		[RSDP_OLD_REVISION] = "revision below 2 (an ACPI 1.0 RSDP behind the ACPI 2.0 GUID)",
		[RSDP_BAD_LENGTH] = "Length is below 36 or absurd",
		[RSDP_BAD_EXTENDED_CHECKSUM] = "the Length bytes do not sum to 0 (extended checksum)",
	};

	return (unsigned)v < ARRAY_SIZE(text) ? text[v] : "unknown";
}

/* DSP0134 3.7 section 5.2.2: anchor "_SM3_" @0, checksum @5 (over Length bytes), Length @6 (0x18),
 * major @7, minor @8, docrev @9, entry point revision @10 (01h), table maximum size @12, address @16. */

enum conform_smbios3_verdict conform_smbios3(const u8 *p)
{
	if (memcmp(p, "_SM3_", 5))
		return SMBIOS3_BAD_ANCHOR;
	if (p[6] < CONFORM_SMBIOS3_SIZE)
		return SMBIOS3_BAD_LENGTH;
	if (conform_checksum(p, p[6]))
		return SMBIOS3_BAD_CHECKSUM;
	if (p[7] < 3)
		return SMBIOS3_OLD_VERSION;
	if (p[10] != 1)
		return SMBIOS3_BAD_REVISION;
	return SMBIOS3_OK;
}

const char *conform_smbios3_verdict_text(enum conform_smbios3_verdict v)
{
	static const char *const text[] = {
		[SMBIOS3_OK] = "valid",
		[SMBIOS3_BAD_ANCHOR] = "anchor is not \"_SM3_\"",
		[SMBIOS3_BAD_LENGTH] = "entry point length below 0x18",
		[SMBIOS3_BAD_CHECKSUM] = "the entry point does not sum to 0",
		[SMBIOS3_OLD_VERSION] = "SMBIOS major version below 3",
		[SMBIOS3_BAD_REVISION] = "entry point revision is not 01h",
	};

	return (unsigned)v < ARRAY_SIZE(text) ? text[v] : "unknown";
}

/* The SEV-SNP CC blob */

/* Memory an OS keeps after boot: not free, not reclaimable, not unaccepted, not MMIO. */
static bool type_kept_by_os(u32 type)
{
	switch (type) {
	case EFI_RESERVED_MEMORY:
	case EFI_RUNTIME_SERVICES_CODE:
	case EFI_RUNTIME_SERVICES_DATA:
	case EFI_ACPI_RECLAIM_MEMORY:
	case EFI_ACPI_MEMORY_NVS:
		return true;
	default:
		return false;
	}
}

static bool cc_page_ok(const struct memmap *m, const char *what, u64 pa, u32 size, struct mm_error *e)
{
	struct range r;
	u64 gap;

	if (!pa || !size || !range_from_size(pa, size, &r))
		return mm_fail(e, MM_ERR_TABLE_RANGE, MM_NO_INDEX, pa, "%s page 0x%llx size %u: empty or wraps",
			       what, pa, size);
	if (!memmap_range_is(m, r, type_kept_by_os, &gap))
		return mm_fail(e, MM_ERR_TABLE_NOT_IN_RAM, MM_NO_INDEX, gap,
			       "%s page 0x%llx size 0x%x: 0x%llx is not in Reserved, Runtime or ACPI memory "
			       "(outside the map, or in memory the OS reuses or must accept)",
			       what, pa, size, gap);
	return true;
}

bool conform_cc_blob(const struct efi_cc_blob *b, const struct memmap *m, struct mm_error *e)
{
	if (b->magic != EFI_CC_BLOB_MAGIC)
		return mm_fail(e, MM_ERR_TABLE_VERSION, MM_NO_INDEX, 0, "magic 0x%08x, expected 0x%08x (\"AMDE\")",
			       b->magic, EFI_CC_BLOB_MAGIC);
	if (b->version != 1)
		return mm_fail(e, MM_ERR_TABLE_VERSION, MM_NO_INDEX, 0, "version %u, expected 1", b->version);
	return cc_page_ok(m, "secrets", b->secrets_pa, b->secrets_size, e) &&
	       cc_page_ok(m, "CPUID", b->cpuid_pa, b->cpuid_size, e);
}
