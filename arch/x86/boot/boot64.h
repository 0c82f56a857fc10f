/* SPDX-License-Identifier: MIT */
/* The 64-bit boot-protocol entry's own pieces (arch/x86/boot/boot64*.c). */
#ifndef CCKTF_ARCH_BOOT64_H
#define CCKTF_ARCH_BOOT64_H

#include <ccktf/types.h>

/* boot64_paging.c: whether the CPU runs with 5-level paging; the top of what boot64_paging_switch() maps
 * (4 GiB, or 512 GiB with 1 GiB pages); the switch itself onto the image's own identity map (returns the
 * top). */
bool boot64_paging_la57(void);
u64 boot64_paging_top(void);
u64 boot64_paging_switch(void);

#endif
