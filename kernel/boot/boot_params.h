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
#define BP_EXT_RAMDISK_IMAGE 0x0c0 /* u32: high half of ramdisk_image */
#define BP_EXT_RAMDISK_SIZE 0x0c4  /* u32: high half of ramdisk_size */
#define BP_EXT_CMD_LINE_PTR 0x0c8 /* u32: high half of cmd_line_ptr */
#define BP_EFI_INFO 0x1c0	  /* struct efi_info, 32 bytes */
#define BP_E820_ENTRIES 0x1e8	  /* u8 */
#define BP_SECURE_BOOT 0x1ec	  /* u8: enum efi_secureboot_mode (Linux include/linux/efi.h), 0 = unset */
/* struct setup_header (arch/x86/include/uapi/asm/bootparam.h), at 0x1f1 of both a bzImage and boot_params
 * (Documentation/arch/x86/boot.rst "The real-mode kernel header"); the protocol version that added a field */
#define BP_HDR_SETUP_START 0x1f1  /* the setup header's first byte */
#define BP_HDR_SETUP_SECTS 0x1f1  /* u8; 0 means 4 */
#define BP_HDR_BOOT_FLAG 0x1fe	  /* u16 0xaa55 */
#define BP_HDR_JUMP 0x200	  /* EB rel8: the header ends at 0x202 + rel8 (bzimage_header_end()) */
#define BP_HDR_HEADER 0x202	  /* "HdrS" */
#define BP_HDR_VERSION 0x206	  /* u16, setup_header.version */
#define BP_HDR_TYPE_OF_LOADER 0x210
#define BP_HDR_LOADFLAGS 0x211	  /* u8 */
#define BP_HDR_RAMDISK_IMAGE 0x218 /* u32, + ext_ramdisk_image << 32 */
#define BP_HDR_RAMDISK_SIZE 0x21c  /* u32, + ext_ramdisk_size << 32 */
#define BP_HDR_CMD_LINE_PTR 0x228 /* u32 */
#define BP_HDR_INITRD_ADDR_MAX 0x22c /* u32, from 2.03 */
#define BP_HDR_KERNEL_ALIGNMENT 0x230 /* u32, from 2.05 */
#define BP_HDR_RELOCATABLE 0x234  /* u8, from 2.05 */
#define BP_HDR_XLOADFLAGS 0x236	  /* u16, from 2.12 */
#define BP_HDR_CMDLINE_SIZE 0x238 /* u32, from protocol 2.06 */
#define BP_HDR_SETUP_DATA 0x250	  /* u64 */
#define BP_HDR_PREF_ADDRESS 0x258 /* u64, from 2.10 */
#define BP_HDR_INIT_SIZE 0x260	  /* u32, from 2.10 */
#define BP_E820_TABLE 0x2d0	  /* struct boot_e820_entry[E820_MAX_ENTRIES_ZEROPAGE] */
#define E820_MAX_ENTRIES_ZEROPAGE 128

/* struct efi_info (bootparam.h): the loader signature "EL64" (EFI64_LOADER_SIGNATURE) for a 64-bit
 * firmware, and the system table's physical address split in two halves. */
#define EFI_INFO_LOADER_SIGNATURE 0x00
#define EFI_INFO_SYSTAB 0x04
#define EFI_INFO_SYSTAB_HI 0x18
#define EFI64_LOADER_SIGNATURE "EL64"

/* The protocol's fields are little-endian (boot.rst; x86): read and written byte by byte, so a field at
 * any offset of untrusted bytes is never an unaligned or type-punned access. bytes: 1..8. */
static inline u64 bp_get(const u8 *p, unsigned bytes)
{
	u64 v = 0;

	for (unsigned i = 0; i < bytes; i++)
		v |= (u64)p[i] << (8 * i);
	return v;
}

static inline void bp_put(u8 *p, u64 value, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i++)
		p[i] = (u8)(value >> (8 * i));
}

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
	u64 ramdisk_image;   /* ramdisk_image | ext_ramdisk_image << 32 */
	u64 ramdisk_size;    /* ramdisk_size | ext_ramdisk_size << 32 */
	u8 secure_boot;	     /* as found */
};

