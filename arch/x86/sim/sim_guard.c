/* SPDX-License-Identifier: MIT */
/*
 * Pending memory that faults on touch (arch/sim.h, "Pending memory that faults on touch"): the mapping of
 * every page the model holds pending is not present, and the #PF hook hands a touch of one to the model.
 * Any other #PF is not the guard's: the hook returns false and the dispatcher's exception table and crash
 * path see it as before.
 *
 * A 2 MiB unit wholly in a reported region is hidden as one 2 MiB page while all of it is pending. A 4 KiB
 * accept inside it splits the 2 MiB page into a page table the guard reserved for that unit before
 * ExitBootServices (sim_guard_reserve(): one per unit, so a split never runs out of tables), and opens that
 * one page: its 511 pending neighbours still fault, as on hardware, where every 4 KiB page has its own
 * S-EPT / RMP state. When the unit's last page opens, it is joined back into one 2 MiB page (a 2 MiB
 * PVALIDATE looks at the guest's mapping size: snp_model_pvalidate.c).
 *
 * An unreported region (sim_fw_bug=pending-tail: the part of a 2 MiB page past the firmware's last 2 MiB
 * boundary) never fills a 2 MiB unit, so it is guarded at 4 KiB through the kernel's spare tables: each of
 * its pending pages is made not present in a 4 KiB mapping, and opened page by page.
 *
 * One table per unit, kept for the unit's life, is also what makes the edits safe without a shootdown: a
 * directory entry another CPU may still have cached for the unit always points at that unit's own table.
 * The cost is 4 KiB per 2 MiB of the model's memory (0.2 %), taken below 4 GiB when the model presents all
 * RAM above it: fine at the sizes TCG runs; a guest of about 1 TiB would be refused at setup, saying so.
 * Closing again (present -> not present) happens only in sim_host_back(), on the CPU that asks: other CPUs
 * could keep a stale TLB entry for such a page (no shootdown here), which would let a touch through, never
 * stop one that hardware allows. Every edit of a unit runs under its chunk's lock (sim_chunk_lock(), taken
 * by both models and by sim_host_back()); a change of any 2 MiB directory entry is also serialized inside
 * paging.c. The #PF hook reads without them, and a page found present by then was opened meanwhile: the
 * access is retried.
 */
#include <arch/cpu.h>
#include <arch/machine.h>
#include <arch/sim.h>
#include <ccktf/spinlock.h>

#define UNIT (2 * MiB)
#define UNIT_PAGES (UNIT / EFI_PAGE_SIZE)

static const struct sim_memory *guarded, *reserved_for;
static sim_touch_fn touch_fn;
static sim_unit_pending_fn pending_fn;
static u64 *unit_tables; /* UNIT_PAGES entries per guardable unit, in region order */
/* Per guardable unit: its 4 KiB pages present while it is split. A cache line each: the vCPUs accepting
 * neighbouring units would otherwise bump counts on one line (snp_model.h, counters). */
struct unit_state {
	u16 open;
} __cacheline_aligned;
static struct unit_state *unit_state;
#define unit_open(idx) (unit_state[idx].open)

static u64 unit_count;

static u64 first_unit(const struct sim_region *r)
{
	return ALIGN_UP(r->start, UNIT);
}

static u64 region_units(const struct sim_region *r)
{
	u64 first = first_unit(r), end = ALIGN_DOWN(r->end, UNIT);

	return r->unreported || end <= first ? 0 : (end - first) / UNIT;
}

/* The index of the guardable unit that holds addr (wholly in a reported region), or -1. */
static s64 unit_index(u64 addr)
{
	u64 base = 0;

	for (unsigned i = 0; guarded && i < guarded->count; i++) {
		const struct sim_region *r = &guarded->regions[i];
		u64 n = region_units(r), first = first_unit(r);
		if (n && addr >= first && addr < first + n * UNIT)
			return (s64)(base + (addr - first) / UNIT);
		base += n;
	}
	return -1;
}

/* A unit the guard hides or hid: wholly in a region that the map reports. */
static bool guardable(u64 addr)
{
	return unit_index(addr) >= 0;
}

/* A 4 KiB page the guard hides or hid: in an unreported region. */
static bool guardable_page(u64 addr)
{
	const struct sim_region *r = guarded ? sim_region_of(guarded, addr) : NULL;

	return r && r->unreported;
}

/* A 4 KiB present or not; no page table left to split the 2 MiB page is the model's failure, said so. */
static void set_page_present(u64 page, bool present)
{
	if (!paging_set_page_flags(page, present ? PAGING_PRESENT : 0, present ? 0 : PAGING_PRESENT))
		sim_stop("the guard could not map a pending page at 4 KiB (no spare page table) at", page);
}

