/* SPDX-License-Identifier: MIT */
/*
 * The Linux unaccepted-memory table: planning, population, bit operations and validation (see
 * unaccepted.h). The algorithms follow the descriptions of allocate_unaccepted_bitmap() and
 * process_unaccepted_memory() in Linux drivers/firmware/efi/libstub/unaccepted_memory.c.
 */
#include <ccktf/string.h>
#include "mm/unaccepted.h"

#define ULL(x) ((unsigned long long)(x))

/* Header and geometry */

static bool check_unit_size(u64 unit, struct mm_error *e)
{
	if (!is_power_of_two(unit) || unit < EFI_PAGE_SIZE)
		return mm_fail(e, MM_ERR_UNIT_SIZE, MM_NO_INDEX, 0,
			       "unit size %llu is not a power of two of at least 4 KiB", ULL(unit));
	return true;
}

/* phys_base + size * 8 * unit_size, or false when that passes 2^64. */
static bool covered_end(const struct efi_unaccepted_memory *t, u64 *end)
{
	u64 units, bytes;

	if (t->size > U64_MAX / 8)
		return false;
	units = t->size * 8;
	if (t->unit_size && units > U64_MAX / t->unit_size)
		return false;
	bytes = units * t->unit_size;
	if (bytes > U64_MAX - t->phys_base)
		return false;
	*end = t->phys_base + bytes;
	return true;
}

static bool check_covered_range(const struct efi_unaccepted_memory *t, struct mm_error *e)
{
	u64 end;

	if (!covered_end(t, &end) || end > UNACCEPTED_MAX_PHYS)
		return mm_fail(e, MM_ERR_TABLE_RANGE, MM_NO_INDEX, t->phys_base,
			       "bitmap of %llu bytes at unit %u from 0x%llx covers memory beyond 2^52", ULL(t->size),
			       t->unit_size, ULL(t->phys_base));
	return true;
}

bool unaccepted_header_ok(const struct efi_unaccepted_memory *t, struct mm_error *e)
{
	if (t->version != UNACCEPTED_TABLE_VERSION)
		return mm_fail(e, MM_ERR_TABLE_VERSION, MM_NO_INDEX, 0, "table version %u, expected %u", t->version,
			       UNACCEPTED_TABLE_VERSION);
	if (!check_unit_size(t->unit_size, e))
		return false;
	if (!IS_ALIGNED(t->phys_base, t->unit_size))
		return mm_fail(e, MM_ERR_BASE_UNALIGNED, MM_NO_INDEX, t->phys_base,
			       "phys_base 0x%llx is not aligned to the unit size %u", ULL(t->phys_base), t->unit_size);
	return check_covered_range(t, e);
}

u64 unaccepted_units(const struct efi_unaccepted_memory *t)
{
	return t->size > U64_MAX / 8 ? U64_MAX : t->size * 8;
}

struct range unaccepted_covered(const struct efi_unaccepted_memory *t)
{
	u64 end;

	if (!covered_end(t, &end))
		end = t->phys_base;
	return range_make(t->phys_base, end);
}

struct range unaccepted_unit_range(const struct efi_unaccepted_memory *t, u64 unit)
{
	return range_from_size_clamped(t->phys_base + unit * t->unit_size, t->unit_size);
}

/* Planning: allocate_unaccepted_bitmap() */

static bool widen_by_descriptor(const struct efi_memory_descriptor *d, u64 i, struct range *span,
				struct mm_error *e)
{
	u64 end;

	if (!memmap_desc_end(d, &end))
		return mm_fail_desc(e, MM_ERR_END_OVERFLOW, i, d, "unaccepted range ends past 2^64");
	span->start = MIN(span->start, d->phys_start);
	span->end = MAX(span->end, end);
	return true;
}

/* The lowest start and highest end of the non-empty type-15 descriptors; empty when there are none. */
static bool unaccepted_span(const struct memmap *m, struct range *span, struct mm_error *e)
{
	const struct efi_memory_descriptor *d;

	*span = (struct range){ U64_MAX, 0 };
	for_each_memmap_desc(m, i, d)
		if (memmap_type_is_unaccepted(d->type) && d->num_pages && !widen_by_descriptor(d, i, span, e))
			return false;
	return true;
}