/* --- Readers for stage 2 (issue 13): every count, length and pointer checked, a reason on refusal --------- */

/* struct boot_e820_entry (bootparam.h): u64 addr, u64 size, u32 type, packed: 20 bytes. */
#define E820_ENTRY_SIZE 20
struct e820_entry {
	u64 addr;
	u64 size;
	u32 type;
};

/*
 * The zero page's e820 table into out[0..max): NULL and *count entries, or the reason it is refused, with
 * *count the entry count the page claims. Refused: more than 128 entries (the table's size), more than max,
 * an entry whose addr + size wraps past 2^64. Zero-size entries are dropped (as Linux's
 * e820__update_table() drops them); *dropped counts them.
 */
const char *boot_params_e820(const u8 *bp, struct e820_entry *out, unsigned max, unsigned *count,
			     unsigned *dropped);

/* struct efi_info (bootparam.h) as a 64-bit loader fills it (arch/x86/kernel/kexec-bzimage64.c,
 * setup_efi_state(); the EFI stub's setup_efi_info()). */
#define EFI_INFO_MEMDESC_SIZE 0x08
#define EFI_INFO_MEMDESC_VERSION 0x0c
#define EFI_INFO_MEMMAP 0x10
#define EFI_INFO_MEMMAP_SIZE 0x14
#define EFI_INFO_MEMMAP_HI 0x1c
#define EFI32_LOADER_SIGNATURE "EL32"
#define EFI_MEMDESC_MIN_SIZE 40 /* UEFI 2.10 7.2 EFI_MEMORY_DESCRIPTOR, without padding */
struct efi_info {
	u64 systab;	   /* physical address of the EFI system table */
	u64 memmap;	   /* physical address of the runtime memory map (0: none) */
	u32 memmap_size;
	u32 memdesc_size;
	u32 memdesc_version;
};
/* NULL and *out, or why there is no usable efi_info: no signature (a BIOS boot, or kexec_load of an image
 * without XLF_EFI_KEXEC), "EL32", any other signature, a zero system table, or a memory map whose
 * descriptor size is below 40 or not a multiple of 8, whose size is not a whole number of descriptors, or
 * which wraps past 2^64. */
const char *boot_params_efi_info(const u8 *bp, struct efi_info *out);

/* How the readers reach physical memory: len bytes at pa, or NULL when they cannot be read (the same
 * contract as struct acpi_phys in efi/acpi_pm.h, which the fuzz targets' memory model implements). */
struct boot_phys {
	const void *(*read)(void *ctx, u64 pa, u64 len);
	void *ctx;
};

/* The command line (cmd_line_ptr | ext_cmd_line_ptr << 32) copied into buf (NUL-terminated): NULL, or why
 * not: it cannot be read, or has no NUL within max + 1 bytes (max: the header's cmdline_size), or does not
 * fit buf. A zero pointer is an empty command line. */
const char *boot_params_cmdline(const u8 *bp, const struct boot_phys *phys, u32 max, char *buf, size_t size);

/*
 * A struct boot_phys over identity-mapped memory that lends only bytes inside one e820 RAM entry (type 1):
 * the memory a kexec-ing Linux is known to map for the next kernel (arch/x86/kernel/machine_kexec_64.c,
 * init_pgtable(): every range in pfn_mapped), so a pointer a loader invents elsewhere is refused instead of
 * faulting with no IDT. ctx is a struct e820_ram.
 */
#define E820_TYPE_RAM 1
struct e820_ram {
	const struct e820_entry *entries;
	unsigned count;
};
const void *e820_ram_read(void *ctx, u64 pa, u64 len);

/* Reads the fields above from a 4 KiB zero page; never reads outside it and never follows a pointer. */
void boot_params_summarize(const u8 *bp, struct boot_params_summary *s);
/* One line, "protocol=2.15 loader=0xd0 e820_entries=3 efi=EL64 efi_systab=0x... cmd_line_ptr=0x...
 * setup_data=0x... ramdisk=0x...+0x... secure_boot=N" (efi=none when the signature is zero), truncated to size; returns what snprintf
 * returns. */
int boot_params_format(const struct boot_params_summary *s, char *buf, size_t size);

#endif