static void hide_pages(const struct sim_region *r)
{
	u64 raw;

	for (u64 page = r->start; page < r->end; page += EFI_PAGE_SIZE)
		if (sim_page_state(page, &raw) == CC_PAGE_PENDING)
			set_page_present(page, false);
}

static void open_pages(u64 start, u64 end)
{
	for (unsigned i = 0; guarded && i < guarded->count; i++) {
		const struct sim_region *r = &guarded->regions[i];
		u64 lo = MAX(ALIGN_DOWN(start, EFI_PAGE_SIZE), r->start), hi = MIN(end, r->end);
		for (u64 page = lo; r->unreported && page < hi; page += EFI_PAGE_SIZE)
			set_page_present(page, true);
	}
}

static u64 *own_table(s64 idx)
{
	return &unit_tables[(u64)idx * UNIT_PAGES];
}

/* A split unit must be split into the guard's own table: anyone else's split (a page made shared through
 * paging_set_page_flags()) is not the guard's to count or join. */
static void check_own_split(u64 unit, s64 idx)
{
	if (paging_leaf_table(unit) != own_table(idx))
		sim_stop("a 2 MiB page in the model's memory was split by someone other than the guard, at", unit);
}

static void join_unit(u64 unit, bool present)
{
	if (!paging_join_large(unit, present))
		sim_stop("the guard could not join its split of the 2 MiB page at", unit);
}

static void split_unit(u64 unit, s64 idx)
{
	if (!paging_split_large_into(unit, own_table(idx)))
		sim_stop("the guard could not split the 2 MiB page at", unit);
	unit_open(idx) = (paging_page_entry(unit) & PAGING_PRESENT) ? UNIT_PAGES : 0;
}

/* The unit's mapping made to match the model's page state, page by page (setup and host_back only). */
static void sync_unit(u64 unit, s64 idx)
{
	u64 pending = 0, raw;

	for (u64 page = unit; page < unit + UNIT; page += EFI_PAGE_SIZE)
		pending += sim_page_state(page, &raw) == CC_PAGE_PENDING;
	if (!paging_is_large(unit))
		check_own_split(unit, idx);
	if (pending == 0 || pending == UNIT_PAGES) {
		bool present = pending == 0;
		if (!paging_is_large(unit))
			join_unit(unit, present);
		else
			paging_set_large_flags(unit, present ? PAGING_PRESENT : 0, present ? 0 : PAGING_PRESENT);
		return;
	}
	if (paging_is_large(unit))
		split_unit(unit, idx);
	for (u64 page = unit; page < unit + UNIT; page += EFI_PAGE_SIZE)
		set_page_present(page, sim_page_state(page, &raw) != CC_PAGE_PENDING);
	unit_open(idx) = (u16)(UNIT_PAGES - pending);
}

/* Opens [lo, hi), which lies in the guardable unit idx, at 4 KiB; the whole unit open joins it back. */
static void open_in_unit(u64 unit, s64 idx, u64 lo, u64 hi)
{
	if (paging_is_large(unit)) {
		if (paging_page_entry(unit) & PAGING_PRESENT)
			return;
		if (lo == unit && hi == unit + UNIT) {
			paging_set_large_flags(unit, PAGING_PRESENT, 0);
			return;
		}
		split_unit(unit, idx);
	} else {
		check_own_split(unit, idx);
	}
	for (u64 page = lo; page < hi; page += EFI_PAGE_SIZE)
		if (!(paging_page_entry(page) & PAGING_PRESENT)) {
			set_page_present(page, true);
			unit_open(idx)++;
		}
	if (unit_open(idx) == UNIT_PAGES)
		join_unit(unit, true);
}

bool sim_guard_maps_large(u64 va)
{
	s64 idx = unit_index(ALIGN_DOWN(va, UNIT));

	return paging_is_large(va) || (idx >= 0 && paging_leaf_table(va) == own_table(idx));
}

#define PF_ERROR_PRESENT (1ull << 0) /* the #PF error code's P bit (SDM vol. 3A 4.7): 0, a not-present page */

static bool guard_pf_hook(struct cpu_regs *regs)
{
	u64 addr = read_cr2();

	if (!guardable(addr) && !guardable_page(addr))
		return false;
	if (!(paging_page_entry(addr) & PAGING_PRESENT))
		return touch_fn(regs, addr);
	/* present by now: another CPU's accept opened it after this access faulted (making a page present needs
	 * no flush, paging.c), so the access is retried. A protection fault (P set) is not the guard's. */
	return !(regs->error_code & PF_ERROR_PRESENT);
}

