/* SPDX-License-Identifier: MIT */
/*
 * The firmware-bug rules (FB-*, kernel/conform/fw_bugs.c) against fake firmware: each bug, reproduced as
 * the shipped firmware behaved, must make its rule fail; the fixed behaviour must pass.
 */
#include <ccktf/ktest.h>
#include "test_map.h"
#include <string.h>

#include <arch/tdx_spec.h>
#include "conform/fw_bugs.h"

KTEST_SUITE(host_conform_fw_bugs, KTEST_AFTER_EXIT_BOOT_SERVICES, NULL);

#define PAGE 4096ull
#define WB EFI_MEMORY_WB

/* FB-001: GetMemoryMap's size with EFI_BUFFER_TOO_SMALL */

enum fake_map_bug {
	MAP_FIXED,	/* counts every descriptor (edk2 after f80a406aa9) */
	MAP_OVERRUNS,	/* asks for the size without type 15, then writes them all anyway */
	MAP_NEVER_FITS, /* asks for the size without type 15, and refuses anything short of all */
};

struct fake_fw {
	struct test_map map;
	enum fake_map_bug bug;
	unsigned grow_after_calls; /* add a descriptor after this many calls (0: never) */
	unsigned calls;
};

static u64 fake_get_map(void *ctx, u64 *size, void *buf, u64 *desc_size)
{
	struct fake_fw *fw = ctx;
	const struct efi_memory_descriptor *d;
	u64 all = fw->map.m.map_size, counted = all;

	if (fw->grow_after_calls && fw->calls++ == fw->grow_after_calls)
		map_add_desc(&fw->map, EFI_LOADER_DATA, 64 * MiB, 1, WB), all = counted = fw->map.m.map_size;
	if (fw->bug != MAP_FIXED)
		for_each_memmap_desc(&fw->map.m, i, d)
			counted -= d->type == EFI_UNACCEPTED_MEMORY ? fw->map.m.desc_size : 0;
	*desc_size = fw->map.m.desc_size;
	if (*size < (fw->bug == MAP_NEVER_FITS ? all : counted)) {
		*size = counted;
		return EFI_BUFFER_TOO_SMALL;
	}
	memcpy(buf, fw->map.buf, all);
	*size = all;
	return EFI_SUCCESS;
}

static struct fake_fw fw;
static u8 probe_buf[16384];

static void fw_init(enum fake_map_bug bug, u64 desc_size)
{
	memset(&fw, 0, sizeof(fw));
	fw.bug = bug;
	map_init(&fw.map, desc_size);
	map_add_desc(&fw.map, EFI_CONVENTIONAL_MEMORY, 0, 0xa0, WB);
	map_add_desc(&fw.map, EFI_BOOT_SERVICES_DATA, 1 * MiB, 256, WB);
	map_add_desc(&fw.map, EFI_CONVENTIONAL_MEMORY, 2 * MiB, 1024, WB);
	map_add_desc(&fw.map, EFI_UNACCEPTED_MEMORY, 4 * GiB, 1024, WB);
	map_add_desc(&fw.map, EFI_UNACCEPTED_MEMORY, 5 * GiB, 1024, WB);
}

static enum conform_map_probe_verdict probe(struct conform_map_probe *p)
{
	return conform_probe_map_size(fake_get_map, &fw, probe_buf, sizeof(probe_buf), 512, p);
}

KTEST(host_conform_fw_bugs, map_size_fixed_firmware_passes)
{
	struct conform_map_probe p;

	fw_init(MAP_FIXED, 48);
	KEXPECT_EQ(t, probe(&p), MAP_PROBE_OK);
	KEXPECT_EQ(t, p.first_size, 5 * 48);
	KEXPECT_EQ(t, p.returned_size, 5 * 48);
	KEXPECT_EQ(t, p.unaccepted_descs, 2);
	KEXPECT_EQ(t, p.overrun_bytes, 0);
}

KTEST(host_conform_fw_bugs, map_size_without_unaccepted_overruns_fails)
{
	struct conform_map_probe p;

	fw_init(MAP_OVERRUNS, 48);
	KEXPECT_EQ(t, probe(&p), MAP_PROBE_OVERRUN);
	KEXPECT_EQ(t, p.first_size, 3 * 48);
	KEXPECT_TRUE(t, p.overrun_bytes > 0);
}

