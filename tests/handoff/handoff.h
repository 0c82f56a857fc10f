/* SPDX-License-Identifier: MIT */
/* Stage 2 of handoff=self: what the handoff suite's files share (handoff_table.c). */
#ifndef TESTS_HANDOFF_H
#define TESTS_HANDOFF_H

#include <ccktf/ktest.h>
#include <ccktf/unaccepted.h>

/*
 * The LINUX_EFI_UNACCEPTED_MEM_TABLE stage 1 handed over, when it is valid (version 1, sane header:
 * unaccepted_header_ok()); NULL otherwise, with why in why (empty when there is no table at all).
 */
const struct efi_unaccepted_memory *handoff_table(char *why, size_t size);
/* The same, or the test skipped with the reason (handoff.unaccepted_table_valid reports the failure). */
const struct efi_unaccepted_memory *handoff_table_or_skip(struct ktest *t);
/* Does the table's bitmap cover addr ([phys_base, phys_base + size * 8 units))? */
bool handoff_table_covers(const struct efi_unaccepted_memory *table, u64 addr);
/* Does the table call the page at addr unaccepted (covered, its unit's bit set)? */
bool handoff_table_says_unaccepted(const struct efi_unaccepted_memory *table, u64 addr);
/* The start of the table's unit holding addr, counted from phys_base (below it: from 0). */
u64 handoff_unit_of(const struct efi_unaccepted_memory *table, u64 addr);
/* Is [addr, addr + 4 KiB) e820 RAM (the synthesized map's conventional memory)? */
bool handoff_is_ram(u64 addr);
/* Calls visit for every 4 KiB page of e820 RAM that table (NULL: none, so all) does not call unaccepted, in
 * address order; returns the bytes of RAM it skipped as unaccepted. */
typedef void (*handoff_page_fn)(void *ctx, u64 page);
u64 handoff_walk_accepted_ram(const struct efi_unaccepted_memory *table, handoff_page_fn visit, void *ctx);

#endif
