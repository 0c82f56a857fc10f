/* SPDX-License-Identifier: MIT */
/* boot_params.secure_boot for handoff=linux (kernel/boot/linux_secureboot.c) from fake Secure Boot variables,
 * against Linux's efi_get_secureboot_mode() (include/linux/efi.h). */
#include <string.h>

#include <ccktf/ktest.h>

#include "boot/linux_secureboot.h"
#include "efi/efi_spec.h"

KTEST_SUITE(host_linux_secureboot, KTEST_AFTER_EXIT_BOOT_SERVICES, NULL);

static void var(struct sb_var *v, u64 status, u64 size, u8 value)
{
	memset(v, 0, sizeof(*v));
	v->status = status;
	v->size = size;
	v->data[0] = value;
}

static u8 mode(u64 sb_status, u64 sb_size, u8 sb, u64 setup_status, u8 setup)
{
	struct sb_state s = { .read = true };

	var(&s.var[SB_SECURE_BOOT], sb_status, sb_size, sb);
	var(&s.var[SB_SETUP_MODE], setup_status, 1, setup);
	return linux_secureboot_mode(&s);
}

KTEST(host_linux_secureboot, modes_as_linux_derives_them)
{
	struct sb_state unread = { .read = false };

	/* the enum's numbers, include/linux/efi.h */
	KEXPECT_EQ(t, LINUX_SECUREBOOT_UNSET, 0);
	KEXPECT_EQ(t, LINUX_SECUREBOOT_UNKNOWN, 1);
	KEXPECT_EQ(t, LINUX_SECUREBOOT_DISABLED, 2);
	KEXPECT_EQ(t, LINUX_SECUREBOOT_ENABLED, 3);
	KEXPECT_EQ(t, mode(EFI_SUCCESS, 1, 1, EFI_SUCCESS, 0), LINUX_SECUREBOOT_ENABLED);
	KEXPECT_EQ(t, mode(EFI_SUCCESS, 1, 1, EFI_SUCCESS, 1), LINUX_SECUREBOOT_DISABLED); /* setup mode */
	KEXPECT_EQ(t, mode(EFI_SUCCESS, 1, 0, EFI_SUCCESS, 0), LINUX_SECUREBOOT_DISABLED);
	KEXPECT_EQ(t, mode(EFI_NOT_FOUND, 0, 0, EFI_NOT_FOUND, 0), LINUX_SECUREBOOT_DISABLED);
	KEXPECT_EQ(t, mode(EFI_DEVICE_ERROR, 0, 0, EFI_SUCCESS, 0), LINUX_SECUREBOOT_UNKNOWN);
	KEXPECT_EQ(t, mode(EFI_SUCCESS, 2, 1, EFI_SUCCESS, 0), LINUX_SECUREBOOT_UNKNOWN);
	/* a SetupMode that cannot be read counts as 0, as in Linux: Secure Boot stays enabled */
	KEXPECT_EQ(t, mode(EFI_SUCCESS, 1, 1, EFI_DEVICE_ERROR, 1), LINUX_SECUREBOOT_ENABLED);
	KEXPECT_EQ(t, linux_secureboot_mode(&unread), LINUX_SECUREBOOT_UNKNOWN);
}
