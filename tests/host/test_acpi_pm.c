/* SPDX-License-Identifier: MIT */
/*
 * The PM1a_CNT walk (kernel/efi/acpi_pm.c) refuses tables in memory the map reports unaccepted: the host
 * writes the pointers, and one read of unaccepted memory ends a TD (SEPT_VE_DISABLE) or raises #VC on SNP.
 * Found by the acpi fuzz target's review (docs/fuzzing.md); the tables here live in host memory, which the
 * kernel's reader treats as physical (it runs on an identity map).
 */
#include <ccktf/ktest.h>
#include <string.h>

#include "../../kernel/efi/acpi_pm.c"

KTEST_SUITE(host_acpi_pm, KTEST_AFTER_EXIT_BOOT_SERVICES, NULL);

static struct {
	u8 rsdp[36];
	u8 xsdt[44];
	u8 fadt[244];
} __attribute__((aligned(4096))) tables;

static void checksum(u8 *p, u32 len, u32 at)
{
	u8 sum = 0;

	p[at] = 0;
	for (u32 i = 0; i < len; i++)
		sum = (u8)(sum + p[i]);
	p[at] = (u8)-sum;
}

static void sdt_header(u8 *t, const char *sig, u32 len)
{
	memcpy(t, sig, 4);
	memcpy(t + 4, &len, 4);
}

static void build_tables(u16 port)
{
	u64 xsdt = (u64)(uintptr_t)tables.xsdt, fadt = (u64)(uintptr_t)tables.fadt;
	u32 pm1a = port;

	memset(&tables, 0, sizeof(tables));
	sdt_header(tables.fadt, "FACP", sizeof(tables.fadt));
	memcpy(tables.fadt + FADT_PM1A_CNT_BLK, &pm1a, 4);
	checksum(tables.fadt, sizeof(tables.fadt), 9);
	sdt_header(tables.xsdt, "XSDT", sizeof(tables.xsdt));
	memcpy(tables.xsdt + ACPI_SDT_HEADER_SIZE, &fadt, 8);
	checksum(tables.xsdt, sizeof(tables.xsdt), 9);
	memcpy(tables.rsdp, "RSD PTR ", 8);
	tables.rsdp[ACPI_RSDP_REVISION_OFFSET] = 2;
	memcpy(tables.rsdp + ACPI_RSDP_XSDT_OFFSET, &xsdt, 8);
	checksum(tables.rsdp, ACPI_RSDP_V1_SIZE, 8);
}

static struct efi_memory_descriptor descs[2];

/* A map with the tables' page (RSDP, XSDT and FADT all lie in it) of this type, the next page ACPI reclaim. */
static struct memmap map_with_tables_in(u32 type)
{
	u64 page = (u64)(uintptr_t)&tables;

	descs[0] = (struct efi_memory_descriptor){ .type = type, .phys_start = page, .num_pages = 1 };
	descs[1] = (struct efi_memory_descriptor){ .type = EFI_ACPI_RECLAIM_MEMORY, .phys_start = page + 0x1000,
						   .num_pages = 1 };
	return (struct memmap){ descs, sizeof(descs), sizeof(descs[0]), 1 };
}

KTEST(host_acpi_pm, tables_in_acpi_memory_give_the_port)
{
	struct memmap m = map_with_tables_in(EFI_ACPI_RECLAIM_MEMORY);

	build_tables(0x604);
	KEXPECT_EQ(t, acpi_pm1a_cnt_port_in(tables.rsdp, &m), 0x604);
}

KTEST(host_acpi_pm, a_table_in_unaccepted_memory_is_never_read)
{
	struct memmap m = map_with_tables_in(EFI_UNACCEPTED_MEMORY);

	build_tables(0x604);
	KEXPECT_EQ(t, acpi_pm1a_cnt_port_in(tables.rsdp, &m), 0);
	KEXPECT_EQ(t, acpi_pm1a_cnt_port(tables.rsdp), 0x604); /* the unchecked walk would have read it */
}

KTEST(host_acpi_pm, ranges_that_wrap_or_touch_unaccepted_memory_are_refused)
{
	struct memmap m = map_with_tables_in(EFI_UNACCEPTED_MEMORY);
	u64 marked = descs[0].phys_start;

	KEXPECT_TRUE(t, acpi_range_unaccepted(&m, ~0ull - 4, 16));
	KEXPECT_TRUE(t, acpi_range_unaccepted(&m, marked - 8, 9));      /* its first byte */
	KEXPECT_FALSE(t, acpi_range_unaccepted(&m, marked - 8, 8));     /* ends right before it */
	KEXPECT_FALSE(t, acpi_range_unaccepted(&m, marked + 0x1000, 8)); /* right after it */
}
