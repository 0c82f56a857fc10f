/* SPDX-License-Identifier: MIT */
/*
 * The kernel's own page tables: an identity map of [0, top) with 2 MiB pages (Intel SDM vol. 3A 4.5),
 * except the first 2 MiB, mapped with 4 KiB pages and page 0 left not-present, so a null-pointer access
 * faults (#PF, CR2 = 0) instead of reading the real-mode IVT. Built from a pool allocated before
 * ExitBootServices, with PAGING_SPARE_TABLES extra pages for later 2M -> 4K splits.
 *
 * A platform may ask for an encryption mask (SEV's C-bit, AMD APM vol. 2 15.34.4) that every entry
 * carries, table pointers included; paging_set_page_flags() then clears it on one page to share it.
 * On real parts the C-bit is bit 51 or 47 (CPUID 0x8000001F EBX[5:0]): INSIDE the address field 51:12.
 * So an address is always read with the mask stripped (entry_addr()), and an entry that is rebuilt
 * (a 2 MiB split) carries the mask over explicitly; only the one target entry changes, as Linux
 * __set_clr_pte_enc() (arch/x86/coco/sev/core.c) does. tests/host/test_paging.c runs this file with
 * C-bit 47, 51 and 52.
 *
 * Pure table logic: the only CPU operations, the TLB flushes, are paging_flush_page() and paging_flush_all()
 * (arch/x86/cpu/tlb.c).
 */
#include <arch/machine.h>
#include <ccktf/spinlock.h>
#include <ccktf/string.h>

#define PTE_PRESENT (1ull << 0)
#define PTE_WRITE (1ull << 1)
#define PTE_LARGE (1ull << 7)
#define PTE_PAT_4K (1ull << 7)   /* PAT in a 4 KiB PTE (SDM vol. 3A table 4-19) */
#define PDE_PAT_2M (1ull << 12)  /* PAT in a 2 MiB PDE, where bit 7 is PS (table 4-18) */
#define PTE_TABLE (PTE_PRESENT | PTE_WRITE)
#define ENTRIES 512
#define PAGE 4096ull

#define PAGING_SPARE_TABLES 8
#define PTE_ADDR_MASK 0x000ffffffffff000ull
#define PDE_2M_ADDR_MASK 0x000fffffffe00000ull
#define PTE_LOW_FLAGS 0xfffull

struct pool {
	u64 next, end;
};

static struct pool spare;
static u64 *root;
static u64 encryption_mask;

void paging_set_encryption_mask(u64 mask)
{
	encryption_mask = mask;
}

u64 paging_encryption_mask(void)
{
	return encryption_mask;
}

static u64 *new_table(struct pool *p)
{
	u64 *t = (u64 *)(uintptr_t)p->next;

	if (p->next + PAGE > p->end)
		return NULL;
	p->next += PAGE;
	memset(t, 0, PAGE);
	return t;
}

/* The GiB the identity map spans: top rounded up, never past PAGING_MAX_TOP (so never wrapping). */
static u64 gib_spanned(u64 top)
{
	return ALIGN_UP(MIN(top, PAGING_MAX_TOP), GiB) / GiB;
}

u64 paging_pages_needed(u64 top)
{
	u64 gib = gib_spanned(top);

	return 1 /* PML4 */ + ALIGN_UP(gib, ENTRIES) / ENTRIES /* PDPTs */ + gib /* PDs */ + 1 /* first 2M */ +
	       PAGING_SPARE_TABLES;
}

static u64 table_entry(const u64 *table)
{
	return (u64)(uintptr_t)table | PTE_TABLE | encryption_mask;
}

static void map_first_2m(u64 *pd_entry, u64 *pt)
{
	for (u64 i = 1; i < ENTRIES; i++)
		pt[i] = i * PAGE | PTE_TABLE | encryption_mask;
	*pd_entry = table_entry(pt);
}

static bool map_gib(struct pool *p, u64 *pdpt_entry, u64 base)
{
	u64 *pd = new_table(p);

	if (!pd)
		return false;
	for (u64 i = 0; i < ENTRIES; i++)
		pd[i] = (base + i * 2 * MiB) | PTE_TABLE | PTE_LARGE | encryption_mask;
	if (base == 0) {
		u64 *pt = new_table(p);
		if (!pt)
			return false;
		map_first_2m(&pd[0], pt);
	}
	*pdpt_entry = table_entry(pd);
	return true;
}

