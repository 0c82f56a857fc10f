/* SPDX-License-Identifier: MIT */
/* handoff_stage2_alloc= (handoff_stage2_alloc.c): stage 2 of handoff=self allocates more, as a larger kernel. */
#ifndef ARCH_X86_BOOT_HANDOFF_STAGE2_ALLOC_H
#define ARCH_X86_BOOT_HANDOFF_STAGE2_ALLOC_H

#include <ccktf/types.h>

/* The bytes asked for (0: none). Stage 1 passes the key on to stage 2's command line. */
u64 handoff_stage2_alloc_bytes(void);

#endif
