/* SPDX-License-Identifier: MIT */
/*
 * Pending memory that faults on touch (arch/sim.h, "Pending memory that faults on touch"): the 2 MiB
 * pages (arch/x86/cpu/paging.c) of wholly pending units are left not present, and the #PF hook hands a
 * touch of one of them to the model. Any other #PF is not the guard's: the hook returns false and the
 * dispatcher's exception table and crash path see it as before.
 *
 * An unreported region (sim_fw_bug=pending-tail: the part of a 2 MiB page past the firmware's last 2 MiB
 * boundary) never fills a 2 MiB unit, so it is guarded at 4 KiB instead: each of its pending pages is
 * made not present in a 4 KiB mapping (the 2 MiB page split by paging_set_page_flags()), and opened page
 * by page.
 */
#include <arch/cpu.h>
#include <arch/machine.h>
#include <arch/sim.h>

#define UNIT (2 * MiB)

static const struct sim_memory *guarded;
static sim_touch_fn touch_fn;
static sim_unit_pending_fn pending_fn;

static bool unit_inside(const struct sim_region *r, u64 unit)
{
	return unit >= r->start && unit + UNIT <= r->end;
}

/* A unit the guard hides or hid: wholly in a region that the map reports. */
static bool guardable(u64 addr)
{
	const struct sim_region *r = guarded ? sim_region_of(guarded, addr) : NULL;

	return r && !r->unreported && unit_inside(r, ALIGN_DOWN(addr, UNIT));
}

/* A 4 KiB page the guard hides or hid: in an unreported region. */
static bool guardable_page(u64 addr)
{
	const struct sim_region *r = guarded ? sim_region_of(guarded, addr) : NULL;

	return r && r->unreported;
}

static bool hidden(u64 addr)
{
	return (guardable(addr) || guardable_page(addr)) && !(paging_page_entry(addr) & PAGING_PRESENT);
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

static bool guard_pf_hook(struct cpu_regs *regs)
{
	u64 addr = read_cr2();

	return hidden(addr) && touch_fn(regs, addr);
}

static void hide_region(const struct sim_region *r, sim_unit_pending_fn pending)
{
	if (r->unreported) {
		hide_pages(r);
		return;
	}
	for (u64 unit = ALIGN_UP(r->start, UNIT); unit + UNIT <= r->end; unit += UNIT)
		if (pending(unit))
			paging_set_large_flags(unit, 0, PAGING_PRESENT);
}

void sim_guard_install(const struct sim_memory *mem, sim_unit_pending_fn pending, sim_touch_fn touch)
{
	guarded = mem;
	touch_fn = touch;
	pending_fn = pending;
	for (unsigned i = 0; i < mem->count; i++)
		hide_region(&mem->regions[i], pending);
	trap_set_hook(X86_PF, guard_pf_hook);
}

void sim_guard_open(u64 start, u64 end)
{
	for (u64 unit = ALIGN_DOWN(start, UNIT); unit < end; unit += UNIT)
		if (guardable(unit))
			paging_set_large_flags(unit, PAGING_PRESENT, 0);
	open_pages(start, end);
}

/*
 * The modelled host backs [start, start + size) now: it writes zeros over it with REP STOSQ, as a host hands
 * out memory cleared (Linux clears every page it gives a process; QEMU's prealloc=on touches each page,
 * util/oslib-posix.c touch_all_pages()). Only pending memory is the host's to write: before acceptance
 * the host owns the page and may put anything in it (TDX accept zeroes it anyway; an SNP guest never
 * relies on the contents of a page it has not validated), so this allows the model nothing hardware
 * forbids. For the benchmarks only (docs/benchmarks.md "Cold and warm memory"); the units it opened that
 * are still wholly pending are hidden again, so the guard stays as strict as before.
 */
void sim_host_back(u64 start, u64 size)
{
	u64 end = start + size, *p = (u64 *)(uintptr_t)start, n = size / sizeof(u64), raw;

	/* The promise above, kept: a host cannot write accepted private memory, so neither may the model */
	for (u64 page = ALIGN_DOWN(start, EFI_PAGE_SIZE); page < end; page += EFI_PAGE_SIZE)
		if (sim_page_state(page, &raw) == CC_PAGE_ACCEPTED)
			sim_stop("the modelled host was asked to write accepted private memory at", page);
	sim_guard_open(start, end);
	asm volatile("rep stosq" : "+D"(p), "+c"(n) : "a"(0ull) : "memory");
	for (u64 unit = ALIGN_DOWN(start, UNIT); unit < end; unit += UNIT)
		if (guardable(unit) && pending_fn && pending_fn(unit))
			paging_set_large_flags(unit, 0, PAGING_PRESENT);
	for (u64 page = ALIGN_DOWN(start, EFI_PAGE_SIZE); page < end; page += EFI_PAGE_SIZE)
		if (guardable_page(page) && sim_page_state(page, &raw) == CC_PAGE_PENDING)
			set_page_present(page, false);
}