KTEST(host_conform_fw_bugs, map_size_without_unaccepted_never_fits_fails)
{
	struct conform_map_probe p;

	fw_init(MAP_NEVER_FITS, 40);
	KEXPECT_EQ(t, probe(&p), MAP_PROBE_NEVER_FITS);
	KEXPECT_EQ(t, p.status, EFI_BUFFER_TOO_SMALL);
}

KTEST(host_conform_fw_bugs, map_that_grows_between_calls_is_asked_again)
{
	struct conform_map_probe p;

	fw_init(MAP_FIXED, 48);
	fw.grow_after_calls = 1; /* the second call sees one descriptor more */
	KEXPECT_EQ(t, probe(&p), MAP_PROBE_OK);
	KEXPECT_EQ(t, p.rounds, 2);
	KEXPECT_EQ(t, p.returned_size, 6 * 48);
}

KTEST(host_conform_fw_bugs, map_probe_without_room_says_so)
{
	struct conform_map_probe p;

	fw_init(MAP_FIXED, 48);
	KEXPECT_EQ(t, conform_probe_map_size(fake_get_map, &fw, probe_buf, 5 * 48 + 100, 512, &p), MAP_PROBE_NO_ROOM);
}

/* FB-002: AllocatePages/AllocatePool with EfiUnacceptedMemoryType */

struct fake_alloc {
	bool pages_take_15, pool_takes_15; /* the bug: type 15 is below EfiMaxMemoryType, so it was taken */
	int live;			   /* allocations not freed */
	u8 pool[64];
};

static u64 fa_pages(void *ctx, u32 type, u64 pages, u64 *addr)
{
	struct fake_alloc *a = ctx;

	(void)pages;
	if (type > EFI_UNACCEPTED_MEMORY || (type == EFI_UNACCEPTED_MEMORY && !a->pages_take_15))
		return EFI_INVALID_PARAMETER;
	a->live++;
	*addr = 0x100000;
	return EFI_SUCCESS;
}

static u64 fa_free_pages(void *ctx, u64 addr, u64 pages)
{
	(void)addr, (void)pages;
	((struct fake_alloc *)ctx)->live--;
	return EFI_SUCCESS;
}

static u64 fa_pool(void *ctx, u32 type, u64 size, void **buf)
{
	struct fake_alloc *a = ctx;

	(void)size;
	if (type > EFI_UNACCEPTED_MEMORY || (type == EFI_UNACCEPTED_MEMORY && !a->pool_takes_15))
		return EFI_INVALID_PARAMETER;
	a->live++;
	*buf = a->pool;
	return EFI_SUCCESS;
}

static u64 fa_free_pool(void *ctx, void *buf)
{
	(void)buf;
	((struct fake_alloc *)ctx)->live--;
	return EFI_SUCCESS;
}

static bool alloc_probe(bool pages_bug, bool pool_bug, struct conform_alloc_probe *p, int *live)
{
	static struct fake_alloc a;
	struct conform_alloc_ops ops = { fa_pages, fa_free_pages, fa_pool, fa_free_pool, &a };
	bool held;

	a = (struct fake_alloc){ .pages_take_15 = pages_bug, .pool_takes_15 = pool_bug };
	held = conform_probe_alloc_unaccepted(&ops, p);
	*live = a.live;
	return held;
}

KTEST(host_conform_fw_bugs, alloc_unaccepted_refused_passes)
{
	struct conform_alloc_probe p;
	int live;

	KEXPECT_TRUE(t, alloc_probe(false, false, &p, &live));
	KEXPECT_EQ(t, p.pages_status, EFI_INVALID_PARAMETER);
	KEXPECT_EQ(t, p.pool_status, EFI_INVALID_PARAMETER);
	KEXPECT_EQ(t, live, 0);
}

KTEST(host_conform_fw_bugs, alloc_pool_of_unaccepted_fails_and_is_freed)
{
	struct conform_alloc_probe p;
	int live;

	KEXPECT_FALSE(t, alloc_probe(false, true, &p, &live)); /* edk2 before PR 4007 (BZ 4315) */
	KEXPECT_EQ(t, p.pool_status, EFI_SUCCESS);
	KEXPECT_TRUE(t, p.freed_pool);
	KEXPECT_EQ(t, live, 0);
	KEXPECT_FALSE(t, alloc_probe(true, false, &p, &live));
	KEXPECT_TRUE(t, p.freed_pages);
	KEXPECT_EQ(t, live, 0);
}

/* FB-003: EFI_MEMORY_SP */

