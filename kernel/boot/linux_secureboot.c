/* SPDX-License-Identifier: MIT */
/* boot_params.secure_boot as Linux's EFI stub would set it (linux_secureboot.h). */
#include "boot/linux_secureboot.h"
#include "efi/efi_spec.h"

u8 linux_secureboot_mode(const struct sb_state *s)
{
	const struct sb_var *sb = &s->var[SB_SECURE_BOOT], *setup = &s->var[SB_SETUP_MODE];

	if (!s->read)
		return LINUX_SECUREBOOT_UNKNOWN;
	if (sb->status == EFI_NOT_FOUND)
		return LINUX_SECUREBOOT_DISABLED;
	if (sb->status != EFI_SUCCESS || sb->size != 1)
		return LINUX_SECUREBOOT_UNKNOWN;
	if (sb->data[0] == 0)
		return LINUX_SECUREBOOT_DISABLED;
	if (setup->status == EFI_SUCCESS && setup->size == 1 && setup->data[0] == 1)
		return LINUX_SECUREBOOT_DISABLED;
	return LINUX_SECUREBOOT_ENABLED;
}
