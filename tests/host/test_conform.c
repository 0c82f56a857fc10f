/* SPDX-License-Identifier: MIT */
/*
 * The conformance rules (kernel/conform/) on synthetic inputs: each passes on a good input and FAILS when
 * the condition it guards is broken, so a check that cannot fail is caught here, not in front of a vendor.
 * Maps are built with DescriptorSize 40 and 48 (edk2's), stepping by the reported size.
 */
#include <ccktf/ktest.h>
#include "test_map.h"
#include <string.h>

#include "conform/conform.h"

KTEST_SUITE(host_conform_memmap, KTEST_AFTER_EXIT_BOOT_SERVICES, NULL);
KTEST_SUITE(host_conform_tables, KTEST_AFTER_EXIT_BOOT_SERVICES, NULL);

#define PAGE 4096ull
#define WB EFI_MEMORY_WB
#define RT EFI_MEMORY_RUNTIME


/* A map a conforming firmware could hand over: low RAM, runtime, ACPI, RAM, unaccepted above 4 GiB. */
static void map_good(struct test_map *tm, u64 desc_size)
{
	map_init(tm, desc_size);
	map_add_desc(tm, EFI_CONVENTIONAL_MEMORY, 0, 0xa0, WB);
	map_add_desc(tm, EFI_CONVENTIONAL_MEMORY, 1 * MiB, 256, WB);
	map_add_desc(tm, EFI_RUNTIME_SERVICES_CODE, 2 * MiB, 16, WB | RT);
	map_add_desc(tm, EFI_RUNTIME_SERVICES_DATA, 2 * MiB + 16 * PAGE, 16, WB | RT);
	map_add_desc(tm, EFI_ACPI_RECLAIM_MEMORY, 3 * MiB, 4, WB);
	map_add_desc(tm, EFI_RESERVED_MEMORY, 3 * MiB + 4 * PAGE, 4, WB);
	map_add_desc(tm, EFI_BOOT_SERVICES_DATA, 4 * MiB, 16, WB);
	map_add_desc(tm, EFI_CONVENTIONAL_MEMORY, 8 * MiB, 1024, WB);
	map_add_desc(tm, EFI_UNACCEPTED_MEMORY, 4 * GiB, 1024, WB);
}

/* Descriptor i, writable. */
static struct efi_memory_descriptor *desc_at(struct test_map *tm, u64 i)
{
	return (struct efi_memory_descriptor *)((u8 *)tm->buf + i * tm->m.desc_size);
}

static const u64 desc_sizes[] = { 40, 48 };

#define for_each_desc_size(sz) for (u64 k_ = 0, sz; k_ < ARRAY_SIZE(desc_sizes) && ((sz = desc_sizes[k_]), 1); k_++)

static struct test_map tm;

/* A rule with a finding: true when it held on the map, count recorded. */
typedef bool (*item_rule)(const struct memmap *, struct conform_finding *);

static u64 offenders(item_rule rule, u64 *first_index)
{
	struct conform_finding f;

	conform_finding_init(&f, NULL, NULL);
	if (rule(&tm.m, &f) != (f.count == 0))
		return U64_MAX; /* the verdict and the count disagree */
	if (first_index)
		*first_index = f.count ? f.first.index : U64_MAX;
	return f.count;
}

static bool rule_wb(const struct memmap *m, struct conform_finding *f)
{
	return conform_memmap_wb(m, f);
}

static bool rule_runtime(const struct memmap *m, struct conform_finding *f)
{
	return conform_memmap_runtime_attr(m, f);
}

static bool rule_types(const struct memmap *m, struct conform_finding *f)
{
	return conform_memmap_types(m, f);
}

static bool rule_aligned_2m(const struct memmap *m, struct conform_finding *f)
{
	return conform_unaccepted_aligned(m, 2 * MiB, f);
}

static bool rule_low(const struct memmap *m, struct conform_finding *f)
{
	return conform_unaccepted_below(m, CONFORM_LOW_MEMORY, f);
}

