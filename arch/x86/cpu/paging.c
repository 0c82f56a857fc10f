/* SPDX-License-Identifier: MIT */
/*
 * The kernel's own page tables: an identity map of [0, top) with 2 MiB pages (Intel SDM vol. 3A 4.5),
 * except the first 2 MiB, mapped with 4 KiB pages and page 0 left not-present, so a null-pointer access
 * faults (#PF, CR2 = 0) instead of reading the real-mode IVT. Built from a pool allocated before
 * ExitBootServices.
 */
#include <arch/machine.h>
#include <ccktf/string.h>

#define PTE_PRESENT (1ull << 0)
#define PTE_WRITE (1ull << 1)
#define PTE_LARGE (1ull << 7)
#define PTE_TABLE (PTE_PRESENT | PTE_WRITE)
#define ENTRIES 512
#define PAGE 4096ull

struct pool {
	u64 next, end;
};

static u64 *new_table(struct pool *p)
{
	u64 *t = (u64 *)(uintptr_t)p->next;

	if (p->next + PAGE > p->end)
		return NULL;
	p->next += PAGE;
	memset(t, 0, PAGE);
	return t;
}

u64 paging_pages_needed(u64 top)
{
	u64 gib = ALIGN_UP(top, GiB) / GiB;

	return 1 /* PML4 */ + ALIGN_UP(gib, ENTRIES) / ENTRIES /* PDPTs */ + gib /* PDs */ + 1 /* first 2M */;
}

static void map_first_2m(u64 *pd_entry, u64 *pt)
{
	for (u64 i = 1; i < ENTRIES; i++)
		pt[i] = i * PAGE | PTE_TABLE;
	*pd_entry = (u64)(uintptr_t)pt | PTE_TABLE;
}

static bool map_gib(struct pool *p, u64 *pdpt_entry, u64 base)
{
	u64 *pd = new_table(p);

	if (!pd)
		return false;
	for (u64 i = 0; i < ENTRIES; i++)
		pd[i] = (base + i * 2 * MiB) | PTE_TABLE | PTE_LARGE;
	if (base == 0) {
		u64 *pt = new_table(p);
		if (!pt)
			return false;
		map_first_2m(&pd[0], pt);
	}
	*pdpt_entry = (u64)(uintptr_t)pd | PTE_TABLE;
	return true;
}

/* Returns the CR3 value, or 0 if the pool was too small. */
u64 paging_build(u64 pool, u64 pool_pages, u64 top)
{
	struct pool p = { pool, pool + pool_pages * PAGE };
	u64 *pml4 = new_table(&p), *pdpt = NULL;

	if (!pml4)
		return 0;
	for (u64 base = 0; base < ALIGN_UP(top, GiB); base += GiB) {
		u64 gib = base / GiB;
		if (gib % ENTRIES == 0) {
			pdpt = new_table(&p);
			if (!pdpt)
				return 0;
			pml4[gib / ENTRIES] = (u64)(uintptr_t)pdpt | PTE_TABLE;
		}
		if (!map_gib(&p, &pdpt[gib % ENTRIES], base))
			return 0;
	}
	return (u64)(uintptr_t)pml4;
}
