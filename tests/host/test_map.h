/* SPDX-License-Identifier: MIT */
/*
 * Synthetic EFI memory maps for the host tests. The buffer is 8-aligned and the bytes past each
 * 40-byte descriptor stay 0xa5, so code that steps by sizeof instead of desc_size reads garbage and fails.
 */
#ifndef TESTS_HOST_TEST_MAP_H
#define TESTS_HOST_TEST_MAP_H

#include <string.h>

#include <ccktf/types.h>
#include "efi/efi_spec.h"
#include "mm/memmap.h"

struct test_map {
	u64 buf[1024];
	struct memmap m;
};

static inline void map_init(struct test_map *tm, u64 desc_size)
{
	memset(tm->buf, 0xa5, sizeof(tm->buf));
	tm->m = (struct memmap){ tm->buf, 0, desc_size, EFI_MEMORY_DESCRIPTOR_VERSION };
}

static inline void map_add_desc(struct test_map *tm, u32 type, u64 start, u64 pages, u64 attribute)
{
	struct efi_memory_descriptor d = { .type = type, .phys_start = start, .num_pages = pages,
					   .attribute = attribute };

	memcpy((u8 *)tm->buf + tm->m.map_size, &d, sizeof(d));
	tm->m.map_size += tm->m.desc_size;
}

#endif