static bool rule_conventional_high(const struct memmap *m, struct conform_finding *f)
{
	return conform_conventional_above(m, CONFORM_4G, f);
}

KTEST(host_conform_memmap, good_map_passes_every_rule)
{
	for_each_desc_size(sz) {
		struct mm_error e;

		map_good(&tm, sz);
		mm_error_clear(&e);
		KEXPECT_TRUE(t, conform_memmap_version(&tm.m, &e));
		KEXPECT_TRUE(t, conform_memmap_desc_size(&tm.m, &e));
		KEXPECT_TRUE(t, conform_memmap_extents(&tm.m, &e));
		KEXPECT_EQ(t, offenders(rule_types, NULL), 0);
		KEXPECT_EQ(t, offenders(rule_wb, NULL), 0);
		KEXPECT_EQ(t, offenders(rule_runtime, NULL), 0);
		KEXPECT_EQ(t, offenders(rule_aligned_2m, NULL), 0);
		KEXPECT_EQ(t, offenders(rule_low, NULL), 0);
		KEXPECT_EQ(t, offenders(rule_conventional_high, NULL), 0);
		KEXPECT_EQ(t, conform_bytes_of_type(&tm.m, EFI_UNACCEPTED_MEMORY), 4 * MiB);
		KEXPECT_EQ(t, conform_ram_above(&tm.m, CONFORM_4G), 4 * MiB);
	}
}

KTEST(host_conform_memmap, version_other_than_1_fails)
{
	struct mm_error e;

	map_good(&tm, 48);
	tm.m.desc_version = 2;
	mm_error_clear(&e);
	KEXPECT_FALSE(t, conform_memmap_version(&tm.m, &e));
	KEXPECT_EQ(t, e.code, MM_ERR_DESC_VERSION);
	KEXPECT_TRUE(t, conform_memmap_desc_size(&tm.m, NULL)); /* MM-002 does not judge the version */
}

KTEST(host_conform_memmap, descriptor_size_small_or_unaligned_fails)
{
	struct mm_error e;

	map_good(&tm, 48);
	tm.m.desc_size = 32;
	mm_error_clear(&e);
	KEXPECT_FALSE(t, conform_memmap_desc_size(&tm.m, &e));
	KEXPECT_EQ(t, e.code, MM_ERR_DESC_SIZE_SMALL);
	tm.m.desc_size = 44;
	KEXPECT_FALSE(t, conform_memmap_desc_size(&tm.m, &e));
	KEXPECT_EQ(t, e.code, MM_ERR_DESC_SIZE_UNALIGNED);
	map_good(&tm, 48);
	tm.m.map_size -= 8;
	KEXPECT_FALSE(t, conform_memmap_desc_size(&tm.m, &e));
	KEXPECT_EQ(t, e.code, MM_ERR_MAP_SIZE);
}

KTEST(host_conform_memmap, empty_or_wrapping_descriptor_fails)
{
	for_each_desc_size(sz) {
		map_good(&tm, sz);
		desc_at(&tm, 4)->num_pages = 0;
		KEXPECT_FALSE(t, conform_memmap_extents(&tm.m, NULL));
		map_good(&tm, sz);
		desc_at(&tm, 8)->num_pages = U64_MAX >> 12;
		KEXPECT_FALSE(t, conform_memmap_extents(&tm.m, NULL));
	}
}

KTEST(host_conform_memmap, undefined_type_fails)
{
	u64 first;

	for_each_desc_size(sz) {
		map_good(&tm, sz);
		desc_at(&tm, 5)->type = EFI_MAX_MEMORY_TYPE;
		KEXPECT_EQ(t, offenders(rule_types, &first), 1);
		KEXPECT_EQ(t, first, 5);
		desc_at(&tm, 5)->type = 0x6fffffff;
		KEXPECT_EQ(t, offenders(rule_types, NULL), 1);
		desc_at(&tm, 5)->type = EFI_OEM_MEMORY_TYPE_FIRST;
		KEXPECT_EQ(t, offenders(rule_types, NULL), 0);
		desc_at(&tm, 5)->type = EFI_OS_MEMORY_TYPE_FIRST;
		KEXPECT_EQ(t, offenders(rule_types, NULL), 0);
	}
}

