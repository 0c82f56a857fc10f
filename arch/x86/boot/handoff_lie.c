/* SPDX-License-Identifier: MIT */
/*
 * handoff_lie= (docs/protocol.md): stage 1 of handoff=self lies to stage 2 on purpose, right before it
 * hands off, so that each check of stage 2's handoff suite (tests/handoff/) is shown to fail on the lie it
 * exists to catch (issue 13: "its checks fail when stage 1 lies"):
 *   table-version       the LINUX_EFI_UNACCEPTED_MEM_TABLE says version 2, which no reader knows
 *                       (Linux efi_config_parse_tables() refuses any version but 1);
 *   accept-behind       one unit the table calls unaccepted is accepted, its bit left set: stage 2's accept
 *                       of it meets ALREADY_ACCEPTED (TDX) / CF=1 (SNP);
 *   clear-behind        one unit's bit is cleared without accepting it: stage 2 finds it pending, and a dump
 *                       reader that trusts the table touches it;
 *   table-in-reclaimed  the table moves into boot-services data, which the reclaim then overwrites (an
 *                       EFI stub that allocated it there: Linux allocates it EfiLoaderData /
 *                       EfiACPIReclaimMemory, drivers/firmware/efi/libstub/unaccepted_memory.c);
 *   drop-table          the table is removed from the configuration-table array handed over, with memory
 *                       still pending: without a table the next kernel takes all memory as accepted
 *                       (Linux drivers/firmware/efi/unaccepted_memory.c accept_memory()).
 */
#include <ccktf/args.h>
#include <ccktf/boot.h>
#include <ccktf/console.h>
#include <ccktf/platform.h>
#include <ccktf/string.h>
#include <ccktf/unaccepted.h>

#include "handoff_params.h"
#include "handoff_lie.h"

static const char *const lie_names[] = { "none", "table-version", "accept-behind", "clear-behind",
					 "table-in-reclaimed", "drop-table" };
enum lie { LIE_NONE, LIE_TABLE_VERSION, LIE_ACCEPT_BEHIND, LIE_CLEAR_BEHIND, LIE_TABLE_IN_RECLAIMED, LIE_DROP_TABLE };
static enum lie lie;

static bool parse_lie(const char *v)
{
	int i = ARGS_LOOKUP(lie_names, v);

	if (i >= 0)
		lie = (enum lie)i;
	return i >= 0;
}

static const struct arg_key_ext handoff_lie_key = {
	"handoff_lie", "none|table-version|accept-behind|clear-behind|table-in-reclaimed|drop-table", parse_lie
};
ARG_KEY_REGISTER(handoff_lie_key);

static struct range first_unaccepted_unit(void)
{
	struct range unit;

	if (!unaccepted_first_unit(&unit))
		handoff_fail("handoff_lie: the unaccepted table marks no unit unaccepted to lie about");
	return unit;
}

static void accept_behind(void)
{
	struct range unit = first_unaccepted_unit();
	struct accept_stats stats = { 0 };
	const struct platform_ops *p = platform_current();
	char err[200];

	if (!p->accept_range || p->accept_range(unit.start, range_len(unit), &stats) != range_len(unit)) {
		accept_error_format(&stats.first_error, err, sizeof(err));
		printk("# handoff: lie: accepting [0x%llx-0x%llx) failed: %s\n", unit.start, unit.end, err);
		handoff_fail("handoff_lie=accept-behind: the platform did not accept the unit");
	}
	printk("# handoff: lie: accepted [0x%llx-0x%llx) through the platform and left its bit set\n", unit.start,
	       unit.end);
}

static void clear_behind(struct efi_unaccepted_memory *t)
{
	struct range unit = first_unaccepted_unit();

	unaccepted_clear(t, (unit.start - t->phys_base) / t->unit_size);
	printk("# handoff: lie: cleared the bit of [0x%llx-0x%llx) without accepting it\n", unit.start, unit.end);
}

/* The first boot-services-data range the table fits in: what the reclaim fills with the pattern next. */
static u64 boot_services_room(const struct memmap *m, u64 bytes)
{
	const struct efi_memory_descriptor *d;

	for_each_memmap_desc(m, i, d)
		if (d->type == EFI_BOOT_SERVICES_DATA && d->num_pages * HANDOFF_PAGE >= bytes)
			return d->phys_start;
	return 0;
}

static void table_in_reclaimed(struct efi_unaccepted_memory *t, const struct memmap *m)
{
	u64 bytes = UNACCEPTED_HEADER_SIZE + t->size, to = boot_services_room(m, bytes);
	struct efi_system_table *st = boot_info.st;
	efi_guid_t guid = LINUX_EFI_UNACCEPTED_MEM_TABLE_GUID;

	if (!to)
		handoff_fail("handoff_lie=table-in-reclaimed: no boot-services data large enough for the table");
	memcpy((void *)(uintptr_t)to, t, bytes);
	for (u64 i = 0; i < st->number_of_table_entries; i++)
		if (efi_guid_equal(&st->configuration_table[i].guid, &guid))
			st->configuration_table[i].table = (void *)(uintptr_t)to;
	printk("# handoff: lie: the unaccepted table now lies in boot-services data at 0x%llx\n", to);
}

/* The table's entry leaves the system table's array (the one SETUP_EFI hands over), the rest moved down. */
static void drop_table(void)
{
	struct efi_system_table *st = boot_info.st;
	efi_guid_t guid = LINUX_EFI_UNACCEPTED_MEM_TABLE_GUID;
	u64 kept = 0, n = st->number_of_table_entries;

	for (u64 i = 0; i < n; i++)
		if (!efi_guid_equal(&st->configuration_table[i].guid, &guid))
			st->configuration_table[kept++] = st->configuration_table[i];
	st->number_of_table_entries = kept;
	printk("# handoff: lie: the unaccepted table is dropped from the configuration tables (%llu of %llu kept), "
	       "%llu unit(s) still pending\n", kept, n, unaccepted_count_set(unaccepted.table));
}

const char *handoff_lie_refusal(void)
{
	struct range unit;

	if (lie == LIE_NONE)
		return NULL;
	if (!unaccepted.table)
		return "handoff_lie= needs an unaccepted table in stage 1 (a platform with unaccepted memory, e.g. sim-tdx)";
	if ((lie == LIE_ACCEPT_BEHIND || lie == LIE_CLEAR_BEHIND) && !unaccepted_first_unit(&unit))
		return "handoff_lie=accept-behind/clear-behind need a unit the table still calls unaccepted";
	return NULL;
}

void handoff_lie_apply(const struct memmap *m)
{
	struct efi_unaccepted_memory *t = unaccepted.table;

	if (lie == LIE_NONE)
		return;
	if (!t)
		handoff_fail("handoff_lie: stage 1 has no unaccepted table to lie about");
	printk("# handoff: lie: handoff_lie=%s\n", lie_names[lie]);
	switch (lie) {
	case LIE_TABLE_VERSION:
		t->version = UNACCEPTED_TABLE_VERSION + 1;
		printk("# handoff: lie: the unaccepted table says version %u\n", t->version);
		break;
	case LIE_ACCEPT_BEHIND:
		accept_behind();
		break;
	case LIE_CLEAR_BEHIND:
		clear_behind(t);
		break;
	case LIE_TABLE_IN_RECLAIMED:
		table_in_reclaimed(t, m);
		break;
	case LIE_DROP_TABLE:
		drop_table();
		break;
	case LIE_NONE:
		break;
	}
}
