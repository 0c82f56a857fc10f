/* SPDX-License-Identifier: MIT */
/*
 * Building what a 64-bit boot-protocol loader hands the next stage after ExitBootServices
 * (handoff_params.c), shared by every hand-off ccktf makes (handoff=self, handoff=linux): free memory from
 * the final memory map, e820 (beyond 128 entries with a SETUP_E820_EXT node), efi_info, a SETUP_EFI node,
 * the boot-services reclaim, and the jump.
 */
#ifndef ARCH_X86_BOOT_HANDOFF_PARAMS_H
#define ARCH_X86_BOOT_HANDOFF_PARAMS_H

#include <ccktf/boot.h>
#include <ccktf/exit.h>
#include <ccktf/types.h>

#include "boot/e820_alloc.h"

#define HANDOFF_PAGE 4096ull
#define HANDOFF_ENTRY_64 0x200	       /* boot.rst "64-bit BOOT PROTOCOL": load address + 0x200 */
#define HANDOFF_CEILING (4 * GiB)      /* a 4-level entry map covers 4 GiB even without 1 GiB pages */
#define HANDOFF_LOADER_UNDEFINED 0xff  /* boot.rst "type_of_loader": no registered ID is ccktf's */

/* The start of every hand-off after stage 1's totals: a refusal (why set) ends the run as a usage error;
 * false, saying so, when stage 1 did not pass (no hand-off); true: go on. */
bool handoff_may_go(enum ccktf_exit verdict, const char *why);
/* "# handoff: FATAL: why", exit crashed. */
__noreturn void handoff_fail(const char *why);
/* The final map's EfiConventionalMemory below ceiling, as e820 RAM for the allocator. */
void handoff_free_init(struct e820_alloc *a, const struct memmap *m, u64 ceiling);
/* Pages for bytes from a, or handoff_fail(what). */
u64 handoff_alloc(struct e820_alloc *a, u64 bytes, const char *what);
/* e820 from the final map into the zero page, the entries beyond its 128 in a SETUP_E820_EXT node from a
 * appended to the setup_data chain (call it after hdr.setup_data is set); handoff_e820() returns them all. */
void handoff_fill_e820(u8 *bp, const struct memmap *m, struct e820_alloc *a);
const struct e820_entry *handoff_e820(unsigned *n);
/* efi_info "EL64": the system table (physical: ccktf never calls SetVirtualAddressMap) and the final map. */
void handoff_fill_efi_info(u8 *bp, const struct efi_memmap_snapshot *final);
/* A setup_data node SETUP_EFI (arch/x86/include/asm/efi.h struct efi_setup_data) at node, next = 0. */
void handoff_fill_setup_efi(u8 *node);
/* Fills boot-services code/data with HANDOFF_RECLAIM_BYTE as an OS reuses it; the bytes reclaimed. */
u64 handoff_reclaim_boot_services(const struct memmap *m);
/* Interrupts off, RSI = boot_params, jump to entry (on the current identity map). */
__noreturn void handoff_enter(u64 entry, u64 bp_pa);

#endif
