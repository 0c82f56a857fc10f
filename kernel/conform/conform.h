/* SPDX-License-Identifier: MIT */
/*
 * The pure logic of the firmware conformance checks (docs/conformance.md): functions over a memory map, a
 * configuration-table list or a table's bytes that say whether a rule holds and what breaks it. No EFI
 * calls and no globals, so the same code runs in the kernel (tests/conformance/) and, with sanitizers, on
 * the host (tests/host/test_conform*.c), where every rule is shown to fail on a broken input.
 *
 * Map-shape rules reuse kernel/mm/memmap.c and report through struct mm_error. Rules that judge items one
 * by one (descriptors, tables) report every offender through struct conform_finding: a count, the first
 * offender, and an optional visitor the kernel uses to print one evidence line per offender. Names (memory
 * types, GUIDs) are the caller's business: the items carry numbers.
 */
#ifndef CCKTF_CONFORM_H
#define CCKTF_CONFORM_H

#include <ccktf/types.h>
#include "mm/memmap.h"

#define CONFORM_LOW_MEMORY (1 * MiB) /* real-mode trampoline, BIOS data: must be accepted */
#define CONFORM_4G (4 * GiB)

/* One offending descriptor or table. */
struct conform_item {
	u64 index;	  /* descriptor index, or configuration-table index */
	u64 addr;	  /* the descriptor's start, or the table's address */
	u64 pages;	  /* the descriptor's size in 4 KiB pages (for a table: of the descriptor holding it) */
	u64 attribute;	  /* the descriptor's attributes */
	u32 type;	  /* the descriptor's memory type; CONFORM_TYPE_NONE when no descriptor holds addr */
	const char *what; /* what is wrong, one fixed phrase */
};
#define CONFORM_TYPE_NONE 0xffffffffu

typedef void (*conform_visit_fn)(void *ctx, const struct conform_item *item);

struct conform_finding {
	u64 count;		   /* offenders found; 0 when the rule holds */
	struct conform_item first; /* valid when count > 0 */
	conform_visit_fn visit;	   /* optional: called for every offender */
	void *ctx;
};

/* A finding that calls visit(ctx, item) for every offender (visit may be NULL). */
void conform_finding_init(struct conform_finding *f, conform_visit_fn visit, void *ctx);
/* Records an offender; returns false so that rules can "return conform_offend(...)". */
bool conform_offend(struct conform_finding *f, const struct conform_item *item);

/* Memory map (MM-*), over the map as GetMemoryMap returned it. */

/* MM-001: DescriptorVersion is EFI_MEMORY_DESCRIPTOR_VERSION (UEFI 2.10 section 7.2, GetMemoryMap()). */
bool conform_memmap_version(const struct memmap *m, struct mm_error *e);
/* MM-002: DescriptorSize >= 40, a multiple of 8, MapSize a multiple of it (memmap_check_shape without the
 * version, which MM-001 judges on its own). */
bool conform_memmap_desc_size(const struct memmap *m, struct mm_error *e);
/* MM-005: every descriptor has pages and ends below 2^64. */
bool conform_memmap_extents(const struct memmap *m, struct mm_error *e);
/* A type UEFI 2.10 section 7.2 defines: 0..15, OEM 0x70000000.., OS 0x80000000... */
bool conform_type_valid(u32 type);
/* MM-006 */
bool conform_memmap_types(const struct memmap *m, struct conform_finding *f);
/* MM-007: conventional and unaccepted memory carries EFI_MEMORY_WB. */
bool conform_memmap_wb(const struct memmap *m, struct conform_finding *f);
/* MM-008: RuntimeServicesCode/Data carry EFI_MEMORY_RUNTIME. */
bool conform_memmap_runtime_attr(const struct memmap *m, struct conform_finding *f);
/* MM-009: unaccepted ranges start and end on the unit (Linux: 2 MiB). */
bool conform_unaccepted_aligned(const struct memmap *m, u64 unit, struct conform_finding *f);
/* MM-010: no unaccepted memory below limit (CONFORM_LOW_MEMORY). */
bool conform_unaccepted_below(const struct memmap *m, u64 limit, struct conform_finding *f);
/* MM-011 (boot services): two reads of the map with nothing between them are identical. */
bool conform_memmap_same(const struct memmap *a, const struct memmap *b, struct mm_error *e);

/* How much memory of a kind the map holds. */
u64 conform_bytes_of_type(const struct memmap *m, u32 type);
/* RAM (memmap_type_is_ram() or unaccepted) at or above addr, in bytes. */
u64 conform_ram_above(const struct memmap *m, u64 addr);
/* AP-003: no EfiConventionalMemory at or above addr (the firmware left that memory unaccepted). */
bool conform_conventional_above(const struct memmap *m, u64 addr, struct conform_finding *f);

/* Configuration tables (CT-*). */

/* The descriptor holding addr, as an item (type CONFORM_TYPE_NONE when there is none). */
struct conform_item conform_locate(const struct memmap *m, u64 index, u64 addr);
bool conform_type_is_boot_services(u32 type);
/* CT-007: no table lies in EfiBootServicesCode/Data (an OS may reclaim it after ExitBootServices). */
bool conform_tables_not_in_boot_services(const struct memmap *m, const u64 *addrs, u64 n,
					 struct conform_finding *f);
/* CT-008: every table lies inside the map and not in unaccepted memory. */
bool conform_tables_reachable(const struct memmap *m, const u64 *addrs, u64 n, struct conform_finding *f);

/* The byte sum of n bytes (ACPI and SMBIOS checksums make it 0). */
u8 conform_checksum(const u8 *p, u64 n);

/* ACPI 6.5 section 5.2.5.3, RSDP: "RSD PTR ", checksum over 20 bytes, revision >= 2, extended checksum. */
#define CONFORM_RSDP_V1_SIZE 20
#define CONFORM_RSDP_V2_SIZE 36
enum conform_rsdp_verdict {
	RSDP_OK,
	RSDP_BAD_SIGNATURE,
	RSDP_BAD_CHECKSUM,
	RSDP_OLD_REVISION,
	RSDP_BAD_LENGTH,
	RSDP_BAD_EXTENDED_CHECKSUM,
};
/* p points at least at CONFORM_RSDP_V2_SIZE readable bytes; the extended checksum reads Length bytes. */
enum conform_rsdp_verdict conform_rsdp(const u8 *p);
const char *conform_rsdp_verdict_text(enum conform_rsdp_verdict v);

/* SMBIOS 3.x (DMTF DSP0134 3.7 section 5.2.2), the 64-bit entry point: "_SM3_", checksum, version >= 3. */
#define CONFORM_SMBIOS3_SIZE 24
enum conform_smbios3_verdict {
	SMBIOS3_OK,
	SMBIOS3_BAD_ANCHOR,
	SMBIOS3_BAD_LENGTH,
	SMBIOS3_BAD_CHECKSUM,
	SMBIOS3_OLD_VERSION,
	SMBIOS3_BAD_REVISION,
};
/* p points at least at CONFORM_SMBIOS3_SIZE readable bytes (and at the length byte's worth). */
enum conform_smbios3_verdict conform_smbios3(const u8 *p);
const char *conform_smbios3_verdict_text(enum conform_smbios3_verdict v);

/* CT-004: magic, version 1, and the secrets and CPUID pages inside the map, in memory the OS keeps. */
bool conform_cc_blob(const struct efi_cc_blob *b, const struct memmap *m, struct mm_error *e);

#endif