static struct test_map before, after, tm_low;

static u64 sp_offenders(bool with_before)
{
	struct conform_finding f;

	conform_finding_init(&f, NULL, NULL);
	if (conform_sp_kept(with_before ? &before.m : NULL, &after.m, &f) != (f.count == 0))
		return U64_MAX;
	return f.count;
}

static void sp_maps(u32 sp_type_after, u64 sp_attr_after)
{
	map_init(&before, 48);
	map_add_desc(&before, EFI_CONVENTIONAL_MEMORY, 1 * MiB, 1024, WB);
	map_add_desc(&before, EFI_CONVENTIONAL_MEMORY, 4 * GiB, 2048, WB | EFI_MEMORY_SP);
	map_add_desc(&before, EFI_UNACCEPTED_MEMORY, 8 * GiB, 2048, WB);
	map_init(&after, 48);
	map_add_desc(&after, EFI_CONVENTIONAL_MEMORY, 1 * MiB, 1024, WB);
	map_add_desc(&after, sp_type_after, 4 * GiB, 2048, WB | sp_attr_after);
	map_add_desc(&after, EFI_UNACCEPTED_MEMORY, 8 * GiB, 2048, WB);
}

KTEST(host_conform_fw_bugs, sp_memory_kept_passes)
{
	sp_maps(EFI_CONVENTIONAL_MEMORY, EFI_MEMORY_SP);
	KEXPECT_EQ(t, sp_offenders(true), 0);
	KEXPECT_EQ(t, sp_offenders(false), 0);
	KEXPECT_TRUE(t, conform_map_has_sp(&after.m));
}

KTEST(host_conform_fw_bugs, sp_memory_made_unaccepted_fails)
{
	sp_maps(EFI_UNACCEPTED_MEMORY, EFI_MEMORY_SP); /* type 15 with SP */
	KEXPECT_EQ(t, sp_offenders(false), 1);
	sp_maps(EFI_UNACCEPTED_MEMORY, 0); /* SP dropped and made type 15: only the earlier map shows it */
	KEXPECT_EQ(t, sp_offenders(false), 0);
	KEXPECT_EQ(t, sp_offenders(true), 1);
	sp_maps(EFI_CONVENTIONAL_MEMORY, 0); /* SP dropped */
	KEXPECT_EQ(t, sp_offenders(true), 1);
}

/* FB-004: pending memory the map does not report */

struct pending_set {
	struct range pending[4], shared[4];
	unsigned n, n_shared;
	u64 asked;
};

static enum cc_page_state fake_state(void *ctx, u64 addr)
{
	struct pending_set *s = ctx;

	s->asked++;
	for (unsigned i = 0; i < s->n_shared; i++)
		if (addr >= s->shared[i].start && addr < s->shared[i].end)
			return CC_PAGE_SHARED;
	for (unsigned i = 0; i < s->n; i++)
		if (addr >= s->pending[i].start && addr < s->pending[i].end)
			return CC_PAGE_PENDING;
	return CC_PAGE_ACCEPTED;
}

/* A 2813M guest below the 2816M split (edk2 PR 11525): TDVF accepts in 2 MiB chunks; the last MiB of low
 * memory is pending. fixed: TDVF accepts it at 4K (no type 15 needed); reported: the map calls it type 15. */
static void tdvf_2813m(struct pending_set *s, bool tail_pending, bool tail_reported)
{
	u64 top = 2813 * MiB;

	map_init(&tm_low, 48);
	map_add_desc(&tm_low, EFI_CONVENTIONAL_MEMORY, 0, 0xa0, WB);
	map_add_desc(&tm_low, EFI_LOADER_DATA, 1 * MiB, 256, WB);
	map_add_desc(&tm_low, EFI_CONVENTIONAL_MEMORY, 2 * MiB, (2812 * MiB - 2 * MiB) / PAGE, WB);
	map_add_desc(&tm_low, tail_reported ? EFI_UNACCEPTED_MEMORY : EFI_CONVENTIONAL_MEMORY, 2812 * MiB,
		     (top - 2812 * MiB) / PAGE, WB);
	*s = (struct pending_set){ .n = tail_pending };
	s->pending[0] = range_make(2812 * MiB, top);
}

