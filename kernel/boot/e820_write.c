/* SPDX-License-Identifier: MIT */
/* The zero page's e820 table and its SETUP_E820_EXT overflow (e820_write.h). */
#include <ccktf/string.h>

#include "boot/e820_write.h"
#include "boot/setup_data.h"

static void put_entry(u8 *at, const struct e820_entry *e)
{
	bp_put(at, e->addr, 8);
	bp_put(at + 8, e->size, 8);
	bp_put(at + 16, e->type, 4);
}

u64 e820_ext_node_bytes(unsigned n)
{
	return n > E820_MAX_ENTRIES_ZEROPAGE ? SETUP_DATA_HEADER + (u64)(n - E820_MAX_ENTRIES_ZEROPAGE) * E820_ENTRY_SIZE
					     : 0;
}

/* x86-stub.c add_e820ext(): the node goes at the chain's end (or is its start). */
static void append_node(u8 *bp, u8 *node)
{
	u64 at = bp_get(bp + BP_HDR_SETUP_DATA, 8);
	u8 *last = NULL;

	for (unsigned i = 0; at && i < SETUP_DATA_MAX_NODES; i++) {
		last = (u8 *)(uintptr_t)at;
		at = bp_get(last + SETUP_DATA_NEXT, 8);
	}
	bp_put(last ? last + SETUP_DATA_NEXT : bp + BP_HDR_SETUP_DATA, (u64)(uintptr_t)node, 8);
}

unsigned e820_write(u8 *bp, const struct e820_entry *e, unsigned n, u8 *ext)
{
	unsigned zp = MIN(n, (unsigned)E820_MAX_ENTRIES_ZEROPAGE);

	bp_put(bp + BP_E820_ENTRIES, zp, 1);
	for (unsigned i = 0; i < zp; i++)
		put_entry(bp + BP_E820_TABLE + i * E820_ENTRY_SIZE, &e[i]);
	if (n <= zp)
		return zp;
	setup_data_put(ext, SETUP_E820_EXT, (n - zp) * E820_ENTRY_SIZE);
	for (unsigned i = zp; i < n; i++)
		put_entry(ext + SETUP_DATA_HEADER + (i - zp) * E820_ENTRY_SIZE, &e[i]);
	append_node(bp, ext);
	return zp;
}
