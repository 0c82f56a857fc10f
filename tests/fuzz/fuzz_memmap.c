/* SPDX-License-Identifier: MIT */
/*
 * Target memmap: the EFI memory map as GetMemoryMap hands it over (kernel/mm/memmap.c, kernel/mm/range.c,
 * kernel/efi/efi_memmap.c), and the page tables the kernel sizes from it (arch/x86/cpu/paging.c).
 *
 * Input: a map (fuzz.h: desc_size, desc_version, map_size, descriptors), then u64 addr, u64 len, u8 type.
 * Runs every check, the lookups and the diagnostics print, and holds them to slower reference answers:
 *  - memmap_check_no_overlap() (O(n) when sorted, pairwise otherwise) against every pair;
 *  - memmap_find() against the first descriptor whose range holds addr;
 *  - memmap_range_is() (the first address not covered) against a sweep over the sorted ranges;
 *  - memmap_top(), paging_pages_needed() and paging_build(): when the tables fit a small pool, the
 *    kernel's identity map reaches the last byte below top, and the pool paging_pages_needed() asked
 *    for is enough.
 */
#include "fuzz.h"

#include "../../arch/x86/cpu/paging.c"
#include "../../kernel/efi/efi_memmap.c"

void paging_flush_page(u64 addr)
{
	(void)addr;
}

void paging_flush_all(void)
{
}

static struct range desc_range_at(const struct memmap *m, u64 i)
{
	return memmap_desc_range(memmap_desc(m, i));
}

static bool any_overlap(const struct memmap *m)
{
	u64 n = memmap_count(m);

	for (u64 i = 0; i < n; i++)
		for (u64 j = 0; j < i; j++)
			if (range_overlaps(desc_range_at(m, i), desc_range_at(m, j)))
				return true;
	return false;
}

static void check_overlap(const struct memmap *m)
{
	struct mm_error e;

	mm_error_clear(&e);
	if (memmap_check_no_overlap(m, &e) == any_overlap(m))
		abort(); /* the fast check and the pairwise reference disagree */
	if (e.code != MM_OK && (e.code != MM_ERR_OVERLAP || e.index >= memmap_count(m)))
		abort();
}

static void check_find(const struct memmap *m, u64 addr)
{
	u64 index = MM_NO_INDEX, want = MM_NO_INDEX, n = memmap_count(m);
	const struct efi_memory_descriptor *d = memmap_find(m, addr, &index);

	for (u64 i = 0; i < n && want == MM_NO_INDEX; i++)
		if (range_contains_addr(desc_range_at(m, i), addr))
			want = i;
	if ((want == MM_NO_INDEX) != (d == NULL) || (d && (index != want || d != memmap_desc(m, want))))
		abort();
}

static u32 wanted_type;

static bool is_wanted(u32 type)
{
	return type == wanted_type;
}

static int by_start(const void *a, const void *b)
{
	const struct range *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* The first address of r that no descriptor of the wanted type covers, or r.end. */
static u64 first_gap(const struct memmap *m, struct range r)
{
	u64 n = memmap_count(m), k = 0, at = r.start;
	struct range *rs = malloc((n ? n : 1) * sizeof(*rs));

	for (u64 i = 0; i < n; i++)
		if (is_wanted(memmap_desc(m, i)->type) && !range_empty(desc_range_at(m, i)))
			rs[k++] = desc_range_at(m, i);
	qsort(rs, k, sizeof(*rs), by_start);
	for (u64 i = 0; i < k && at < r.end && rs[i].start <= at; i++)
		at = MAX(at, rs[i].end);
	free(rs);
	return MIN(at, r.end);
}

static void check_range_is(const struct memmap *m, struct range r)
{
	u64 gap = U64_MAX, want = first_gap(m, r);
	bool all = memmap_range_is(m, r, is_wanted, &gap);

	if (range_empty(r)) {
		if (!all)
			abort(); /* nothing to cover is covered */
		return;
	}
	if (all != (want >= r.end) || (!all && gap != want))
		abort();
}

#define POOL_PAGES 64

/* The identity map the kernel builds from the map's top, in a pool of host memory. */
static void check_paging(const struct efi_memmap_snapshot *s)
{
	static u64 pool[POOL_PAGES * 512] __attribute__((aligned(4096)));
	u64 top = memmap_top(s), pages = paging_pages_needed(top);

	if (top < 4 * GiB)
		abort(); /* memmap_top() promises at least 4 GiB */
	if (pages > POOL_PAGES)
		return; /* the kernel's AllocatePages would refuse or succeed: nothing to model here */
	if (!paging_build((u64)(uintptr_t)pool, pages, top))
		abort(); /* paging_pages_needed() asked for too little */
	/* Every byte below top is mapped: check the last 2 MiB page and the one at 4 GiB - 1. */
	if (!(paging_page_entry(ALIGN_DOWN(top - 1, 2 * MiB)) & PTE_PRESENT) ||
	    !(paging_page_entry(4 * GiB - 1) & PTE_PRESENT))
		abort();
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct fz in = { data, size };
	struct fz_map fm;
	struct mm_error e;
	struct efi_memmap_snapshot snap;
	u64 addr, len;

	fz_map_take(&in, &fm);
	addr = fz_u64(&in);
	len = fz_u64(&in);
	wanted_type = fz_u8(&in) % 16;

	memmap_check_all(&fm.m, &e);
	memmap_check_shape(&fm.m, &e);
	memmap_check_ends(&fm.m, &e);
	memmap_check_aligned(&fm.m, &e);
	memmap_check_nonempty(&fm.m, &e);
	memmap_check_sorted(&fm.m, &e);
	(void)mm_code_name(e.code);
	check_overlap(&fm.m);
	check_find(&fm.m, addr);
	check_range_is(&fm.m, range_from_size_clamped(addr, len));

	snap = (struct efi_memmap_snapshot){ .buf = fm.buf, .capacity = fm.m.map_size, .map_size = fm.m.map_size,
					     .desc_size = fm.m.desc_size, .desc_version = fm.m.desc_version };
	memmap_print(&snap);
	check_paging(&snap);
	fz_map_free(&fm);
	return 0;
}