static bool plan_from_span(struct range span, struct unaccepted_plan *plan, struct mm_error *e)
{
	u64 unit = plan->unit_size, end;

	if (!align_up_checked(span.end, unit, &end) || end > UNACCEPTED_MAX_PHYS)
		return mm_fail(e, MM_ERR_TABLE_RANGE, MM_NO_INDEX, span.end,
			       "unaccepted memory ends at 0x%llx, beyond 2^52", ULL(span.end));
	plan->phys_base = ALIGN_DOWN(span.start, unit);
	plan->end = end;
	plan->bitmap_bytes = (end - plan->phys_base + unit * 8 - 1) / (unit * 8);
	plan->table_bytes = UNACCEPTED_HEADER_SIZE + plan->bitmap_bytes;
	return true;
}

bool unaccepted_plan(const struct memmap *m, u32 unit_size, struct unaccepted_plan *plan, struct mm_error *e)
{
	struct range span;

	memset(plan, 0, sizeof(*plan));
	plan->unit_size = unit_size;
	if (!check_unit_size(unit_size, e) || !memmap_check_shape(m, e) || !unaccepted_span(m, &span, e))
		return false;
	if (range_empty(span))
		return true;
	return plan_from_span(span, plan, e);
}

void unaccepted_init(struct efi_unaccepted_memory *t, const struct unaccepted_plan *plan)
{
	t->version = UNACCEPTED_TABLE_VERSION;
	t->unit_size = plan->unit_size;
	t->phys_base = plan->phys_base;
	t->size = plan->bitmap_bytes;
	memset(t->bitmap, 0, plan->bitmap_bytes);
}

/* Bits */

static const u8 *bitmap_bytes(const struct efi_unaccepted_memory *t)
{
	return (const u8 *)t->bitmap;
}

static u8 *bitmap_bytes_mut(struct efi_unaccepted_memory *t)
{
	return (u8 *)t->bitmap;
}

bool unaccepted_test(const struct efi_unaccepted_memory *t, u64 unit)
{
	if (unit >= unaccepted_units(t))
		return false;
	return (bitmap_bytes(t)[unit / 8] >> (unit % 8)) & 1;
}

void unaccepted_set(struct efi_unaccepted_memory *t, u64 unit)
{
	if (unit < unaccepted_units(t))
		bitmap_bytes_mut(t)[unit / 8] |= (u8)(1u << (unit % 8));
}

void unaccepted_clear(struct efi_unaccepted_memory *t, u64 unit)
{
	if (unit < unaccepted_units(t))
		bitmap_bytes_mut(t)[unit / 8] &= (u8)~(1u << (unit % 8));
}

/* [first, first + count) clipped to the bitmap. */
static u64 units_end(const struct efi_unaccepted_memory *t, u64 first, u64 count)
{
	u64 end = range_from_size_clamped(first, count).end;

	return MIN(end, unaccepted_units(t));
}

static void write_units(struct efi_unaccepted_memory *t, u64 first, u64 count, bool set)
{
	u64 end = units_end(t, first, count);

	for (u64 u = first; u < end;) {
		if (u % 8 == 0 && end - u >= 8) {
			bitmap_bytes_mut(t)[u / 8] = set ? 0xff : 0;
			u += 8;
			continue;
		}
		if (set)
			unaccepted_set(t, u);
		else
			unaccepted_clear(t, u);
		u++;
	}
}

void unaccepted_set_units(struct efi_unaccepted_memory *t, u64 first, u64 count)
{
	write_units(t, first, count, true);
}

void unaccepted_clear_units(struct efi_unaccepted_memory *t, u64 first, u64 count)
{
	write_units(t, first, count, false);
}

void unaccepted_clear_inside(struct efi_unaccepted_memory *t, u64 start, u64 size)
{
	struct range r = range_clip(range_from_size_clamped(start, size), unaccepted_covered(t));
	u64 first, end;

	if (range_empty(r))
		return;
	first = (ALIGN_UP(r.start, t->unit_size) - t->phys_base) / t->unit_size;
	end = (ALIGN_DOWN(r.end, t->unit_size) - t->phys_base) / t->unit_size;
	if (end > first)
		unaccepted_clear_units(t, first, end - first);
}

/* SWAR population count: no libgcc call, no special instructions. */
static u64 popcount64(u64 x)
{
	x = x - ((x >> 1) & 0x5555555555555555ull);
	x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
	return (x * 0x0101010101010101ull) >> 56;
}

static u64 load_word(const u8 *b)
{
	u64 w;

	memcpy(&w, b, sizeof(w));
	return w;
}

u64 unaccepted_count_set(const struct efi_unaccepted_memory *t)
{
	const u8 *b = bitmap_bytes(t);
	u64 n = 0, i = 0;

	for (; t->size - i >= 8; i += 8)
		n += popcount64(load_word(b + i));
	for (; i < t->size; i++)
		n += popcount64(b[i]);
	return n;
}

