/* SPDX-License-Identifier: MIT */
/*
 * boot_params.secure_boot (offset 0x1ec, Linux arch/x86/include/uapi/asm/bootparam.h) for a Linux that
 * ccktf enters after ExitBootServices (handoff=linux). Linux's EFI stub fills it from the firmware's
 * variables (drivers/firmware/efi/libstub/x86-stub.c efi_main(): efi_get_secureboot()), and setup_arch()
 * (arch/x86/kernel/setup.c) locks the kernel down only when it reads "enabled"; a loader that leaves it 0
 * ("unset") leaves a kernel booted under Secure Boot unlocked. Pure: the variables were read before
 * ExitBootServices (kernel/efi/efi_secure_boot.c); tests/host/test_linux_secureboot.c feeds fake ones.
 */
#ifndef CCKTF_BOOT_LINUX_SECUREBOOT_H
#define CCKTF_BOOT_LINUX_SECUREBOOT_H

#include <ccktf/secure_boot_state.h>
#include <ccktf/types.h>

#include "boot/boot_params.h" /* BP_SECURE_BOOT */

/* Linux include/linux/efi.h enum efi_secureboot_mode, in its order. */
#define LINUX_SECUREBOOT_UNSET 0
#define LINUX_SECUREBOOT_UNKNOWN 1
#define LINUX_SECUREBOOT_DISABLED 2
#define LINUX_SECUREBOOT_ENABLED 3

/*
 * The mode Linux's efi_get_secureboot_mode() (include/linux/efi.h) derives from the same variables:
 * SecureBoot missing (EFI_NOT_FOUND): disabled; any other failed read: unknown; SecureBoot 0: disabled;
 * SetupMode 1: disabled (a SetupMode that cannot be read counts as 0, as Linux's does); else enabled.
 * Stricter than Linux in two points, both towards "not disabled": a SecureBoot of another size than one
 * byte is unknown (Linux's one-byte read fails with EFI_BUFFER_TOO_SMALL, unknown as well), and shim's
 * MokSBState (which efi_get_secureboot() also reads) is not consulted, so it never turns enabled into
 * disabled.
 */
u8 linux_secureboot_mode(const struct sb_state *s);

#endif
