/* SPDX-License-Identifier: MIT */
/*
 * Stage 2 of handoff=self: the unaccepted table stage 1 handed over, checked against the platform's own
 * state (issue 13). The table is a contract between a kernel and the next (Linux include/linux/efi.h
 * struct efi_unaccepted_memory: a set bit is a unit not accepted yet); the platform's state is the truth:
 * on hardware it lives in the TDX module's S-EPT / the SNP RMP and survives a kexec; on the models it
 * survives the hand-off as that state would (arch/x86/sim/sim_handoff.h). So:
 *   - the table is valid version 1 (Linux accepts no other: efi_config_parse_tables());
 *   - what it calls accepted was accepted: handoff_accepted.c (handoff.accepted_units_were_accepted);
 *   - every unit it calls unaccepted accepts cleanly: no ALREADY_ACCEPTED (TDX) / CF=1 (SNP) answer, which
 *     would mean someone accepted it behind the bitmap's back.
 * The dump reader (handoff_dump.c) runs before the last of these, which leaves nothing unaccepted.
 */
#include <ccktf/boot.h>
#include <ccktf/platform.h>
#include <ccktf/string.h>
#include "handoff.h"

#define REPORT_MAX 4 /* failures reported one by one; the rest counted */

KTEST(handoff, unaccepted_table_valid)
{
	char why[256];
	const struct efi_unaccepted_memory *table = handoff_table(why, sizeof(why));

	if (!table && !why[0]) {
		if (!platform_current()->accept_range)
			KTEST_SKIP(t, "no unaccepted table inherited, and this platform accepts nothing");
		KTEST_SKIP(t, "no unaccepted table inherited: all memory counts as accepted (Linux accept_memory()); "
			      "accepted_units_were_accepted checks that it is");
	}
	if (!table) {
		ktest_fail(t, __FILE__, __LINE__, "the inherited unaccepted table is not valid: %s", why);
		return;
	}
	ktest_evidence(t, "inherited table at %p: version %u, unit %u KiB, base 0x%llx, %llu of %llu units unaccepted",
		       (const void *)table, table->version, table->unit_size / 1024, table->phys_base,
		       unaccepted_count_set(table), unaccepted_units(table));
}

KTEST(handoff, unaccepted_units_accept_cleanly)
{
	const struct efi_unaccepted_memory *table = handoff_table_or_skip(t);
	u64 units = 0, bad = 0;
	char fields[240];

	if (!table)
		return;
	if (!platform_current()->accept_range)
		KTEST_SKIP(t, "the platform accepts nothing");
	for (u64 unit = 0; unit < unaccepted_units(table); unit++) {
		struct range r = unaccepted_unit_range(table, unit);
		struct accept_stats stats = { 0 };
		int res;

		if (!unaccepted_test(table, unit))
			continue;
		units++;
		res = unaccepted_accept_with(r.start, range_len(r), &stats, NULL);
		if (res == ACCEPT_MEMORY_OK && !stats.already_accepted && !stats.errors)
			continue;
		if (bad++ >= REPORT_MAX)
			continue;
		accept_error_format(stats.errors ? &stats.first_error : &stats.first_already, fields, sizeof(fields));
		ktest_fail(t, __FILE__, __LINE__, "unit [0x%llx-0x%llx), unaccepted in the table, did not accept cleanly "
			   "(%llu ALREADY_ACCEPTED answer(s), %llu error(s)): %s", r.start, r.end, stats.already_accepted,
			   stats.errors, fields);
	}
	ktest_evidence(t, "%llu unit(s) the table calls unaccepted accepted; %llu not cleanly", units, bad);
}
