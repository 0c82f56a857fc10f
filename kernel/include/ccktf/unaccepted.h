/* SPDX-License-Identifier: MIT */
/*
 * Unaccepted memory in this boot (kernel/unaccepted.c): the Linux-format table the kernel found or built
 * and installed, and acceptance through the current platform with counters.
 */
#ifndef CCKTF_UNACCEPTED_H
#define CCKTF_UNACCEPTED_H

#include "mm/accept.h"
#include "mm/unaccepted.h"

struct accept_shared;
struct boot_info;
struct efi_memmap_snapshot;

#define UNACCEPTED_DEFERRED_MAX 32

struct unaccepted_boot {
	struct efi_unaccepted_memory *table; /* NULL: the memory map has no unaccepted memory */
	bool reused;			      /* a previous stage's table passed validation and is in use */
	bool built;			      /* ccktf built and installed it; bits come from the final map */
	bool rejected_previous;		      /* a previous stage's table failed validation (see finding) */
	struct mm_error finding;
	u64 ranges, bytes; /* EfiUnacceptedMemoryType descriptors in the map before ExitBootServices */
	u64 final_ranges, final_bytes; /* ... and in the final map */
	const char *final_error;	 /* recording the final map failed: why */
	bool final_recorded;
	/* Accepted before ExitBootServices by other means (the firmware's AcceptMemory()), which the final
	 * map may still call unaccepted (OVMF leaves the map alone): kept out of the bitmap. */
	struct range accepted_early[UNACCEPTED_DEFERRED_MAX];
	unsigned accepted_early_count;
	/* Parts Linux's EFI stub accepts at once (short ranges, unaligned heads and tails, parts outside the
	 * bitmap). The kernel accepts them right after ExitBootServices, on its own IDT, before any test. */
	struct range deferred[UNACCEPTED_DEFERRED_MAX];
	unsigned deferred_count;
	struct accept_stats stats; /* everything accepted in this boot */
};

extern struct unaccepted_boot unaccepted;

/* Before ExitBootServices: finds and validates an installed table, or builds and installs one. */
const char *unaccepted_setup(struct boot_info *b);
/*
 * Something other than the bitmap layer accepted [start, start + size) (a test through the platform, the
 * firmware's AcceptMemory()): clears the units wholly inside it, so that nothing accepts them again (on
 * SNP a second PVALIDATE is a double validation).
 */
void unaccepted_mark_accepted(u64 start, u64 size);
/* Right after ExitBootServices: the bits from the final map (nothing printed; see final_error). */
void unaccepted_record_final(const struct efi_memmap_snapshot *final);
/* The first unit the table still marks unaccepted; false when there is none (or no table). */
bool unaccepted_first_unit(struct range *unit);
/* After ExitBootServices: accepts the deferred parts. NULL, or what failed. */
const char *unaccepted_accept_deferred(void);
/*
 * Accepts what the table still marks unaccepted in [start, start + size), through the platform, on any CPU:
 * through the accepting list (mm/accept_parallel.h), so CPUs racing for a unit never accept it twice.
 * Counted in unaccepted.stats, which only the boot CPU may use: other CPUs pass their own stats to
 * unaccepted_accept_with() (errors are then the caller's to report, from its stats).
 */
int unaccepted_accept(u64 start, u64 size, struct accept_memory_result *result);
int unaccepted_accept_with(u64 start, u64 size, struct accept_stats *stats, struct accept_memory_result *result);
/* The table with its lock and accepting list, shared by every CPU; NULL without a table. */
struct accept_shared *unaccepted_shared(void);
void unaccepted_print_summary(void);
void unaccepted_print_final(void);
/* Metric lines: bytes and calls per page level, fallbacks, retries, errors, what remains unaccepted. */
void unaccepted_print_stats(void);
/* Bytes this boot accepted through the platform so far (every level). */
u64 unaccepted_accepted_bytes(void);

#endif