/* Returns the CR3 value, or 0 if the pool was too small. */
u64 paging_build(u64 pool, u64 pool_pages, u64 top)
{
	struct pool p = { pool, pool + pool_pages * PAGE };
	u64 *pml4 = new_table(&p), *pdpt = NULL;

	if (!pml4)
		return 0;
	for (u64 gib = 0; gib < gib_spanned(top); gib++) {
		u64 base = gib * GiB;
		if (gib % ENTRIES == 0) {
			pdpt = new_table(&p);
			if (!pdpt)
				return 0;
			pml4[gib / ENTRIES] = table_entry(pdpt);
		}
		if (!map_gib(&p, &pdpt[gib % ENTRIES], base))
			return 0;
	}
	p.end = MIN(p.end, p.next + PAGING_SPARE_TABLES * PAGE);
	spare = p;
	root = pml4;
	/* CR3 keeps only the mask's address bits: CR3[63:52] are reserved (SDM vol. 3A 4.5.2), while a real
	 * C-bit (47 or 51) lies below them and must mark the PML4 as encrypted. */
	return (u64)(uintptr_t)pml4 | (encryption_mask & PTE_ADDR_MASK);
}

/*
 * For a CPU that runs with 5-level paging (CR4.LA57 = 1, Intel SDM vol. 3A 4.5: CR3 then points at a
 * PML5): a PML5 whose entry 0 points at the PML4 paging_build() made, taken from the spare pool. Returns
 * the CR3 value, or 0 when no spare table is left. LA57 can only be cleared with paging off (SDM vol. 3A
 * 4.1.1), so a kernel entered with it on (a 64-bit boot-protocol loader's tables may be 5-level, Linux
 * arch/x86/boot/compressed/pgtable_64.c) keeps it on and gives the CPU one more level.
 */
u64 paging_add_level5(void)
{
	u64 *pml5 = new_table(&spare);

	if (!pml5 || !root)
		return 0;
	pml5[0] = table_entry(root);
	return (u64)(uintptr_t)pml5 | (encryption_mask & PTE_ADDR_MASK);
}

/* The physical address an entry points at: never includes the C-bit, wherever it lies. */
static u64 entry_addr(u64 entry, u64 addr_mask)
{
	return entry & addr_mask & ~encryption_mask;
}

static u64 *next_table(u64 entry)
{
	return (u64 *)(uintptr_t)entry_addr(entry, PTE_ADDR_MASK);
}

/* The page-directory entry that maps addr, or NULL when addr is beyond the map. */
static u64 *pd_entry_of(u64 addr)
{
	u64 *pml4e = &root[addr >> 39 & 511], *pdpte;

	if (!root || !(*pml4e & PTE_PRESENT))
		return NULL;
	pdpte = &next_table(*pml4e)[addr >> 30 & 511];
	return *pdpte & PTE_PRESENT ? &next_table(*pdpte)[addr >> 21 & 511] : NULL;
}

/*
 * The flags a 4 KiB PTE inherits from the 2 MiB PDE it replaces: bits 11:0 without PS, PAT moved from bit
 * 12 to bit 7, bits 63:52 (XD, ignored bits), and the encryption mask wherever it lies (47 and 51 are
 * inside the address field and would otherwise be dropped, making the 511 neighbours shared).
 */
static u64 split_flags(u64 pde)
{
	u64 flags = (pde & PTE_LOW_FLAGS & ~PTE_LARGE) | (pde & ~PTE_ADDR_MASK & ~PTE_LOW_FLAGS);

	if (pde & PDE_PAT_2M)
		flags |= PTE_PAT_4K;
	return flags | (pde & encryption_mask);
}

static bool split_2m(u64 *pde)
{
	u64 *pt = new_table(&spare), base = entry_addr(*pde, PDE_2M_ADDR_MASK);
	u64 flags = split_flags(*pde);

	if (!pt)
		return false;
	for (u64 i = 0; i < ENTRIES; i++)
		pt[i] = (base + i * PAGE) | flags;
	__atomic_store_n(pde, table_entry(pt), __ATOMIC_RELEASE); /* the table whole before anyone sees it */
	return true;
}

/*
 * Every change of a 2 MiB directory entry (a split, a join, its flags) is under pde_lock: a split draws a
 * table from the spare pool, which every caller shares (the models' guard for unreported pages, pages made
 * shared by the SNP backend, the APIC page), and two CPUs splitting the same 2 MiB page must not both split
 * it (one table lost, one CPU's PTE edit with it), nor may a flag change of the entry overwrite a split.
 * These are rare (once per 2 MiB at most). Edits of a 4 KiB entry are the callers' to serialize; the common
 * case, a page already mapped at 4 KiB, takes no lock.
 */
static struct spinlock pde_lock = SPINLOCK_INIT;

