/* SPDX-License-Identifier: MIT */
/* The EFI memory-map view and its conformance checks (see memmap.h). */
#include <ccktf/format.h>
#include <ccktf/string.h>
#include "mm/memmap.h"

#define ULL(x) ((unsigned long long)(x))
#define EFI_PAGE_SHIFT 12

/* Findings */

void mm_error_clear(struct mm_error *e)
{
	if (!e)
		return;
	e->code = MM_OK;
	e->index = MM_NO_INDEX;
	e->addr = 0;
	e->msg[0] = '\0';
}

bool mm_fail(struct mm_error *e, int code, u64 index, u64 addr, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return false;
	e->code = code;
	e->index = index;
	e->addr = addr;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return false;
}

bool mm_fail_desc(struct mm_error *e, int code, u64 index, const struct efi_memory_descriptor *d,
		  const char *what)
{
	return mm_fail(e, code, index, d->phys_start, "descriptor %llu (type %u, start 0x%llx, %llu pages): %s",
		       ULL(index), d->type, ULL(d->phys_start), ULL(d->num_pages), what);
}

const char *mm_code_name(int code)
{
	static const char *const names[MM_CODES] = {
		[MM_OK] = "ok",
		[MM_ERR_MAP_NULL] = "map_null",
		[MM_ERR_MAP_ALIGN] = "map_align",
		[MM_ERR_DESC_SIZE_SMALL] = "desc_size_small",
		[MM_ERR_DESC_SIZE_UNALIGNED] = "desc_size_unaligned",
		[MM_ERR_DESC_SIZE_ABSURD] = "desc_size_absurd",
		[MM_ERR_DESC_VERSION] = "desc_version",
		[MM_ERR_MAP_SIZE] = "map_size",
		[MM_ERR_TOO_MANY_DESCS] = "too_many_descs",
		[MM_ERR_END_OVERFLOW] = "end_overflow",
		[MM_ERR_UNALIGNED] = "unaligned",
		[MM_ERR_ZERO_PAGES] = "zero_pages",
		[MM_ERR_UNSORTED] = "unsorted",
		[MM_ERR_OVERLAP] = "overlap",
		[MM_ERR_UNIT_SIZE] = "unit_size",
		[MM_ERR_TABLE_VERSION] = "table_version",
		[MM_ERR_BASE_UNALIGNED] = "base_unaligned",
		[MM_ERR_TABLE_RANGE] = "table_range",
		[MM_ERR_TABLE_NOT_IN_RAM] = "table_not_in_ram",
		[MM_ERR_SET_BIT_NOT_UNACCEPTED] = "set_bit_not_unaccepted",
		[MM_ERR_UNACCEPTED_NOT_COVERED] = "unaccepted_not_covered",
		[MM_ERR_ACCEPT_NOW] = "accept_now",
	};

	if (code < 0 || code >= MM_CODES)
		return "unknown";
	return names[code];
}

/* Descriptor access */

bool memmap_steppable(const struct memmap *m)
{
	return m->buf && IS_ALIGNED((uintptr_t)m->buf, 8) && m->desc_size >= EFI_MEMORY_DESCRIPTOR_MIN_SIZE &&
	       IS_ALIGNED(m->desc_size, 8);
}

u64 memmap_count(const struct memmap *m)
{
	return memmap_steppable(m) ? m->map_size / m->desc_size : 0;
}

const struct efi_memory_descriptor *memmap_desc(const struct memmap *m, u64 index)
{
	if (index >= memmap_count(m))
		return NULL;
	return (const void *)((const u8 *)m->buf + index * m->desc_size);
}

bool memmap_desc_end(const struct efi_memory_descriptor *d, u64 *end)
{
	struct range r;

	if (d->num_pages > (U64_MAX >> EFI_PAGE_SHIFT))
		return false;
	if (!range_from_size(d->phys_start, d->num_pages << EFI_PAGE_SHIFT, &r))
		return false;
	*end = r.end;
	return true;
}

struct range memmap_desc_range(const struct efi_memory_descriptor *d)
{
	u64 end;

	if (!memmap_desc_end(d, &end))
		end = U64_MAX;
	return range_make(d->phys_start, end);
}

