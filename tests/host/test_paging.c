/* SPDX-License-Identifier: MIT */
/*
 * The kernel's page-table code (arch/x86/cpu/paging.c) with the encryption masks real SNP parts use:
 * C-bit 51 and 47 lie INSIDE the PTE address field (bits 51:12), which the SNP model's bit 52 does not
 * (arch/snp_spec.h SIM_SNP_CBIT). Every entry of a split must keep the bit, and every address the code
 * computes must strip it. The tables live in host memory; paging.c only reads and writes them.
 */
#include <ccktf/ktest.h>
#include <pthread.h>
#include <stdlib.h>

#include "../../arch/x86/cpu/paging.c"

KTEST_SUITE(host_paging, KTEST_AFTER_EXIT_BOOT_SERVICES, NULL);

#define TOP (8 * GiB)
#define ADDR_BITS 0x000ffffffffff000ull

static u64 flushed[4];
static unsigned flushes;

static unsigned full_flushes;

void paging_flush_page(u64 addr)
{
	if (flushes < ARRAY_SIZE(flushed))
		flushed[flushes] = addr;
	flushes++;
}

void paging_flush_all(void)
{
	full_flushes++;
}

struct tables {
	void *pool;
	u64 cr3, mask;
};

static bool build(struct tables *tb, unsigned cbit)
{
	u64 pages = paging_pages_needed(TOP);

	tb->mask = 1ull << cbit;
	tb->pool = aligned_alloc(PAGE, pages * PAGE);
	paging_set_encryption_mask(tb->mask);
	tb->cr3 = paging_build((u64)(uintptr_t)tb->pool, pages, TOP);
	flushes = 0;
	return tb->cr3 != 0;
}

static void release(struct tables *tb)
{
	free(tb->pool);
	root = NULL;
}

static u64 addr_of(u64 entry, u64 mask)
{
	return entry & ADDR_BITS & ~mask;
}

/* Shares one page (as the SNP backend shares the GHCB page) and checks the whole 2 MiB around it. */
static void share_one_page(struct ktest *t, unsigned cbit)
{
	struct tables tb;
	u64 target = 3 * GiB + 6 * MiB + 5 * PAGE, base = ALIGN_DOWN(target, 2 * MiB);
	unsigned kept = 0, addr_ok = 0;

	KASSERT_TRUE(t, build(&tb, cbit));
	KEXPECT_EQ(t, paging_page_entry(base) & (PTE_LARGE | tb.mask), PTE_LARGE | tb.mask);
	KASSERT_TRUE(t, paging_set_page_flags(target, 0, tb.mask));
	for (u64 a = base; a < base + 2 * MiB; a += PAGE) {
		u64 e = paging_page_entry(a);
		kept += (e & tb.mask) != 0;
		addr_ok += addr_of(e, tb.mask) == a && (e & PTE_PRESENT) && !(e & PTE_LARGE);
	}
	KEXPECT_EQ(t, kept, 511);				/* every neighbour stays encrypted */
	KEXPECT_EQ(t, paging_page_entry(target) & tb.mask, 0); /* the target alone is shared */
	KEXPECT_EQ(t, addr_ok, 512);
	KEXPECT_EQ(t, flushes, 1);
	KEXPECT_EQ(t, flushed[0], target);
	/* The 2 MiB pages around the split are untouched. */
	KEXPECT_EQ(t, paging_page_entry(base + 2 * MiB) & tb.mask, tb.mask);
	KEXPECT_EQ(t, addr_of(paging_page_entry(base + 2 * MiB), tb.mask), base + 2 * MiB);
	release(&tb);
}

KTEST(host_paging, split_keeps_cbit_51)
{
	share_one_page(t, 51);
}

KTEST(host_paging, split_keeps_cbit_47)
{
	share_one_page(t, 47);
}

KTEST(host_paging, split_keeps_cbit_52_model)
{
	share_one_page(t, 52);
}

/* CR3[51:12] holds the PML4's address; a C-bit inside it marks the PML4 encrypted, 52 must not reach CR3. */
KTEST(host_paging, cr3_carries_the_cbit_only_inside_the_address_field)
{
	struct tables tb;

	KASSERT_TRUE(t, build(&tb, 51));
	KEXPECT_EQ(t, tb.cr3 & (1ull << 51), 1ull << 51);
	KEXPECT_EQ(t, addr_of(tb.cr3, tb.mask), (u64)(uintptr_t)tb.pool);
	release(&tb);
	KASSERT_TRUE(t, build(&tb, 52));
	KEXPECT_EQ(t, tb.cr3 >> 52, 0);
	release(&tb);
}

