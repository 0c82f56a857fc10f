/* SPDX-License-Identifier: MIT */
/*
 * Stage 2 of handoff=self (arch/x86/boot/handoff_self.c): what survives the hand-off. Stage 1 reclaimed the
 * firmware's boot-services memory as an OS does (filled with HANDOFF_RECLAIM_BYTE); a configuration table
 * that still points there is garbage for every later stage (a kexec-ed kernel, Xen's dom0): reported by
 * GUID and name, as evidence on the firmware that left it there. UEFI 2.10 section 4.6: tables an OS is
 * to use after ExitBootServices live in runtime or ACPI memory; edk2 installs some (HobList,
 * MemoryTypeInformation, ...) in boot-services data, meant for boot time only. Judged on the bytes stage 2
 * copied at its entry, before it allocated anything (handoff_probe.c): by now its own allocations may
 * have reused that memory.
 */
#include <ccktf/boot.h>
#include <ccktf/handoff.h>
#include <ccktf/ktest.h>
#include <ccktf/string.h>

#define PROBE_BYTES 16 /* a table whose first 16 bytes are all the pattern was overwritten */
_Static_assert(PROBE_BYTES <= HANDOFF_PROBE_BYTES, "the snapshot holds the probe");

static const char *handoff_skip(void)
{
	return handoff_mode() == HANDOFF_STAGE2 ? NULL : "runs in stage 2 of handoff=self";
}

KTEST_SUITE(handoff, KTEST_AFTER_EXIT_BOOT_SERVICES, handoff_skip);

static bool overwritten(const u8 *p)
{
	for (unsigned i = 0; i < PROBE_BYTES; i++)
		if (p[i] != HANDOFF_RECLAIM_BYTE)
			return false;
	return true;
}

KTEST(handoff, config_tables_in_reclaimed_memory)
{
	unsigned hits = 0;
	char guid[40];

	KASSERT_GT(t, boot_info.config_table_count, 0);
	KASSERT_TRUE(t, handoff_probe_taken());
	for (u64 i = 0; i < boot_info.config_table_count; i++) {
		const struct efi_configuration_table *c = &boot_info.config_tables[i];
		const char *name = efi_guid_name(&c->guid);
		const u8 *first = handoff_probe(i);

		if (!c->table || !first || !overwritten(first))
			continue;
		efi_guid_format(&c->guid, guid, sizeof(guid));
		ktest_evidence(t, "config table %s (%s) at %p points into memory stage 1 reclaimed", guid,
			       name ? name : "unknown", c->table);
		hits++;
	}
	ktest_evidence(t, "%u of %llu configuration table(s) point into reclaimed boot-services memory", hits,
		       (unsigned long long)boot_info.config_table_count);
}