bool memmap_type_is_ram(u32 type)
{
	switch (type) {
	case EFI_LOADER_CODE:
	case EFI_LOADER_DATA:
	case EFI_BOOT_SERVICES_CODE:
	case EFI_BOOT_SERVICES_DATA:
	case EFI_RUNTIME_SERVICES_CODE:
	case EFI_RUNTIME_SERVICES_DATA:
	case EFI_CONVENTIONAL_MEMORY:
	case EFI_ACPI_RECLAIM_MEMORY:
		return true;
	default:
		return false;
	}
}

bool memmap_type_is_unaccepted(u32 type)
{
	return type == EFI_UNACCEPTED_MEMORY;
}

/* Shape */

static bool check_desc_size(const struct memmap *m, struct mm_error *e)
{
	if (m->desc_size < EFI_MEMORY_DESCRIPTOR_MIN_SIZE)
		return mm_fail(e, MM_ERR_DESC_SIZE_SMALL, MM_NO_INDEX, 0,
			       "descriptor size %llu is below the 40 bytes of EFI_MEMORY_DESCRIPTOR", ULL(m->desc_size));
	if (!IS_ALIGNED(m->desc_size, 8))
		return mm_fail(e, MM_ERR_DESC_SIZE_UNALIGNED, MM_NO_INDEX, 0,
			       "descriptor size %llu is not a multiple of 8", ULL(m->desc_size));
	if (m->desc_size > MEMMAP_MAX_DESC_SIZE)
		return mm_fail(e, MM_ERR_DESC_SIZE_ABSURD, MM_NO_INDEX, 0, "descriptor size %llu is above %u",
			       ULL(m->desc_size), MEMMAP_MAX_DESC_SIZE);
	return true;
}

static bool check_map_size(const struct memmap *m, struct mm_error *e)
{
	if (m->map_size % m->desc_size)
		return mm_fail(e, MM_ERR_MAP_SIZE, MM_NO_INDEX, 0,
			       "map size %llu is not a multiple of the descriptor size %llu", ULL(m->map_size),
			       ULL(m->desc_size));
	if (m->map_size / m->desc_size > MEMMAP_MAX_DESCS)
		return mm_fail(e, MM_ERR_TOO_MANY_DESCS, MM_NO_INDEX, 0, "%llu descriptors, more than %u",
			       ULL(m->map_size / m->desc_size), MEMMAP_MAX_DESCS);
	return true;
}

static bool check_buffer(const struct memmap *m, struct mm_error *e)
{
	if (!m->buf)
		return mm_fail(e, MM_ERR_MAP_NULL, MM_NO_INDEX, 0, "map buffer is NULL (%llu bytes)",
			       ULL(m->map_size));
	if (!IS_ALIGNED((uintptr_t)m->buf, 8))
		return mm_fail(e, MM_ERR_MAP_ALIGN, MM_NO_INDEX, (uintptr_t)m->buf,
			       "map buffer %p is not 8-byte aligned", m->buf);
	return true;
}

bool memmap_check_shape(const struct memmap *m, struct mm_error *e)
{
	if (!check_buffer(m, e) || !check_desc_size(m, e))
		return false;
	if (m->desc_version != EFI_MEMORY_DESCRIPTOR_VERSION)
		return mm_fail(e, MM_ERR_DESC_VERSION, MM_NO_INDEX, 0, "descriptor version %u, expected %u",
			       m->desc_version, EFI_MEMORY_DESCRIPTOR_VERSION);
	return check_map_size(m, e);
}

/* Per-descriptor checks */

bool memmap_check_ends(const struct memmap *m, struct mm_error *e)
{
	const struct efi_memory_descriptor *d;
	u64 end;

	for_each_memmap_desc(m, i, d)
		if (!memmap_desc_end(d, &end))
			return mm_fail_desc(e, MM_ERR_END_OVERFLOW, i, d, "end passes 2^64");
	return true;
}

bool memmap_check_aligned(const struct memmap *m, struct mm_error *e)
{
	const struct efi_memory_descriptor *d;

	for_each_memmap_desc(m, i, d)
		if (!IS_ALIGNED(d->phys_start, EFI_PAGE_SIZE))
			return mm_fail_desc(e, MM_ERR_UNALIGNED, i, d, "start is not 4 KiB aligned");
	return true;
}

bool memmap_check_nonempty(const struct memmap *m, struct mm_error *e)
{
	const struct efi_memory_descriptor *d;

	for_each_memmap_desc(m, i, d)
		if (!d->num_pages)
			return mm_fail_desc(e, MM_ERR_ZERO_PAGES, i, d, "zero pages");
	return true;
}