KTEST(host_conform_memmap, missing_wb_on_conventional_or_unaccepted_fails)
{
	u64 first;

	for_each_desc_size(sz) {
		map_good(&tm, sz);
		desc_at(&tm, 1)->attribute = EFI_MEMORY_UC;
		desc_at(&tm, 8)->attribute = 0;
		desc_at(&tm, 5)->attribute = EFI_MEMORY_UC; /* reserved memory may be uncached */
		KEXPECT_EQ(t, offenders(rule_wb, &first), 2);
		KEXPECT_EQ(t, first, 1);
	}
}

KTEST(host_conform_memmap, missing_runtime_attribute_fails)
{
	u64 first;

	for_each_desc_size(sz) {
		map_good(&tm, sz);
		desc_at(&tm, 3)->attribute = WB;
		KEXPECT_EQ(t, offenders(rule_runtime, &first), 1);
		KEXPECT_EQ(t, first, 3);
	}
}

KTEST(host_conform_memmap, misaligned_unaccepted_range_fails)
{
	u64 first;

	for_each_desc_size(sz) {
		map_good(&tm, sz);
		desc_at(&tm, 8)->phys_start = 4 * GiB + PAGE; /* start off the 2 MiB unit */
		KEXPECT_EQ(t, offenders(rule_aligned_2m, &first), 1);
		KEXPECT_EQ(t, first, 8);
		map_good(&tm, sz);
		desc_at(&tm, 8)->num_pages = 1023; /* end off the unit */
		KEXPECT_EQ(t, offenders(rule_aligned_2m, NULL), 1);
	}
}

KTEST(host_conform_memmap, unaccepted_below_1m_fails)
{
	u64 first;

	for_each_desc_size(sz) {
		map_good(&tm, sz);
		desc_at(&tm, 0)->type = EFI_UNACCEPTED_MEMORY;
		KEXPECT_EQ(t, offenders(rule_low, &first), 1);
		KEXPECT_EQ(t, first, 0);
		desc_at(&tm, 0)->type = EFI_CONVENTIONAL_MEMORY;
		desc_at(&tm, 1)->type = EFI_UNACCEPTED_MEMORY; /* starts at 1 MiB: allowed */
		KEXPECT_EQ(t, offenders(rule_low, NULL), 0);
	}
}

KTEST(host_conform_memmap, conventional_above_4g_fails)
{
	map_good(&tm, 48);
	desc_at(&tm, 8)->type = EFI_CONVENTIONAL_MEMORY;
	KEXPECT_EQ(t, offenders(rule_conventional_high, NULL), 1);
}

KTEST(host_conform_memmap, map_that_changes_between_reads_fails)
{
	static struct test_map other;
	struct mm_error e;

	map_good(&tm, 48);
	map_good(&other, 48);
	KEXPECT_TRUE(t, conform_memmap_same(&tm.m, &other.m, NULL));
	desc_at(&other, 7)->num_pages--;
	mm_error_clear(&e);
	KEXPECT_FALSE(t, conform_memmap_same(&tm.m, &other.m, &e));
	KEXPECT_EQ(t, e.index, 7);
	map_good(&other, 48);
	other.m.map_size -= 48;
	KEXPECT_FALSE(t, conform_memmap_same(&tm.m, &other.m, NULL));
}

static u64 seen[4];
static unsigned n_seen;

static void remember(void *ctx, const struct conform_item *item)
{
	(void)ctx;
	if (n_seen < ARRAY_SIZE(seen))
		seen[n_seen++] = item->index;
}

