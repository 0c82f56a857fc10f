/* SPDX-License-Identifier: MIT */
/*
 * The TDX module model's page state: which 4 KiB pages are accepted and how the host maps each 2 MiB, and
 * what TDG.MEM.PAGE.ACCEPT answers for it (the rules, with their sources, are in tdx_model.h). Pure logic:
 * no I/O, no kernel services, so tests/host/test_tdx_model.c compiles it into the host tests.
 */
#include <arch/tdx_spec.h>
#include <ccktf/spinlock.h>
#include "tdx_model.h"

#define PAGE_4K (4 * KiB)
#define PAGE_2M (2 * MiB)
#define PAGES_PER_2M (PAGE_2M / PAGE_4K)
#define BITS_PER_WORD 64

static u64 bitmap_bytes(u64 bits)
{
	return (bits + BITS_PER_WORD - 1) / BITS_PER_WORD * sizeof(u64);
}

static bool bit_test(const u64 *map, u64 i)
{
	return (__atomic_load_n(&map[i / BITS_PER_WORD], __ATOMIC_RELAXED) >> (i % BITS_PER_WORD)) & 1;
}

/* Atomic: a word may hold bits that callers on different vCPUs change at once (tdx_model.h,
 * tdx_pages_accept_begin()): the host-mapping bits of 64 chunks, or the pages of two chunks where a region
 * does not start 256 KiB-aligned. set_accepted() uses the plain store where it can. */
static void bit_assign(u64 *map, u64 i, bool value)
{
	u64 mask = 1ull << (i % BITS_PER_WORD);

	if (value)
		__atomic_fetch_or(&map[i / BITS_PER_WORD], mask, __ATOMIC_RELAXED);
	else
		__atomic_fetch_and(&map[i / BITS_PER_WORD], ~mask, __ATOMIC_RELAXED);
}

static u64 chunks_of(u64 start, u64 end)
{
	return (end - ALIGN_DOWN(start, PAGE_2M) + PAGE_2M - 1) / PAGE_2M;
}

u64 tdx_pages_state_bytes(u64 start, u64 end)
{
	return bitmap_bytes((end - start) / PAGE_4K) + bitmap_bytes(chunks_of(start, end));
}

void tdx_pages_init(struct tdx_pages *p, unsigned gpaw)
{
	*p = (struct tdx_pages){ .gpaw = gpaw };
}

bool tdx_pages_add_region(struct tdx_pages *p, u64 start, u64 end, void *zeroed_state, bool host_4k)
{
	struct tdx_pages_region *r;

	if (p->count == SIM_MAX_REGIONS)
		return false;
	r = &p->regions[p->count++];
	r->start = start;
	r->end = end;
	r->chunk_base = ALIGN_DOWN(start, PAGE_2M);
	r->accepted = zeroed_state;
	r->host_4k = r->accepted + bitmap_bytes((end - start) / PAGE_4K) / sizeof(u64);
	for (u64 c = 0; c < chunks_of(start, end); c++)
		bit_assign(r->host_4k, c, host_4k);
	return true;
}

bool tdx_pages_adopt_region(struct tdx_pages *p, u64 start, u64 end, void *state)
{
	struct tdx_pages_region *r;

	if (p->count == SIM_MAX_REGIONS)
		return false;
	r = &p->regions[p->count++];
	*r = (struct tdx_pages_region){ start, end, ALIGN_DOWN(start, PAGE_2M), state, NULL };
	r->host_4k = r->accepted + bitmap_bytes((end - start) / PAGE_4K) / sizeof(u64);
	return true;
}

/* Lookups */

static const struct tdx_pages_region *region_of(const struct tdx_pages *p, u64 addr)
{
	for (unsigned i = 0; i < p->count; i++)
		if (addr >= p->regions[i].start && addr < p->regions[i].end)
			return &p->regions[i];
	return NULL;
}

