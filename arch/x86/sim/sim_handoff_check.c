/* SPDX-License-Identifier: MIT */
/*
 * Stage 2's check of the model's hand-off header before the model adopts it (sim_handoff.h), each check once
 * and the header's identity first (magic, version, size, then the model that wrote it), so that garbage is
 * refused as garbage, not by whichever field it happens to break. Stage 2 does
 * not trust what it finds at the address a setup_data node names: the header and every state range it
 * names must lie outside e820 RAM (the "hardware" lives in EfiReservedMemoryType pages, sim_alloc_hw(); RAM
 * there would be memory this stage hands out, which the hardware's state never is), the regions must be
 * sane (start < end, 4 KiB aligned, within the model's region count, not overlapping each other) and,
 * under sim-tdx, the GPA width one the TDX module reports: 48 or 52 (TDG.VP.INFO RCX[5:0], arch/tdx_spec.h).
 * Pure (no model state), so the host tests run it (tests/host/test_sim_handoff_check.c).
 */
#include <arch/tdx_spec.h>
#include <ccktf/string.h>
#include "sim_handoff.h"

#define STATE_ALIGN 4096ull /* the state lives in whole pages (sim_alloc_hw()) */

static bool range_ok(u64 start, u64 bytes)
{
	return bytes && start + bytes > start;
}

static const char *state_range(const struct sim_handoff_ram *ram, u64 pa, u64 bytes, const char *what)
{
	if (!range_ok(pa, bytes) || pa % STATE_ALIGN)
		return what;
	return ram->overlaps(ram->ctx, pa, pa + bytes) ? what : NULL;
}

static const char *check_regions(const struct sim_handoff *h, const struct sim_handoff_ram *ram)
{
	const char *why;

	if (h->count > SIM_MAX_REGIONS)
		return "the model's hand-off header lists more regions than a model tracks";
	for (unsigned i = 0; i < h->count; i++) {
		const struct sim_handoff_region *r = &h->regions[i];
		if (r->start >= r->end || r->start % STATE_ALIGN || r->end % STATE_ALIGN)
			return "a region of the model's hand-off header is empty, reversed or not 4 KiB aligned";
		for (unsigned j = 0; j < i; j++)
			if (r->start < h->regions[j].end && h->regions[j].start < r->end)
				return "two regions of the model's hand-off header overlap";
		if ((why = state_range(ram, r->state_pa, r->state_bytes,
				       "a region's page state is empty, unaligned, wraps, or lies in e820 RAM")))
			return why;
	}
	return NULL;
}

const char *sim_handoff_check(u64 pa, const struct sim_handoff *h, const char *platform,
			      const struct sim_handoff_ram *ram)
{
	const char *why;

	if (h->magic != SIM_HANDOFF_MAGIC || h->version != SIM_HANDOFF_VERSION || h->bytes != sizeof(*h))
		return "the model's hand-off header has the wrong magic, version or size";
	if (strncmp(h->platform, platform, sizeof(h->platform)))
		return "the model's hand-off header was written by another model than the one selected";
	if (!pa || !range_ok(pa, sizeof(*h)) || ram->overlaps(ram->ctx, pa, pa + sizeof(*h)))
		return "the model's hand-off header lies in e820 RAM (the model's state never does)";
	if ((why = check_regions(h, ram)))
		return why;
	if (!strcmp(platform, "sim-tdx") && h->tdx_gpaw != TDX_GPAW_48 && h->tdx_gpaw != TDX_GPAW_52)
		return "the model's hand-off header gives a GPA width the TDX module never reports (48 or 52)";
	if (h->snp_outside_bytes && (why = state_range(ram, h->snp_outside_pa, h->snp_outside_bytes,
						      "the SNP model's outside-region state lies in e820 RAM or is unaligned")))
		return why;
	if (h->snp_psp_bytes &&
	    (why = state_range(ram, h->snp_psp_pa, h->snp_psp_bytes, "the SNP model's PSP state lies in e820 RAM or is unaligned")))
		return why;
	return NULL;
}