KTEST(host_conform_fw_bugs, pending_tail_reported_as_ram_fails)
{
	struct conform_pending_counts c;
	struct pending_set s;
	struct conform_finding f;

	for (int every = 0; every < 2; every++) {
		tdvf_2813m(&s, true, false);
		conform_finding_init(&f, NULL, NULL);
		KEXPECT_FALSE(t, conform_pending_reported(&tm_low.m, fake_state, &s, every, &c, &f));
		KEXPECT_EQ(t, f.first.type, EFI_CONVENTIONAL_MEMORY);
		KEXPECT_TRUE(t, f.first.addr >= 2812 * MiB && f.first.addr < 2813 * MiB);
		KEXPECT_EQ(t, f.count, every ? 256 : 1);
		KEXPECT_EQ(t, c.asked, s.asked);
	}
}

KTEST(host_conform_fw_bugs, pending_tail_accepted_or_reported_passes)
{
	struct conform_pending_counts c;
	struct pending_set s;
	struct conform_finding f;

	for (int every = 0; every < 2; every++) {
		tdvf_2813m(&s, false, false); /* the fix: accepted at 4K */
		conform_finding_init(&f, NULL, NULL);
		KEXPECT_TRUE(t, conform_pending_reported(&tm_low.m, fake_state, &s, every, &c, &f));
		tdvf_2813m(&s, true, true); /* pending, and the map says so */
		KEXPECT_TRUE(t, conform_pending_reported(&tm_low.m, fake_state, &s, every, &c, &f));
		KEXPECT_EQ(t, f.count, 0);
		if (!every)
			KEXPECT_TRUE(t, c.asked <= 6); /* hardware: only the edges of the RAM runs */
	}
}

/*
 * The loader's own memory: SNP ccktf makes its GHCB and two guest-request pages shared, which the platform
 * answers SHARED (neither pending nor accepted): held, and counted. A page the platform holds pending
 * inside LoaderData is another matter: the map calls it RAM all the same (the rule once skipped all of
 * LoaderCode/Data and missed it).
 */
static void loader_pages(struct pending_set *s, bool shared_at_edges)
{
	u64 lo = 1 * MiB, hi = 2 * MiB;

	tdvf_2813m(s, false, false);
	s->n_shared = 2;
	s->shared[0] = shared_at_edges ? range_make(lo, lo + PAGE) : range_make(lo + 5 * PAGE, lo + 6 * PAGE);
	s->shared[1] = shared_at_edges ? range_make(hi - 2 * PAGE, hi) : range_make(lo + 9 * PAGE, lo + 11 * PAGE);
}

KTEST(host_conform_fw_bugs, pending_shared_loader_pages_pass)
{
	struct conform_pending_counts c;
	struct pending_set s;
	struct conform_finding f;

	loader_pages(&s, false);
	conform_finding_init(&f, NULL, NULL);
	KEXPECT_TRUE(t, conform_pending_reported(&tm_low.m, fake_state, &s, true, &c, &f));
	KEXPECT_EQ(t, f.count, 0);
	KEXPECT_EQ(t, c.shared, 3);
	KEXPECT_EQ(t, c.unclear, 0);
	/* Hardware asks the edges of RAM runs only: LoaderData at 1 MiB starts one (after the legacy hole),
	 * its shared first page is asked and let through; its last page is inside the run, never asked. */
	loader_pages(&s, true);
	KEXPECT_TRUE(t, conform_pending_reported(&tm_low.m, fake_state, &s, false, &c, &f));
	KEXPECT_EQ(t, f.count, 0);
	KEXPECT_EQ(t, c.shared, 1);
}

KTEST(host_conform_fw_bugs, pending_page_in_loader_data_fails)
{
	struct conform_pending_counts c;
	struct pending_set s;
	struct conform_finding f;

	loader_pages(&s, false);
	s.n = 1;
	s.pending[0] = range_make(1 * MiB + 7 * PAGE, 1 * MiB + 8 * PAGE);
	conform_finding_init(&f, NULL, NULL);
	KEXPECT_FALSE(t, conform_pending_reported(&tm_low.m, fake_state, &s, true, &c, &f));
	KEXPECT_EQ(t, f.count, 1);
	KEXPECT_EQ(t, f.first.type, EFI_LOADER_DATA);
	KEXPECT_EQ(t, f.first.addr, 1 * MiB + 7 * PAGE);
	KEXPECT_EQ(t, f.first.index, 1);
	KEXPECT_EQ(t, c.shared, 3);
}