static bool overlaps_any_region(const struct tdx_pages *p, u64 start, u64 end)
{
	for (unsigned i = 0; i < p->count; i++)
		if (start < p->regions[i].end && p->regions[i].start < end)
			return true;
	return false;
}

static bool page_accepted(const struct tdx_pages_region *r, u64 addr)
{
	return bit_test(r->accepted, (addr - r->start) / PAGE_4K);
}

/* The caller holds the lock of addr's chunk: a word wholly inside the chunk has no other writer, and is
 * set with a plain store; a word at the chunk's edge atomically (bit_assign()). */
static void set_accepted(const struct tdx_pages_region *r, u64 addr, u64 bytes)
{
	for (u64 a = addr; a < addr + bytes; a += PAGE_4K) {
		u64 i = (a - r->start) / PAGE_4K;

		if (sim_bit_word_in_one_chunk(r->start, i, BITS_PER_WORD))
			r->accepted[i / BITS_PER_WORD] |= 1ull << (i % BITS_PER_WORD);
		else
			bit_assign(r->accepted, i, true);
	}
}

static u64 chunk_index(const struct tdx_pages_region *r, u64 addr)
{
	return (addr - r->chunk_base) / PAGE_2M;
}

/* How many of the 512 pages of the 2 MiB at chunk (inside r) are accepted. */
static u64 accepted_in_chunk(const struct tdx_pages_region *r, u64 chunk)
{
	u64 n = 0;

	for (u64 a = chunk; a < chunk + PAGE_2M; a += PAGE_4K)
		n += page_accepted(r, a);
	return n;
}

/*
 * Does the host map the 2 MiB at chunk as one 2M leaf? Only if the model's memory holds all of it, the host
 * chose 2M for it, and its 512 pages are in one state (a mixed 2 MiB cannot be a single S-EPT leaf).
 */
static bool host_maps_2m_leaf(const struct tdx_pages_region *r, u64 chunk)
{
	u64 accepted;

	if (!r || chunk < r->start || chunk + PAGE_2M > r->end || bit_test(r->host_4k, chunk_index(r, chunk)))
		return false;
	accepted = accepted_in_chunk(r, chunk);
	return accepted == 0 || accepted == PAGES_PER_2M;
}

/* TDG.MEM.PAGE.ACCEPT */

static u64 operand_invalid_rcx(void)
{
	return TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX;
}

/* verify_page_info_input() and check_gpa_validity() in the module. */
static bool operand_ok(const struct tdx_pages *p, u64 page_info)
{
	u64 level = page_info & TDX_PAGE_INFO_LEVEL_MASK;
	u64 gpa = page_info & TDX_PAGE_INFO_GPA_MASK;

	if ((page_info & TDX_PAGE_INFO_RESERVED_MASK) || level > TDX_PS_2M)
		return false;
	if (!IS_ALIGNED(gpa, tdx_level_bytes(level)))
		return false;
	return (gpa >> p->gpaw) == 0 && !(gpa & (1ull << (p->gpaw - 1)));
}

/* An injected status for a page in [gpa, gpa + bytes): returned once, then forgotten (taken atomically: a
 * slot is read by every vCPU's accept, whatever its chunk). */
static u64 take_injection(struct tdx_pages *p, u64 gpa, u64 bytes)
{
	for (unsigned i = 0; i < TDX_MODEL_INJECTIONS; i++) {
		struct tdx_injection *inj = &p->injections[i];
		u64 status = __atomic_load_n(&inj->status, __ATOMIC_ACQUIRE);
		if (!status || inj->page < gpa || inj->page >= gpa + bytes)
			continue;
		if ((status = __atomic_exchange_n(&inj->status, 0, __ATOMIC_ACQ_REL)))
			return status;
	}
	return TDX_SUCCESS;
}

