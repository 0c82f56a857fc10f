/* SPDX-License-Identifier: MIT */
/*
 * Checks that guard firmware bugs which shipped (FB-*, docs/conformance.md). Rules and the fixes they cite:
 * kernel/conform/fw_bugs.h; each is shown to fail on its bug in tests/host/test_conform_fw_bugs.c.
 * FB-001 and FB-002 call boot services (suite conformance_boot_services); the rest judge the final map
 * and ask the platform (suite conformance).
 */
#include <arch/tdx.h>
#include <arch/tdx_spec.h>
#include <ccktf/platform.h>
#include <ccktf/string.h>
#include <ccktf/unaccepted.h>
#include "conform/fw_bugs.h"
#include "conformance/conform_util.h"

/* FB-001 */

static u64 fw_get_map(void *ctx, u64 *map_size, void *buf, u64 *desc_size)
{
	u64 key = 0;
	u32 version = 0;

	(void)ctx;
	return boot_info.st->boot_services->get_memory_map(map_size, buf, &key, desc_size, &version);
}

#define MAP_PROBE_CANARY (4 * KiB)

KTEST_CHECK(conformance_boot_services, fb_memmap_size_counts_unaccepted, "FB-001", KTEST_MUST,
	    "UEFI 2.10 section 7.2 GetMemoryMap; edk2 f80a406aa9 (PR 11609, CoreGetMemoryMap: Account for "
	    "Unaccepted Entries)",
	    "a buffer of exactly the size GetMemoryMap asked for holds the whole map, type 15 included, and "
	    "nothing past it is written")
{
	struct efi_boot_services *bs = boot_info.st->boot_services;
	u64 cap = MAX(4 * boot_info.memmap_boot.map_size, 64 * KiB) + MAP_PROBE_CANARY;
	enum conform_map_probe_verdict v;
	struct conform_map_probe p;
	void *buf = NULL;

	/* Allocated before the probe: no allocation between its calls changes the map. */
	KASSERT_FALSE(t, EFI_IS_ERROR(bs->allocate_pool(EFI_LOADER_DATA, cap, &buf)));
	v = conform_probe_map_size(fw_get_map, NULL, buf, cap, MAP_PROBE_CANARY, &p);
	bs->free_pool(buf);
	ktest_evidence(t, "0-byte buffer: status 0x%llx, asked for %llu bytes (DescriptorSize %llu)", p.first_status,
		       p.first_size, p.desc_size);
	ktest_evidence(t, "exactly %llu bytes (round %u): status 0x%llx, MapSize %llu, %llu canary bytes of %llu changed, "
			  "%llu type-15 descriptors", p.asked, p.rounds, p.status, p.returned_size, p.overrun_bytes,
		       (u64)MAP_PROBE_CANARY, p.unaccepted_descs);
	ktest_evidence(t, "%s", conform_map_probe_text(v));
	if (v == MAP_PROBE_NO_ROOM)
		KTEST_SKIP(t, "the map is larger than the probe's buffer (%llu bytes)", cap);
	KEXPECT_EQ(t, v, MAP_PROBE_OK);
	/* Held only if it could have failed: a map without type 15 cannot show the undercount (review) */
	if (v == MAP_PROBE_OK && p.unaccepted_descs == 0)
		KTEST_SKIP(t, "the firmware's map has no type-15 descriptor: nothing for the size to undercount "
			      "(the hardware models add theirs to ccktf's copy only)");
}

/* FB-002 */

static u64 alloc_pages(void *ctx, u32 type, u64 pages, u64 *addr)
{
	(void)ctx;
	*addr = 0;
	return boot_info.st->boot_services->allocate_pages(EFI_ALLOCATE_ANY_PAGES, type, pages, addr);
}

static u64 free_pages(void *ctx, u64 addr, u64 pages)
{
	(void)ctx;
	return boot_info.st->boot_services->free_pages(addr, pages);
}

static u64 alloc_pool(void *ctx, u32 type, u64 size, void **buf)
{
	(void)ctx;
	return boot_info.st->boot_services->allocate_pool(type, size, buf);
}

static u64 free_pool(void *ctx, void *buf)
{
	(void)ctx;
	return boot_info.st->boot_services->free_pool(buf);
}

