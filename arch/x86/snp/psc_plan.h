/* SPDX-License-Identifier: MIT */
/* Cutting a range into Page State Change requests (psc_plan.c, pure). */
#ifndef ARCH_X86_SNP_PSC_PLAN_H
#define ARCH_X86_SNP_PSC_PLAN_H

#include <ccktf/types.h>

/* max clamped to 1..PSC_MAX_ENTRIES (0 or more than 253: 253). */
unsigned psc_plan_max(unsigned max);
u64 psc_plan_entry(u64 addr, unsigned op, bool large);
/* Writes up to max entries for [addr, end) into entries (may be NULL); returns how many, *next the address
 * after the last. */
unsigned psc_plan_fill(u64 *entries, unsigned max, bool allow_2m, u64 addr, u64 end, unsigned op, u64 *next);
/* How many requests (GHCB exits, when the hypervisor completes each at once) [start, start + size) takes. */
u64 psc_plan_requests(u64 start, u64 size, unsigned max, bool allow_2m);

#endif