/*
 * Accepts in flight (locked S-EPT entries). The slots are shared by every chunk: a slot is taken by moving
 * its bytes from 0 to INFLIGHT_CLAIMING (compare-and-swap), then its gpa is written, then its bytes
 * (release). Every entry and every request lies in one 2 MiB chunk, so only an entry of the caller's own
 * chunk can overlap its request, and such an entry is written only under the lock the caller holds: it is
 * stable. Any other slot may be freed and claimed again by another chunk's vCPU between the reader's two
 * loads, giving a size of one entry with the gpa of the next; such a pair never names the caller's chunk,
 * and the reader skips it.
 */
#define INFLIGHT_CLAIMING 1

/* The slot's entry if it lies in gpa's chunk (read once), else false. */
static bool inflight_in_chunk(const struct tdx_inflight *f, u64 gpa, u64 *f_gpa, u64 *f_bytes)
{
	u64 n = __atomic_load_n(&f->bytes, __ATOMIC_ACQUIRE), g;

	if (n <= INFLIGHT_CLAIMING)
		return false;
	g = __atomic_load_n(&f->gpa, __ATOMIC_RELAXED);
	if (ALIGN_DOWN(g, PAGE_2M) != ALIGN_DOWN(gpa, PAGE_2M))
		return false;
	*f_gpa = g;
	*f_bytes = n;
	return true;
}

static struct tdx_inflight *inflight_overlapping(struct tdx_pages *p, u64 gpa, u64 bytes)
{
	for (unsigned i = 0; i < TDX_MODEL_INFLIGHT; i++) {
		struct tdx_inflight *f = &p->inflight[i];
		u64 g, n;

		if (inflight_in_chunk(f, gpa, &g, &n) && gpa < g + n && g < gpa + bytes)
			return f;
	}
	return NULL;
}

static bool inflight_claim(struct tdx_pages *p, u64 gpa, u64 bytes)
{
	for (unsigned i = 0; i < TDX_MODEL_INFLIGHT; i++) {
		struct tdx_inflight *f = &p->inflight[i];
		u64 free_ = 0;

		if (__atomic_compare_exchange_n(&f->bytes, &free_, INFLIGHT_CLAIMING, false, __ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED)) {
			__atomic_store_n(&f->gpa, gpa, __ATOMIC_RELAXED);
			__atomic_store_n(&f->bytes, bytes, __ATOMIC_RELEASE);
			return true;
		}
	}
	return false;
}

/* The entry is locked by another vCPU's accept: sept_lock_acquire_guest() fails (tdg_mem_page_accept.c). */
static u64 sept_busy(struct tdx_pages *p)
{
	__atomic_fetch_add(&p->double_accepts, 1, __ATOMIC_RELAXED);
	return TDX_OPERAND_BUSY | TDX_OPERAND_ID_RCX;
}

static u64 already_accepted(struct tdx_pages *p, u64 level)
{
	__atomic_fetch_add(&p->double_accepts, 1, __ATOMIC_RELAXED);
	return TDX_PAGE_ALREADY_ACCEPTED | level;
}

static u64 accept_4k(struct tdx_pages *p, u64 gpa)
{
	const struct tdx_pages_region *r = region_of(p, gpa);
	u64 chunk = ALIGN_DOWN(gpa, PAGE_2M);

	u64 injected;

	if (!r)
		return operand_invalid_rcx();
	if (inflight_overlapping(p, gpa, PAGE_4K))
		return sept_busy(p);
	injected = take_injection(p, gpa, PAGE_4K);
	if (injected)
		return injected;
	if (page_accepted(r, gpa))
		return already_accepted(p, host_maps_2m_leaf(r, chunk) ? TDX_PS_2M : TDX_PS_4K);
	return TDX_SUCCESS;
}

static u64 accept_2m(struct tdx_pages *p, u64 gpa)
{
	const struct tdx_pages_region *r = region_of(p, gpa);
	u64 injected;

	if (!overlaps_any_region(p, gpa, gpa + PAGE_2M))
		return operand_invalid_rcx();
	if (inflight_overlapping(p, gpa, PAGE_2M))
		return sept_busy(p);
	if (!host_maps_2m_leaf(r, gpa))
		return TDX_PAGE_SIZE_MISMATCH | TDX_PS_2M;
	injected = take_injection(p, gpa, PAGE_2M);
	if (injected)
		return injected;
	if (page_accepted(r, gpa)) /* one state for all 512: all accepted */
		return already_accepted(p, TDX_PS_2M);
	return TDX_SUCCESS;
}