/* The first unit in [from, limit) whose bit equals want, or limit. Skips whole words and bytes. */
static u64 scan_bits(const struct efi_unaccepted_memory *t, u64 from, u64 limit, bool want)
{
	const u8 *b = bitmap_bytes(t);
	u64 u = from;

	while (u < limit) {
		if (u % 64 == 0 && limit - u >= 64 && load_word(b + u / 8) == (want ? 0 : U64_MAX))
			u += 64;
		else if (u % 8 == 0 && limit - u >= 8 && b[u / 8] == (want ? 0 : 0xff))
			u += 8;
		else if (unaccepted_test(t, u) == want)
			return u;
		else
			u++;
	}
	return limit;
}

bool unaccepted_next_run(const struct efi_unaccepted_memory *t, u64 from, u64 limit, u64 *run_start,
			 u64 *run_end)
{
	u64 start;

	limit = MIN(limit, unaccepted_units(t));
	start = scan_bits(t, from, limit, true);
	if (start >= limit)
		return false;
	*run_start = start;
	*run_end = scan_bits(t, start, limit, false);
	return true;
}

/* Population: process_unaccepted_memory() */

static int accept_if_any(accept_now_fn accept_now, void *ctx, struct range r)
{
	return range_empty(r) ? 0 : accept_now(ctx, r.start, r.end);
}

static void mark_unaccepted(struct efi_unaccepted_memory *t, struct range inside)
{
	if (range_empty(inside))
		return;
	unaccepted_set_units(t, (inside.start - t->phys_base) / t->unit_size, range_len(inside) / t->unit_size);
}

/* The body is unit-aligned: what the bitmap cannot hold is accepted now, the rest is marked. */
static int record_body(struct efi_unaccepted_memory *t, struct range body, accept_now_fn accept_now, void *ctx)
{
	struct range covered = unaccepted_covered(t);
	int rc;

	rc = accept_if_any(accept_now, ctx, range_clip(body, range_make(0, covered.start)));
	if (!rc)
		rc = accept_if_any(accept_now, ctx, range_clip(body, range_make(covered.end, U64_MAX)));
	if (!rc)
		mark_unaccepted(t, range_clip(body, covered));
	return rc;
}

int unaccepted_process_range(struct efi_unaccepted_memory *t, struct range r, accept_now_fn accept_now,
			     void *ctx)
{
	struct range_split s;
	int rc;

	if (range_empty(r))
		return 0;
	/* Shorter than two units: accepted whole, so that the rest always holds a whole unit. */
	if (range_len(r) < 2ull * t->unit_size)
		return accept_now(ctx, r.start, r.end);
	range_split(r, t->unit_size, &s);
	rc = accept_if_any(accept_now, ctx, s.head);
	if (!rc)
		rc = accept_if_any(accept_now, ctx, s.tail);
	if (!rc)
		rc = record_body(t, s.body, accept_now, ctx);
	return rc;
}

static bool populate_one(struct efi_unaccepted_memory *t, const struct efi_memory_descriptor *d, u64 i,
			 accept_now_fn accept_now, void *ctx, struct mm_error *e)
{
	u64 end;
	int rc;

	if (!memmap_desc_end(d, &end))
		return mm_fail_desc(e, MM_ERR_END_OVERFLOW, i, d, "unaccepted range ends past 2^64");
	rc = unaccepted_process_range(t, range_make(d->phys_start, end), accept_now, ctx);
	if (rc)
		return mm_fail(e, MM_ERR_ACCEPT_NOW, i, d->phys_start,
			       "descriptor %llu (type %u, start 0x%llx, %llu pages): accepting now failed with %d",
			       ULL(i), d->type, ULL(d->phys_start), ULL(d->num_pages), rc);
	return true;
}

bool unaccepted_populate(struct efi_unaccepted_memory *t, const struct memmap *m, accept_now_fn accept_now,
			 void *ctx, struct mm_error *e)
{
	const struct efi_memory_descriptor *d;

	if (!unaccepted_header_ok(t, e) || !memmap_check_shape(m, e))
		return false;
	for_each_memmap_desc(m, i, d)
		if (memmap_type_is_unaccepted(d->type) && !populate_one(t, d, i, accept_now, ctx, e))
			return false;
	return true;
}

/* Validation */

