/* SPDX-License-Identifier: MIT */
/*
 * What the 64-bit boot-protocol entry makes of e820 (kernel/boot/e820_memmap.c: the synthesized EFI memory
 * map; kernel/boot/e820_alloc.c: page allocation around what the loader uses), on tables shaped like the
 * ones Linux hands to a kexec-ed kernel under OVMF (measured: test_linux_kexec.py prints them).
 */
#include <ccktf/ktest.h>
#include <string.h>

#include "boot/e820_alloc.h"
#include "boot/e820_memmap.h"
#include "mm/memmap.h"

KTEST_SUITE(host_e820_boot, KTEST_AFTER_EXIT_BOOT_SERVICES, NULL);

#define MiB_ (1024ull * 1024)

/* Unsorted on purpose, with a partial-page RAM edge and a partial-page reserved range. */
static const struct e820_entry ovmf_like[] = {
	{ 0x100000, 0x7f00000 - 0x100000 + 0x800, E820_TYPE_RAM }, /* ends 0x800 into a page */
	{ 0x0, 0x9f000, E820_TYPE_RAM },
	{ 0x7f00800, 0x100, E820_TYPE_RESERVED },
	{ 0x7f80000, 0x80000, E820_TYPE_ACPI },
	{ 0x7f78000, 0x8000, E820_TYPE_NVS },
	{ 0xb0000000, 0x10000000, E820_TYPE_RESERVED },
	{ 0x100000000ull, 0x40000000, E820_TYPE_RAM },
	{ 0xfd00000000ull, 0x300000000ull, 12 }, /* PRAM: unknown to EFI, reserved */
};
#define N_OVMF (sizeof(ovmf_like) / sizeof(ovmf_like[0]))

KTEST(host_e820_boot, types_map_as_linux_builds_e820_from_efi)
{
	KEXPECT_EQ(t, e820_type_to_efi(E820_TYPE_RAM), EFI_CONVENTIONAL_MEMORY);
	KEXPECT_EQ(t, e820_type_to_efi(E820_TYPE_ACPI), EFI_ACPI_RECLAIM_MEMORY);
	KEXPECT_EQ(t, e820_type_to_efi(E820_TYPE_NVS), EFI_ACPI_MEMORY_NVS);
	KEXPECT_EQ(t, e820_type_to_efi(E820_TYPE_UNUSABLE), EFI_UNUSABLE_MEMORY);
	KEXPECT_EQ(t, e820_type_to_efi(E820_TYPE_PMEM), EFI_PERSISTENT_MEMORY);
	KEXPECT_EQ(t, e820_type_to_efi(E820_TYPE_RESERVED), EFI_RESERVED_MEMORY);
	KEXPECT_EQ(t, e820_type_to_efi(0xefffffff), EFI_RESERVED_MEMORY);
}

KTEST(host_e820_boot, map_sorted_page_granular_and_checkable)
{
	struct efi_memory_descriptor out[16];
	struct memmap m = { out, 0, sizeof(out[0]), EFI_MEMORY_DESCRIPTOR_VERSION };
	struct mm_error e;
	unsigned n;

	KASSERT_TRUE(t, e820_to_memmap(ovmf_like, N_OVMF, out, 16, &n) == NULL);
	KASSERT_EQ(t, n, N_OVMF);
	m.map_size = n * sizeof(out[0]);
	mm_error_clear(&e);
	KEXPECT_TRUE(t, memmap_check_sorted(&m, &e));
	KEXPECT_TRUE(t, memmap_check_aligned(&m, &e));
	KEXPECT_EQ(t, out[0].phys_start, 0);
	KEXPECT_EQ(t, out[0].num_pages, 0x9f);
	KEXPECT_EQ(t, out[0].attribute, EFI_MEMORY_WB);
	/* RAM rounded inwards: the 0x800 tail is dropped */
	KEXPECT_EQ(t, out[1].phys_start, 0x100000);
	KEXPECT_EQ(t, out[1].phys_start + out[1].num_pages * 4096, 0x7f00000);
	/* reserved rounded outwards: the 0x100 bytes become one page */
	KEXPECT_EQ(t, out[2].type, EFI_RESERVED_MEMORY);
	KEXPECT_EQ(t, out[2].phys_start, 0x7f00000);
	KEXPECT_EQ(t, out[2].num_pages, 1);
	KEXPECT_EQ(t, out[3].type, EFI_ACPI_MEMORY_NVS);
	KEXPECT_EQ(t, out[4].type, EFI_ACPI_RECLAIM_MEMORY);
	KEXPECT_EQ(t, out[6].phys_start, 0x100000000ull);
	KEXPECT_EQ(t, out[7].type, EFI_RESERVED_MEMORY);
}

