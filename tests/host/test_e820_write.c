/* SPDX-License-Identifier: MIT */
/* The e820 a hand-off writes (kernel/boot/e820_write.c): the split at the zero page's 128 entries into a
 * SETUP_E820_EXT node at the setup_data chain's end, read back through the readers stage 2 and Linux use. */
#include <ccktf/ktest.h>
#include <string.h>

#include "boot/e820_ext.h"
#include "boot/e820_write.h"

KTEST_SUITE(host_e820_write, KTEST_AFTER_EXIT_BOOT_SERVICES, NULL);

static u8 page[BOOT_PARAMS_SIZE];
static u8 ext[2 * 4096];
static u8 other[SETUP_DATA_HEADER + 8];
static struct e820_entry in[300], out[300];

static void make(unsigned n)
{
	memset(page, 0, sizeof(page));
	memset(ext, 0xee, sizeof(ext));
	for (unsigned i = 0; i < n; i++)
		in[i] = (struct e820_entry){ 0x100000ull * (2 * i + 1), 0x100000, 1 + i % 2 };
}

static const void *read_host(void *ctx, u64 pa, u64 len)
{
	(void)ctx;
	(void)len;
	return (const void *)(uintptr_t)pa;
}

struct collect {
	unsigned count, nodes_ext;
	const char *why;
};

static bool visit(void *ctx, const struct setup_node *node)
{
	struct collect *c = ctx;

	c->nodes_ext += node->type == SETUP_E820_EXT;
	if (!c->why)
		c->why = e820_ext_append(node, out, &c->count, ARRAY_SIZE(out));
	return true;
}

/* All n entries, in order, from the zero page and the chain; *nodes: how many nodes the chain has. */
static unsigned read_back(struct ktest *t, unsigned *nodes)
{
	struct boot_phys phys = { read_host, NULL };
	struct collect c = { 0, 0, NULL };
	unsigned dropped;

	KEXPECT_TRUE(t, boot_params_e820(page, out, ARRAY_SIZE(out), &c.count, &dropped) == NULL);
	KEXPECT_TRUE(t, setup_data_walk(bp_get(page + BP_HDR_SETUP_DATA, 8), &phys, visit, &c, nodes) == NULL);
	KEXPECT_TRUE(t, c.why == NULL);
	return c.count;
}

KTEST(host_e820_write, up_to_128_entries_fill_the_zero_page_alone)
{
	unsigned nodes;

	make(128);
	KEXPECT_EQ(t, e820_ext_node_bytes(128), 0);
	KEXPECT_EQ(t, e820_write(page, in, 128, NULL), 128);
	KEXPECT_EQ(t, page[BP_E820_ENTRIES], 128);
	KEXPECT_EQ(t, bp_get(page + BP_HDR_SETUP_DATA, 8), 0);
	KASSERT_EQ(t, read_back(t, &nodes), 128);
	KEXPECT_EQ(t, nodes, 0);
	KEXPECT_TRUE(t, !memcmp(out, in, 128 * sizeof(in[0])));
}

KTEST(host_e820_write, entry_129_goes_to_a_setup_e820_ext_node)
{
	unsigned nodes;

	make(131);
	KEXPECT_EQ(t, e820_ext_node_bytes(129), SETUP_DATA_HEADER + E820_ENTRY_SIZE);
	KASSERT_EQ(t, e820_ext_node_bytes(131), SETUP_DATA_HEADER + 3 * E820_ENTRY_SIZE);
	KEXPECT_EQ(t, e820_write(page, in, 131, ext), 128);
	KEXPECT_EQ(t, page[BP_E820_ENTRIES], 128);
	KEXPECT_EQ(t, bp_get(page + BP_HDR_SETUP_DATA, 8), (u64)(uintptr_t)ext);
	KEXPECT_EQ(t, bp_get(ext, 8), 0);			   /* next */
	KEXPECT_EQ(t, bp_get(ext + 8, 4), SETUP_E820_EXT);	   /* type 1 */
	KEXPECT_EQ(t, bp_get(ext + 12, 4), 3 * E820_ENTRY_SIZE); /* len */
	KEXPECT_EQ(t, ext[SETUP_DATA_HEADER + 3 * E820_ENTRY_SIZE], 0xee); /* nothing written past it */
	KASSERT_EQ(t, read_back(t, &nodes), 131);
	KEXPECT_EQ(t, nodes, 1);
	KEXPECT_TRUE(t, !memcmp(out, in, 131 * sizeof(in[0])));
	KEXPECT_EQ(t, out[128].addr, in[128].addr);
}

/* x86-stub.c add_e820ext(): appended after the nodes already chained (handoff=self's SETUP_EFI) */
KTEST(host_e820_write, the_node_goes_at_the_chains_end)
{
	unsigned nodes;

	make(300);
	memset(other, 0, sizeof(other));
	bp_put(other + 8, SETUP_EFI + 100, 4); /* some other type, 8 bytes */
	bp_put(other + 12, 8, 4);
	bp_put(page + BP_HDR_SETUP_DATA, (u64)(uintptr_t)other, 8);
	KASSERT_TRUE(t, e820_ext_node_bytes(300) <= sizeof(ext));
	e820_write(page, in, 300, ext);
	KEXPECT_EQ(t, bp_get(page + BP_HDR_SETUP_DATA, 8), (u64)(uintptr_t)other);
	KEXPECT_EQ(t, bp_get(other, 8), (u64)(uintptr_t)ext);
	KASSERT_EQ(t, read_back(t, &nodes), 300);
	KEXPECT_EQ(t, nodes, 2);
	KEXPECT_TRUE(t, !memcmp(out, in, 300 * sizeof(in[0])));
}
