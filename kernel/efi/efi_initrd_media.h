/* SPDX-License-Identifier: MIT */
/* The file a loader offers on the Linux initrd media device path (efi_initrd_media.c). */
#ifndef CCKTF_EFI_INITRD_MEDIA_H
#define CCKTF_EFI_INITRD_MEDIA_H

#include <ccktf/boot.h>

/*
 * Reads the whole file behind LINUX_EFI_INITRD_MEDIA_GUID's device path into pages of EfiLoaderData, as
 * Linux's EFI stub reads its initrd: *buf and *size on success; otherwise an EFI error, and in err which
 * step failed with the status the firmware returned (where the firmware returned success with a size that
 * cannot be right, err says so and the error is ccktf's own: EFI_LOAD_ERROR, EFI_BAD_BUFFER_SIZE).
 * EFI_NOT_FOUND: nothing offers the path (no -initrd).
 */
efi_status_t efi_load_initrd_media(struct boot_info *b, u8 **buf, u64 *size, char *err, size_t err_size);

#endif
