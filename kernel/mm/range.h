/* SPDX-License-Identifier: MIT */
/*
 * Half-open physical address ranges [start, end) and the arithmetic the memory code needs: intersection
 * with a window, and the split into an unaligned head, an aligned body and an unaligned tail that Linux's
 * EFI stub applies to each unaccepted range (drivers/firmware/efi/libstub/unaccepted_memory.c,
 * process_unaccepted_memory()). Nothing here wraps past 2^64: a range that would is refused or clamped.
 */
#ifndef CCKTF_MM_RANGE_H
#define CCKTF_MM_RANGE_H

#include <ccktf/types.h>

#ifndef U64_MAX
#define U64_MAX UINT64_MAX
#endif

struct range {
	u64 start;
	u64 end; /* exclusive; end <= start means empty */
};

struct range_split {
	struct range head; /* [start, first unit boundary) */
	struct range body; /* whole units */
	struct range tail; /* [last unit boundary, end) */
};

static inline struct range range_make(u64 start, u64 end)
{
	return (struct range){ start, end < start ? start : end };
}

static inline bool range_empty(struct range r)
{
	return r.end <= r.start;
}

static inline u64 range_len(struct range r)
{
	return range_empty(r) ? 0 : r.end - r.start;
}

static inline bool is_power_of_two(u64 x)
{
	return x && !(x & (x - 1));
}

/* [start, start + size), or false when that would wrap past 2^64. */
bool range_from_size(u64 start, u64 size, struct range *out);
/* [start, start + size) with the end clamped to U64_MAX instead of wrapping. */
struct range range_from_size_clamped(u64 start, u64 size);
/* The part of r inside window (empty when they do not meet). */
struct range range_clip(struct range r, struct range window);
bool range_contains(struct range outer, struct range inner);
bool range_contains_addr(struct range r, u64 addr);
bool range_overlaps(struct range a, struct range b);
/* x rounded up to a power-of-two unit, or false when that wraps. */
bool align_up_checked(u64 x, u64 unit, u64 *out);
/*
 * Splits r at the unit boundaries inside it (unit: a power of two). With no whole unit inside, all of r is
 * the head and body and tail are empty. A unit that is not a power of two gives the same (no body).
 */
void range_split(struct range r, u64 unit, struct range_split *s);

#endif
