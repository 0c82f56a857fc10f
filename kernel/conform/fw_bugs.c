/* SPDX-License-Identifier: MIT */
/*
 * Rules that guard firmware bugs which shipped (FB-*, docs/conformance.md); each names the fix it guards
 * in conform/fw_bugs.h. Written from the bugs' descriptions, not from the fixes' code.
 */
#include <arch/tdx_spec.h>
#include <ccktf/string.h>
#include "conform/fw_bugs.h"
#include "efi/efi_spec.h"
#include "mm/unaccepted.h"

#define CANARY_BYTE 0xc5

/* FB-001 */

static u64 count_unaccepted(const u8 *buf, u64 size, u64 desc_size)
{
	u64 n = 0;

	if (desc_size < sizeof(struct efi_memory_descriptor))
		return 0;
	for (u64 off = 0; off + desc_size <= size; off += desc_size) {
		struct efi_memory_descriptor d;

		memcpy(&d, buf + off, sizeof(d));
		n += d.type == EFI_UNACCEPTED_MEMORY;
	}
	return n;
}

static u64 canary_changed(const u8 *p, u64 n)
{
	u64 changed = 0;

	for (u64 i = 0; i < n; i++)
		changed += p[i] != CANARY_BYTE;
	return changed;
}

enum conform_map_probe_verdict conform_probe_map_size(conform_get_map_fn get_map, void *ctx, u8 *buf, u64 cap,
						     u64 canary_bytes, struct conform_map_probe *p)
{
	u64 size = 0;

	memset(p, 0, sizeof(*p));
	p->first_status = get_map(ctx, &size, buf, &p->desc_size);
	p->first_size = size;
	if (p->first_status != EFI_BUFFER_TOO_SMALL)
		return MAP_PROBE_NOT_TOO_SMALL;
	for (p->rounds = 1; p->rounds <= CONFORM_MAP_PROBE_ROUNDS; p->rounds++) {
		p->asked = size;
		if (size > cap || cap - size < canary_bytes)
			return MAP_PROBE_NO_ROOM;
		memset(buf, 0, size);
		memset(buf + size, CANARY_BYTE, canary_bytes);
		p->status = get_map(ctx, &size, buf, &p->desc_size);
		p->returned_size = size;
		p->overrun_bytes = canary_changed(buf + p->asked, canary_bytes);
		if (p->overrun_bytes)
			return MAP_PROBE_OVERRUN;
		if (p->status == EFI_SUCCESS) {
			p->unaccepted_descs = count_unaccepted(buf, MIN(size, p->asked), p->desc_size);
			return size > p->asked ? MAP_PROBE_SIZE_GREW : MAP_PROBE_OK;
		}
		if (p->status != EFI_BUFFER_TOO_SMALL)
			return MAP_PROBE_ERROR;
		if (size <= p->asked)
			return MAP_PROBE_NEVER_FITS;
	}
	p->rounds = CONFORM_MAP_PROBE_ROUNDS;
	return MAP_PROBE_UNSTABLE;
}

const char *conform_map_probe_text(enum conform_map_probe_verdict v)
{
	switch (v) {
	case MAP_PROBE_OK:
		return "the size asked for was enough, and nothing past it was written";
	case MAP_PROBE_NOT_TOO_SMALL:
		return "a 0-byte buffer was not answered with EFI_BUFFER_TOO_SMALL";
	case MAP_PROBE_OVERRUN:
		return "the firmware wrote past the size it asked for (descriptors it did not count)";
	case MAP_PROBE_SIZE_GREW:
		return "success, but MapSize came back larger than the size asked for";
	case MAP_PROBE_NEVER_FITS:
		return "EFI_BUFFER_TOO_SMALL again for exactly the size asked for, without asking for more";
	case MAP_PROBE_UNSTABLE:
		return "the firmware asked for more every time";
	case MAP_PROBE_ERROR:
		return "GetMemoryMap failed";
	case MAP_PROBE_NO_ROOM:
		return "the probe's buffer cannot hold the size asked for (a probe limit, not a finding)";
	}
	return "?";
}

/* FB-002 */

bool conform_probe_alloc_unaccepted(const struct conform_alloc_ops *ops, struct conform_alloc_probe *p)
{
	memset(p, 0, sizeof(*p));
	p->pages_status = ops->allocate_pages(ops->ctx, EFI_UNACCEPTED_MEMORY, 1, &p->pages_addr);
	if (p->pages_status == EFI_SUCCESS)
		p->freed_pages = ops->free_pages(ops->ctx, p->pages_addr, 1) == EFI_SUCCESS;
	p->pool_status = ops->allocate_pool(ops->ctx, EFI_UNACCEPTED_MEMORY, 64, &p->pool_buf);
	if (p->pool_status == EFI_SUCCESS)
		p->freed_pool = ops->free_pool(ops->ctx, p->pool_buf) == EFI_SUCCESS;
	return p->pages_status == EFI_INVALID_PARAMETER && p->pool_status == EFI_INVALID_PARAMETER;
}

/* FB-003 */

bool conform_map_has_sp(const struct memmap *m)
{
	const struct efi_memory_descriptor *d;

	for_each_memmap_desc(m, i, d)
		if (d->attribute & EFI_MEMORY_SP)
			return true;
	return false;
}

static bool offend(struct conform_finding *f, u64 index, const struct efi_memory_descriptor *d, const char *what)
{
	struct conform_item item = { index, d->phys_start, d->num_pages, d->attribute, d->type, what };

	return conform_offend(f, &item);
}

