/* SPDX-License-Identifier: MIT */
/*
 * Finding and tracking unaccepted memory, after Linux's EFI stub (drivers/firmware/efi/libstub/
 * unaccepted_memory.c, allocate_unaccepted_bitmap() and process_unaccepted_memory()): reuse a table a
 * previous stage installed if it passes validation, otherwise build one from the memory map, allocate it
 * as EfiACPIReclaimMemory (as Linux has since v6.6, so a kexec'd kernel still finds it) and install it as
 * the LINUX_EFI_UNACCEPTED_MEM_TABLE configuration table before ExitBootServices.
 */
#include <ccktf/boot.h>
#include <ccktf/console.h>
#include <ccktf/format.h>
#include <ccktf/metric.h>
#include <ccktf/platform.h>
#include <ccktf/string.h>
#include <ccktf/unaccepted.h>

struct unaccepted_boot unaccepted;

static int defer_accept(void *ctx, u64 start, u64 end)
{
	struct unaccepted_boot *u = ctx;

	if (u->deferred_count == UNACCEPTED_DEFERRED_MAX)
		return -1;
	u->deferred[u->deferred_count++] = range_make(start, end);
	return 0;
}

static void count_ranges(const struct memmap *m, struct unaccepted_boot *u)
{
	const struct efi_memory_descriptor *d;

	for_each_memmap_desc(m, i, d) {
		if (!memmap_type_is_unaccepted(d->type))
			continue;
		u->ranges++;
		u->bytes += range_len(memmap_desc_range(d));
	}
}

static bool reuse_previous(struct boot_info *b, const struct memmap *m, struct unaccepted_boot *u)
{
	struct efi_unaccepted_memory *t = efi_config_table(b->st, LINUX_EFI_UNACCEPTED_MEM_TABLE_GUID);

	if (!t)
		return false;
	if (!unaccepted_validate(t, (u64)(uintptr_t)t, m, &u->finding)) {
		u->rejected_previous = true;
		printk("# unaccepted: FINDING: the installed table at %p is not trusted: %s\n", (void *)t,
		       u->finding.msg);
		return false;
	}
	u->table = t;
	u->reused = true;
	return true;
}

static const char *build_and_install(struct boot_info *b, const struct memmap *m, struct unaccepted_boot *u)
{
	efi_guid_t guid = LINUX_EFI_UNACCEPTED_MEM_TABLE_GUID;
	struct unaccepted_plan plan;
	void *table;

	if (!unaccepted_plan(m, UNACCEPTED_UNIT_SIZE, &plan, &u->finding))
		return u->finding.msg;
	if (!plan.table_bytes)
		return NULL;
	/* Rounded up and zeroed: Linux reads the bitmap an unsigned long at a time, past size's last byte. */
	u64 bytes = ALIGN_UP(plan.table_bytes, 8);

	if (EFI_IS_ERROR(b->st->boot_services->allocate_pool(EFI_ACPI_RECLAIM_MEMORY, bytes, &table)))
		return "AllocatePool(EfiACPIReclaimMemory) for the unaccepted-memory table failed";
	memset(table, 0, bytes);
	unaccepted_init(table, &plan);
	if (!unaccepted_populate(table, m, defer_accept, u, &u->finding))
		return u->finding.msg;
	if (EFI_IS_ERROR(b->st->boot_services->install_configuration_table(&guid, table)))
		return "InstallConfigurationTable(LINUX_EFI_UNACCEPTED_MEM_TABLE) failed";
	u->table = table;
	return NULL;
}

const char *unaccepted_setup(struct boot_info *b)
{
	struct efi_memmap_snapshot snap = { .desc_size = b->memmap_boot.desc_size };
	const struct platform_ops *p = platform_current();
	struct memmap m;

	if (EFI_IS_ERROR(efi_read_memmap(b, &snap)))
		return "GetMemoryMap failed";
	if (p->adjust_memmap)
		p->adjust_memmap(&snap);
	m = memmap_view(&snap);
	count_ranges(&m, &unaccepted);
	if (!unaccepted.ranges || reuse_previous(b, &m, &unaccepted))
		return NULL;
	return build_and_install(b, &m, &unaccepted);
}

static u64 accept_through_platform(void *ctx, u64 start, u64 size)
{
	const struct platform_ops *p = platform_current();

	return p->accept_range ? p->accept_range(start, size, ctx) : 0;
}

bool unaccepted_first_unit(struct range *unit)
{
	const struct efi_unaccepted_memory *t = unaccepted.table;
	u64 first, end;

	if (!t || !unaccepted_next_run(t, 0, unaccepted_units(t), &first, &end))
		return false;
	*unit = unaccepted_unit_range(t, first);
	return true;
}

const char *unaccepted_accept_deferred(void)
{
	for (unsigned i = 0; i < unaccepted.deferred_count; i++) {
		struct range r = unaccepted.deferred[i];
		if (accept_through_platform(&unaccepted.stats, r.start, range_len(r)) != range_len(r))
			return "accepting a deferred head, tail or short range failed";
	}
	return NULL;
}

int unaccepted_accept(u64 start, u64 size, struct accept_memory_result *result)
{
	struct range_acceptor ra = { accept_through_platform, &unaccepted.stats };

	if (!unaccepted.table)
		return ACCEPT_MEMORY_OK;
	return accept_memory(unaccepted.table, start, size, &ra, result);
}

static void print_table(const struct efi_unaccepted_memory *t)
{
	struct range c = unaccepted_covered(t);

	printk("# unaccepted: table at %p (%s): version %u, unit %u KiB, covers %016llx-%016llx, "
	       "%llu of %llu units unaccepted\n",
	       (const void *)t, unaccepted.reused ? "reused from a previous stage" : "built and installed",
	       t->version, t->unit_size / 1024, c.start, c.end, unaccepted_count_set(t), unaccepted_units(t));
}

void unaccepted_print_summary(void)
{
	printk("# unaccepted: %llu range(s), %llu MiB in the memory map; %u part(s) accepted at boot\n",
	       unaccepted.ranges, unaccepted.bytes / MiB, unaccepted.deferred_count);
	if (unaccepted.table)
		print_table(unaccepted.table);
}

static void print_level_stats(enum accept_level level, const char *name)
{
	char extra[16];

	snprintf(extra, sizeof(extra), "level=%s", name);
	metric_u64("accept.bytes", unaccepted.stats.bytes[level], "bytes", extra);
	metric_u64("accept.calls", unaccepted.stats.calls[level], "count", extra);
}

/* What this boot accepted, per page level, with the engine's counters. */
void unaccepted_print_stats(void)
{
	const struct accept_stats *s = &unaccepted.stats;

	if (!unaccepted.table)
		return;
	print_level_stats(ACCEPT_4K, "4k");
	print_level_stats(ACCEPT_2M, "2m");
	print_level_stats(ACCEPT_1G, "1g");
	metric_u64("accept.already_accepted", s->already_accepted, "count", NULL);
	metric_u64("accept.size_mismatch_fallbacks", s->size_mismatch_fallbacks, "count", NULL);
	metric_u64("accept.busy_retries", s->busy_retries, "count", NULL);
	metric_u64("accept.errors", s->errors, "count", NULL);
	metric_u64("unaccepted.remaining", unaccepted_count_set(unaccepted.table) * unaccepted.table->unit_size,
		   "bytes", NULL);
}