static void hide_region(const struct sim_region *r, sim_unit_pending_fn pending)
{
	if (r->unreported) {
		hide_pages(r);
		return;
	}
	for (u64 unit = first_unit(r), n = 0; n < region_units(r); unit += UNIT, n++) {
		if (pending(unit))
			paging_set_large_flags(unit, 0, PAGING_PRESENT);
		else
			sync_unit(unit, unit_index(unit)); /* partly accepted already (the firmware's AcceptMemory) */
	}
}

u64 sim_guard_units(const struct sim_memory *mem)
{
	u64 n = 0;

	for (unsigned i = 0; i < mem->count; i++)
		n += region_units(&mem->regions[i]);
	return n;
}

const char *sim_guard_reserve(struct boot_info *b, const struct sim_memory *mem)
{
	unit_count = sim_guard_units(mem);
	reserved_for = mem;
	if (!unit_count)
		return NULL;
	unit_tables = sim_alloc(b, unit_count * UNIT_PAGES * sizeof(u64));
	unit_state = sim_alloc(b, unit_count * sizeof(*unit_state));
	return unit_tables && unit_state ? NULL : "no memory for the pending-memory guard's page tables";
}

void sim_guard_install(const struct sim_memory *mem, sim_unit_pending_fn pending, sim_touch_fn touch)
{
	if (mem != reserved_for || sim_guard_units(mem) != unit_count)
		sim_stop("the guard was installed over regions it did not reserve tables for, at", 0);
	guarded = mem;
	touch_fn = touch;
	pending_fn = pending;
	for (unsigned i = 0; i < mem->count; i++)
		hide_region(&mem->regions[i], pending);
	trap_set_hook(X86_PF, guard_pf_hook);
}

void sim_guard_open(u64 start, u64 end)
{
	for (u64 unit = ALIGN_DOWN(start, UNIT); unit < end; unit += UNIT) {
		s64 idx = unit_index(unit);
		if (idx >= 0)
			open_in_unit(unit, idx, MAX(ALIGN_DOWN(start, EFI_PAGE_SIZE), unit), MIN(end, unit + UNIT));
	}
	open_pages(start, end);
}

/*
 * The modelled host backs [start, start + size) now: it writes zeros over it with REP STOSQ, as a host hands
 * out memory cleared (Linux clears every page it gives a process; QEMU's prealloc=on touches each page,
 * util/oslib-posix.c touch_all_pages()). Only pending memory is the host's to write: before acceptance
 * the host owns the page and may put anything in it (TDX accept zeroes it anyway; an SNP guest never
 * relies on the contents of a page it has not validated), so this allows the model nothing hardware
 * forbids. For the benchmarks only (docs/benchmarks.md "Cold and warm memory"); afterwards every unit it
 * opened is mapped exactly as its pages' states say again, so the guard stays as strict as before.
 */
static void host_back_chunk(u64 start, u64 size)
{
	u64 end = start + size, *p = (u64 *)(uintptr_t)start, n = size / sizeof(u64), raw;

	/* The promise above, kept: a host cannot write accepted private memory, so neither may the model */
	for (u64 page = ALIGN_DOWN(start, EFI_PAGE_SIZE); page < end; page += EFI_PAGE_SIZE)
		if (sim_page_state(page, &raw) == CC_PAGE_ACCEPTED)
			sim_stop("the modelled host was asked to write accepted private memory at", page);
	sim_guard_open(start, end);
	asm volatile("rep stosq" : "+D"(p), "+c"(n) : "a"(0ull) : "memory");
	for (u64 unit = ALIGN_DOWN(start, UNIT); unit < end; unit += UNIT) {
		s64 idx = unit_index(unit);
		if (idx >= 0)
			sync_unit(unit, idx);
	}
	for (u64 page = ALIGN_DOWN(start, EFI_PAGE_SIZE); page < end; page += EFI_PAGE_SIZE)
		if (guardable_page(page) && sim_page_state(page, &raw) == CC_PAGE_PENDING)
			set_page_present(page, false);
}

/* platform_model_ops.host_back of both models: each 2 MiB chunk under its lock (sim_chunk_lock()), as every
 * edit of the guard's tables and every change of a model's page state. */
void sim_host_back(u64 start, u64 size)
{
	for (u64 a = start, end = start + size; a < end;) {
		u64 next = MIN(ALIGN_DOWN(a, UNIT) + UNIT, end);
		struct spinlock *lock = sim_chunk_lock(a);

		spin_lock(lock);
		host_back_chunk(a, next - a);
		spin_unlock(lock);
		a = next;
	}
}