KTEST(host_conform_memmap, visitor_sees_every_offender)
{
	struct conform_finding f;

	map_good(&tm, 40);
	desc_at(&tm, 0)->attribute = 0;
	desc_at(&tm, 7)->attribute = 0;
	n_seen = 0;
	conform_finding_init(&f, remember, NULL);
	KEXPECT_FALSE(t, conform_memmap_wb(&tm.m, &f));
	KEXPECT_EQ(t, n_seen, 2);
	KEXPECT_EQ(t, seen[0], 0);
	KEXPECT_EQ(t, seen[1], 7);
	KEXPECT_EQ(t, f.first.type, EFI_CONVENTIONAL_MEMORY);
}

/* Tables */

KTEST(host_conform_tables, table_in_boot_services_memory_fails)
{
	u64 addrs[] = { 3 * MiB + 64, 2 * MiB + 16 * PAGE + 8, 4 * MiB + 24 }; /* ACPI, runtime data, BS data */
	struct conform_finding f;

	for_each_desc_size(sz) {
		map_good(&tm, sz);
		conform_finding_init(&f, NULL, NULL);
		KEXPECT_TRUE(t, conform_tables_not_in_boot_services(&tm.m, addrs, 2, &f));
		KEXPECT_FALSE(t, conform_tables_not_in_boot_services(&tm.m, addrs, 3, &f));
		KEXPECT_EQ(t, f.count, 1);
		KEXPECT_EQ(t, f.first.index, 2);
		KEXPECT_EQ(t, f.first.type, EFI_BOOT_SERVICES_DATA);
		KEXPECT_EQ(t, f.first.addr, 4 * MiB + 24);
		desc_at(&tm, 6)->type = EFI_BOOT_SERVICES_CODE;
		KEXPECT_FALSE(t, conform_tables_not_in_boot_services(&tm.m, addrs, 3, NULL));
	}
}

KTEST(host_conform_tables, table_outside_map_or_unaccepted_fails)
{
	u64 addrs[] = { 3 * MiB + 64, 4 * GiB + 8, 64 * GiB };
	struct conform_finding f;

	map_good(&tm, 48);
	conform_finding_init(&f, NULL, NULL);
	KEXPECT_TRUE(t, conform_tables_reachable(&tm.m, addrs, 1, &f));
	KEXPECT_FALSE(t, conform_tables_reachable(&tm.m, addrs, 3, &f));
	KEXPECT_EQ(t, f.count, 2);
	KEXPECT_EQ(t, f.first.type, EFI_UNACCEPTED_MEMORY);
	KEXPECT_EQ(t, conform_locate(&tm.m, 2, addrs[2]).type, CONFORM_TYPE_NONE);
}

static void checksum_fix(u8 *p, u64 n, u64 at)
{
	p[at] = 0;
	p[at] = (u8)-conform_checksum(p, n);
}

static void rsdp_good(u8 *p)
{
	u32 length = CONFORM_RSDP_V2_SIZE;

	memset(p, 0, 64);
	memcpy(p, "RSD PTR ", 8);
	memcpy(p + 9, "BOCHS ", 6);
	p[15] = 2;
	memcpy(p + 20, &length, 4);
	checksum_fix(p, CONFORM_RSDP_V1_SIZE, 8);
	checksum_fix(p, length, 32);
}

KTEST(host_conform_tables, rsdp_rules)
{
	u8 p[64];

	rsdp_good(p);
	KEXPECT_EQ(t, conform_rsdp(p), RSDP_OK);
	p[8]++;
	KEXPECT_EQ(t, conform_rsdp(p), RSDP_BAD_CHECKSUM);
	rsdp_good(p);
	p[0] = 'X';
	KEXPECT_EQ(t, conform_rsdp(p), RSDP_BAD_SIGNATURE);
	rsdp_good(p);
	p[32]++;
	KEXPECT_EQ(t, conform_rsdp(p), RSDP_BAD_EXTENDED_CHECKSUM);
	rsdp_good(p);
	p[15] = 0;
	checksum_fix(p, CONFORM_RSDP_V1_SIZE, 8);
	KEXPECT_EQ(t, conform_rsdp(p), RSDP_OLD_REVISION);
	rsdp_good(p);
	p[20] = 20;
	checksum_fix(p, CONFORM_RSDP_V1_SIZE, 8);
	KEXPECT_EQ(t, conform_rsdp(p), RSDP_BAD_LENGTH);
	KEXPECT_STREQ(t, conform_rsdp_verdict_text(RSDP_OK), "valid");
}

