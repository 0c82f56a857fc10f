/* SPDX-License-Identifier: MIT */
#ifndef ARCH_ZERO_H
#define ARCH_ZERO_H

#include <ccktf/types.h>

/* bytes: a multiple of 8 for zero_rep_stosq, of 32 for zero_movnti. */
void zero_rep_stosb(void *p, u64 bytes);
void zero_rep_stosq(void *p, u64 bytes);
void zero_movnti(void *p, u64 bytes);

#endif