KTEST_CHECK(conformance_boot_services, fb_no_unaccepted_allocation, "FB-002", KTEST_MUST,
	    "UEFI 2.10 section 7.2 AllocatePages, AllocatePool; edk2 PR 4007 (BZ 4315, EfiUnacceptedMemoryType "
	    "can be allocated by AllocatePool)",
	    "AllocatePages and AllocatePool with EfiUnacceptedMemoryType return EFI_INVALID_PARAMETER")
{
	struct conform_alloc_ops ops = { alloc_pages, free_pages, alloc_pool, free_pool, NULL };
	struct conform_alloc_probe p;
	bool held = conform_probe_alloc_unaccepted(&ops, &p);

	ktest_evidence(t, "AllocatePages(AnyPages, EfiUnacceptedMemoryType, 1): 0x%llx%s", p.pages_status,
		       p.pages_status == EFI_SUCCESS ? (p.freed_pages ? " (allocated; freed again)" : " (allocated; FreePages failed)") : "");
	ktest_evidence(t, "AllocatePool(EfiUnacceptedMemoryType, 64): 0x%llx%s", p.pool_status,
		       p.pool_status == EFI_SUCCESS ? (p.freed_pool ? " (allocated; freed again)" : " (allocated; FreePool failed)") : "");
	KEXPECT_TRUE(t, held);
}

/*
 * FB-003. edk2 maps EFI_RESOURCE_ATTRIBUTE_SPECIAL_PURPOSE to EFI_MEMORY_SP (PR 10735); the 2026 fix that
 * issue 14 names (SP memory turned into unaccepted memory) was not found in the sources searched: the
 * rule is UEFI's: SP memory is set aside for a specific purpose, type 15 is memory the OS accepts and
 * takes as its own.
 */

KTEST_CHECK(conformance, fb_sp_never_unaccepted, "FB-003", KTEST_MUST,
	    "UEFI 2.10 section 7.2 (EFI_MEMORY_SP); edk2 PR 10735 (SP from resource HOBs); the 2026 edk2 fix "
	    "of SP memory made unaccepted",
	    "specific-purpose memory keeps EFI_MEMORY_SP and never becomes unaccepted (type 15) memory")
{
	struct memmap before = memmap_view(&boot_info.memmap_boot), after = conform_final_map();
	struct conform_evidence ev;

	if (!conform_map_has_sp(&before) && !conform_map_has_sp(&after))
		KTEST_SKIP(t, "no EFI_MEMORY_SP memory in either map (QEMU gives a guest none by default)");
	conform_evidence_init(&ev, t, NULL);
	conform_sp_kept(&before, &after, &ev.finding);
	conform_expect_held(&ev, "specific-purpose ranges made unaccepted or stripped of SP");
}

/* FB-004 */

static enum cc_page_state page_state(void *ctx, u64 addr)
{
	u64 raw;

	(void)ctx;
	return platform_current()->page_state(addr, &raw);
}

KTEST_CHECK(conformance, fb_nothing_pending_unreported, "FB-004", KTEST_MUST,
	    "UEFI 2.10 section 7.2 (EfiUnacceptedMemoryType); edk2 PR 11525 (TDVF: odd-sized memory below "
	    "2816M left its last MiB unaccepted)",
	    "no page the platform holds pending lies in RAM that the final map does not call unaccepted")
{
	const struct platform_ops *plat = platform_current();
	bool every = cc_platform_has(CC_ATTR_HW_MODEL);
	struct memmap m = conform_final_map();
	struct conform_pending_counts c = { 0, 0, 0 };
	struct conform_evidence ev;

	if (!plat->page_state)
		KTEST_SKIP(t, "platform=%s has no page state to ask", platform_name());
	conform_evidence_init(&ev, t, NULL);
	conform_pending_reported(&m, page_state, NULL, every, &c, &ev.finding);
	ktest_evidence(t, "%llu pages asked (%s), %llu shared by ccktf itself, %llu with no clear answer; %llu MiB "
		       "of type 15 in the final map", c.asked,
		       every ? "every RAM page, from the model's state" : "edges of RAM runs, by accepting again",
		       c.shared, c.unclear, conform_bytes_of_type(&m, EFI_UNACCEPTED_MEMORY) / MiB);
	conform_expect_held(&ev, "pending pages the map calls RAM");
}

