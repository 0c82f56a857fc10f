/* SPDX-License-Identifier: MIT */
/* Memory as each kind of kernel sees it (kernel/mm/kind_memory.c): the matrix's "usable" column. */
#include <ccktf/ktest.h>
#include "test_map.h"

#include "mm/kind_memory.h"

KTEST_SUITE(host_kind_memory, KTEST_AFTER_EXIT_BOOT_SERVICES, NULL);

#define PAGE 4096ull

/* 64 pages conventional, 8 loader data, 4 boot-services data, 2 runtime data, 1 ACPI reclaim, 16 MMIO,
 * 512 unaccepted. */
static void guest_map(struct test_map *tm)
{
	map_init(tm, 48);
	map_add_desc(tm, EFI_CONVENTIONAL_MEMORY, 0, 64, 0);
	map_add_desc(tm, EFI_LOADER_DATA, 64 * PAGE, 8, 0);
	map_add_desc(tm, EFI_BOOT_SERVICES_DATA, 72 * PAGE, 4, 0);
	map_add_desc(tm, EFI_RUNTIME_SERVICES_DATA, 76 * PAGE, 2, 0);
	map_add_desc(tm, EFI_ACPI_RECLAIM_MEMORY, 78 * PAGE, 1, 0);
	map_add_desc(tm, EFI_MEMORY_MAPPED_IO, 1 * GiB, 16, 0);
	map_add_desc(tm, EFI_UNACCEPTED_MEMORY, 4 * GiB, 512, 0);
}

KTEST(host_kind_memory, unenlightened_loses_the_unaccepted_memory)
{
	static struct test_map tm;
	struct kind_memory km;

	guest_map(&tm);
	kind_memory_count(&tm.m, false, &km);
	KEXPECT_EQ(t, km.guest, (64 + 8 + 4 + 2 + 1 + 512) * PAGE); /* MMIO is not guest RAM */
	KEXPECT_EQ(t, km.usable, (64 + 8 + 4) * PAGE);	      /* runtime and ACPI memory are not free RAM */
	KEXPECT_EQ(t, km.unaccepted, 512 * PAGE);
	KEXPECT_EQ(t, km.lost, 512 * PAGE);
}

KTEST(host_kind_memory, accepting_kinds_use_the_unaccepted_memory)
{
	static struct test_map tm;
	struct kind_memory km;

	guest_map(&tm);
	kind_memory_count(&tm.m, true, &km);
	KEXPECT_EQ(t, km.usable, (64 + 8 + 4 + 512) * PAGE);
	KEXPECT_EQ(t, km.unaccepted, 512 * PAGE);
	KEXPECT_EQ(t, km.lost, 0);
}

KTEST(host_kind_memory, usable_types_follow_setup_e820)
{
	KEXPECT_TRUE(t, kind_memory_usable_type(EFI_CONVENTIONAL_MEMORY, false));
	KEXPECT_TRUE(t, kind_memory_usable_type(EFI_BOOT_SERVICES_CODE, false));
	KEXPECT_TRUE(t, kind_memory_usable_type(EFI_LOADER_CODE, false));
	KEXPECT_FALSE(t, kind_memory_usable_type(EFI_UNACCEPTED_MEMORY, false));
	KEXPECT_TRUE(t, kind_memory_usable_type(EFI_UNACCEPTED_MEMORY, true));
	KEXPECT_FALSE(t, kind_memory_usable_type(EFI_RESERVED_MEMORY, true));
	KEXPECT_FALSE(t, kind_memory_usable_type(EFI_RUNTIME_SERVICES_CODE, true));
	KEXPECT_FALSE(t, kind_memory_usable_type(EFI_ACPI_MEMORY_NVS, true));
}

KTEST(host_kind_memory, empty_map_counts_nothing)
{
	static struct test_map tm;
	struct kind_memory km = { 1, 1, 1, 1 };

	map_init(&tm, 48);
	kind_memory_count(&tm.m, true, &km);
	KEXPECT_EQ(t, km.guest + km.usable + km.unaccepted + km.lost, 0);
}

/* Review of e7719e9: conventional memory with EFI_MEMORY_SP counted as usable; Linux soft-reserves it. */
KTEST(host_kind_memory, specific_purpose_memory_is_not_usable)
{
	static struct test_map tm;
	struct kind_memory km;

	guest_map(&tm);
	map_add_desc(&tm, EFI_CONVENTIONAL_MEMORY, 8 * GiB, 32, EFI_MEMORY_SP);
	kind_memory_count(&tm.m, true, &km);
	KEXPECT_EQ(t, km.usable, (64 + 8 + 4 + 512) * PAGE);
}
