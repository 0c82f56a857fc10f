/* SPDX-License-Identifier: MIT */
/*
 * The Linux unaccepted-memory table (config table LINUX_EFI_UNACCEPTED_MEM_TABLE_GUID), in the exact layout
 * of struct efi_unaccepted_memory in Linux include/linux/efi.h: a 24-byte header, then a bitmap in which
 * bit n covers [phys_base + n * unit_size, + unit_size) and is set while that unit is unaccepted. On x86
 * bit n is byte n / 8, bit n % 8. size counts BYTES of bitmap, and need not be a multiple of 8: this code
 * reads the bitmap byte-wise at its end and never touches a byte past size.
 *
 * Building one follows the EFI stub (drivers/firmware/efi/libstub/unaccepted_memory.c):
 *	unaccepted_plan()    - allocate_unaccepted_bitmap(): the range and size from the type-15 descriptors;
 *	                       the caller allocates plan.table_bytes (as EfiACPIReclaimMemory, as Linux v6.6+);
 *	unaccepted_init()    - version 1, the header, a zeroed bitmap;
 *	unaccepted_populate() - process_unaccepted_memory() for every type-15 descriptor.
 * unaccepted_validate() decides whether a table someone else installed can be trusted.
 */
#ifndef CCKTF_MM_UNACCEPTED_H
#define CCKTF_MM_UNACCEPTED_H

#include <ccktf/types.h>
#include "mm/memmap.h"
#include "mm/range.h"

#define UNACCEPTED_TABLE_VERSION 1
#define UNACCEPTED_UNIT_SIZE (2 * MiB) /* EFI_UNACCEPTED_UNIT_SIZE = PMD_SIZE, arch/x86/include/asm/efi.h */
#define UNACCEPTED_HEADER_SIZE 24
#define UNACCEPTED_MAX_PHYS (1ull << 52) /* the covered range must end at or below this */

struct efi_unaccepted_memory {
	u32 version;
	u32 unit_size;
	u64 phys_base;
	u64 size; /* bitmap bytes */
	u64 bitmap[];
};

struct unaccepted_plan {
	u32 unit_size;
	u64 phys_base;	  /* lowest type-15 start, rounded down to the unit */
	u64 end;	  /* highest type-15 end, rounded up to the unit */
	u64 bitmap_bytes; /* DIV_ROUND_UP(end - phys_base, unit_size * 8) */
	u64 table_bytes;  /* header + bitmap; 0 when the map has no type-15 memory (install no table) */
};

/* "Accept [start, end) now": returns 0, or non-zero to stop. */
typedef int (*accept_now_fn)(void *ctx, u64 start, u64 end);

/* Building (unit_size: a power of two, at least 4 KiB; Linux uses UNACCEPTED_UNIT_SIZE). */
bool unaccepted_plan(const struct memmap *m, u32 unit_size, struct unaccepted_plan *plan, struct mm_error *e);
/* t points at plan->table_bytes bytes. */
void unaccepted_init(struct efi_unaccepted_memory *t, const struct unaccepted_plan *plan);
/*
 * Records [start, end) as unaccepted, as process_unaccepted_memory() does: a range shorter than two units is
 * accepted at once; otherwise its unaligned head and tail are, and so are the parts below phys_base or past
 * the bitmap; bits are set for the rest. Returns 0 or the first non-zero accept_now() answer.
 */
int unaccepted_process_range(struct efi_unaccepted_memory *t, struct range r, accept_now_fn accept_now,
			     void *ctx);
/* unaccepted_process_range() over every type-15 descriptor of the map, in map order. */
bool unaccepted_populate(struct efi_unaccepted_memory *t, const struct memmap *m, accept_now_fn accept_now,
			 void *ctx, struct mm_error *e);

/* The header alone: version 1, unit a power of two >= 4 KiB, phys_base unit-aligned, covered range sane. */
bool unaccepted_header_ok(const struct efi_unaccepted_memory *t, struct mm_error *e);
/*
 * Whether a table can be trusted. table_pa is its physical address. Order matters: the header's place in
 * RAM is checked before the header is read, the bitmap's place before the bitmap is read (touching
 * unaccepted memory is fatal on TDX). Then every set bit must cover type-15 memory, and every whole unit of
 * every type-15 descriptor must lie inside the covered range. First finding in e.
 */
bool unaccepted_validate(const struct efi_unaccepted_memory *t, u64 table_pa, const struct memmap *m,
			 struct mm_error *e);

/* Units and addresses (valid header assumed; see unaccepted_header_ok()). */
u64 unaccepted_units(const struct efi_unaccepted_memory *t); /* size * 8 */
struct range unaccepted_covered(const struct efi_unaccepted_memory *t);
struct range unaccepted_unit_range(const struct efi_unaccepted_memory *t, u64 unit);

/* Bits: out-of-range units test false and are never written. */
bool unaccepted_test(const struct efi_unaccepted_memory *t, u64 unit);
void unaccepted_set(struct efi_unaccepted_memory *t, u64 unit);
void unaccepted_clear(struct efi_unaccepted_memory *t, u64 unit);
void unaccepted_set_units(struct efi_unaccepted_memory *t, u64 first, u64 count);
void unaccepted_clear_units(struct efi_unaccepted_memory *t, u64 first, u64 count);
/* Clears the units wholly inside [start, start + size) (clipped to the table); partial units stay set. */
void unaccepted_clear_inside(struct efi_unaccepted_memory *t, u64 start, u64 size);
u64 unaccepted_count_set(const struct efi_unaccepted_memory *t);
/* The first run of set bits [*run_start, *run_end) with from <= *run_start < limit, clipped to limit. */
bool unaccepted_next_run(const struct efi_unaccepted_memory *t, u64 from, u64 limit, u64 *run_start,
			 u64 *run_end);

#endif
