/* SPDX-License-Identifier: MIT */
/*
 * The unaccepted table stage 2 inherited (tests/handoff/handoff.h): found among the configuration tables by
 * its GUID, through the SETUP_EFI array stage 1 handed over, its header checked as Linux checks it
 * (drivers/firmware/efi/efi.c efi_config_parse_tables(): version 1 only; kernel/mm/unaccepted.c). The
 * reclaim pattern and the header are judged on the copy stage 2 took at its entry (handoff_probe.c), before
 * its own allocations could reuse the memory; a header that changed since is this stage's doing, a failure.
 */
#include <ccktf/boot.h>
#include <ccktf/boot_steps.h>
#include <ccktf/format.h>
#include <ccktf/handoff.h>
#include <ccktf/string.h>
#include "handoff.h"

#define PROBE_BYTES 16
_Static_assert(UNACCEPTED_HEADER_SIZE <= HANDOFF_PROBE_BYTES, "the snapshot holds the header");

static bool reads_reclaim_pattern(const u8 *p)
{
	for (unsigned i = 0; i < PROBE_BYTES; i++)
		if (p[i] != HANDOFF_RECLAIM_BYTE)
			return false;
	return true;
}

/* The snapshot of the table's first bytes (handoff_probe.c), by its index in boot_info.config_tables */
static const u8 *entry_snapshot(const void *table)
{
	for (u64 i = 0; i < boot_info.config_table_count; i++)
		if (boot_info.config_tables[i].table == table)
			return handoff_probe(i);
	return NULL;
}

const struct efi_unaccepted_memory *handoff_table(char *why, size_t size)
{
	const struct efi_unaccepted_memory *t =
		boot_config_table(&boot_info, (efi_guid_t)LINUX_EFI_UNACCEPTED_MEM_TABLE_GUID);
	const u8 *first = t ? entry_snapshot(t) : NULL;
	struct efi_unaccepted_memory hdr;
	struct mm_error e;

	why[0] = '\0';
	mm_error_clear(&e);
	if (!t)
		return NULL;
	if (!first) {
		snprintf(why, size, "the table at %p could not be read at this stage's entry", (const void *)t);
		return NULL;
	}
	memcpy(&hdr, first, UNACCEPTED_HEADER_SIZE);
	if (reads_reclaim_pattern(first)) {
		snprintf(why, size, "the table at %p reads 0x%02x: stage 1 reclaimed and overwrote its memory (it was "
			 "left in boot-services memory)", (const void *)t, HANDOFF_RECLAIM_BYTE);
		return NULL;
	}
	if (!unaccepted_header_ok(&hdr, &e)) {
		snprintf(why, size, "the table at %p: %s (version=%u unit_size=0x%x phys_base=0x%llx size=%llu)",
			 (const void *)t, e.msg, hdr.version, hdr.unit_size, hdr.phys_base, hdr.size);
		return NULL;
	}
	if (memcmp(&hdr, t, UNACCEPTED_HEADER_SIZE)) {
		snprintf(why, size, "the table's header at %p changed since this stage's entry (this stage overwrote it)",
			 (const void *)t);
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

bool handoff_table_covers(const struct efi_unaccepted_memory *table, u64 addr)
{
	struct range c = unaccepted_covered(table);

	return addr >= c.start && addr < c.end;
}

bool handoff_table_says_unaccepted(const struct efi_unaccepted_memory *table, u64 addr)
{
	return handoff_table_covers(table, addr) && unaccepted_test(table, (addr - table->phys_base) / table->unit_size);
}

u64 handoff_unit_of(const struct efi_unaccepted_memory *table, u64 addr)
{
	if (addr < table->phys_base)
		return ALIGN_DOWN(addr, table->unit_size);
	return table->phys_base + ALIGN_DOWN(addr - table->phys_base, table->unit_size);
}

u64 handoff_walk_accepted_ram(const struct efi_unaccepted_memory *table, handoff_page_fn visit, void *ctx)
{
	struct memmap m = memmap_view(&boot_info.memmap);
	const struct efi_memory_descriptor *d;
	u64 skipped = 0;

	for_each_memmap_desc(&m, i, d) {
		struct range r = memmap_desc_range(d);
		if (d->type != EFI_CONVENTIONAL_MEMORY)
			continue;
		for (u64 page = r.start; page < r.end; page += EFI_PAGE_SIZE) {
			if (table && handoff_table_says_unaccepted(table, page))
				skipped += EFI_PAGE_SIZE;
			else
				visit(ctx, page);
		}
	}
	return skipped;
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
