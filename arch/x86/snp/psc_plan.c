/* SPDX-License-Identifier: MIT */
/*
 * How a range is cut into Page State Change requests (pure: tests/host/test_psc_plan.c compiles it in).
 * Each request is one descriptor of at most max entries (1..PSC_MAX_ENTRIES, the 253 the GHCB shared buffer
 * holds); an entry is 2 MiB where the range allows and 2 MiB entries are allowed, else 4 KiB (as Linux
 * __set_pages_state()). A smaller max is what the benchmarks sweep (docs/benchmarks.md, bench.snp.psc.*):
 * more exits for the same pages.
 */
#include <arch/snp_spec.h>
#include "psc_plan.h"

static bool use_2m(u64 addr, u64 end)
{
	return IS_ALIGNED(addr, 2 * MiB) && end - addr >= 2 * MiB;
}

unsigned psc_plan_max(unsigned max)
{
	return max < 1 || max > PSC_MAX_ENTRIES ? PSC_MAX_ENTRIES : max;
}

u64 psc_plan_entry(u64 addr, unsigned op, bool large)
{
	return ((addr >> 12) & PSC_ENTRY_GFN_MASK) << PSC_ENTRY_GFN_SHIFT |
	       (u64)(op & PSC_ENTRY_OP_MASK) << PSC_ENTRY_OP_SHIFT | (large ? PSC_ENTRY_2M : 0);
}

unsigned psc_plan_fill(u64 *entries, unsigned max, bool allow_2m, u64 addr, u64 end, unsigned op, u64 *next)
{
	unsigned n = 0;

	for (max = psc_plan_max(max); addr < end && n < max; n++) {
		bool large = allow_2m && use_2m(addr, end);
		if (entries)
			entries[n] = psc_plan_entry(addr, op, large);
		addr += large ? 2 * MiB : 4 * KiB;
	}
	*next = addr;
	return n;
}

u64 psc_plan_requests(u64 start, u64 size, unsigned max, bool allow_2m)
{
	u64 requests = 0;

	for (u64 addr = start, end = start + size; addr < end; requests++)
		psc_plan_fill(NULL, max, allow_2m, addr, end, 0, &addr);
	return requests;
}