/*
 * FB-005. The February 2026 report (canonical/tdx#421, kata-containers#12537: TDs of e.g. 67000M panic in
 * _find_next_bit reading the table) and the Linux fix discussed on linux-efi: the table's reservation
 * did not cover its whole size when it was not page aligned. The table is the firmware's, else the one
 * an earlier stage (ccktf, as Linux's EFI stub) installed with AllocatePool, not page aligned.
 */

KTEST_CHECK(conformance, fb_unaccepted_table_reserved, "FB-005", KTEST_MUST,
	    "Linux include/linux/efi.h struct efi_unaccepted_memory; Linux fix of 2026-02 (lore linux-efi "
	    "c2632da9-745d-46d8-901a-604008a14ac4@edgeless.systems)",
	    "the unaccepted-memory table, header and bitmap, lies wholly in memory the map keeps, even when "
	    "not page aligned")
{
	const struct efi_unaccepted_memory *fw = conform_firmware_table(LINUX_EFI_UNACCEPTED_MEM_TABLE_GUID);
	const struct efi_unaccepted_memory *tbl = fw ? fw : unaccepted.table;
	struct memmap m = conform_final_map();
	struct conform_evidence ev;
	u64 addr, bytes;
	char where[48];

	if (!tbl)
		KTEST_SKIP(t, "no unaccepted-memory table (the map has no unaccepted memory)");
	addr = (u64)(uintptr_t)tbl;
	bytes = conform_unaccepted_table_bytes(tbl->size);
	ktest_evidence(t, "table from %s at 0x%llx, %llu bytes (24 + %llu bitmap), %s, in %s",
		       fw ? "the firmware" : "an earlier stage (ccktf, as the Linux EFI stub)", addr, bytes, tbl->size,
		       IS_ALIGNED(addr, EFI_PAGE_SIZE) ? "page aligned" : "not page aligned", conform_where(&m, addr, where, sizeof(where)));
	conform_evidence_init(&ev, t, NULL);
	conform_table_reserved(&m, addr, bytes, &ev.finding);
	conform_expect_held(&ev, "table bytes the map does not keep");
}

/*
 * FB-006. The module checks the level first (verify_page_info_input(.., LVL_PT, LVL_PD)): level 2 is
 * TDX_OPERAND_INVALID with operand id RCX. Linux's tdx_accept_memory() asks 1G first and takes any
 * failure as a cue to try 2M, so a module that answered otherwise (or accepted) would go unnoticed there.
 */

/* A 1 GiB-aligned GiB of type-15 memory in the final map that the table still calls unaccepted, else 0. */
static u64 pending_gib(const struct memmap *m)
{
	const struct efi_memory_descriptor *d;

	for_each_memmap_desc(m, i, d) {
		struct range r = memmap_desc_range(d);
		u64 g = ALIGN_UP(r.start, GiB);
		if (memmap_type_is_unaccepted(d->type) && g + GiB <= r.end && g >= r.start)
			return g;
	}
	return 0;
}

KTEST_CHECK(conformance, fb_1g_accept_answer, "FB-006", KTEST_MUST,
	    "TDX module ABI TDG.MEM.PAGE.ACCEPT (intel/tdx-module tdg_mem_page_accept.c); Linux "
	    "arch/x86/coco/tdx/tdx-shared.c try_accept_one()",
	    "a 1 GiB accept is answered as the platform specifies: on TDX, level 2 is TDX_OPERAND_INVALID "
	    "(operand RCX) and accepts nothing")
{
	struct memmap m = conform_final_map();
	u64 gpa, status;
	bool held;

	if (!cc_platform_has(CC_ATTR_TDX_GUEST))
		KTEST_SKIP(t, "not TDX: SEV-SNP's PVALIDATE has no 1 GiB size (one page-size bit), nothing to ask");
	gpa = pending_gib(&m);
	status = tdx_accept_page(gpa, ACCEPT_1G);
	held = conform_tdx_1g_refused(status);
	ktest_evidence(t, "TDG.MEM.PAGE.ACCEPT(0x%llx, level 2) = 0x%llx (expected 0x%llx)%s", gpa, status,
		       TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX, gpa ? "" : " [no pending GiB: asked at GPA 0]");
	if (status == TDX_SUCCESS && gpa)
		unaccepted_mark_accepted(gpa, GiB); /* never accept it again */
	KEXPECT_TRUE(t, held);
}
