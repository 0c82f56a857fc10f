/* SPDX-License-Identifier: MIT */
/* The zero page's headline fields (boot_params.h): what the 64-bit entry reports before stage 2 exists. */
#include <ccktf/format.h>
#include <ccktf/string.h>

#include "boot_params.h"

static u64 le(const u8 *p, unsigned bytes)
{
	u64 v = 0;

	for (unsigned i = bytes; i--;)
		v = v << 8 | p[i];
	return v;
}

void boot_params_summarize(const u8 *bp, struct boot_params_summary *s)
{
	const u8 *efi = bp + BP_EFI_INFO;

	memset(s, 0, sizeof(*s));
	s->version = (u16)le(bp + BP_HDR_VERSION, 2);
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
		s->efi_systab = le(efi + EFI_INFO_SYSTAB, 4) | le(efi + EFI_INFO_SYSTAB_HI, 4) << 32;
	s->cmd_line_ptr = le(bp + BP_HDR_CMD_LINE_PTR, 4) | le(bp + BP_EXT_CMD_LINE_PTR, 4) << 32;
	s->setup_data = le(bp + BP_HDR_SETUP_DATA, 8);
}

int boot_params_format(const struct boot_params_summary *s, char *buf, size_t size)
{
	return snprintf(buf, size,
			"protocol=%u.%02u loader=0x%02x e820_entries=%u%s efi=%s efi_systab=0x%llx "
			"cmd_line_ptr=0x%llx setup_data=0x%llx",
			s->version >> 8, s->version & 0xff, s->type_of_loader, s->e820_entries,
			s->e820_fits ? "" : "(more than the zero page's 128: invalid)",
			s->efi64 ? "EL64" : s->efi_info_present ? s->efi_signature : "none", s->efi_systab,
			s->cmd_line_ptr, s->setup_data);
}
