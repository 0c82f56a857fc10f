/* SPDX-License-Identifier: MIT */
/*
 * The zero page's headline fields (kernel/boot/boot_params.c), read from crafted pages: the offsets of
 * Linux's bootparam.h, the system table's two halves, and hostile values reported as such.
 */
#include <ccktf/ktest.h>
#include <string.h>

#include "boot/boot_params.h"

KTEST_SUITE(host_boot_params, KTEST_AFTER_EXIT_BOOT_SERVICES, NULL);

static u8 page[BOOT_PARAMS_SIZE];

static void put(unsigned offset, u64 value, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i++)
		page[offset + i] = (u8)(value >> (8 * i));
}

/* What kexec_file_load writes (Linux arch/x86/kernel/kexec-bzimage64.c): loader 0xd0, EL64, a command line
 * above 4 GiB through ext_cmd_line_ptr. */
static void kexec_like_page(void)
{
	memset(page, 0, sizeof(page));
	put(BP_HDR_VERSION, 0x020f, 2);
	put(BP_HDR_TYPE_OF_LOADER, 0xd0, 1);
	put(BP_E820_ENTRIES, 5, 1);
	memcpy(page + BP_EFI_INFO + EFI_INFO_LOADER_SIGNATURE, "EL64", 4);
	put(BP_EFI_INFO + EFI_INFO_SYSTAB, 0x7f9e1018, 4);
	put(BP_EFI_INFO + EFI_INFO_SYSTAB_HI, 0x1, 4);
	put(BP_HDR_CMD_LINE_PTR, 0x9000, 4);
	put(BP_EXT_CMD_LINE_PTR, 0x2, 4);
	put(BP_HDR_SETUP_DATA, 0x123456789a0ull, 8);
	put(BP_HDR_RAMDISK_IMAGE, 0x7e000000, 4);
	put(BP_EXT_RAMDISK_IMAGE, 0x1, 4);
	put(BP_HDR_RAMDISK_SIZE, 0x1234, 4);
	put(BP_SECURE_BOOT, 2, 1);
}

KTEST(host_boot_params, reads_the_fields_at_their_offsets)
{
	struct boot_params_summary s;
	char line[256];

	kexec_like_page();
	boot_params_summarize(page, &s);
	KEXPECT_EQ(t, s.version, 0x020f);
	KEXPECT_EQ(t, s.type_of_loader, 0xd0);
	KEXPECT_EQ(t, s.e820_entries, 5);
	KEXPECT_TRUE(t, s.e820_fits);
	KEXPECT_TRUE(t, s.efi64);
	KEXPECT_EQ(t, s.efi_systab, 0x17f9e1018ull);
	KEXPECT_EQ(t, s.cmd_line_ptr, 0x200009000ull);
	KEXPECT_EQ(t, s.setup_data, 0x123456789a0ull);
	KEXPECT_EQ(t, s.ramdisk_image, 0x17e000000ull);
	KEXPECT_EQ(t, s.ramdisk_size, 0x1234);
	KEXPECT_EQ(t, s.secure_boot, 2);
	boot_params_format(&s, line, sizeof(line));
	KEXPECT_STREQ(t, line, "protocol=2.15 loader=0xd0 e820_entries=5 efi=EL64 efi_systab=0x17f9e1018 "
			       "cmd_line_ptr=0x200009000 setup_data=0x123456789a0 ramdisk=0x17e000000+0x1234 "
			       "secure_boot=2");
}

KTEST(host_boot_params, hostile_values_are_reported_not_trusted)
{
	struct boot_params_summary s;
	char line[256];

	kexec_like_page();
	put(BP_E820_ENTRIES, 200, 1); /* more than the zero page's 128 entries */
	memcpy(page + BP_EFI_INFO, "EL3\x01", 4); /* a 32-bit loader's "EL32" would be similar: no system table */
	boot_params_summarize(page, &s);
	KEXPECT_FALSE(t, s.e820_fits);
	KEXPECT_FALSE(t, s.efi64);
	KEXPECT_EQ(t, s.efi_systab, 0);
	boot_params_format(&s, line, sizeof(line));
	KEXPECT_TRUE(t, strstr(line, "e820_entries=200(more than the zero page's 128: invalid)") != NULL);
	KEXPECT_TRUE(t, strstr(line, "efi=EL3? efi_systab=0x0") != NULL);
}

/* A BIOS boot, or kexec_load without XLF_EFI_KEXEC: efi_info all zero, reported as absent. */
KTEST(host_boot_params, zero_efi_info_is_none)
{
	struct boot_params_summary s;
	char line[256];

	kexec_like_page();
	memset(page + BP_EFI_INFO, 0, 32);
	boot_params_summarize(page, &s);
	KEXPECT_FALSE(t, s.efi_info_present);
	boot_params_format(&s, line, sizeof(line));
	KEXPECT_TRUE(t, strstr(line, "efi=none efi_systab=0x0") != NULL);
}
