/* SPDX-License-Identifier: MIT */
/*
 * The zero page (struct boot_params) a loader of the Linux x86 boot protocol hands to the 64-bit entry
 * (Documentation/arch/x86/boot.rst "64-bit BOOT PROTOCOL"), read field by field from its 4 KiB as
 * untrusted bytes: no C struct is laid over it. Offsets: Linux arch/x86/include/uapi/asm/bootparam.h
 * (struct boot_params, struct setup_header) and arch/x86/include/uapi/asm/bootparam.h's efi_info layout.
 */
#ifndef CCKTF_BOOT_PARAMS_H
#define CCKTF_BOOT_PARAMS_H

#include <ccktf/types.h>

#define BOOT_PARAMS_SIZE 4096
#define BP_EXT_CMD_LINE_PTR 0x0c8 /* u32: high half of cmd_line_ptr */
#define BP_EFI_INFO 0x1c0	  /* struct efi_info, 32 bytes */
#define BP_E820_ENTRIES 0x1e8	  /* u8 */
#define BP_HDR_VERSION 0x206	  /* u16, setup_header.version */
#define BP_HDR_TYPE_OF_LOADER 0x210
#define BP_HDR_CMD_LINE_PTR 0x228 /* u32 */
#define BP_HDR_SETUP_DATA 0x250	  /* u64 */
#define BP_E820_TABLE 0x2d0	  /* struct boot_e820_entry[E820_MAX_ENTRIES_ZEROPAGE] */
#define E820_MAX_ENTRIES_ZEROPAGE 128

/* struct efi_info (bootparam.h): the loader signature "EL64" (EFI64_LOADER_SIGNATURE) for a 64-bit
 * firmware, and the system table's physical address split in two halves. */
#define EFI_INFO_LOADER_SIGNATURE 0x00
#define EFI_INFO_SYSTAB 0x04
#define EFI_INFO_SYSTAB_HI 0x18
#define EFI64_LOADER_SIGNATURE "EL64"

struct boot_params_summary {
	u16 version;	     /* boot protocol version of the header the loader copied */
	u8 type_of_loader;   /* 0xd0: kexec (bzImage64_load sets 0x0D << 4) */
	u8 e820_entries;     /* as found; may exceed the table (hostile input) */
	bool e820_fits;	     /* e820_entries <= E820_MAX_ENTRIES_ZEROPAGE */
	char efi_signature[5];	/* printable copy of efi_loader_signature, '?' for any other byte */
	bool efi_info_present;	/* a nonzero signature (a BIOS boot or kexec_load without XLF_EFI_KEXEC: 0) */
	bool efi64;	     /* signature is "EL64" */
	u64 efi_systab;	     /* physical address of the EFI system table (0 when !efi64) */
	u64 cmd_line_ptr;    /* cmd_line_ptr | ext_cmd_line_ptr << 32 */
	u64 setup_data;	     /* first struct setup_data, 0 for none */
};

/* Reads the fields above from a 4 KiB zero page; never reads outside it and never follows a pointer. */
void boot_params_summarize(const u8 *bp, struct boot_params_summary *s);
/* One line, "protocol=2.15 loader=0xd0 e820_entries=3 efi=EL64 efi_systab=0x... cmd_line_ptr=0x...
 * setup_data=0x..." (efi=none when the signature is zero), truncated to size; returns what snprintf
 * returns. */
int boot_params_format(const struct boot_params_summary *s, char *buf, size_t size);

#endif