bool memmap_check_sorted(const struct memmap *m, struct mm_error *e)
{
	const struct efi_memory_descriptor *d, *prev = NULL;

	for_each_memmap_desc(m, i, d) {
		if (prev && d->phys_start < prev->phys_start)
			return mm_fail_desc(e, MM_ERR_UNSORTED, i, d, "starts below the descriptor before it");
		prev = d;
	}
	return true;
}

/* Overlap */

static bool fail_overlap(struct mm_error *e, const struct memmap *m, u64 a, u64 b)
{
	const struct efi_memory_descriptor *da = memmap_desc(m, a), *db = memmap_desc(m, b);
	struct range overlap = range_clip(memmap_desc_range(da), memmap_desc_range(db));

	return mm_fail(e, MM_ERR_OVERLAP, b, overlap.start,
		       "descriptor %llu (type %u, start 0x%llx, %llu pages) overlaps descriptor %llu "
		       "(type %u, start 0x%llx, %llu pages) at 0x%llx",
		       ULL(b), db->type, ULL(db->phys_start), ULL(db->num_pages), ULL(a), da->type,
		       ULL(da->phys_start), ULL(da->num_pages), ULL(overlap.start));
}

/* Sorted: a descriptor overlaps an earlier one iff it starts below the furthest end seen so far. */
static bool check_overlap_sorted(const struct memmap *m, struct mm_error *e)
{
	const struct efi_memory_descriptor *d;
	u64 furthest = 0, furthest_index = MM_NO_INDEX;

	for_each_memmap_desc(m, i, d) {
		struct range r = memmap_desc_range(d);

		if (range_empty(r))
			continue;
		if (furthest_index != MM_NO_INDEX && r.start < furthest)
			return fail_overlap(e, m, furthest_index, i);
		if (r.end > furthest || furthest_index == MM_NO_INDEX) {
			furthest = r.end;
			furthest_index = i;
		}
	}
	return true;
}

static bool overlaps_earlier(const struct memmap *m, u64 i, u64 *other)
{
	struct range r = memmap_desc_range(memmap_desc(m, i));

	for (u64 j = 0; j < i; j++)
		if (range_overlaps(r, memmap_desc_range(memmap_desc(m, j)))) {
			*other = j;
			return true;
		}
	return false;
}

bool memmap_check_no_overlap(const struct memmap *m, struct mm_error *e)
{
	u64 n = MIN(memmap_count(m), MEMMAP_MAX_DESCS), other;

	if (memmap_check_sorted(m, NULL))
		return check_overlap_sorted(m, e);
	for (u64 i = 1; i < n; i++)
		if (overlaps_earlier(m, i, &other))
			return fail_overlap(e, m, other, i);
	return true;
}

bool memmap_check_all(const struct memmap *m, struct mm_error *e)
{
	mm_error_clear(e);
	return memmap_check_shape(m, e) && memmap_check_ends(m, e) && memmap_check_aligned(m, e) &&
	       memmap_check_nonempty(m, e) && memmap_check_no_overlap(m, e);
}

/* Lookups */

const struct efi_memory_descriptor *memmap_find(const struct memmap *m, u64 addr, u64 *index)
{
	const struct efi_memory_descriptor *d;

	for_each_memmap_desc(m, i, d)
		if (range_contains_addr(memmap_desc_range(d), addr)) {
			if (index)
				*index = i;
			return d;
		}
	return NULL;
}

/* The furthest end among descriptors of the wanted types that contain addr, or addr when there is none. */
static u64 furthest_covering_end(const struct memmap *m, u64 addr, bool (*is_type)(u32 type))
{
	const struct efi_memory_descriptor *d;
	u64 end = addr;

	for_each_memmap_desc(m, i, d) {
		struct range r = memmap_desc_range(d);

		if (is_type(d->type) && range_contains_addr(r, addr))
			end = MAX(end, r.end);
	}
	return end;
}

bool memmap_range_is(const struct memmap *m, struct range r, bool (*is_type)(u32 type), u64 *gap)
{
	u64 at = r.start;

	while (at < r.end) {
		u64 next = furthest_covering_end(m, at, is_type);

		if (next == at) {
			if (gap)
				*gap = at;
			return false;
		}
		at = next;
	}
	return true;
}
