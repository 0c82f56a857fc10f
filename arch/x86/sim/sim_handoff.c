/* SPDX-License-Identifier: MIT */
/*
 * The models' side of handoff=self (sim_handoff.h): stage 1 writes the header into a page reserved before
 * ExitBootServices; stage 2 checks it and hands it to the model it names. Only the models have this: on
 * hardware nothing needs to cross, the page state stays in the TDX module / the RMP.
 */
#include <ccktf/boot.h>
#include <ccktf/platform.h>
#include <ccktf/string.h>
#include "sim_handoff.h"

static struct sim_handoff *header; /* stage 1: the reserved page */
static sim_handoff_save_fn saver;

const char *sim_handoff_offer(struct boot_info *b, sim_handoff_save_fn save)
{
	header = sim_alloc_hw(b, sizeof(*header));
	if (!header)
		return "AllocatePages(EfiReservedMemoryType) for the model's hand-off header failed";
	saver = save;
	return NULL;
}

const char *sim_handoff_state(u64 *pa, u64 *bytes)
{
	const char *why;

	if (!header || !saver)
		return "this model cannot hand its state over to stage 2 yet (sim-tdx and sim-snp can)";
	memset(header, 0, sizeof(*header));
	header->magic = SIM_HANDOFF_MAGIC;
	header->version = SIM_HANDOFF_VERSION;
	header->bytes = sizeof(*header);
	memcpy(header->platform, platform_name(), MIN(strlen(platform_name()), sizeof(header->platform) - 1));
	header->knobs = sim_knobs;
	if ((why = saver(header)))
		return why;
	*pa = (u64)(uintptr_t)header;
	*bytes = sizeof(*header);
	return NULL;
}

void sim_handoff_regions(const struct sim_handoff *h, struct sim_memory *mem)
{
	memset(mem, 0, sizeof(*mem));
	for (unsigned i = 0; i < h->count; i++) {
		const struct sim_handoff_region *r = &h->regions[i];
		mem->regions[i] = (struct sim_region){ r->start, r->end, r->unreported != 0 };
		mem->bytes += r->end - r->start;
	}
	mem->count = h->count;
}

static const struct {
	const char *platform;
	sim_handoff_adopt_fn adopt;
} adopters[] = {
	{ "sim-tdx", sim_tdx_handoff_adopt },
	{ "sim-snp", sim_snp_handoff_adopt },
};

/*
 * Stage 2 (platform_handoff_ops.adopt): the node names a readable header of the right size; the header is
 * checked (sim_handoff_check.c: its identity first, then what it names). Only then does the model allocate
 * (from stage 2's allocator) and adopt.
 */
const char *sim_handoff_adopt(u64 pa, u64 bytes, const struct handoff_stage2 *env)
{
	const struct sim_handoff_ram ram = { env->overlaps_ram, NULL };
	const char *platform = platform_name();
	const struct sim_handoff *h;
	const char *why;

	if (!pa || bytes != sizeof(*h) || !(h = env->read(pa, bytes)))
		return "the model's setup_data node names a header of the wrong size, or one this stage cannot read";
	if ((why = sim_handoff_check(pa, h, platform, &ram)))
		return why;
	for (unsigned i = 0; i < ARRAY_SIZE(adopters); i++)
		if (!strcmp(adopters[i].platform, platform)) {
			sim_alloc_without_boot_services(env->alloc_pages);
			sim_knobs = h->knobs;
			return adopters[i].adopt(h);
		}
	return "this model cannot take its state over from a previous stage yet (sim-tdx and sim-snp can)";
}
