/* SPDX-License-Identifier: MIT */
/* The zero page (boot_params.h): its headline fields for the 64-bit entry's report, and the readers stage 2
 * will use, each checking what the loader wrote before it is used. */
#include <ccktf/format.h>
#include <ccktf/string.h>

#include "boot_params.h"

void boot_params_summarize(const u8 *bp, struct boot_params_summary *s)
{
	const u8 *efi = bp + BP_EFI_INFO;

	memset(s, 0, sizeof(*s));
	s->version = (u16)bp_get(bp + BP_HDR_VERSION, 2);
	s->type_of_loader = bp[BP_HDR_TYPE_OF_LOADER];
	s->e820_entries = bp[BP_E820_ENTRIES];
	s->e820_fits = s->e820_entries <= E820_MAX_ENTRIES_ZEROPAGE;
	for (unsigned i = 0; i < 4; i++) {
		u8 c = efi[EFI_INFO_LOADER_SIGNATURE + i];

		s->efi_signature[i] = c >= 0x21 && c < 0x7f ? (char)c : '?';
		s->efi_info_present |= c != 0;
	}
	s->efi64 = !memcmp(efi + EFI_INFO_LOADER_SIGNATURE, EFI64_LOADER_SIGNATURE, 4);
	if (s->efi64)
		s->efi_systab = bp_get(efi + EFI_INFO_SYSTAB, 4) | bp_get(efi + EFI_INFO_SYSTAB_HI, 4) << 32;
	s->cmd_line_ptr = bp_get(bp + BP_HDR_CMD_LINE_PTR, 4) | bp_get(bp + BP_EXT_CMD_LINE_PTR, 4) << 32;
	s->setup_data = bp_get(bp + BP_HDR_SETUP_DATA, 8);
	s->ramdisk_image = bp_get(bp + BP_HDR_RAMDISK_IMAGE, 4) | bp_get(bp + BP_EXT_RAMDISK_IMAGE, 4) << 32;
	s->ramdisk_size = bp_get(bp + BP_HDR_RAMDISK_SIZE, 4) | bp_get(bp + BP_EXT_RAMDISK_SIZE, 4) << 32;
	s->secure_boot = bp[BP_SECURE_BOOT];
}

int boot_params_format(const struct boot_params_summary *s, char *buf, size_t size)
{
	return snprintf(buf, size,
			"protocol=%u.%02u loader=0x%02x e820_entries=%u%s efi=%s efi_systab=0x%llx "
			"cmd_line_ptr=0x%llx setup_data=0x%llx ramdisk=0x%llx+0x%llx secure_boot=%u",
			s->version >> 8, s->version & 0xff, s->type_of_loader, s->e820_entries,
			s->e820_fits ? "" : "(more than the zero page's 128: invalid)",
			s->efi64 ? "EL64" : s->efi_info_present ? s->efi_signature : "none", s->efi_systab,
			s->cmd_line_ptr, s->setup_data, s->ramdisk_image, s->ramdisk_size, s->secure_boot);
}

const char *boot_params_e820(const u8 *bp, struct e820_entry *out, unsigned max, unsigned *count,
			     unsigned *dropped)
{
	unsigned claimed = bp[BP_E820_ENTRIES], kept = 0;

	*count = claimed;
	*dropped = 0;
	if (claimed > E820_MAX_ENTRIES_ZEROPAGE)
		return "e820_entries exceeds the zero page's 128-entry table";
	for (unsigned i = 0; i < claimed; i++) {
		const u8 *e = bp + BP_E820_TABLE + i * E820_ENTRY_SIZE;
		struct e820_entry entry = { bp_get(e, 8), bp_get(e + 8, 8), (u32)bp_get(e + 16, 4) };

		if (!entry.size) {
			(*dropped)++;
			continue;
		}
		if (entry.addr + entry.size < entry.addr)
			return "an e820 entry wraps past 2^64";
		if (kept == max)
			return "more e820 entries than the caller has room for";
		out[kept++] = entry;
	}
	*count = kept;
	return NULL;
}

const char *boot_params_efi_info(const u8 *bp, struct efi_info *out)
{
	const u8 *efi = bp + BP_EFI_INFO;
	u64 end;

	memset(out, 0, sizeof(*out));
	if (!memcmp(efi, EFI32_LOADER_SIGNATURE, 4))
		return "efi_info is from a 32-bit loader (EL32); ccktf needs a 64-bit firmware";
	if (memcmp(efi, EFI64_LOADER_SIGNATURE, 4))
		return bp_get(efi, 4) ? "efi_info carries an unknown loader signature"
				  : "no efi_info (a BIOS boot, or a loader that did not see XLF_EFI_KEXEC)";
	out->systab = bp_get(efi + EFI_INFO_SYSTAB, 4) | bp_get(efi + EFI_INFO_SYSTAB_HI, 4) << 32;
	out->memmap = bp_get(efi + EFI_INFO_MEMMAP, 4) | bp_get(efi + EFI_INFO_MEMMAP_HI, 4) << 32;
	out->memmap_size = (u32)bp_get(efi + EFI_INFO_MEMMAP_SIZE, 4);
	out->memdesc_size = (u32)bp_get(efi + EFI_INFO_MEMDESC_SIZE, 4);
	out->memdesc_version = (u32)bp_get(efi + EFI_INFO_MEMDESC_VERSION, 4);
	if (!out->systab)
		return "efi_info names no system table";
	if (!out->memmap_size)
		return NULL; /* no runtime map handed over: allowed */
	if (out->memdesc_size < EFI_MEMDESC_MIN_SIZE || out->memdesc_size % 8)
		return "efi_info's descriptor size is below 40 bytes or not a multiple of 8";
	if (out->memmap_size % out->memdesc_size)
		return "efi_info's memory map is not a whole number of descriptors";
	end = out->memmap + out->memmap_size;
	if (!out->memmap || end < out->memmap)
		return "efi_info's memory map is at 0 or wraps past 2^64";
	return NULL;
}

const char *boot_params_cmdline(const u8 *bp, const struct boot_phys *phys, u32 max, char *buf, size_t size)
{
	u64 pa = bp_get(bp + BP_HDR_CMD_LINE_PTR, 4) | bp_get(bp + BP_EXT_CMD_LINE_PTR, 4) << 32;
	const char *line = NULL;
	u64 len = 0;

	if (!size)
		return "no room for the command line";
	buf[0] = '\0';
	if (!pa)
		return NULL;
	/* Read the shortest prefix that holds the NUL, without ever asking for bytes past max + 1. */
	for (u64 want = 1; want <= (u64)max + 1; want++) {
		line = phys->read(phys->ctx, pa, want);
		if (!line)
			return "the command line cannot be read";
		if (line[want - 1] == '\0') {
			len = want - 1;
			break;
		}
		if (want == (u64)max + 1)
			return "the command line has no NUL within cmdline_size + 1 bytes";
	}
	if (len >= size)
		return "the command line does not fit the caller's buffer";
	memcpy(buf, line, len);
	buf[len] = '\0';
	return NULL;
}

const void *e820_ram_read(void *ctx, u64 pa, u64 len)
{
	const struct e820_ram *ram = ctx;

	if (!pa || pa + len < pa || (u64)(uintptr_t)pa != pa)
		return NULL;
	for (unsigned i = 0; i < ram->count; i++) {
		const struct e820_entry *e = &ram->entries[i];

		if (e->type == E820_TYPE_RAM && pa >= e->addr && pa - e->addr <= e->size &&
		    len <= e->size - (pa - e->addr))
			return (const void *)(uintptr_t)pa;
	}
	return NULL;
}
