/* SPDX-License-Identifier: MIT */
/*
 * Target unaccepted_table: a LINUX_EFI_UNACCEPTED_MEM_TABLE that an earlier stage left (a bootloader, a
 * previous kernel, the firmware) and the kernel may reuse: unaccepted_validate() against the memory map,
 * then what the kernel does with a table it trusts (kernel/mm/unaccepted.c, kernel/mm/accept.c): runs of
 * set bits, counts, and accept_memory() through a platform that may stop short.
 *
 * Input: a map (fuzz.h), u64 table_pa, u32 bitmap bytes claimed (the header's size), u16 n and n bytes of
 * header and bitmap (zero-filled to the claim, up to 16 KiB), then requests: u64 start, u32 size in 4 KiB
 * pages, u8 how far the platform gets (255: all of it; else that many 4 KiB pages).
 * The table lives in a buffer of exactly 24 + size bytes. A larger claim is only validated when the
 * map does not call the whole table RAM (validation then stops before the bitmap).
 * Held to: unaccepted_count_set() and unaccepted_next_run() against a bit-by-bit scan; after a request the
 * platform finished, no unit it covers is still set; a platform that stops short leaves set only what it
 * did not accept.
 */
#include "fuzz.h"
#include "mm/accept.h"
#include "mm/unaccepted.h"

#define MAX_CLAIM (16u << 10)

static u64 count_bits(const struct efi_unaccepted_memory *t)
{
	u64 n = 0;

	for (u64 u = 0; u < t->size * 8; u++)
		n += unaccepted_test(t, u);
	return n;
}

static void check_runs(const struct efi_unaccepted_memory *t)
{
	u64 units = t->size * 8, from = 0, start, end;

	while (unaccepted_next_run(t, from, units, &start, &end)) {
		if (start < from || end <= start || end > units)
			abort();
		for (u64 u = from; u < start; u++)
			if (unaccepted_test(t, u))
				abort(); /* a set bit the scan skipped */
		for (u64 u = start; u < end; u++)
			if (!unaccepted_test(t, u))
				abort();
		from = end;
	}
	for (u64 u = from; u < units; u++)
		if (unaccepted_test(t, u))
			abort();
}

struct platform {
	u64 allow; /* bytes the platform accepts before it fails; U64_MAX: everything */
	u64 calls;
};

static u64 accept_range(void *ctx, u64 start, u64 size)
{
	struct platform *p = ctx;
	u64 done = MIN(size, p->allow);

	(void)start;
	p->calls++;
	if (p->allow != U64_MAX)
		p->allow -= done;
	return done;
}

static void request(struct efi_unaccepted_memory *t, struct fz *in)
{
	u64 start = fz_u64(in), size = (u64)fz_u32(in) * EFI_PAGE_SIZE;
	u8 how = fz_u8(in);
	struct platform p = { how == 255 ? U64_MAX : how * EFI_PAGE_SIZE, 0 };
	const struct range_acceptor ra = { accept_range, &p };
	struct accept_memory_result res;
	struct range want = range_clip(range_from_size_clamped(start, size), unaccepted_covered(t));
	u64 before = unaccepted_count_set(t);
	int rc = accept_memory(t, start, size, &ra, &res);

	if (rc == ACCEPT_MEMORY_BAD_TABLE || res.runs != p.calls || unaccepted_count_set(t) + res.units_cleared != before)
		abort();
	if (rc == ACCEPT_MEMORY_OK && !range_empty(want)) {
		u64 first = (want.start - t->phys_base) / t->unit_size;
		u64 last = (want.end - 1 - t->phys_base) / t->unit_size;
		for (u64 u = first; u <= last; u++)
			if (unaccepted_test(t, u))
				abort(); /* accepted and still marked unaccepted */
	}
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct fz in = { data, size };
	struct fz_map fm;
	struct mm_error e;
	struct efi_unaccepted_memory *t, hdr;
	u64 table_pa, claim;
	size_t n;

	fz_map_take(&in, &fm);
	table_pa = fz_u64(&in);
	claim = fz_u32(&in);
	n = fz_u16(&in);
	if (claim > MAX_CLAIM) {
		/* Too big to hold: validated only where validation cannot reach the bitmap. */
		struct range whole;
		fz_copy(&in, &hdr, MIN(n, sizeof(hdr)));
		hdr.size = claim;
		if (!range_from_size(table_pa, UNACCEPTED_HEADER_SIZE + claim, &whole) ||
		    !memmap_range_is(&fm.m, whole, memmap_type_is_ram, NULL))
			(void)unaccepted_validate(&hdr, table_pa, &fm.m, &e);
		fz_map_free(&fm);
		return 0;
	}
	t = malloc(UNACCEPTED_HEADER_SIZE + claim);
	memset(t, 0, UNACCEPTED_HEADER_SIZE + claim);
	fz_copy(&in, t, MIN(n, (size_t)(UNACCEPTED_HEADER_SIZE + claim)));
	t->size = claim;
	(void)unaccepted_header_ok(t, &e);
	(void)unaccepted_units(t);
	(void)unaccepted_covered(t);
	if (unaccepted_validate(t, table_pa, &fm.m, &e)) {
		if (unaccepted_count_set(t) != count_bits(t))
			abort();
		check_runs(t);
		for (unsigned i = 0; i < 4 && in.n; i++) {
			request(t, &in);
			check_runs(t);
		}
	} else if (e.code == MM_OK) {
		abort(); /* refused without saying why */
	}
	free(t);
	fz_map_free(&fm);
	return 0;
}