/* Every table pointer carries the mask, and the walk strips it: a lookup deep in the map finds the page. */
KTEST(host_paging, every_level_carries_the_cbit_47)
{
	struct tables tb;
	u64 *pml4, *pdpt, *pd;
	u64 a = 7 * GiB + 4 * MiB;

	KASSERT_TRUE(t, build(&tb, 47));
	pml4 = (u64 *)(uintptr_t)addr_of(tb.cr3, tb.mask);
	KEXPECT_EQ(t, pml4[0] & tb.mask, tb.mask);
	pdpt = (u64 *)(uintptr_t)addr_of(pml4[0], tb.mask);
	KEXPECT_EQ(t, pdpt[7] & tb.mask, tb.mask);
	pd = (u64 *)(uintptr_t)addr_of(pdpt[7], tb.mask);
	KEXPECT_EQ(t, addr_of(pd[2], tb.mask), a);
	KEXPECT_EQ(t, addr_of(paging_page_entry(a), tb.mask), a);
	/* The first 2 MiB is mapped 4K from the start, page 0 left out. */
	KEXPECT_EQ(t, paging_page_entry(0), 0);
	KEXPECT_EQ(t, paging_page_entry(PAGE) & tb.mask, tb.mask);
	release(&tb);
}

/* A 2 MiB page's PAT bit is bit 12, inside the 4K address field; a split must move it to bit 7. */
KTEST(host_paging, split_moves_pat_and_keeps_the_address)
{
	struct tables tb;
	u64 base = 5 * GiB, target = base + 9 * PAGE;

	KASSERT_TRUE(t, build(&tb, 51));
	KASSERT_TRUE(t, paging_set_large_flags(base, PDE_PAT_2M, 0));
	KASSERT_TRUE(t, paging_set_page_flags(target, 0, 0));
	for (u64 a = base; a < base + 2 * MiB; a += 511 * PAGE) {
		u64 e = paging_page_entry(a);
		KEXPECT_EQ(t, addr_of(e, tb.mask), a);
		KEXPECT_EQ(t, e & PTE_PAT_4K, PTE_PAT_4K);
		KEXPECT_EQ(t, e & tb.mask, tb.mask);
	}
	release(&tb);
}

/*
 * A top near 2^64 (a memory-map descriptor whose end passes 2^64 is clamped to U64_MAX) once rounded up to
 * 0: paging_pages_needed() asked for a handful of pages and paging_build() "succeeded" with nothing
 * mapped, not even the kernel, so the boot died silently at the CR3 switch (found by tests/fuzz memmap).
 * Four levels span PAGING_MAX_TOP at most: a larger top asks for those tables, and a small pool is refused.
 */
KTEST(host_paging, top_past_four_levels_never_wraps)
{
	static u64 pool[32 * 512] __attribute__((aligned(4096)));
	u64 tops[] = { ~0ull, ~0ull - GiB + 1, PAGING_MAX_TOP + GiB };

	for (unsigned i = 0; i < ARRAY_SIZE(tops); i++) {
		KEXPECT_EQ(t, paging_pages_needed(tops[i]), paging_pages_needed(PAGING_MAX_TOP));
		KEXPECT_EQ(t, paging_build((u64)(uintptr_t)pool, 32, tops[i]), 0);
	}
	KEXPECT_GT(t, paging_pages_needed(PAGING_MAX_TOP), paging_pages_needed(8 * GiB));
	root = NULL;
}

/* A CPU entered with CR4.LA57 = 1 keeps it (it can only be cleared with paging off): the PML5 comes from the
 * spare pool, its entry 0 points at the same PML4 (with the C-bit, stripped from CR3's reserved bits), and
 * nothing else in it is present; with the spare pool used up it is refused, never built over other tables. */
KTEST(host_paging, level5_wraps_the_same_pml4)
{
	struct tables tb;
	u64 cr3, *pml5;

	KASSERT_TRUE(t, build(&tb, 51));
	cr3 = paging_add_level5();
	KASSERT_NE(t, cr3, 0);
	pml5 = (u64 *)(uintptr_t)addr_of(cr3, tb.mask);
	KEXPECT_EQ(t, addr_of(pml5[0], tb.mask), addr_of(tb.cr3, tb.mask));
	KEXPECT_EQ(t, pml5[0] & tb.mask, tb.mask);
	KEXPECT_EQ(t, pml5[0] & 3, 3);
	KEXPECT_EQ(t, cr3 & tb.mask, tb.mask);
	for (unsigned i = 1; i < 512; i++)
		KEXPECT_EQ(t, pml5[i], 0);
	while (paging_add_level5())
		; /* use up the spare pool */
	KEXPECT_EQ(t, paging_add_level5(), 0);
	paging_set_encryption_mask(0);
	release(&tb);
}

/*
 * The models' guard splits a hidden (not present) 2 MiB page into a table it owns, opens single pages,
 * and joins the unit back once every page is open: each step keeps the address, the C-bit and the PAT of
 * every page; opening a page that was not present flushes nothing (SDM vol. 3A 4.10.4.3: never cached);
 * the join flushes each present page (a 4 KiB entry of one would outlive it), past Linux's 33 pages one
 * flush of all instead, and with none present still the directory entry (SDM vol. 3A 4.10.4.2).
 */
