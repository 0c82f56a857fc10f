/* SPDX-License-Identifier: MIT */
/*
 * Unaccepted memory in this boot (kernel/unaccepted.c): the Linux-format table the kernel found or built
 * and installed, and acceptance through the current platform with counters.
 */
#ifndef CCKTF_UNACCEPTED_H
#define CCKTF_UNACCEPTED_H

#include "mm/accept.h"
#include "mm/unaccepted.h"

struct boot_info;

#define UNACCEPTED_DEFERRED_MAX 32

struct unaccepted_boot {
	struct efi_unaccepted_memory *table; /* NULL: the memory map has no unaccepted memory */
	bool reused;			      /* a previous stage's table passed validation and is in use */
	bool rejected_previous;		      /* a previous stage's table failed validation (see finding) */
	struct mm_error finding;
	u64 ranges, bytes; /* EfiUnacceptedMemoryType descriptors in the map */
	/* Parts Linux's EFI stub accepts at once (short ranges, unaligned heads and tails, parts outside the
	 * bitmap). The kernel accepts them right after ExitBootServices, on its own IDT, before any test. */
	struct range deferred[UNACCEPTED_DEFERRED_MAX];
	unsigned deferred_count;
	struct accept_stats stats; /* everything accepted in this boot */
};

extern struct unaccepted_boot unaccepted;

/* Before ExitBootServices: finds and validates an installed table, or builds and installs one. */
const char *unaccepted_setup(struct boot_info *b);
/* The first unit the table still marks unaccepted; false when there is none (or no table). */
bool unaccepted_first_unit(struct range *unit);
/* After ExitBootServices: accepts the deferred parts. NULL, or what failed. */
const char *unaccepted_accept_deferred(void);
/* Accepts what the table still marks unaccepted in [start, start + size), through the platform. */
int unaccepted_accept(u64 start, u64 size, struct accept_memory_result *result);
void unaccepted_print_summary(void);
/* Metric lines: bytes and calls per page level, fallbacks, retries, errors, what remains unaccepted. */
void unaccepted_print_stats(void);

#endif