static void smbios3_good(u8 *p)
{
	memset(p, 0, 32);
	memcpy(p, "_SM3_", 5);
	p[6] = CONFORM_SMBIOS3_SIZE;
	p[7] = 3;
	p[8] = 4;
	p[10] = 1;
	checksum_fix(p, CONFORM_SMBIOS3_SIZE, 5);
}

KTEST(host_conform_tables, smbios3_rules)
{
	u8 p[32];

	smbios3_good(p);
	KEXPECT_EQ(t, conform_smbios3(p), SMBIOS3_OK);
	memcpy(p, "_SM_\0", 5); /* a 2.x anchor behind the SMBIOS3 GUID */
	KEXPECT_EQ(t, conform_smbios3(p), SMBIOS3_BAD_ANCHOR);
	smbios3_good(p);
	p[16] = 0x40;
	KEXPECT_EQ(t, conform_smbios3(p), SMBIOS3_BAD_CHECKSUM);
	smbios3_good(p);
	p[7] = 2;
	checksum_fix(p, CONFORM_SMBIOS3_SIZE, 5);
	KEXPECT_EQ(t, conform_smbios3(p), SMBIOS3_OLD_VERSION);
	smbios3_good(p);
	p[6] = 0x10;
	KEXPECT_EQ(t, conform_smbios3(p), SMBIOS3_BAD_LENGTH);
	smbios3_good(p);
	p[10] = 2;
	checksum_fix(p, CONFORM_SMBIOS3_SIZE, 5);
	KEXPECT_EQ(t, conform_smbios3(p), SMBIOS3_BAD_REVISION);
}

/* The good map: reserved at 3 MiB + 16 KiB (4 pages), runtime data at 2 MiB + 64 KiB. */
static struct efi_cc_blob cc_good(void)
{
	return (struct efi_cc_blob){ .magic = EFI_CC_BLOB_MAGIC, .version = 1,
					 .secrets_pa = 3 * MiB + 4 * PAGE, .secrets_size = PAGE,
					 .cpuid_pa = 2 * MiB + 16 * PAGE, .cpuid_size = PAGE };
}

KTEST(host_conform_tables, cc_blob_rules)
{
	struct efi_cc_blob b = cc_good();
	struct mm_error e;

	KEXPECT_EQ(t, sizeof(b), 40);
	map_good(&tm, 48);
	mm_error_clear(&e);
	KEXPECT_TRUE(t, conform_cc_blob(&b, &tm.m, &e));
	b.magic = 0x45444d42;
	KEXPECT_FALSE(t, conform_cc_blob(&b, &tm.m, &e));
	b = cc_good();
	b.version = 2;
	KEXPECT_FALSE(t, conform_cc_blob(&b, &tm.m, &e));
	b = cc_good();
	b.secrets_pa = 64 * GiB; /* outside the map */
	KEXPECT_FALSE(t, conform_cc_blob(&b, &tm.m, &e));
	KEXPECT_EQ(t, e.addr, 64 * GiB);
	b = cc_good();
	b.cpuid_pa = 8 * MiB; /* conventional: the OS would reuse it */
	KEXPECT_FALSE(t, conform_cc_blob(&b, &tm.m, &e));
	b = cc_good();
	b.secrets_size = 5 * PAGE; /* runs past the reserved descriptor into boot-services data */
	KEXPECT_FALSE(t, conform_cc_blob(&b, &tm.m, &e));
	b = cc_good();
	b.cpuid_size = 0;
	KEXPECT_FALSE(t, conform_cc_blob(&b, &tm.m, &e));
}
