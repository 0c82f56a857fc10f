/* SPDX-License-Identifier: MIT */
/*
 * A read-only view of a raw EFI memory map as GetMemoryMap() returned it, and the checks a conformance
 * suite runs on one. Sources: UEFI 2.10 section 7.2 (EFI_MEMORY_DESCRIPTOR, GetMemoryMap()), edk2
 * MdePkg/Include/Uefi/UefiSpec.h (the 40-byte descriptor; the DXE core reports DescriptorSize 48 on purpose,
 * so a map is always stepped by desc_size, never by sizeof).
 *
 * Nothing here trusts the map: descriptor access refuses a desc_size it cannot step safely, ends that would
 * pass 2^64 are detected (memmap_desc_end()) or clamped (memmap_desc_range()), and every check reports its
 * first finding in a struct mm_error naming the offending descriptor. The caller guarantees only that
 * map_size bytes at buf are readable.
 */
#ifndef CCKTF_MM_MEMMAP_H
#define CCKTF_MM_MEMMAP_H

#include <ccktf/types.h>
#include "efi/efi_spec.h"
#include "mm/range.h"

#define MEMMAP_MAX_DESC_SIZE 4096u /* edk2 uses 48; anything near a page is a corrupt map */
#define MEMMAP_MAX_DESCS 8192u	   /* real maps hold a few hundred descriptors */
#define MM_NO_INDEX U64_MAX

struct memmap {
	const void *buf;
	u64 map_size;
	u64 desc_size;
	u32 desc_version;
};

/* Finding codes shared by the memory-map, unaccepted-table and acceptance code. */
enum mm_code {
	MM_OK = 0,
	/* map shape */
	MM_ERR_MAP_NULL,
	MM_ERR_MAP_ALIGN,
	MM_ERR_DESC_SIZE_SMALL,
	MM_ERR_DESC_SIZE_UNALIGNED,
	MM_ERR_DESC_SIZE_ABSURD,
	MM_ERR_DESC_VERSION,
	MM_ERR_MAP_SIZE,
	MM_ERR_TOO_MANY_DESCS,
	/* descriptors */
	MM_ERR_END_OVERFLOW,
	MM_ERR_UNALIGNED,
	MM_ERR_ZERO_PAGES,
	MM_ERR_UNSORTED,
	MM_ERR_OVERLAP,
	/* unaccepted-memory table (mm/unaccepted.h) */
	MM_ERR_UNIT_SIZE,
	MM_ERR_TABLE_VERSION,
	MM_ERR_BASE_UNALIGNED,
	MM_ERR_TABLE_RANGE,
	MM_ERR_TABLE_NOT_IN_RAM,
	MM_ERR_SET_BIT_NOT_UNACCEPTED,
	MM_ERR_UNACCEPTED_NOT_COVERED,
	MM_ERR_ACCEPT_NOW,
	MM_CODES,
};

struct mm_error {
	int code;  /* enum mm_code; MM_OK when nothing was found */
	u64 index; /* the offending descriptor, or MM_NO_INDEX */
	u64 addr;  /* the offending address, when there is one */
	char msg[192];
};

void mm_error_clear(struct mm_error *e);
/* Records a finding (e may be NULL) and returns false, so that checks can "return mm_fail(...)". */
bool mm_fail(struct mm_error *e, int code, u64 index, u64 addr, const char *fmt, ...) __printf(5, 6);
/* Records a finding about one descriptor: "descriptor I (type T, start S, P pages): <what>". */
bool mm_fail_desc(struct mm_error *e, int code, u64 index, const struct efi_memory_descriptor *d,
		  const char *what);
const char *mm_code_name(int code);

/* Descriptors: NULL past the end, or when the map cannot be stepped safely (see memmap_steppable()). */
bool memmap_steppable(const struct memmap *m);
u64 memmap_count(const struct memmap *m);
const struct efi_memory_descriptor *memmap_desc(const struct memmap *m, u64 index);

/* Steps by desc_size. Declare d yourself: const struct efi_memory_descriptor *d; */
#define for_each_memmap_desc(m, i, d) for (u64 i = 0; ((d) = memmap_desc((m), i)) != NULL; i++)

/* The end of a descriptor, or false when phys_start + num_pages * 4 KiB passes 2^64. */
bool memmap_desc_end(const struct efi_memory_descriptor *d, u64 *end);
/* The descriptor as a range, its end clamped to U64_MAX if it would wrap. */
struct range memmap_desc_range(const struct efi_memory_descriptor *d);

/* Memory an OS can read as RAM: loader, boot-services and runtime code/data, conventional, ACPI reclaim. */
bool memmap_type_is_ram(u32 type);
bool memmap_type_is_unaccepted(u32 type);

/*
 * Checks; each returns true when it found nothing, else false with the first finding in e (which may be
 * NULL). Only memmap_check_all() clears e first.
 */
bool memmap_check_shape(const struct memmap *m, struct mm_error *e);
bool memmap_check_ends(const struct memmap *m, struct mm_error *e);
bool memmap_check_aligned(const struct memmap *m, struct mm_error *e);
bool memmap_check_nonempty(const struct memmap *m, struct mm_error *e);
bool memmap_check_sorted(const struct memmap *m, struct mm_error *e);
/* O(n) on a sorted map, O(n^2) pairwise otherwise (n <= MEMMAP_MAX_DESCS). */
bool memmap_check_no_overlap(const struct memmap *m, struct mm_error *e);
/* Shape, ends, alignment, no zero-length, no overlap. Not sortedness: UEFI does not require a sorted map. */
bool memmap_check_all(const struct memmap *m, struct mm_error *e);

/* The descriptor that contains addr (the first one, if the map overlaps), or NULL; *index may be NULL. */
const struct efi_memory_descriptor *memmap_find(const struct memmap *m, u64 addr, u64 *index);
/*
 * True when every byte of r lies in descriptors whose type satisfies is_type (adjacent or overlapping
 * descriptors may share the work). Otherwise false, with the first address that is not so in *gap.
 */
bool memmap_range_is(const struct memmap *m, struct range r, bool (*is_type)(u32 type), u64 *gap);

#endif
