/* SPDX-License-Identifier: MIT */
/*
 * Memory-map conformance rules (MM-*, docs/conformance.md) on top of the checks in kernel/mm/memmap.c.
 * Sources: UEFI 2.10 section 7.2 (EFI_MEMORY_DESCRIPTOR, memory types and attributes, GetMemoryMap()),
 * Linux arch/x86/platform/efi/efi.c do_add_efi_memmap() (memory without EFI_MEMORY_WB becomes E820
 * reserved), Linux drivers/firmware/efi/libstub/unaccepted_memory.c (2 MiB units).
 */
#include <ccktf/string.h>
#include "conform/conform.h"

/* Findings */

void conform_finding_init(struct conform_finding *f, conform_visit_fn visit, void *ctx)
{
	memset(f, 0, sizeof(*f));
	f->visit = visit;
	f->ctx = ctx;
}

bool conform_offend(struct conform_finding *f, const struct conform_item *item)
{
	if (!f)
		return false;
	if (!f->count++)
		f->first = *item;
	if (f->visit)
		f->visit(f->ctx, item);
	return false;
}

static bool offend_desc(struct conform_finding *f, u64 index, const struct efi_memory_descriptor *d,
			const char *what)
{
	struct conform_item item = { index, d->phys_start, d->num_pages, d->attribute, d->type, what };

	return conform_offend(f, &item);
}

/* Runs is_bad over every descriptor; true when none is. */
static bool judge_descs(const struct memmap *m, struct conform_finding *f,
			const char *(*is_bad)(const struct efi_memory_descriptor *d, u64 arg), u64 arg)
{
	const struct efi_memory_descriptor *d;
	bool held = true;

	for_each_memmap_desc(m, i, d) {
		const char *what = is_bad(d, arg);

		if (what)
			held = offend_desc(f, i, d, what);
	}
	return held;
}

/* Shape (UEFI 2.10 section 7.2, GetMemoryMap()) */

bool conform_memmap_version(const struct memmap *m, struct mm_error *e)
{
	if (m->desc_version == EFI_MEMORY_DESCRIPTOR_VERSION)
		return true;
	return mm_fail(e, MM_ERR_DESC_VERSION, MM_NO_INDEX, 0, "descriptor version %u, expected %u",
		       m->desc_version, EFI_MEMORY_DESCRIPTOR_VERSION);
}

bool conform_memmap_desc_size(const struct memmap *m, struct mm_error *e)
{
	struct memmap any_version = *m;

	any_version.desc_version = EFI_MEMORY_DESCRIPTOR_VERSION; /* MM-001 judges the version */
	return memmap_check_shape(&any_version, e);
}

bool conform_memmap_extents(const struct memmap *m, struct mm_error *e)
{
	return memmap_check_nonempty(m, e) && memmap_check_ends(m, e);
}

bool conform_memmap_same(const struct memmap *a, const struct memmap *b, struct mm_error *e)
{
	u64 n = MIN(memmap_count(a), memmap_count(b));

	if (a->map_size != b->map_size || a->desc_size != b->desc_size)
		return mm_fail(e, MM_ERR_MAP_SIZE, MM_NO_INDEX, 0,
			       "first read %llu bytes (descriptor size %llu), second %llu bytes (descriptor size %llu)",
			       a->map_size, a->desc_size, b->map_size, b->desc_size);
	for (u64 i = 0; i < n; i++)
		if (memcmp(memmap_desc(a, i), memmap_desc(b, i), a->desc_size))
			return mm_fail_desc(e, MM_ERR_MAP_SIZE, i, memmap_desc(b, i),
					    "differs between two reads with nothing in between");
	return true;
}

/* Types and attributes (UEFI 2.10 section 7.2) */

bool conform_type_valid(u32 type)
{
	return type < EFI_MAX_MEMORY_TYPE || type >= EFI_OEM_MEMORY_TYPE_FIRST;
}