static bool check_in_ram(const struct memmap *m, struct range r, const char *what, struct mm_error *e)
{
	u64 gap = r.start, index = MM_NO_INDEX;
	const struct efi_memory_descriptor *d;

	if (memmap_range_is(m, r, memmap_type_is_ram, &gap))
		return true;
	d = memmap_find(m, gap, &index);
	return mm_fail(e, MM_ERR_TABLE_NOT_IN_RAM, index, gap,
		       "%s 0x%llx-0x%llx is not all RAM: 0x%llx is %s type %u", what, ULL(r.start), ULL(r.end),
		       ULL(gap), d ? "in a descriptor of" : "in no descriptor, not even", d ? d->type : 0);
}

static bool check_table_in_ram(const struct efi_unaccepted_memory *t, u64 table_pa, const struct memmap *m,
			       struct mm_error *e)
{
	struct range whole;

	if (!range_from_size(table_pa, UNACCEPTED_HEADER_SIZE + t->size, &whole))
		return mm_fail(e, MM_ERR_TABLE_RANGE, MM_NO_INDEX, table_pa,
			       "table at 0x%llx with a %llu-byte bitmap ends past 2^64", ULL(table_pa), ULL(t->size));
	return check_in_ram(m, whole, "table", e);
}

static bool fail_set_bit(const struct efi_unaccepted_memory *t, const struct memmap *m, u64 gap,
			 struct mm_error *e)
{
	u64 unit = (gap - t->phys_base) / t->unit_size, index = MM_NO_INDEX;
	struct range r = unaccepted_unit_range(t, unit);
	const struct efi_memory_descriptor *d = memmap_find(m, gap, &index);

	return mm_fail(e, MM_ERR_SET_BIT_NOT_UNACCEPTED, index, gap,
		       "bit %llu (0x%llx-0x%llx) is set, but 0x%llx is %s type %u, not unaccepted (15)", ULL(unit),
		       ULL(r.start), ULL(r.end), ULL(gap), d ? "in a descriptor of" : "in no descriptor, not even",
		       d ? d->type : 0);
}

static bool check_set_bits(const struct efi_unaccepted_memory *t, const struct memmap *m, struct mm_error *e)
{
	u64 first, end, gap;

	for (u64 from = 0; unaccepted_next_run(t, from, U64_MAX, &first, &end); from = end) {
		struct range r = range_make(unaccepted_unit_range(t, first).start, unaccepted_unit_range(t, end).start);

		if (!memmap_range_is(m, r, memmap_type_is_unaccepted, &gap))
			return fail_set_bit(t, m, gap, e);
	}
	return true;
}

static bool check_descriptor_covered(const struct efi_unaccepted_memory *t, const struct efi_memory_descriptor *d,
				     u64 i, struct mm_error *e)
{
	struct range covered = unaccepted_covered(t);
	struct range_split s;

	range_split(memmap_desc_range(d), t->unit_size, &s);
	if (range_contains(covered, s.body))
		return true;
	return mm_fail(e, MM_ERR_UNACCEPTED_NOT_COVERED, i, s.body.start,
		       "descriptor %llu (type %u, start 0x%llx, %llu pages): units 0x%llx-0x%llx lie outside the "
		       "table's 0x%llx-0x%llx",
		       ULL(i), d->type, ULL(d->phys_start), ULL(d->num_pages), ULL(s.body.start), ULL(s.body.end),
		       ULL(covered.start), ULL(covered.end));
}

static bool check_unaccepted_covered(const struct efi_unaccepted_memory *t, const struct memmap *m,
				     struct mm_error *e)
{
	const struct efi_memory_descriptor *d;

	for_each_memmap_desc(m, i, d)
		if (memmap_type_is_unaccepted(d->type) && !check_descriptor_covered(t, d, i, e))
			return false;
	return true;
}

bool unaccepted_validate(const struct efi_unaccepted_memory *t, u64 table_pa, const struct memmap *m,
			 struct mm_error *e)
{
	struct range header;

	mm_error_clear(e);
	if (!memmap_check_shape(m, e))
		return false;
	if (!range_from_size(table_pa, UNACCEPTED_HEADER_SIZE, &header))
		return mm_fail(e, MM_ERR_TABLE_RANGE, MM_NO_INDEX, table_pa, "table header at 0x%llx ends past 2^64",
			       ULL(table_pa));
	if (!check_in_ram(m, header, "header", e))
		return false;
	if (!unaccepted_header_ok(t, e) || !check_table_in_ram(t, table_pa, m, e))
		return false;
	return check_set_bits(t, m, e) && check_unaccepted_covered(t, m, e);
}