u64 tdx_pages_accept_begin(struct tdx_pages *p, u64 page_info)
{
	u64 level = page_info & TDX_PAGE_INFO_LEVEL_MASK;
	u64 gpa = page_info & TDX_PAGE_INFO_GPA_MASK;
	u64 status;

	if (!operand_ok(p, page_info))
		return operand_invalid_rcx();
	status = level == TDX_PS_4K ? accept_4k(p, gpa) : accept_2m(p, gpa);
	if (status != TDX_SUCCESS)
		return status;
	if (!inflight_claim(p, gpa, tdx_level_bytes(level))) /* more in flight than vCPUs: the caller retries */
		return sept_busy(p);
	return TDX_SUCCESS;
}

void tdx_pages_accept_end(struct tdx_pages *p, u64 page_info)
{
	u64 gpa = page_info & TDX_PAGE_INFO_GPA_MASK;
	u64 bytes = tdx_level_bytes(page_info & TDX_PAGE_INFO_LEVEL_MASK);
	const struct tdx_pages_region *r = region_of(p, gpa);

	for (unsigned i = 0; r && i < TDX_MODEL_INFLIGHT; i++) {
		struct tdx_inflight *f = &p->inflight[i];
		u64 g, n;

		if (!inflight_in_chunk(f, gpa, &g, &n) || g != gpa || n != bytes)
			continue;
		set_accepted(r, gpa, bytes);
		__atomic_store_n(&f->bytes, 0, __ATOMIC_RELEASE); /* accepted before the entry's lock is let go */
		return;
	}
	/* not begun: nothing to end */
}

u64 tdx_pages_accept(struct tdx_pages *p, u64 page_info)
{
	u64 status = tdx_pages_accept_begin(p, page_info);

	if (status == TDX_SUCCESS)
		tdx_pages_accept_end(p, page_info);
	return status;
}

/* Test controls */

void tdx_pages_set_host_4k(struct tdx_pages *p, u64 addr, bool host_4k)
{
	const struct tdx_pages_region *r = region_of(p, addr);

	if (r)
		bit_assign(r->host_4k, chunk_index(r, addr), host_4k);
}

static struct tdx_injection *injection_slot(struct tdx_pages *p, u64 page)
{
	struct tdx_injection *free_slot = NULL;

	for (unsigned i = 0; i < TDX_MODEL_INJECTIONS; i++) {
		if (p->injections[i].status && p->injections[i].page == page)
			return &p->injections[i];
		if (!p->injections[i].status && !free_slot)
			free_slot = &p->injections[i];
	}
	return free_slot;
}

void tdx_pages_inject(struct tdx_pages *p, u64 addr, u64 status)
{
	u64 page = ALIGN_DOWN(addr, PAGE_4K);
	struct tdx_injection *slot;

	spin_lock(&p->injections_lock); /* injectors of different chunks pick slots one at a time */
	slot = injection_slot(p, page);
	if (!slot) {
		spin_unlock(&p->injections_lock);
		return;
	}
	__atomic_store_n(&slot->status, 0, __ATOMIC_RELEASE); /* take_injection() never sees a half-written slot */
	if (status) {
		slot->page = page;
		__atomic_store_n(&slot->status, status, __ATOMIC_RELEASE);
	}
	spin_unlock(&p->injections_lock);
}

bool tdx_pages_accepted(const struct tdx_pages *p, u64 addr)
{
	const struct tdx_pages_region *r = region_of(p, addr);

	return !r || page_accepted(r, addr);
}

bool tdx_pages_pending(const struct tdx_pages *p, u64 addr)
{
	const struct tdx_pages_region *r = region_of(p, addr);

	return r && !page_accepted(r, addr);
}
