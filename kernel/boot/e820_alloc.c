/* SPDX-License-Identifier: MIT */
/* Top-down page allocation from e820 RAM around the loader's ranges (e820_alloc.h). */
#include <ccktf/string.h>
#include "boot/e820_alloc.h"

#define PAGE 4096ull

void e820_alloc_init(struct e820_alloc *a, const struct e820_entry *entries, unsigned count, u64 ceiling)
{
	memset(a, 0, sizeof(*a));
	a->entries = entries;
	a->count = count;
	a->ceiling = ceiling;
}

bool e820_alloc_reserve(struct e820_alloc *a, u64 start, u64 size)
{
	struct range r = range_from_size_clamped(start, size);

	if (range_empty(r))
		return true;
	if (a->nused == E820_ALLOC_MAX_USED)
		return false;
	a->used[a->nused++] = r;
	return true;
}

/* The highest used range overlapping [start, end), or NULL. */
static const struct range *highest_overlap(const struct e820_alloc *a, u64 start, u64 end)
{
	const struct range *best = NULL;

	for (unsigned i = 0; i < a->nused; i++)
		if (range_overlaps(a->used[i], range_make(start, end)) && (!best || a->used[i].end > best->end))
			best = &a->used[i];
	return best;
}

/* The highest fit inside one RAM entry, walking down past the used ranges; 0 when none. */
static u64 fit_in(const struct e820_alloc *a, const struct e820_entry *e, u64 bytes)
{
	u64 lo, hi = ALIGN_DOWN(MIN(e->addr + e->size, a->ceiling), PAGE);

	if (!align_up_checked(e->addr, PAGE, &lo)) /* an entry in the last page of the address space */
		return 0;
	lo = MAX(lo, E820_ALLOC_FLOOR);
	while (hi > lo && hi - lo >= bytes) {
		const struct range *u = highest_overlap(a, hi - bytes, hi);

		if (!u)
			return hi - bytes;
		hi = ALIGN_DOWN(u->start, PAGE);
	}
	return 0;
}

u64 e820_alloc_pages(struct e820_alloc *a, u64 pages)
{
	u64 best = 0, bytes;

	if (!pages || pages > (U64_MAX / PAGE) || a->nused == E820_ALLOC_MAX_USED)
		return 0;
	bytes = pages * PAGE;
	for (unsigned i = 0; i < a->count; i++) {
		u64 at = a->entries[i].type == E820_TYPE_RAM ? fit_in(a, &a->entries[i], bytes) : 0;

		if (at > best)
			best = at;
	}
	if (best)
		e820_alloc_reserve(a, best, bytes);
	return best;
}
