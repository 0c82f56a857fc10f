/* SPDX-License-Identifier: MIT */
/* e820 -> EFI memory map for the 64-bit boot-protocol entry (e820_memmap.h has the sources). */
#include <ccktf/string.h>
#include "boot/e820_memmap.h"
#include "mm/range.h"

#define PAGE 4096ull

u32 e820_type_to_efi(u32 e820_type)
{
	switch (e820_type) {
	case E820_TYPE_RAM:
		return EFI_CONVENTIONAL_MEMORY;
	case E820_TYPE_ACPI:
		return EFI_ACPI_RECLAIM_MEMORY;
	case E820_TYPE_NVS:
		return EFI_ACPI_MEMORY_NVS;
	case E820_TYPE_UNUSABLE:
		return EFI_UNUSABLE_MEMORY;
	case E820_TYPE_PMEM:
		return EFI_PERSISTENT_MEMORY;
	default: /* E820_TYPE_RESERVED, PRAM (12), SOFT_RESERVED and anything unknown */
		return EFI_RESERVED_MEMORY;
	}
}

/* The page-granular [start, end) of an entry (boot_params_e820() refused any that wraps). */
static bool page_range(const struct e820_entry *e, u64 *start, u64 *end)
{
	u64 last = e->addr + e->size;

	if (e->type == E820_TYPE_RAM) {
		if (!align_up_checked(e->addr, PAGE, start)) /* no whole page before 2^64 */
			return false;
		*end = ALIGN_DOWN(last, PAGE);
	} else {
		*start = ALIGN_DOWN(e->addr, PAGE);
		*end = last > U64_MAX - (PAGE - 1) ? ALIGN_DOWN(U64_MAX, PAGE) : ALIGN_UP(last, PAGE);
	}
	return *end > *start;
}

static void insert_sorted(struct efi_memory_descriptor *out, unsigned used, const struct efi_memory_descriptor *d)
{
	unsigned i = used;

	while (i && out[i - 1].phys_start > d->phys_start) {
		out[i] = out[i - 1];
		i--;
	}
	out[i] = *d;
}

const char *e820_to_memmap(const struct e820_entry *in, unsigned n, struct efi_memory_descriptor *out,
			   unsigned max, unsigned *count)
{
	*count = 0;
	for (unsigned i = 0; i < n; i++) {
		struct efi_memory_descriptor d;
		u64 start, end;

		if (!page_range(&in[i], &start, &end))
			continue;
		if (*count == max)
			return "more e820 entries than the synthesized memory map holds";
		memset(&d, 0, sizeof(d));
		d.type = e820_type_to_efi(in[i].type);
		d.phys_start = start;
		d.num_pages = (end - start) / PAGE;
		/* RAM is write-back cacheable; nothing is known of the other ranges' attributes */
		d.attribute = in[i].type == E820_TYPE_RAM ? EFI_MEMORY_WB : 0;
		insert_sorted(out, (*count)++, &d);
	}
	return NULL;
}
