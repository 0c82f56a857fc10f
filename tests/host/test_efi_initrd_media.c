/* SPDX-License-Identifier: MIT */
/*
 * The Linux initrd media reader (kernel/efi/efi_initrd_media.c) against a fake firmware whose LoadFile2
 * answers the size question in ways a real one might get wrong: every refusal says what the firmware
 * returned, never a status it did not return.
 */
#include <ccktf/ktest.h>
#include <stdlib.h>
#include <string.h>

#include "../../kernel/efi/efi_initrd_media.c"

KTEST_SUITE(host_efi_initrd_media, KTEST_AFTER_EXIT_BOOT_SERVICES, NULL);

static struct {
	efi_status_t size_status; /* LoadFile2's answer to the size question */
	u64 size;		  /* the size it reports */
	u64 grow;		  /* extra bytes it claims on the second call */
	void *pages;
	unsigned freed;
} fw;

static efi_status_t EFIAPI load_file(struct efi_load_file2 *self, void *file_path, u8 boot_policy, u64 *size,
				     void *buf)
{
	(void)self;
	(void)file_path;
	(void)boot_policy;
	if (!buf) {
		*size = fw.size;
		return fw.size_status;
	}
	memset(buf, 0x5a, *size);
	*size += fw.grow;
	return EFI_SUCCESS;
}

static struct efi_load_file2 lf2 = { load_file };

static efi_status_t EFIAPI locate_device_path(const efi_guid_t *protocol, void **device_path, efi_handle_t *device)
{
	(void)protocol;
	(void)device_path;
	*device = (efi_handle_t)&lf2;
	return EFI_SUCCESS;
}

static efi_status_t EFIAPI handle_protocol(efi_handle_t handle, const efi_guid_t *protocol, void **iface)
{
	(void)handle;
	(void)protocol;
	*iface = &lf2;
	return EFI_SUCCESS;
}

static efi_status_t EFIAPI allocate_pages(enum efi_allocate_type type, u32 memory_type, u64 pages,
					  efi_physical_addr_t *addr)
{
	(void)type;
	(void)memory_type;
	fw.pages = aligned_alloc(4096, pages * 4096);
	*addr = (efi_physical_addr_t)(uintptr_t)fw.pages;
	return EFI_SUCCESS;
}

static efi_status_t EFIAPI free_pages(efi_physical_addr_t addr, u64 pages)
{
	(void)pages;
	free((void *)(uintptr_t)addr);
	fw.pages = NULL;
	fw.freed++;
	return EFI_SUCCESS;
}

static struct efi_boot_services bs = { .locate_device_path = locate_device_path, .handle_protocol = handle_protocol,
				       .allocate_pages = allocate_pages, .free_pages = free_pages };
static struct efi_system_table st = { .boot_services = &bs };

static efi_status_t load(efi_status_t size_status, u64 size, u64 grow, char *err, size_t err_size)
{
	static struct boot_info b = { .st = &st };
	u8 *buf = NULL;
	u64 got = 0;
	efi_status_t s;

	memset(&fw, 0, sizeof(fw));
	fw.size_status = size_status;
	fw.size = size;
	fw.grow = grow;
	err[0] = '\0';
	s = efi_load_initrd_media(&b, &buf, &got, err, err_size);
	if (s == EFI_SUCCESS)
		free(buf);
	return s;
}

KTEST(host_efi_initrd_media, a_file_is_read_whole)
{
	char err[200];

	KEXPECT_EQ(t, load(EFI_BUFFER_TOO_SMALL, 5000, 0, err, sizeof(err)), EFI_SUCCESS);
	KEXPECT_STREQ(t, err, "");
}

/* A firmware answering the size question with EFI_SUCCESS: the message says so (it once said "failed with EFI
 * status 0x8000000000000001", EFI_LOAD_ERROR, which the firmware never returned). */
KTEST(host_efi_initrd_media, success_to_the_size_question_is_reported_as_what_it_was)
{
	char err[200];

	KEXPECT_EQ(t, load(EFI_SUCCESS, 5000, 0, err, sizeof(err)), EFI_LOAD_ERROR);
	KEXPECT_TRUE(t, strstr(err, "returned EFI_SUCCESS (0x0) with size 5000") != NULL);
}

KTEST(host_efi_initrd_media, an_empty_file_says_the_status_returned)
{
	char err[200];

	KEXPECT_EQ(t, load(EFI_BUFFER_TOO_SMALL, 0, 0, err, sizeof(err)), EFI_LOAD_ERROR);
	KEXPECT_TRUE(t, strstr(err, "returned EFI_BUFFER_TOO_SMALL (0x8000000000000005) with size 0") != NULL);
}

KTEST(host_efi_initrd_media, a_file_that_grew_is_refused_saying_both_sizes)
{
	char err[200];

	KEXPECT_EQ(t, load(EFI_BUFFER_TOO_SMALL, 5000, 8, err, sizeof(err)), EFI_BAD_BUFFER_SIZE);
	KEXPECT_TRUE(t, strstr(err, "returned 0x0 with size 5008, more than the 5000 it asked for") != NULL);
	KEXPECT_EQ(t, fw.freed, 1);
}

KTEST(host_efi_initrd_media, another_error_is_passed_on_raw)
{
	char err[200];

	KEXPECT_EQ(t, load(EFI_NOT_FOUND, 0, 0, err, sizeof(err)), EFI_NOT_FOUND);
	KEXPECT_TRUE(t, strstr(err, "failed with EFI status 0x800000000000000e") != NULL);
}
