/* SPDX-License-Identifier: MIT */
/*
 * Stage 2's check of a model's hand-off header (arch/x86/sim/sim_handoff_check.c): its magic, version, size
 * and model first, the header and its state
 * ranges outside e820 RAM, sane regions, a TDX GPA width of 48 or 52. The host build compiles only kernel/
 * and tests/host/, so the check's pure source is compiled into this file.
 */
#include <ccktf/ktest.h>
#include <string.h>

#include "../../arch/x86/sim/sim_handoff_check.c"

KTEST_SUITE(host_sim_handoff_check, KTEST_AFTER_EXIT_BOOT_SERVICES, NULL);

#define RAM_END (1 * GiB) /* the test's e820 RAM: [0, 1 GiB) */
#define RESERVED (2 * GiB) /* reserved memory, where the model's state lives */
#define HEADER_PA RESERVED

static bool ram_below_1g(void *ctx, u64 start, u64 end)
{
	(void)ctx;
	return start < RAM_END && end > 0;
}

static const struct sim_handoff_ram ram = { ram_below_1g, NULL };

/* A header as stage 1 writes it: two regions above 4 GiB, their state in reserved pages. */
static void good(struct sim_handoff *h)
{
	memset(h, 0, sizeof(*h));
	h->magic = SIM_HANDOFF_MAGIC;
	h->version = SIM_HANDOFF_VERSION;
	h->bytes = sizeof(*h);
	memcpy(h->platform, "sim-tdx", sizeof("sim-tdx"));
	h->tdx_gpaw = TDX_GPAW_48;
	h->count = 2;
	h->regions[0] = (struct sim_handoff_region){ 4 * GiB, 5 * GiB, RESERVED + 0x1000, 0x9000, 0, 0 };
	h->regions[1] = (struct sim_handoff_region){ 6 * GiB, 6 * GiB + 64 * MiB, RESERVED + 0x10000, 0x1000, 0, 0 };
}

static const char *check(const struct sim_handoff *h)
{
	return sim_handoff_check(HEADER_PA, h, "sim-tdx", &ram);
}

KTEST(host_sim_handoff_check, a_header_as_stage_1_writes_it_passes)
{
	struct sim_handoff h;

	good(&h);
	KEXPECT_TRUE(t, check(&h) == NULL);
	h.tdx_gpaw = TDX_GPAW_52;
	KEXPECT_TRUE(t, check(&h) == NULL);
	h.count = 0; /* no regions: nothing pending, nothing to check */
	KEXPECT_TRUE(t, check(&h) == NULL);
}

KTEST(host_sim_handoff_check, header_or_state_in_ram_is_refused)
{
	struct sim_handoff h;
	const char *why;

	good(&h);
	KEXPECT_TRUE(t, (why = sim_handoff_check(RAM_END - 0x1000, &h, "sim-tdx", &ram)) && strstr(why, "header lies in e820 RAM"));
	KEXPECT_TRUE(t, sim_handoff_check(0, &h, "sim-tdx", &ram) != NULL);
	h.regions[1].state_pa = RAM_END - 0x1000; /* its last byte in RAM */
	KEXPECT_TRUE(t, (why = check(&h)) && strstr(why, "e820 RAM"));
	good(&h);
	h.snp_psp_pa = 0x100000;
	h.snp_psp_bytes = 0x1000;
	KEXPECT_TRUE(t, (why = check(&h)) && strstr(why, "PSP state"));
}

KTEST(host_sim_handoff_check, insane_regions_are_refused)
{
	struct sim_handoff h;

	good(&h);
	h.regions[0].end = h.regions[0].start; /* empty */
	KEXPECT_TRUE(t, check(&h) != NULL);
	good(&h);
	h.regions[0].end = 3 * GiB; /* reversed */
	KEXPECT_TRUE(t, check(&h) != NULL);
	good(&h);
	h.regions[1].start += 0x800; /* not 4 KiB aligned */
	KEXPECT_TRUE(t, check(&h) != NULL);
	good(&h);
	h.regions[1].start = 5 * GiB - 0x1000; /* overlaps region 0 */
	KEXPECT_TRUE(t, check(&h) != NULL && strstr(check(&h), "overlap"));
	good(&h);
	h.count = SIM_MAX_REGIONS + 1;
	KEXPECT_TRUE(t, check(&h) != NULL);
	good(&h);
	h.regions[0].state_bytes = 0;
	KEXPECT_TRUE(t, check(&h) != NULL);
	good(&h);
	h.regions[0].state_pa = ~0ull - 0x1000 + 1; /* wraps */
	KEXPECT_TRUE(t, check(&h) != NULL);
}

KTEST(host_sim_handoff_check, tdx_gpa_width_is_48_or_52)
{
	struct sim_handoff h;

	good(&h);
	h.tdx_gpaw = 47;
	KEXPECT_TRUE(t, check(&h) != NULL && strstr(check(&h), "GPA width"));
	h.tdx_gpaw = 0;
	KEXPECT_TRUE(t, check(&h) != NULL);
	memcpy(h.platform, "sim-snp", sizeof("sim-snp"));
	KEXPECT_TRUE(t, sim_handoff_check(HEADER_PA, &h, "sim-snp", &ram) == NULL); /* no GPAW on SNP */
}

/* The header's identity is checked before anything it names: garbage (here every byte 0xff, so its regions
 * also overlap and lie past every bound) is refused as the wrong magic, a header of another model as such. */
KTEST(host_sim_handoff_check, garbage_is_refused_by_its_magic_first)
{
	struct sim_handoff h;
	const char *why;

	memset(&h, 0xff, sizeof(h));
	KEXPECT_TRUE(t, (why = check(&h)) && strstr(why, "wrong magic"));
	good(&h);
	h.version = SIM_HANDOFF_VERSION + 1;
	h.regions[1] = h.regions[0]; /* overlapping too: the version is what is reported */
	KEXPECT_TRUE(t, (why = check(&h)) && strstr(why, "wrong magic, version"));
	good(&h);
	h.bytes--;
	KEXPECT_TRUE(t, check(&h) != NULL);
	good(&h);
	KEXPECT_TRUE(t, (why = sim_handoff_check(HEADER_PA, &h, "sim-snp", &ram)) && strstr(why, "another model"));
}
