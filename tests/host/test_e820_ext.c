/* SPDX-License-Identifier: MIT */
/* SETUP_E820_EXT (kernel/boot/e820_ext.c): entries beyond the zero page's 128, as untrusted bytes. */
#include <ccktf/ktest.h>
#include <string.h>

#include "boot/e820_ext.h"

KTEST_SUITE(host_e820_ext, KTEST_AFTER_EXIT_BOOT_SERVICES, NULL);

static void put(u8 *at, u64 value, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i++)
		at[i] = (u8)(value >> (8 * i));
}

static void entry(u8 *at, u64 addr, u64 size, u32 type)
{
	put(at, addr, 8);
	put(at + 8, size, 8);
	put(at + 16, type, 4);
}

KTEST(host_e820_ext, appends_whole_entries_skipping_empty_and_partial)
{
	u8 data[3 * E820_ENTRY_SIZE + 7];
	struct setup_node node = { 0x1000, SETUP_E820_EXT, sizeof(data), data };
	struct e820_entry out[4] = { { 0, 0x9f000, 1 } };
	unsigned count = 1;

	memset(data, 0xee, sizeof(data));
	entry(data, 0x100000000ull, 0x40000000, 1);
	entry(data + E820_ENTRY_SIZE, 0x200000000ull, 0, 1); /* empty: dropped */
	entry(data + 2 * E820_ENTRY_SIZE, 0xfd00000000ull, 0x300000000ull, 2);
	KASSERT_TRUE(t, e820_ext_append(&node, out, &count, 4) == NULL);
	KASSERT_EQ(t, count, 3);
	KEXPECT_EQ(t, out[1].addr, 0x100000000ull);
	KEXPECT_EQ(t, out[1].size, 0x40000000);
	KEXPECT_EQ(t, out[1].type, 1);
	KEXPECT_EQ(t, out[2].addr, 0xfd00000000ull);
	KEXPECT_EQ(t, out[2].type, 2);
}

KTEST(host_e820_ext, other_types_add_nothing)
{
	u8 data[E820_ENTRY_SIZE];
	struct setup_node node = { 0x1000, SETUP_EFI, sizeof(data), data };
	struct e820_entry out[2];
	unsigned count = 0;

	entry(data, 0x100000, 0x1000, 1);
	KEXPECT_TRUE(t, e820_ext_append(&node, out, &count, 2) == NULL);
	KEXPECT_EQ(t, count, 0);
}

KTEST(host_e820_ext, refuses_wrapping_entries_and_overflow)
{
	u8 data[2 * E820_ENTRY_SIZE];
	struct setup_node node = { 0x1000, SETUP_E820_EXT, sizeof(data), data };
	struct e820_entry out[1];
	unsigned count = 0;

	entry(data, ~0ull - 0xfff, 0x2000, 1);
	entry(data + E820_ENTRY_SIZE, 0x100000, 0x1000, 1);
	KEXPECT_TRUE(t, e820_ext_append(&node, out, &count, 1) != NULL);
	KEXPECT_EQ(t, count, 0);
	entry(data, 0x200000, 0x1000, 1);
	KEXPECT_TRUE(t, e820_ext_append(&node, out, &count, 1) != NULL); /* the second does not fit */
	KEXPECT_EQ(t, count, 1);
	node.len = 19; /* shorter than one entry: nothing */
	count = 0;
	KEXPECT_TRUE(t, e820_ext_append(&node, out, &count, 1) == NULL);
	KEXPECT_EQ(t, count, 0);
}
