/* SPDX-License-Identifier: MIT */
/* The final EFI map -> e820 for handoff=self (kernel/boot/efi_to_e820.c), as Linux's do_add_efi_memmap(). */
#include <ccktf/ktest.h>

#include "boot/e820_memmap.h"
#include "boot/efi_to_e820.h"

KTEST_SUITE(host_efi_to_e820, KTEST_AFTER_EXIT_BOOT_SERVICES, NULL);

#define D(type_, start, pages, attr) { (type_), 0, (start), 0, (pages), (attr) }

KTEST(host_efi_to_e820, types_merge_and_wb)
{
	static const struct efi_memory_descriptor map[] = {
		D(EFI_BOOT_SERVICES_CODE, 0x0, 0x9f, EFI_MEMORY_WB),
		D(EFI_CONVENTIONAL_MEMORY, 0x100000, 0x100, EFI_MEMORY_WB),
		D(EFI_LOADER_DATA, 0x200000, 0x10, EFI_MEMORY_WB),       /* merges with the one before */
		D(EFI_ACPI_RECLAIM_MEMORY, 0x210000, 0x10, EFI_MEMORY_WB),
		D(EFI_RUNTIME_SERVICES_DATA, 0x220000, 0x10, EFI_MEMORY_WB), /* reserved */
		D(EFI_CONVENTIONAL_MEMORY, 0x230000, 0x10, 0),            /* not WB: reserved, merges */
		D(EFI_ACPI_MEMORY_NVS, 0x240000, 0x10, EFI_MEMORY_WB),
		D(EFI_CONVENTIONAL_MEMORY, 0x300000, 0x0, EFI_MEMORY_WB), /* empty: dropped */
		D(EFI_UNACCEPTED_MEMORY, 0x100000000ull, 0x1000, EFI_MEMORY_WB),
	};
	struct memmap m = { map, sizeof(map), sizeof(map[0]), EFI_MEMORY_DESCRIPTOR_VERSION };
	struct e820_entry out[8];
	unsigned n;

	KASSERT_TRUE(t, efi_to_e820(&m, out, 8, &n) == NULL);
	KASSERT_EQ(t, n, 6);
	KEXPECT_EQ(t, out[0].type, E820_TYPE_RAM);
	KEXPECT_EQ(t, out[0].size, 0x9f000);
	KEXPECT_EQ(t, out[1].addr, 0x100000);
	KEXPECT_EQ(t, out[1].size, 0x110000);
	KEXPECT_EQ(t, out[2].type, E820_TYPE_ACPI);
	KEXPECT_EQ(t, out[3].type, E820_TYPE_RESERVED);
	KEXPECT_EQ(t, out[3].size, 0x20000);
	KEXPECT_EQ(t, out[4].type, E820_TYPE_NVS);
	KEXPECT_EQ(t, out[5].addr, 0x100000000ull);
	KEXPECT_EQ(t, out[5].type, E820_TYPE_RAM);
	KEXPECT_TRUE(t, efi_to_e820(&m, out, 5, &n) != NULL);
}

/* Linux x86-stub.c setup_e820(): specific-purpose RAM is soft-reserved, SP before WB; unaccepted stays RAM */
KTEST(host_efi_to_e820, specific_purpose_soft_reserved)
{
	static const struct efi_memory_descriptor map[] = {
		D(EFI_CONVENTIONAL_MEMORY, 0x100000, 0x100, EFI_MEMORY_WB),
		D(EFI_CONVENTIONAL_MEMORY, 0x200000, 0x100, EFI_MEMORY_WB | EFI_MEMORY_SP),
		D(EFI_BOOT_SERVICES_DATA, 0x300000, 0x10, EFI_MEMORY_SP),     /* SP wins over no WB; merges */
		D(EFI_ACPI_MEMORY_NVS, 0x310000, 0x10, EFI_MEMORY_WB | EFI_MEMORY_SP), /* only RAM types */
		D(EFI_UNACCEPTED_MEMORY, 0x100000000ull, 0x1000, EFI_MEMORY_WB | EFI_MEMORY_SP),
	};
	struct memmap m = { map, sizeof(map), sizeof(map[0]), EFI_MEMORY_DESCRIPTOR_VERSION };
	struct e820_entry out[8];
	unsigned n;

	KASSERT_TRUE(t, efi_to_e820(&m, out, 8, &n) == NULL);
	KASSERT_EQ(t, n, 4);
	KEXPECT_EQ(t, out[0].type, E820_TYPE_RAM);
	KEXPECT_EQ(t, out[1].addr, 0x200000);
	KEXPECT_EQ(t, out[1].size, 0x110000);
	KEXPECT_EQ(t, out[1].type, E820_TYPE_SOFT_RESERVED);
	KEXPECT_EQ(t, out[2].type, E820_TYPE_NVS);
	KEXPECT_EQ(t, out[3].type, E820_TYPE_RAM);
	KEXPECT_EQ(t, efi_type_to_e820(EFI_LOADER_CODE, EFI_MEMORY_WB | EFI_MEMORY_SP), E820_TYPE_SOFT_RESERVED);
	KEXPECT_EQ(t, efi_type_to_e820(EFI_LOADER_CODE, EFI_MEMORY_WB), E820_TYPE_RAM);
}