KTEST(host_conform_fw_bugs, pending_loader_run_edge_fails)
{
	struct conform_pending_counts c;
	struct pending_set s;
	struct conform_finding f;

	/* LoaderData that ends a run of RAM (a hole after it): its last page is an edge hardware asks. */
	map_init(&tm_low, 48);
	map_add_desc(&tm_low, EFI_CONVENTIONAL_MEMORY, 0, 0xa0, WB);
	map_add_desc(&tm_low, EFI_LOADER_DATA, 1 * MiB, 256, WB);
	map_add_desc(&tm_low, EFI_RESERVED_MEMORY, 2 * MiB, 256, WB);
	s = (struct pending_set){ .n = 1 };
	s.pending[0] = range_make(2 * MiB - PAGE, 2 * MiB);
	conform_finding_init(&f, NULL, NULL);
	KEXPECT_FALSE(t, conform_pending_reported(&tm_low.m, fake_state, &s, false, &c, &f));
	KEXPECT_EQ(t, f.first.type, EFI_LOADER_DATA);
	/* The same edge made shared by the guest: no finding. */
	s.n_shared = 1;
	s.shared[0] = s.pending[0];
	conform_finding_init(&f, NULL, NULL);
	KEXPECT_TRUE(t, conform_pending_reported(&tm_low.m, fake_state, &s, false, &c, &f));
	KEXPECT_EQ(t, c.shared, 1);
}

/* FB-005: the unaccepted-memory table wholly reserved */

static u64 table_offenders(u64 addr, u64 bytes, u64 *first_type)
{
	struct conform_finding f;

	conform_finding_init(&f, NULL, NULL);
	if (conform_table_reserved(&tm_low.m, addr, bytes, &f) != (f.count == 0))
		return U64_MAX;
	*first_type = f.count ? f.first.type : U64_MAX;
	return f.count;
}

KTEST(host_conform_fw_bugs, unaligned_table_tail_in_ram_fails)
{
	/* A pool allocation near the end of its page: header in ACPI reclaim, the bitmap's tail beyond. */
	u64 addr = 1 * MiB + PAGE - 40, bytes = conform_unaccepted_table_bytes(64), type;

	map_init(&tm_low, 40);
	map_add_desc(&tm_low, EFI_ACPI_RECLAIM_MEMORY, 1 * MiB, 1, WB);
	map_add_desc(&tm_low, EFI_CONVENTIONAL_MEMORY, 1 * MiB + PAGE, 16, WB);
	KEXPECT_EQ(t, bytes, 88);
	KEXPECT_EQ(t, table_offenders(addr, bytes, &type), 1);
	KEXPECT_EQ(t, type, EFI_CONVENTIONAL_MEMORY);
	KEXPECT_EQ(t, table_offenders(addr, 40, &type), 0); /* what a page-truncated reservation would check */
	map_init(&tm_low, 40); /* a hole after the first page */
	map_add_desc(&tm_low, EFI_ACPI_RECLAIM_MEMORY, 1 * MiB, 1, WB);
	KEXPECT_EQ(t, table_offenders(addr, bytes, &type), 1);
	KEXPECT_EQ(t, type, CONFORM_TYPE_NONE);
}

KTEST(host_conform_fw_bugs, unaligned_table_wholly_reserved_passes)
{
	u64 addr = 1 * MiB + PAGE - 40, type;

	map_init(&tm_low, 48);
	map_add_desc(&tm_low, EFI_ACPI_RECLAIM_MEMORY, 1 * MiB, 1, WB);
	map_add_desc(&tm_low, EFI_RESERVED_MEMORY, 1 * MiB + PAGE, 1, WB);
	KEXPECT_EQ(t, table_offenders(addr, conform_unaccepted_table_bytes(64), &type), 0);
	KEXPECT_EQ(t, conform_unaccepted_table_bytes(U64_MAX), U64_MAX);
}

/* FB-006: 1 GiB accepts */

KTEST(host_conform_fw_bugs, tdx_1g_accept_answers)
{
	KEXPECT_TRUE(t, conform_tdx_1g_refused(TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX));
	KEXPECT_FALSE(t, conform_tdx_1g_refused(TDX_SUCCESS));		   /* accepted 1 GiB */
	KEXPECT_FALSE(t, conform_tdx_1g_refused(TDX_PAGE_SIZE_MISMATCH | 2)); /* a module that maps 1G levels */
	KEXPECT_FALSE(t, conform_tdx_1g_refused(TDX_OPERAND_INVALID));	   /* another operand */
}
