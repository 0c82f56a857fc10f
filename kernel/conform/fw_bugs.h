/* SPDX-License-Identifier: MIT */
/*
 * Conformance rules that guard firmware bugs which shipped (docs/conformance.md, "Firmware bugs (FB)").
 * Pure logic, as the rest of kernel/conform/: the firmware and the platform are reached through callbacks
 * of the host's calling convention, so that tests/host/test_conform_fw_bugs.c can hand each rule a fake
 * firmware that has the bug (the rule must fail) and one that has the fix (the rule must hold).
 */
#ifndef CCKTF_CONFORM_FW_BUGS_H
#define CCKTF_CONFORM_FW_BUGS_H

#include <ccktf/platform.h>
#include "conform/conform.h"

/*
 * FB-001: the size GetMemoryMap() asks for with EFI_BUFFER_TOO_SMALL is enough (it counts the type-15
 * descriptors too; edk2 f80a406aa9, PR 11609 "CoreGetMemoryMap: Account for Unaccepted Entries").
 * get_map has GetMemoryMap's contract: *map_size in/out, returns an EFI status.
 */
typedef u64 (*conform_get_map_fn)(void *ctx, u64 *map_size, void *buf, u64 *desc_size);

#define CONFORM_MAP_PROBE_ROUNDS 4 /* the map may grow between two calls; this often, no more */

enum conform_map_probe_verdict {
	MAP_PROBE_OK,		 /* the asked-for size fitted and nothing past it was written */
	MAP_PROBE_NOT_TOO_SMALL, /* a 0-byte buffer was not answered with EFI_BUFFER_TOO_SMALL */
	MAP_PROBE_OVERRUN,	 /* bytes past the asked-for size were written */
	MAP_PROBE_SIZE_GREW,	 /* success, but the returned MapSize exceeds the size asked for */
	MAP_PROBE_NEVER_FITS,	 /* EFI_BUFFER_TOO_SMALL again without asking for more */
	MAP_PROBE_UNSTABLE,	 /* asked for more every round, CONFORM_MAP_PROBE_ROUNDS times */
	MAP_PROBE_ERROR,	 /* another status */
	MAP_PROBE_NO_ROOM,	 /* the caller's buffer cannot hold the asked-for size and the canary */
};

struct conform_map_probe {
	u64 first_status, first_size; /* the call with a 0-byte buffer: its status and the size it asked */
	u64 asked;		      /* the size of the last call with "exactly what was asked" */
	u64 status, returned_size;    /* that call's status and MapSize */
	u64 desc_size;
	u64 overrun_bytes;	      /* canary bytes changed past `asked` */
	u64 unaccepted_descs;	      /* type-15 descriptors in the map returned */
	unsigned rounds;
};

/*
 * Calls get_map with a 0-byte buffer, then with exactly the size it asked for in buf, the canary_bytes
 * after it filled with a pattern; checks the pattern. cap is buf's size. Another EFI_BUFFER_TOO_SMALL with
 * a larger size starts another round (an allocation elsewhere may have grown the map).
 */
enum conform_map_probe_verdict conform_probe_map_size(conform_get_map_fn get_map, void *ctx, u8 *buf, u64 cap,
						     u64 canary_bytes, struct conform_map_probe *p);
const char *conform_map_probe_text(enum conform_map_probe_verdict v);

/*
 * FB-002: AllocatePages and AllocatePool refuse EfiUnacceptedMemoryType with EFI_INVALID_PARAMETER (UEFI
 * 2.10 section 7.2; edk2 PR 4007, BZ 4315 "EfiUnacceptedMemoryType can be allocated by AllocatePool").
 */
struct conform_alloc_ops {
	u64 (*allocate_pages)(void *ctx, u32 type, u64 pages, u64 *addr);
	u64 (*free_pages)(void *ctx, u64 addr, u64 pages);
	u64 (*allocate_pool)(void *ctx, u32 type, u64 size, void **buf);
	u64 (*free_pool)(void *ctx, void *buf);
	void *ctx;
};

struct conform_alloc_probe {
	u64 pages_status, pages_addr; /* AllocatePages(AnyPages, 15, 1) */
	u64 pool_status;	      /* AllocatePool(15, 64) */
	void *pool_buf;
	bool freed_pages, freed_pool; /* a wrong success was given back */
};

/* True when both calls returned EFI_INVALID_PARAMETER; anything wrongly allocated is freed. */
bool conform_probe_alloc_unaccepted(const struct conform_alloc_ops *ops, struct conform_alloc_probe *p);

/*
 * FB-003: specific-purpose memory (EFI_MEMORY_SP) keeps the attribute and never becomes unaccepted memory:
 * no type-15 descriptor carries SP, and every range that had SP in `before` (an earlier map) still has it
 * in `after` and is not type 15 there. before may be NULL. Offenders are descriptors of `after`.
 */
bool conform_sp_kept(const struct memmap *before, const struct memmap *after, struct conform_finding *f);
/* Does the map hold any EFI_MEMORY_SP descriptor? */
bool conform_map_has_sp(const struct memmap *m);

/*
 * FB-004: nothing pending that the map does not report (TDVF left the last MiB of 2813M/2815M guests
 * unaccepted yet called it system memory, edk2 PR 11525). page_state asks the platform about one 4 KiB
 * page (platform_ops.page_state). RAM here is memmap_type_is_ram(), the loader's own LoaderCode/Data
 * included: a page there the platform holds pending is as much a lie of the map as one in conventional
 * memory. Only the answers that are no "pending" are let through: SHARED (a page the guest itself made
 * shared, SNP's GHCB and guest-request pages: hypervisor-owned, neither accepted nor pending), counted in
 * shared, and UNKNOWN (no clear answer), counted in unclear. With every_page each page of every RAM
 * descriptor is asked (models, which answer from their state); else only the first and last page of each
 * run of adjacent RAM descriptors (hardware, where each question is an accept). Offenders are single pages
 * (pages = 1) with the type, attributes and index of their descriptor.
 */
struct conform_pending_counts {
	u64 asked;   /* pages asked about */
	u64 shared;  /* of those, answered CC_PAGE_SHARED */
	u64 unclear; /* of those, answered CC_PAGE_UNKNOWN */
};
typedef enum cc_page_state (*conform_page_state_fn)(void *ctx, u64 addr);
bool conform_pending_reported(const struct memmap *m, conform_page_state_fn page_state, void *ctx,
			      bool every_page, struct conform_pending_counts *counts, struct conform_finding *f);

/*
 * FB-005: an unaccepted-memory table lies, whole (header and bitmap, not page aligned), in memory the map
 * keeps from the OS: inside descriptors that are neither conventional, unaccepted nor boot-services memory,
 * with no gap. Linux's reservation of a table that was not page aligned missed its tail (reported
 * 2026-02, lore.kernel.org/linux-efi/c2632da9-745d-46d8-901a-604008a14ac4@edgeless.systems). One offender
 * per descriptor (or gap) of the table's bytes that is not kept.
 */
bool conform_table_reserved(const struct memmap *m, u64 addr, u64 bytes, struct conform_finding *f);
/* The bytes of a Linux unaccepted-memory table: header + bitmap (its size field). */
u64 conform_unaccepted_table_bytes(u64 bitmap_size);

/*
 * FB-006: TDG.MEM.PAGE.ACCEPT at level 2 (1 GiB) is refused as the TDX module does: TDX_OPERAND_INVALID with
 * operand id RCX (intel/tdx-module tdg_mem_page_accept.c verify_page_info_input(.., LVL_PT, LVL_PD)).
 */
bool conform_tdx_1g_refused(u64 raw_status);

#endif
