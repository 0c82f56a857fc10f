/* SPDX-License-Identifier: MIT */
/*
 * Stage 2's copy of each configuration table's first bytes (kernel/boot/handoff_probe.c): the handoff suite
 * judges what the previous stage left, so a write to the table's memory after the copy (stage 2 reusing
 * reclaimed memory) must not change what the probe returns; an unreadable table has no copy.
 */
#include <ccktf/handoff.h>
#include <ccktf/ktest.h>
#include <stdlib.h>
#include <string.h>

#include <ccktf/boot.h>

KTEST_SUITE(host_handoff_probe, KTEST_AFTER_EXIT_BOOT_SERVICES, NULL);

static u8 table_a[64], table_b[64];

/* Readable: table_a only (as mapped_read() refuses what the entry's identity map does not cover) */
static const void *read_a_only(u64 pa, u64 len)
{
	(void)len;
	return pa == (u64)(uintptr_t)table_a ? table_a : NULL;
}

KTEST(host_handoff_probe, the_copy_is_what_the_previous_stage_left)
{
	struct boot_info *b = calloc(1, sizeof(*b));

	KASSERT_TRUE(t, b != NULL);
	memset(table_a, HANDOFF_RECLAIM_BYTE, sizeof(table_a));
	memset(table_b, 0x11, sizeof(table_b));
	b->config_tables[0].table = table_a;
	b->config_tables[1].table = table_b;
	b->config_table_count = 2;
	handoff_probe_take(b, read_a_only);
	KEXPECT_TRUE(t, handoff_probe_taken());
	memset(table_a, 0, sizeof(table_a)); /* stage 2 reuses the reclaimed memory afterwards */
	KASSERT_TRUE(t, handoff_probe(0) != NULL);
	KEXPECT_EQ(t, handoff_probe(0)[0], HANDOFF_RECLAIM_BYTE);
	KEXPECT_EQ(t, handoff_probe(0)[HANDOFF_PROBE_BYTES - 1], HANDOFF_RECLAIM_BYTE);
	KEXPECT_TRUE(t, handoff_probe(1) == NULL); /* could not be read: no copy */
	KEXPECT_TRUE(t, handoff_probe(BOOT_MAX_CONFIG_TABLES) == NULL);
	free(b);
}