KTEST(host_e820_boot, map_drops_ram_without_a_whole_page_and_refuses_overflow)
{
	static const struct e820_entry tiny[] = { { 0x1800, 0x1000, E820_TYPE_RAM }, { 0x0, 0x0, E820_TYPE_RESERVED },
						  { 0x2000, 0x1000, E820_TYPE_RAM } };
	struct efi_memory_descriptor out[2];
	unsigned n;

	KASSERT_TRUE(t, e820_to_memmap(tiny, 3, out, 2, &n) == NULL);
	KEXPECT_EQ(t, n, 1);
	KEXPECT_EQ(t, out[0].phys_start, 0x2000);
	KEXPECT_TRUE(t, e820_to_memmap(ovmf_like, N_OVMF, out, 2, &n) != NULL);
}

KTEST(host_e820_boot, alloc_top_down_around_used_ranges)
{
	struct e820_alloc a;
	u64 p;

	e820_alloc_init(&a, ovmf_like, N_OVMF, 4096 * MiB_);
	/* the loader's image at 64 MiB..96 MiB and boot_params right below the RAM's top */
	KASSERT_TRUE(t, e820_alloc_reserve(&a, 64 * MiB_, 32 * MiB_));
	KASSERT_TRUE(t, e820_alloc_reserve(&a, 0x7eff000, 0x1000));
	p = e820_alloc_pages(&a, 4);
	/* highest RAM below the 4 GiB ceiling ends at 0x7f00000; the page below it is in use */
	KEXPECT_EQ(t, p, 0x7eff000 - 4 * 4096);
	p = e820_alloc_pages(&a, 16);
	KEXPECT_EQ(t, p, 0x7eff000 - 4 * 4096 - 16 * 4096);
	/* too big for the gap above the image: below it */
	p = e820_alloc_pages(&a, (0x7eeb000 - 96 * MiB_) / 4096 + 1);
	KEXPECT_EQ(t, p, 64 * MiB_ - (0x7eeb000 - 96 * MiB_) - 4096);
	/* exactly the gap above the image: there */
	KEXPECT_EQ(t, e820_alloc_pages(&a, (0x7eeb000 - 96 * MiB_) / 4096), 96 * MiB_);
}

KTEST(host_e820_boot, alloc_never_below_1mib_nor_above_ceiling_nor_in_non_ram)
{
	static const struct e820_entry low[] = { { 0x0, 0x9f000, E820_TYPE_RAM },
						 { 0x100000, 0x3000, E820_TYPE_RAM },
						 { 0x200000, 0x100000, E820_TYPE_RESERVED },
						 { 0x100000000ull, 0x100000, E820_TYPE_RAM } };
	struct e820_alloc a;

	e820_alloc_init(&a, low, 4, 0x100000000ull);
	KEXPECT_EQ(t, e820_alloc_pages(&a, 4), 0);	   /* only 3 pages above 1 MiB below the ceiling */
	KEXPECT_EQ(t, e820_alloc_pages(&a, 3), 0x100000); /* exactly fits */
	KEXPECT_EQ(t, e820_alloc_pages(&a, 1), 0);	   /* used up */
	KEXPECT_EQ(t, e820_alloc_pages(&a, 0), 0);
	e820_alloc_init(&a, low, 4, 0x200000000ull);
	KEXPECT_EQ(t, e820_alloc_pages(&a, 1), 0x1000ff000ull);
}

KTEST(host_e820_boot, alloc_full_used_list_refuses)
{
	struct e820_alloc a;

	e820_alloc_init(&a, ovmf_like, N_OVMF, 4096 * MiB_);
	for (unsigned i = 0; i < E820_ALLOC_MAX_USED; i++)
		KASSERT_TRUE(t, e820_alloc_reserve(&a, 0x200000 + i * 0x2000, 0x1000));
	KEXPECT_FALSE(t, e820_alloc_reserve(&a, 0x400000, 0x1000));
	KEXPECT_EQ(t, e820_alloc_pages(&a, 1), 0);
}

/* Found by the e820 fuzz target: RAM in the last page of the address space rounded its start up past 2^64
 * to 0, so the map got a descriptor from 0 and the allocator handed out pages outside every RAM entry. */
KTEST(host_e820_boot, ram_in_the_last_page_never_wraps_to_zero)
{
	static const struct e820_entry top[] = { { 0xffffffffffffff00ull, 0xff, E820_TYPE_RAM },
						 { 0x100000, 0x1000, E820_TYPE_RESERVED } };
	struct efi_memory_descriptor out[2];
	struct e820_alloc a;
	unsigned n;

	KASSERT_TRUE(t, e820_to_memmap(top, 2, out, 2, &n) == NULL);
	KEXPECT_EQ(t, n, 1);
	KEXPECT_EQ(t, out[0].type, EFI_RESERVED_MEMORY);
	e820_alloc_init(&a, top, 2, 1ull << 40);
	KEXPECT_EQ(t, e820_alloc_pages(&a, 1), 0);
}
