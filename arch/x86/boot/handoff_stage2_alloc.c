/* SPDX-License-Identifier: MIT */
/*
 * handoff_stage2_alloc=SIZE (docs/protocol.md): stage 2 of handoff=self takes SIZE from its early allocator
 * right after the model adopted its state (boot64.c), as a larger kernel's early allocations would (Linux's
 * memblock hands out megabytes before its page allocator runs). ccktf's own early allocations are small
 * and fit in the reclaimed boot-services memory at the top of RAM; SIZE reaches what lies below, so that
 * the allocator's check against the model's state (early_pages()) meets the memory a lying stage 1 left
 * pending there (handoff_lie=drop-table). Stage 1 passes the key on to stage 2's command line.
 */
#include <ccktf/args.h>
#include "handoff_stage2_alloc.h"

static u64 bytes;

static bool parse_bytes(const char *v)
{
	return args_parse_size(v, &bytes);
}

static const struct arg_key_ext handoff_stage2_alloc_key = { "handoff_stage2_alloc", "SIZE (e.g. 32M)", parse_bytes };
ARG_KEY_REGISTER(handoff_stage2_alloc_key);

u64 handoff_stage2_alloc_bytes(void)
{
	return bytes;
}