/* The entry still a present 2 MiB page under the lock: split it; already split (by another CPU): done. */
static bool split_once(u64 *pde)
{
	u64 e;
	bool ok;

	spin_lock(&pde_lock);
	e = __atomic_load_n(pde, __ATOMIC_ACQUIRE);
	ok = (e & PTE_PRESENT) && (!(e & PTE_LARGE) || split_2m(pde));
	spin_unlock(&pde_lock);
	return ok;
}

/*
 * An entry that was not present is never in a TLB or paging-structure cache, so making it present needs
 * no flush (SDM vol. 3A 4.10.4.3). Only the models' guard does that; another CPU that touched the page
 * while it was being opened takes a not-present #PF, which the guard's #PF hook retries once it finds the
 * page present. The flush is not free under QEMU's TCG: an INVLPG inside the range of 2 MiB pages it has
 * seen flushes that CPU's whole TLB (accel/tcg/cputlb.c tlb_flush_page_locked(), large_page_mask), and the
 * kernel maps all RAM with 2 MiB pages.
 */
bool paging_set_page_flags(u64 addr, u64 set, u64 clear)
{
	u64 *pde = pd_entry_of(addr), *pte, old, e;
	bool was_large;

	if (!pde || !(*pde & PTE_PRESENT))
		return false;
	was_large = __atomic_load_n(pde, __ATOMIC_ACQUIRE) & PTE_LARGE;
	if (was_large && !split_once(pde))
		return false;
	e = __atomic_load_n(pde, __ATOMIC_ACQUIRE); /* read once: a table from here on */
	if (!(e & PTE_PRESENT) || (e & PTE_LARGE))
		return false;
	pte = &next_table(e)[addr >> 12 & 511];
	old = *pte;
	*pte = (old | set) & ~clear;
	if (was_large || (old & PTE_PRESENT)) /* split: the present 2 MiB translation may be cached */
		paging_flush_page(addr);
	return true;
}

bool paging_set_large_flags(u64 addr, u64 set, u64 clear)
{
	u64 *pde = pd_entry_of(addr), old;

	if (!pde)
		return false;
	spin_lock(&pde_lock);
	old = *pde;
	if (old & PTE_LARGE)
		*pde = (old | set) & ~clear;
	spin_unlock(&pde_lock);
	if (!(old & PTE_LARGE))
		return false;
	if (old & PTE_PRESENT)
		paging_flush_page(addr);
	return true;
}

/* The inverse of split_flags(): PAT back to bit 12, PS set, the mask kept. */
static u64 join_flags(u64 pte)
{
	u64 flags = (pte & PTE_LOW_FLAGS & ~PTE_PAT_4K) | (pte & ~PTE_ADDR_MASK & ~PTE_LOW_FLAGS) | PTE_LARGE;

	if (pte & PTE_PAT_4K)
		flags |= PDE_PAT_2M;
	return flags | (pte & encryption_mask);
}

bool paging_split_large_into(u64 addr, u64 *pt)
{
	u64 *pde = pd_entry_of(addr), base, flags;
	bool ok;

	if (!pde)
		return false;
	spin_lock(&pde_lock);
	ok = (*pde & PTE_LARGE) != 0;
	if (ok) {
		base = entry_addr(*pde, PDE_2M_ADDR_MASK);
		flags = split_flags(*pde);
		for (u64 i = 0; i < ENTRIES; i++)
			pt[i] = (base + i * PAGE) | flags;
		__atomic_store_n(pde, table_entry(pt), __ATOMIC_RELEASE);
	}
	spin_unlock(&pde_lock);
	return ok;
}

/* Bits a join may find differing between the 512 entries: present, accessed, dirty (SDM vol. 3A 4.8). */
#define JOIN_MAY_DIFFER (PTE_PRESENT | (1ull << 5) | (1ull << 6))

#define FLUSH_PAGES_CEILING 33

/* The 512 entries of pt are one 2 MiB page's: contiguous, 2 MiB aligned, the same flags (C-bit, PAT, ...). */
static bool one_large_page(const u64 *pt)
{
	if (entry_addr(pt[0], PTE_ADDR_MASK) & (2 * MiB - 1))
		return false;
	for (u64 i = 1; i < ENTRIES; i++)
		if ((pt[i] ^ (pt[0] + i * PAGE)) & ~JOIN_MAY_DIFFER)
			return false;
	return true;
}

/*
 * What the join leaves cached: the present 4 KiB translations, and the directory entry that pointed at the
 * table, which the paging-structure caches may hold even when no entry of the table is present (SDM vol.
 * 3A 4.10.4.2: one INVLPG in the range drops it). Past Linux's ceiling one flush of all is cheaper than an
 * INVLPG each (arch/x86/mm/tlb.c tlb_single_page_flush_ceiling, 33).
 */
