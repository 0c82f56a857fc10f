/* SPDX-License-Identifier: MIT */
/* handoff_lie= (handoff_lie.c): stage 1 lies to stage 2 on purpose, before the reclaim. */
#ifndef ARCH_X86_BOOT_HANDOFF_LIE_H
#define ARCH_X86_BOOT_HANDOFF_LIE_H

#include <ccktf/boot.h>

/* NULL when the lie asked for can be told here (or none was asked for), else why not: a usage error. */
const char *handoff_lie_refusal(void);
/* Applies the lie handoff_lie= asked for (nothing for none); handoff_fail() when there is nothing to lie
 * about. m: the final memory map. */
void handoff_lie_apply(const struct memmap *m);

#endif
