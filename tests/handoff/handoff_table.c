/* SPDX-License-Identifier: MIT */
/*
 * The unaccepted table stage 2 inherited (tests/handoff/handoff.h): found among the configuration tables by
 * its GUID, through the SETUP_EFI array stage 1 handed over, its header checked as Linux checks it
 * (drivers/firmware/efi/efi.c efi_config_parse_tables(): version 1 only; kernel/mm/unaccepted.c).
 */
#include <ccktf/boot.h>
#include <ccktf/boot_steps.h>
#include <ccktf/format.h>
#include <ccktf/handoff.h>
#include <ccktf/string.h>
#include "handoff.h"

#define PROBE_BYTES 16

static bool reads_reclaim_pattern(const u8 *p)
{
	for (unsigned i = 0; i < PROBE_BYTES; i++)
		if (p[i] != HANDOFF_RECLAIM_BYTE)
			return false;
	return true;
}

const struct efi_unaccepted_memory *handoff_table(char *why, size_t size)
{
	const struct efi_unaccepted_memory *t =
		boot_config_table(&boot_info, (efi_guid_t)LINUX_EFI_UNACCEPTED_MEM_TABLE_GUID);
	struct mm_error e;

	why[0] = '\0';
	mm_error_clear(&e);
	if (!t)
		return NULL;
	if (reads_reclaim_pattern((const u8 *)t)) {
		snprintf(why, size, "the table at %p reads 0x%02x: stage 1 reclaimed and overwrote its memory (it was "
			 "left in boot-services memory)", (const void *)t, HANDOFF_RECLAIM_BYTE);
		return NULL;
	}
	if (!unaccepted_header_ok(t, &e)) {
		snprintf(why, size, "the table at %p: %s (version=%u unit_size=0x%x phys_base=0x%llx size=%llu)",
			 (const void *)t, e.msg, t->version, t->unit_size, t->phys_base, t->size);
		return NULL;
	}
	return t;
}

const struct efi_unaccepted_memory *handoff_table_or_skip(struct ktest *t)
{
	char why[256];
	const struct efi_unaccepted_memory *table = handoff_table(why, sizeof(why));

	if (!table)
		ktest_skip(t, "no valid inherited unaccepted table%s", why[0] ? " (unaccepted_table_valid says why)" : "");
	return table;
}

bool handoff_is_ram(u64 addr)
{
	struct memmap m = memmap_view(&boot_info.memmap);
	const struct efi_memory_descriptor *d;

	for_each_memmap_desc(&m, i, d) {
		struct range r = memmap_desc_range(d);
		if (d->type == EFI_CONVENTIONAL_MEMORY && addr >= r.start && addr + EFI_PAGE_SIZE <= r.end)
			return true;
	}
	return false;
}
