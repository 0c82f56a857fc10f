/* SPDX-License-Identifier: MIT */
/*
 * Reading the memory map and ExitBootServices (kernel/efi/efi_boot.c) against a fake firmware that
 * misbehaves the ways real ones did: GetMemoryMap under-counting on EFI_BUFFER_TOO_SMALL (edk2 before
 * PR 11609 did not count EfiUnacceptedMemoryType descriptors), allocations that split descriptors, and a
 * map that grows during the first ExitBootServices (OVMF's AmdSevDxe accepting everything there).
 * A runaway loop is cut off by the fake (EFI_DEVICE_ERROR after MAX_CALLS), so a regression fails, never hangs.
 */
#include <ccktf/ktest.h>
#include <stdlib.h>
#include <string.h>

#include "../../kernel/efi/efi_boot.c"

KTEST_SUITE(host_efi_boot, KTEST_AFTER_EXIT_BOOT_SERVICES, NULL);

#define DESC 48
#define MAX_CALLS 100

static struct {
	u64 descs;	    /* descriptors in the real map */
	u64 undercount;	    /* descriptors GetMemoryMap leaves out of the size it asks for */
	u64 grow_on_exit;   /* descriptors the first ExitBootServices adds (and fails with INVALID_PARAMETER) */
	u64 key;
	unsigned map_calls, exit_calls, allocs;
	bool exited;
} fw;

static efi_status_t EFIAPI get_memory_map(u64 *size, void *map, u64 *key, u64 *desc_size, u32 *version)
{
	u64 needed = fw.descs * DESC;

	if (++fw.map_calls > MAX_CALLS)
		return EFI_DEVICE_ERROR;
	*desc_size = DESC;
	*version = 1;
	if (*size < needed) {
		*size = needed - fw.undercount * DESC;
		return EFI_BUFFER_TOO_SMALL;
	}
	memset(map, 0, needed);
	*size = needed;
	*key = fw.key;
	return EFI_SUCCESS;
}

static efi_status_t EFIAPI allocate_pool(u32 type, u64 size, void **buf)
{
	(void)type;
	fw.allocs++;
	fw.descs++; /* an allocation may split a free descriptor */
	fw.key++;
	if (size > (64u << 20)) /* more than this fake firmware has */
		return EFI_OUT_OF_RESOURCES;
	*buf = malloc(size);
	return *buf ? EFI_SUCCESS : EFI_OUT_OF_RESOURCES;
}

static efi_status_t EFIAPI free_pool(void *buf)
{
	free(buf);
	return EFI_SUCCESS;
}

static efi_status_t EFIAPI exit_boot_services(efi_handle_t image, u64 key)
{
	(void)image;
	if (++fw.exit_calls > MAX_CALLS)
		return EFI_DEVICE_ERROR;
	if (fw.grow_on_exit) { /* a BeforeExitBootServices event changed the map */
		fw.descs += fw.grow_on_exit;
		fw.grow_on_exit = 0;
		fw.key++;
		return EFI_INVALID_PARAMETER;
	}
	if (key != fw.key)
		return EFI_INVALID_PARAMETER;
	fw.exited = true;
	return EFI_SUCCESS;
}

static struct efi_boot_services bs;
static struct efi_system_table st;

static struct boot_info *fake_boot(u64 descs, u64 undercount)
{
	static struct boot_info b;

	memset(&fw, 0, sizeof(fw));
	fw.descs = descs;
	fw.undercount = undercount;
	bs.get_memory_map = get_memory_map;
	bs.allocate_pool = allocate_pool;
	bs.free_pool = free_pool;
	bs.exit_boot_services = exit_boot_services;
	st.boot_services = &bs;
	memset(&b, 0, sizeof(b));
	b.st = &st;
	return &b;
}

/* 16 descriptors under-counted, twice the fixed slack: growing only by the slack would never fit. */
KTEST(host_efi_boot, undercounted_map_is_read_by_growing)
{
	struct boot_info *b = fake_boot(60, 16);
	struct efi_memmap_snapshot m = { 0 };

	KEXPECT_EQ(t, efi_read_memmap(b, &m), EFI_SUCCESS);
	KEXPECT_EQ(t, m.map_size, fw.descs * DESC);
	KEXPECT_LE(t, fw.map_calls, 8);
	free(m.buf);
}

KTEST(host_efi_boot, a_firmware_that_never_fits_is_an_error_not_a_hang)
{
	struct boot_info *b = fake_boot(60, 0);
	struct efi_memmap_snapshot m = { 0 };

	fw.descs = 1ull << 40; /* no allocation can ever hold it */
	KEXPECT_NE(t, efi_read_memmap(b, &m), EFI_SUCCESS);
	KEXPECT_LT(t, fw.map_calls, MAX_CALLS);
	free(m.buf);
}

/* The first ExitBootServices adds 40 descriptors and refuses the key: the map is read again into a buffer
 * big enough (allocation is allowed between the tries since UEFI 2.9), and the second try succeeds. */
KTEST(host_efi_boot, exit_boot_services_survives_a_map_that_grew)
{
	struct boot_info *b = fake_boot(60, 16);

	b->memmap.desc_size = DESC;
	KASSERT_EQ(t, efi_read_memmap(b, &b->memmap), EFI_SUCCESS);
	fw.grow_on_exit = 40;
	KEXPECT_EQ(t, efi_exit_boot_services(b), EFI_SUCCESS);
	KEXPECT_TRUE(t, fw.exited);
	KEXPECT_TRUE(t, b->boot_services_exited);
	KEXPECT_EQ(t, b->exit_boot_services_attempts, 2);
	KEXPECT_EQ(t, b->memmap.map_size, fw.descs * DESC);
	free(b->memmap.buf);
}