/* Does any descriptor of m with SP overlap r? */
static bool had_sp(const struct memmap *m, struct range r)
{
	const struct efi_memory_descriptor *d;

	for_each_memmap_desc(m, i, d) {
		struct range s = memmap_desc_range(d);
		if ((d->attribute & EFI_MEMORY_SP) && s.start < r.end && r.start < s.end)
			return true;
	}
	return false;
}

bool conform_sp_kept(const struct memmap *before, const struct memmap *after, struct conform_finding *f)
{
	const struct efi_memory_descriptor *d;
	bool held = true;

	for_each_memmap_desc(after, i, d) {
		bool sp = d->attribute & EFI_MEMORY_SP;
		bool was_sp = before && had_sp(before, memmap_desc_range(d));

		if (sp && memmap_type_is_unaccepted(d->type))
			held = offend(f, i, d, "specific-purpose memory turned into unaccepted memory");
		else if (was_sp && memmap_type_is_unaccepted(d->type))
			held = offend(f, i, d, "specific-purpose range became unaccepted memory, SP attribute lost");
		else if (was_sp && !sp)
			held = offend(f, i, d, "specific-purpose range lost its EFI_MEMORY_SP attribute");
	}
	return held;
}

/* FB-004 */

/*
 * RAM as Linux takes it, the loader's LoaderCode/Data included. ccktf runs from that memory, so its own
 * pages are accepted; the pages it made shared (SNP) are the platform's to tell apart (CC_PAGE_SHARED),
 * not a type to leave out whole: a pending page the map calls LoaderData is still a page the map hides.
 */
static bool ram_not_unaccepted(const struct efi_memory_descriptor *d)
{
	return d && memmap_type_is_ram(d->type);
}

static bool ask(u64 index, const struct efi_memory_descriptor *d, u64 addr, conform_page_state_fn page_state,
		void *ctx, struct conform_pending_counts *c, struct conform_finding *f)
{
	struct conform_item item = { index, addr, 1, d->attribute, d->type,
				     "pending (not accepted), yet the map does not call it unaccepted" };
	enum cc_page_state st = page_state(ctx, addr);

	c->asked++;
	c->shared += st == CC_PAGE_SHARED;
	c->unclear += st == CC_PAGE_UNKNOWN;
	return st == CC_PAGE_PENDING ? conform_offend(f, &item) : true;
}

bool conform_pending_reported(const struct memmap *m, conform_page_state_fn page_state, void *ctx,
			      bool every_page, struct conform_pending_counts *counts, struct conform_finding *f)
{
	struct conform_pending_counts c = { 0, 0, 0 };
	const struct efi_memory_descriptor *d;
	bool held = true;

	for_each_memmap_desc(m, i, d) {
		struct range r = memmap_desc_range(d);

		if (!memmap_type_is_ram(d->type) || r.end <= r.start)
			continue;
		if (every_page) {
			for (u64 a = r.start; a < r.end; a += EFI_PAGE_SIZE)
				held &= ask(i, d, a, page_state, ctx, &c, f);
			continue;
		}
		/* The edges of runs of RAM: where a firmware's last chunk (or first) would be left pending. */
		if (!r.start || !ram_not_unaccepted(memmap_find(m, r.start - 1, NULL)))
			held &= ask(i, d, r.start, page_state, ctx, &c, f);
		if (!ram_not_unaccepted(memmap_find(m, r.end, NULL)) && r.end - EFI_PAGE_SIZE != r.start)
			held &= ask(i, d, r.end - EFI_PAGE_SIZE, page_state, ctx, &c, f);
	}
	if (counts)
		*counts = c;
	return held;
}

/* FB-005 */

u64 conform_unaccepted_table_bytes(u64 bitmap_size)
{
	return bitmap_size > U64_MAX - UNACCEPTED_HEADER_SIZE ? U64_MAX : UNACCEPTED_HEADER_SIZE + bitmap_size;
}

static const char *not_kept(u32 type)
{
	if (type == EFI_CONVENTIONAL_MEMORY)
		return "table bytes in conventional memory: the OS may allocate them";
	if (memmap_type_is_unaccepted(type))
		return "table bytes in unaccepted memory";
	if (conform_type_is_boot_services(type))
		return "table bytes in boot-services memory: the OS reclaims it after ExitBootServices";
	return NULL;
}

bool conform_table_reserved(const struct memmap *m, u64 addr, u64 bytes, struct conform_finding *f)
{
	u64 end = bytes > U64_MAX - addr ? U64_MAX : addr + bytes;
	bool held = true;
	u64 i = 0;

	for (u64 a = addr; a < end; i++) {
		u64 index = 0;
		const struct efi_memory_descriptor *d = memmap_find(m, a, &index);
		struct conform_item item = { index, a, 0, 0, CONFORM_TYPE_NONE,
					     "table bytes outside every descriptor" };

		if (!d) {
			item.index = i;
			held = conform_offend(f, &item);
			a = ALIGN_DOWN(a, EFI_PAGE_SIZE) + EFI_PAGE_SIZE; /* the next page may be described again */
			continue;
		}
		item.what = not_kept(d->type);
		if (item.what)
			held = offend(f, index, d, item.what);
		a = memmap_desc_range(d).end;
	}
	return held;
}

/* FB-006 */

bool conform_tdx_1g_refused(u64 raw_status)
{
	return raw_status == (TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX);
}
