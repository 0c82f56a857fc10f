/* SPDX-License-Identifier: MIT */
/*
 * The Linux initrd media device path: a loader that has an initrd for the next stage installs
 * EFI_LOAD_FILE2_PROTOCOL on a handle whose device path is one vendor media node with
 * LINUX_EFI_INITRD_MEDIA_GUID and an end node; OVMF's QemuKernelLoaderFsDxe does so for QEMU's -initrd. The
 * reader follows Linux's EFI stub (drivers/firmware/efi/libstub/efi-stub-helper.c
 * efi_load_initrd_dev_path()): LocateDevicePath() for the protocol on that path (UEFI 2.10 section 7.3),
 * LoadFile() with no buffer for the size (EFI_BUFFER_TOO_SMALL, section 13.2), pages, LoadFile() again on
 * the remaining path (the end node: OVMF's InitrdLoadFile2() answers EFI_NOT_FOUND to any other).
 */
#include <ccktf/format.h>
#include <ccktf/string.h>

#include "efi/efi_initrd_media.h"

#define PAGE_SIZE 4096ull

struct device_path_node {
	u8 type, subtype;
	u8 length[2];
} __attribute__((packed));

struct initrd_media_path {
	struct device_path_node vendor;
	efi_guid_t guid;
	struct device_path_node end;
} __attribute__((packed));

/* UEFI 2.10 section 13.2: EFI_LOAD_FILE2_PROTOCOL.LoadFile(This, FilePath, BootPolicy, BufferSize, Buffer) */
struct efi_load_file2 {
	efi_status_t(EFIAPI *load_file)(struct efi_load_file2 *self, void *file_path, u8 boot_policy, u64 *size,
					void *buf);
};

static const struct initrd_media_path initrd_media_path = {
	{ EFI_DEVICE_PATH_MEDIA, EFI_DEVICE_PATH_MEDIA_VENDOR, { sizeof(struct device_path_node) + sizeof(efi_guid_t), 0 } },
	LINUX_EFI_INITRD_MEDIA_GUID,
	{ EFI_DEVICE_PATH_END, EFI_DEVICE_PATH_END_ENTIRE, { sizeof(struct device_path_node), 0 } },
};

static efi_status_t failed(char *err, size_t err_size, const char *step, efi_status_t s)
{
	snprintf(err, err_size, "%s failed with EFI status 0x%llx", step, (unsigned long long)s);
	return s;
}

efi_status_t efi_load_initrd_media(struct boot_info *b, u8 **buf, u64 *size, char *err, size_t err_size)
{
	struct efi_boot_services *bs = b->st->boot_services;
	efi_guid_t lf2_guid = EFI_LOAD_FILE2_PROTOCOL_GUID;
	void *path = (void *)&initrd_media_path;
	struct efi_load_file2 *lf2;
	efi_handle_t handle;
	efi_physical_addr_t pa = 0;
	u64 want = 0, got;
	efi_status_t s = bs->locate_device_path(&lf2_guid, &path, &handle);

	if (EFI_IS_ERROR(s))
		return failed(err, err_size, "LocateDevicePath(LoadFile2, Linux initrd media)", s);
	s = bs->handle_protocol(handle, &lf2_guid, (void **)&lf2);
	if (EFI_IS_ERROR(s))
		return failed(err, err_size, "HandleProtocol(LoadFile2)", s);
	s = lf2->load_file(lf2, path, 0, &want, NULL);
	if (s == EFI_SUCCESS) { /* what the firmware said, and ccktf's own code for the caller */
		snprintf(err, err_size, "LoadFile2 for the size returned EFI_SUCCESS (0x0) with size %llu, not "
			 "EFI_BUFFER_TOO_SMALL", (unsigned long long)want);
		return EFI_LOAD_ERROR;
	}
	if (s != EFI_BUFFER_TOO_SMALL)
		return failed(err, err_size, "LoadFile2 for the size (expected EFI_BUFFER_TOO_SMALL)", s);
	if (!want) {
		snprintf(err, err_size, "LoadFile2 returned EFI_BUFFER_TOO_SMALL (0x%llx) with size 0: the file is empty",
			 (unsigned long long)s);
		return EFI_LOAD_ERROR;
	}
	s = bs->allocate_pages(EFI_ALLOCATE_ANY_PAGES, EFI_LOADER_DATA, (want + PAGE_SIZE - 1) / PAGE_SIZE, &pa);
	if (EFI_IS_ERROR(s))
		return failed(err, err_size, "AllocatePages for the initrd media file", s);
	got = want;
	s = lf2->load_file(lf2, path, 0, &got, (void *)(uintptr_t)pa);
	if (EFI_IS_ERROR(s) || got > want) {
		bs->free_pages(pa, (want + PAGE_SIZE - 1) / PAGE_SIZE);
		if (EFI_IS_ERROR(s))
			return failed(err, err_size, "LoadFile2 into the buffer", s);
		snprintf(err, err_size, "LoadFile2 into the buffer returned 0x%llx with size %llu, more than the %llu "
			 "it asked for", (unsigned long long)s, (unsigned long long)got, (unsigned long long)want);
		return EFI_BAD_BUFFER_SIZE;
	}
	*buf = (u8 *)(uintptr_t)pa;
	*size = got;
	return EFI_SUCCESS;
}