static void split_join_hidden(struct ktest *t, unsigned cbit)
{
	static u64 pt[512] __attribute__((aligned(4096)));
	struct tables tb;
	u64 base = 6 * GiB + 8 * MiB, open = base + 3 * PAGE;
	unsigned hidden = 0, addr_ok = 0;

	KASSERT_TRUE(t, build(&tb, cbit));
	KASSERT_TRUE(t, paging_set_large_flags(base, PDE_PAT_2M, PAGING_PRESENT));
	KEXPECT_EQ(t, flushes, 1); /* hiding a present page */
	KASSERT_TRUE(t, paging_split_large_into(base, pt));
	KEXPECT_FALSE(t, paging_is_large(base));
	KEXPECT_FALSE(t, paging_split_large_into(base, pt)); /* split already */
	KASSERT_TRUE(t, paging_set_page_flags(open, PAGING_PRESENT, 0));
	KEXPECT_EQ(t, flushes, 1); /* opening one that was not present */
	for (u64 a = base; a < base + 2 * MiB; a += PAGE) {
		u64 e = paging_page_entry(a);
		hidden += !(e & PTE_PRESENT);
		addr_ok += addr_of(e, tb.mask) == a && (e & tb.mask) && (e & PTE_PAT_4K);
	}
	KEXPECT_EQ(t, hidden, 511);
	KEXPECT_EQ(t, addr_ok, 512);
	flushes = full_flushes = 0;
	KASSERT_TRUE(t, paging_join_large(base, true));
	KEXPECT_TRUE(t, paging_is_large(base));
	KEXPECT_EQ(t, flushes, 1); /* the one open page */
	KEXPECT_EQ(t, full_flushes, 0);
	KASSERT_TRUE(t, paging_set_large_flags(base, 0, PAGING_PRESENT)); /* hidden again, then all 512 opened */
	KASSERT_TRUE(t, paging_split_large_into(base, pt));
	for (u64 a = base; a < base + 2 * MiB; a += PAGE)
		KASSERT_TRUE(t, paging_set_page_flags(a, PAGING_PRESENT, 0));
	flushes = full_flushes = 0;
	KASSERT_TRUE(t, paging_join_large(base, true));
	KEXPECT_EQ(t, flushes, 0);
	KEXPECT_EQ(t, full_flushes, 1);
	KEXPECT_EQ(t, paging_page_entry(open) & (PTE_PRESENT | PTE_LARGE | PDE_PAT_2M | tb.mask),
		   PTE_PRESENT | PTE_LARGE | PDE_PAT_2M | tb.mask);
	KEXPECT_EQ(t, addr_of(paging_page_entry(open), tb.mask) & ~(2 * MiB - 1), base);
	KEXPECT_FALSE(t, paging_join_large(base, true)); /* nothing to join */
	KASSERT_TRUE(t, paging_set_large_flags(base, 0, PAGING_PRESENT)); /* hidden, split, joined hidden */
	KASSERT_TRUE(t, paging_split_large_into(base, pt));
	flushes = full_flushes = 0;
	KASSERT_TRUE(t, paging_join_large(base, false));
	KEXPECT_EQ(t, flushes, 1);
	KEXPECT_EQ(t, flushed[0], base);
	KEXPECT_EQ(t, full_flushes, 0);
	paging_set_encryption_mask(0);
	release(&tb);
}

KTEST(host_paging, guard_split_and_join_keep_cbit_51)
{
	split_join_hidden(t, 51);
}

KTEST(host_paging, guard_split_and_join_keep_cbit_47)
{
	split_join_hidden(t, 47);
}

KTEST(host_paging, guard_split_and_join_keep_cbit_52_model)
{
	split_join_hidden(t, 52);
}

/* The TDX model's alias: the same physical 2 MiB pages again at a high address, from the caller's pool,
 * never over a mapping already there, and refused when the pool is short. */