static const char *type_invalid(const struct efi_memory_descriptor *d, u64 unused)
{
	(void)unused;
	return conform_type_valid(d->type) ? NULL : "type is neither a UEFI type (0-15), OEM nor OS-reserved";
}

bool conform_memmap_types(const struct memmap *m, struct conform_finding *f)
{
	return judge_descs(m, f, type_invalid, 0);
}

static const char *lacks_wb(const struct efi_memory_descriptor *d, u64 unused)
{
	(void)unused;
	if (d->type != EFI_CONVENTIONAL_MEMORY && !memmap_type_is_unaccepted(d->type))
		return NULL;
	return d->attribute & EFI_MEMORY_WB ? NULL : "lacks EFI_MEMORY_WB (Linux would treat it as reserved)";
}

bool conform_memmap_wb(const struct memmap *m, struct conform_finding *f)
{
	return judge_descs(m, f, lacks_wb, 0);
}

static const char *lacks_runtime(const struct efi_memory_descriptor *d, u64 unused)
{
	(void)unused;
	if (d->type != EFI_RUNTIME_SERVICES_CODE && d->type != EFI_RUNTIME_SERVICES_DATA)
		return NULL;
	return d->attribute & EFI_MEMORY_RUNTIME ? NULL : "runtime-services memory lacks EFI_MEMORY_RUNTIME";
}

bool conform_memmap_runtime_attr(const struct memmap *m, struct conform_finding *f)
{
	return judge_descs(m, f, lacks_runtime, 0);
}

/* Unaccepted memory */

static const char *unaccepted_unaligned(const struct efi_memory_descriptor *d, u64 unit)
{
	struct range r = memmap_desc_range(d);

	if (!memmap_type_is_unaccepted(d->type))
		return NULL;
	if (!IS_ALIGNED(r.start, unit))
		return "unaccepted range does not start on a 2 MiB unit (Linux accepts the head at boot)";
	if (!IS_ALIGNED(r.end, unit))
		return "unaccepted range does not end on a 2 MiB unit (Linux accepts the tail at boot)";
	return NULL;
}

bool conform_unaccepted_aligned(const struct memmap *m, u64 unit, struct conform_finding *f)
{
	return judge_descs(m, f, unaccepted_unaligned, unit);
}

static const char *unaccepted_low(const struct efi_memory_descriptor *d, u64 limit)
{
	if (!memmap_type_is_unaccepted(d->type) || d->phys_start >= limit)
		return NULL;
	return "unaccepted memory below 1 MiB";
}

bool conform_unaccepted_below(const struct memmap *m, u64 limit, struct conform_finding *f)
{
	return judge_descs(m, f, unaccepted_low, limit);
}

static const char *conventional_at_or_above(const struct efi_memory_descriptor *d, u64 addr)
{
	if (d->type != EFI_CONVENTIONAL_MEMORY || memmap_desc_range(d).end <= addr)
		return NULL;
	return "conventional (accepted) memory above 4 GiB";
}

bool conform_conventional_above(const struct memmap *m, u64 addr, struct conform_finding *f)
{
	return judge_descs(m, f, conventional_at_or_above, addr);
}

/* Amounts */

u64 conform_bytes_of_type(const struct memmap *m, u32 type)
{
	const struct efi_memory_descriptor *d;
	u64 bytes = 0;

	for_each_memmap_desc(m, i, d)
		if (d->type == type)
			bytes += range_len(memmap_desc_range(d));
	return bytes;
}

u64 conform_ram_above(const struct memmap *m, u64 addr)
{
	const struct efi_memory_descriptor *d;
	u64 bytes = 0;

	for_each_memmap_desc(m, i, d)
		if (memmap_type_is_ram(d->type) || memmap_type_is_unaccepted(d->type))
			bytes += range_len(range_clip(memmap_desc_range(d), range_make(addr, U64_MAX)));
	return bytes;
}
