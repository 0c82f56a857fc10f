/* SPDX-License-Identifier: MIT */
/*
 * Stage 2 of handoff=self: what the previous stage left at each configuration table, copied at this stage's
 * entry (boot64.c), before it allocates anything. The handoff suite judges the snapshot (a table in memory
 * stage 1 reclaimed reads HANDOFF_RECLAIM_BYTE; the unaccepted table's header), not the memory as it is
 * when the suite runs, by which time this stage's own allocations (page tables, the model's tables, the
 * kernel's pages) may have reused the reclaimed memory the tables point into.
 */
#include <ccktf/boot.h>
#include <ccktf/handoff.h>
#include <ccktf/string.h>

static struct {
	bool taken;
	bool readable[BOOT_MAX_CONFIG_TABLES];
	u8 bytes[BOOT_MAX_CONFIG_TABLES][HANDOFF_PROBE_BYTES];
} snap;

void handoff_probe_take(const struct boot_info *b, const void *(*read)(u64 pa, u64 len))
{
	for (u64 i = 0; i < b->config_table_count && i < BOOT_MAX_CONFIG_TABLES; i++) {
		const void *p = read((u64)(uintptr_t)b->config_tables[i].table, HANDOFF_PROBE_BYTES);

		snap.readable[i] = p != NULL;
		if (p)
			memcpy(snap.bytes[i], p, HANDOFF_PROBE_BYTES);
	}
	snap.taken = true;
}

bool handoff_probe_taken(void)
{
	return snap.taken;
}

const u8 *handoff_probe(u64 i)
{
	return snap.taken && i < BOOT_MAX_CONFIG_TABLES && snap.readable[i] ? snap.bytes[i] : NULL;
}