KTEST(host_paging, alias_maps_the_same_pages_elsewhere)
{
	static u64 pool[8 * 512] __attribute__((aligned(4096)));
	struct tables tb;
	u64 va = 1ull << 46, pa = 5 * GiB - 2 * MiB, size = 6 * MiB;
	u64 need = paging_alias_tables_needed(va, size);

	KASSERT_TRUE(t, build(&tb, 51));
	KEXPECT_EQ(t, need, 2); /* one PDPT, one PD */
	KEXPECT_EQ(t, paging_alias_tables_needed(va + GiB - 2 * MiB, 4 * MiB), 3); /* crosses a GiB */
	KEXPECT_FALSE(t, paging_map_alias(va, pa, size, (u64)(uintptr_t)pool, need - 1));
	KEXPECT_EQ(t, root[va >> 39 & 511], 0); /* refused before anything changed */
	KASSERT_TRUE(t, paging_map_alias(va, pa, size, (u64)(uintptr_t)pool, need));
	for (u64 off = 0; off < size; off += 2 * MiB) {
		KEXPECT_EQ(t, addr_of(paging_page_entry(va + off), tb.mask), pa + off);
		KEXPECT_EQ(t, paging_page_entry(va + off) & tb.mask, tb.mask);
	}
	KEXPECT_EQ(t, addr_of(paging_page_entry(pa), tb.mask), pa); /* the identity map is untouched */
	KEXPECT_FALSE(t, paging_map_alias(va, pa, 2 * MiB, (u64)(uintptr_t)pool, 8)); /* in use */
	KEXPECT_FALSE(t, paging_map_alias(va + 4096, pa, 2 * MiB, (u64)(uintptr_t)pool, 8)); /* unaligned */
	paging_set_encryption_mask(0);
	release(&tb);
}

/* A join is one 2 MiB page standing for 512 that are one: a page made shared (C-bit cleared) among them, or a
 * table whose entries are not contiguous, is never joined (the model's guard would otherwise spread one
 * page's attributes over its neighbours). Accessed/dirty may differ. */
KTEST(host_paging, join_refuses_entries_that_are_not_one_large_page)
{
	static u64 pt[512] __attribute__((aligned(4096)));
	struct tables tb;
	u64 base = 6 * GiB, *pde_pt;

	KASSERT_TRUE(t, build(&tb, 51));
	KASSERT_TRUE(t, paging_split_large_into(base, pt));
	pde_pt = (u64 *)paging_leaf_table(base);
	KASSERT_TRUE(t, pde_pt == pt);
	pt[7] &= ~tb.mask; /* shared */
	KEXPECT_FALSE(t, paging_join_large(base, true));
	pt[7] |= tb.mask;
	pt[9] += PAGE; /* not contiguous */
	KEXPECT_FALSE(t, paging_join_large(base, true));
	pt[9] -= PAGE;
	pt[11] |= 1ull << 5 | 1ull << 6; /* accessed, dirty */
	pt[12] &= ~PTE_PRESENT;
	KEXPECT_TRUE(t, paging_join_large(base, true));
	KEXPECT_TRUE(t, paging_leaf_table(base) == NULL);
	KEXPECT_FALSE(t, paging_map_alias(PAGING_ALIAS_TOP - 2 * MiB, 0, 4 * MiB, (u64)(uintptr_t)pt, 1)); /* non-canonical */
	paging_set_encryption_mask(0);
	release(&tb);
}

/*
 * Two CPUs editing two 4 KiB pages of one 2 MiB page at the same moment (the SNP model's guard opening an
 * unreported page while the backend shares one beside it) split it once: one table drawn from the spare
 * pool, both edits kept. Before the lock (pde_lock) both could see the large page, both split it, and the second
 * PDE store threw the first CPU's table and its edit away.
 */
struct split_race {
	u64 addr;
	volatile unsigned *go;
	bool ok;
};

static void *race_split(void *arg)
{
	struct split_race *r = arg;

	while (!__atomic_load_n(r->go, __ATOMIC_ACQUIRE))
		;
	r->ok = paging_set_page_flags(r->addr, 1ull << 9, 0); /* bit 9: ignored by the CPU, free for software */
	return NULL;
}

KTEST(host_paging, concurrent_edits_in_one_large_page_split_it_once)
{
	unsigned lost = 0, extra_tables = 0;

	for (unsigned round = 0; round < 2000; round++) {
		volatile unsigned go = 0;
		struct tables tb;
		u64 base = 5 * GiB + (round % 64) * 2 * MiB, before;
		struct split_race r[2] = { { base + 3 * PAGE, &go, false }, { base + 300 * PAGE, &go, false } };
		pthread_t th[2];

		KASSERT_TRUE(t, build(&tb, 51));
		before = spare.next;
		for (unsigned i = 0; i < 2; i++)
			KASSERT_EQ(t, pthread_create(&th[i], NULL, race_split, &r[i]), 0);
		__atomic_store_n(&go, 1, __ATOMIC_RELEASE);
		for (unsigned i = 0; i < 2; i++)
			pthread_join(th[i], NULL);
		KASSERT_TRUE(t, r[0].ok && r[1].ok);
		lost += !(paging_page_entry(r[0].addr) & 1ull << 9) + !(paging_page_entry(r[1].addr) & 1ull << 9);
		extra_tables += (spare.next - before) / PAGE - 1;
		paging_set_encryption_mask(0);
		release(&tb);
	}
	KEXPECT_EQ(t, lost, 0);
	KEXPECT_EQ(t, extra_tables, 0);
}