static void flush_joined(u64 unit, const u64 *pt, u64 present_entries)
{
	if (present_entries > FLUSH_PAGES_CEILING) {
		paging_flush_all();
		return;
	}
	if (!present_entries) {
		paging_flush_page(unit);
		return;
	}
	for (u64 i = 0; i < ENTRIES; i++)
		if (pt[i] & PTE_PRESENT)
			paging_flush_page(unit + i * PAGE);
}

bool paging_join_large(u64 addr, bool present)
{
	u64 *pde = pd_entry_of(addr), *pt = NULL, unit = addr & ~(2 * MiB - 1), cached = 0;
	bool ok;

	if (!pde)
		return false;
	spin_lock(&pde_lock);
	ok = (*pde & PTE_PRESENT) && !(*pde & PTE_LARGE) && one_large_page(pt = next_table(*pde));
	if (ok) {
		for (u64 i = 0; i < ENTRIES; i++)
			cached += (pt[i] & PTE_PRESENT) != 0;
		*pde = (entry_addr(pt[0], PTE_ADDR_MASK) & ~(2 * MiB - 1)) | (join_flags(pt[0]) & ~PTE_PRESENT) |
		       (present ? PTE_PRESENT : 0);
	}
	spin_unlock(&pde_lock);
	if (ok)
		flush_joined(unit, pt, cached);
	return ok;
}

bool paging_is_large(u64 addr)
{
	u64 *pde = pd_entry_of(addr);

	return pde && (*pde & PTE_LARGE);
}

const u64 *paging_leaf_table(u64 addr)
{
	u64 *pde = pd_entry_of(addr), e = pde ? *pde : 0;

	return (e & PTE_PRESENT) && !(e & PTE_LARGE) ? next_table(e) : NULL;
}

/* PDPTs and PDs: one of each per 512 GiB and per GiB the range touches, at most. */
u64 paging_alias_tables_needed(u64 va, u64 size)
{
	u64 first = va >> 30, last = (va + size - 1) >> 30;

	return (last >> 9) - (first >> 9) + 1 + last - first + 1;
}

/* The table an entry points at, or a new one from p hung there; NULL when p is empty. */
static u64 *table_at(u64 *entry, struct pool *p)
{
	u64 *t;

	if (*entry & PTE_PRESENT)
		return (*entry & PTE_LARGE) ? NULL : next_table(*entry);
	if (!(t = new_table(p)))
		return NULL;
	*entry = table_entry(t);
	return t;
}

/* Is any 2 MiB of [va, va + size) mapped already? Walks only what exists. */
static bool alias_in_use(u64 va, u64 size)
{
	for (u64 v = va; v < va + size; v += 2 * MiB) {
		u64 e = root[v >> 39 & 511];
		if (!(e & PTE_PRESENT))
			continue;
		e = next_table(e)[v >> 30 & 511];
		if ((e & PTE_LARGE) || ((e & PTE_PRESENT) && (next_table(e)[v >> 21 & 511] & PTE_PRESENT)))
			return true;
	}
	return false;
}

bool paging_map_alias(u64 va, u64 pa, u64 size, u64 pool, u64 pool_pages)
{
	struct pool p = { pool, pool + pool_pages * PAGE };

	/* below 2^47: the lower canonical half of 4-level paging (SDM vol. 3A 3.3.7.1), which 5-level shares */
	if (!root || !IS_ALIGNED(va | pa | size, 2 * MiB) || !size || va + size > PAGING_ALIAS_TOP ||
	    pool_pages < paging_alias_tables_needed(va, size) || alias_in_use(va, size))
		return false; /* refused before anything changed */
	for (u64 off = 0; off < size; off += 2 * MiB) {
		u64 v = va + off, *pdpt, *pd;
		if (!(pdpt = table_at(&root[v >> 39 & 511], &p)) || !(pd = table_at(&pdpt[v >> 30 & 511], &p)))
			return false;
		if (pd[v >> 21 & 511] & PTE_PRESENT)
			return false;
		pd[v >> 21 & 511] = (pa + off) | PTE_TABLE | PTE_LARGE | encryption_mask;
	}
	return true;
}

u64 paging_page_entry(u64 addr)
{
	u64 *pde = pd_entry_of(addr);
	u64 e = pde ? __atomic_load_n(pde, __ATOMIC_RELAXED) : 0; /* once: another CPU may split or join it */

	if (!(e & PTE_PRESENT) || (e & PTE_LARGE))
		return e;
	return next_table(e)[addr >> 12 & 511];
}
