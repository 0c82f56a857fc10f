/* SPDX-License-Identifier: MIT */
/* Behaviour of boot services that only a test running before ExitBootServices can observe. */
#include <ccktf/boot.h>
#include <ccktf/ktest.h>
#include <ccktf/string.h>

KTEST_SUITE(efi_boot_services, KTEST_BEFORE_EXIT_BOOT_SERVICES, NULL);

static struct efi_memmap_snapshot first, second;

/* UEFI 2.10 section 7.2: the map key changes only when the map does; two reads with nothing between. */
KTEST(efi_boot_services, memmap_stable_between_reads)
{
	KASSERT_FALSE(t, EFI_IS_ERROR(efi_read_memmap_twice(&boot_info, &first, &second)));
	KEXPECT_EQ(t, first.map_key, second.map_key);
	KASSERT_EQ(t, first.map_size, second.map_size);
	KEXPECT_EQ(t, memcmp(first.buf, second.buf, first.map_size), 0);
}

/* UEFI 2.10 section 7.2, AllocatePages: EfiUnacceptedMemoryType cannot be allocated (edk2 Page.c agrees). */
KTEST(efi_boot_services, allocate_pages_refuses_unaccepted_type)
{
	efi_physical_addr_t addr = 0;
	efi_status_t s = boot_info.st->boot_services->allocate_pages(EFI_ALLOCATE_ANY_PAGES, EFI_UNACCEPTED_MEMORY,
								     1, &addr);

	if (!EFI_IS_ERROR(s))
		boot_info.st->boot_services->free_pages(addr, 1);
	KEXPECT_EQ(t, s, EFI_INVALID_PARAMETER);
}

KTEST(efi_boot_services, stall_advances_time)
{
	u64 hz = boot_info.tsc.measured_hz;

	KEXPECT_GT(t, hz, 100000000ull); /* a TSC below 100 MHz would make every duration meaningless */
}
