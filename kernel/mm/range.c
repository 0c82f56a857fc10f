/* SPDX-License-Identifier: MIT */
/* Overflow-safe arithmetic on [start, end) ranges (see range.h). */
#include "mm/range.h"

bool range_from_size(u64 start, u64 size, struct range *out)
{
	if (size > U64_MAX - start)
		return false;
	*out = (struct range){ start, start + size };
	return true;
}

struct range range_from_size_clamped(u64 start, u64 size)
{
	u64 end = size > U64_MAX - start ? U64_MAX : start + size;

	return (struct range){ start, end };
}

struct range range_clip(struct range r, struct range window)
{
	u64 start = MAX(r.start, window.start);
	u64 end = MIN(r.end, window.end);

	return range_make(start, end);
}

bool range_contains(struct range outer, struct range inner)
{
	if (range_empty(inner))
		return true;
	return outer.start <= inner.start && inner.end <= outer.end;
}

bool range_contains_addr(struct range r, u64 addr)
{
	return r.start <= addr && addr < r.end;
}

bool range_overlaps(struct range a, struct range b)
{
	return !range_empty(range_clip(a, b));
}

bool align_up_checked(u64 x, u64 unit, u64 *out)
{
	u64 mask = unit - 1;

	if (x > U64_MAX - mask)
		return false;
	*out = (x + mask) & ~mask;
	return true;
}

static void split_without_body(struct range r, struct range_split *s)
{
	s->head = r;
	s->body = range_make(r.end, r.end);
	s->tail = s->body;
}

void range_split(struct range r, u64 unit, struct range_split *s)
{
	u64 body_start, body_end;

	split_without_body(r, s);
	if (range_empty(r) || !is_power_of_two(unit) || !align_up_checked(r.start, unit, &body_start))
		return;
	body_end = ALIGN_DOWN(r.end, unit);
	if (body_start >= body_end)
		return;
	s->head = range_make(r.start, body_start);
	s->body = range_make(body_start, body_end);
	s->tail = range_make(body_end, r.end);
}
