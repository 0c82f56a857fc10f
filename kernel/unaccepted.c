/* SPDX-License-Identifier: MIT */
/*
 * Finding and tracking unaccepted memory, after Linux's EFI stub (drivers/firmware/efi/libstub/
 * unaccepted_memory.c, allocate_unaccepted_bitmap() and process_unaccepted_memory()): reuse a table a
 * previous stage installed if it passes validation, otherwise size one from the memory map, allocate it
 * as EfiACPIReclaimMemory (as Linux has since v6.6, so a kexec'd kernel still finds it) and install it as
 * the LINUX_EFI_UNACCEPTED_MEM_TABLE configuration table before ExitBootServices, its bitmap empty.
 *
 * The bits are set from the FINAL memory map, the one ExitBootServices accepted, as the stub does
 * (x86-stub.c setup_e820() calls process_unaccepted_memory() from exit_boot_func()): firmware may accept
 * memory at ExitBootServices (OVMF's AmdSevDxe accepts everything unless AllowUnacceptedMemory() was
 * called), and a bit set from the earlier map would make the kernel accept it a second time, which on
 * SNP is a double validation.
 */
#include <ccktf/boot.h>
#include <ccktf/console.h>
#include <ccktf/format.h>
#include <ccktf/ktest.h>
#include <ccktf/metric.h>
#include <ccktf/platform.h>
#include <ccktf/string.h>
#include <ccktf/unaccepted.h>
#include "mm/accept_parallel.h"

struct unaccepted_boot unaccepted;

static int defer_accept(void *ctx, u64 start, u64 end)
{
	struct unaccepted_boot *u = ctx;

	if (u->deferred_count == UNACCEPTED_DEFERRED_MAX)
		return -1;
	u->deferred[u->deferred_count++] = range_make(start, end);
	return 0;
}

/* The EfiUnacceptedMemoryType descriptors of a map: how many, how many bytes (added to the counters). */
static void count_ranges(const struct memmap *m, u64 *ranges, u64 *bytes)
{
	const struct efi_memory_descriptor *d;

	for_each_memmap_desc(m, i, d) {
		if (!memmap_type_is_unaccepted(d->type))
			continue;
		(*ranges)++;
		*bytes += range_len(memmap_desc_range(d));
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
	if (EFI_IS_ERROR(b->st->boot_services->install_configuration_table(&guid, table)))
		return "InstallConfigurationTable(LINUX_EFI_UNACCEPTED_MEM_TABLE) failed";
	u->table = table;
	u->built = true;
	return NULL;
}

/* Sets the bits from the final map; nothing may print here (on SNP the console needs the GHCB). */
void unaccepted_record_final(const struct efi_memmap_snapshot *final)
{
	struct memmap m = memmap_view(final);
	struct unaccepted_boot *u = &unaccepted;

	count_ranges(&m, &u->final_ranges, &u->final_bytes);
	if (u->built && !unaccepted_populate(u->table, &m, defer_accept, u, &u->finding))
		u->final_error = u->finding.msg;
	u->final_recorded = true;
	for (unsigned i = 0; u->built && i < u->accepted_early_count; i++)
		unaccepted_clear_inside(u->table, u->accepted_early[i].start, range_len(u->accepted_early[i]));
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
	count_ranges(&m, &unaccepted.ranges, &unaccepted.bytes);
	/* kernel_kind=unenlightened knows no type 15: no table, nothing accepted, ever (kind_memory.h) */
	if (!kernel_kind_accepts(b->args.kernel_kind))
		return NULL;
	if (!unaccepted.ranges || reuse_previous(b, &m, &unaccepted))
		return NULL;
	return build_and_install(b, &m, &unaccepted);
}

static u64 accept_through_platform(void *ctx, u64 start, u64 size)
{
	const struct platform_ops *p = platform_current();

	return p->accept_range ? p->accept_range(start, size, ctx) : 0;
}

void unaccepted_mark_accepted(u64 start, u64 size)
{
	struct unaccepted_boot *u = &unaccepted;
	struct accept_shared *shared;

	if (!u->table)
		return;
	if (u->built && !u->final_recorded) { /* the bits come later, from the final map: remember it */
		if (u->accepted_early_count < UNACCEPTED_DEFERRED_MAX)
			u->accepted_early[u->accepted_early_count++] = range_from_size_clamped(start, size);
		else /* it would be accepted again: on SNP a double validation */
			u->final_error = "more ranges accepted before ExitBootServices than ccktf can keep out of the bitmap";
		return;
	}
	/* Under the shared lock: the bits are written a byte at a time, read-modify-write, so a clear by
	 * another CPU accepting a unit in the same byte could be lost (that unit accepted again: on SNP a
	 * double validation). Linux takes unaccepted_memory_lock for accept_hotplug_memory()'s bitmap_clear too. */
	if ((shared = unaccepted_shared()))
		accept_shared_mark_accepted(shared, start, size);
	else /* it would be accepted again: on SNP a double validation */
		u->final_error = "the unaccepted table changed while a CPU was accepting: a range marked accepted was lost";
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

/*
 * Every failed acceptance says where, at which level and with which raw status (docs/protocol.md,
 * "Acceptance errors"): on hardware the raw status is the one fact a user needs. Inside a test the line is
 * indented into its subtest and repeated as the test's evidence, so reports carry it too.
 */
static void report_error(const char *path)
{
	const struct ktest_case *c = ktest_current();
	char fields[240];

	accept_error_format(&unaccepted.stats.last_error, fields, sizeof(fields));
	if (c)
		printk("    # accept-error: platform=%s path=%s.%s %s\n", platform_name(), c->suite->name,
		       ktest_current_name(), fields);
	else
		printk("# accept-error: platform=%s path=%s %s\n", platform_name(), path, fields);
	ktest_evidence_running("acceptance failed: %s", fields);
}

const char *unaccepted_accept_deferred(void)
{
	for (unsigned i = 0; i < unaccepted.deferred_count; i++) {
		struct range r = unaccepted.deferred[i];
		if (accept_through_platform(&unaccepted.stats, r.start, range_len(r)) != range_len(r)) {
			report_error("boot:deferred");
			return "accepting a deferred head, tail or short range failed (see accept-error)";
		}
	}
	return NULL;
}

/*
 * Set up by whichever CPU asks first for the current table: the others wait for it (state 1) rather than
 * set it up again under a CPU already using its lock. In the kernel the table is fixed before any AP runs,
 * so this happens once; a new table (the fuzz and host harnesses boot many times in one process) is taken
 * up by accept_shared_retarget(), under the lock, and refused (NULL) while a CPU still accepts from the old.
 */
struct accept_shared *unaccepted_shared(void)
{
	static struct accept_shared shared;
	static u32 state; /* 0: not set up, 1: being set up, 2: ready for shared.t */

	if (!unaccepted.table)
		return NULL;
	for (;;) {
		u32 seen = __atomic_load_n(&state, __ATOMIC_ACQUIRE);

		if (seen == 2 && shared.t == unaccepted.table)
			return &shared;
		if (seen != 1 && __atomic_compare_exchange_n(&state, &seen, 1, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
			/* a state in use is retargeted under its lock, never reset under a CPU holding it */
			bool ok = true;

			if (seen == 0)
				accept_shared_init(&shared, unaccepted.table);
			else
				ok = accept_shared_retarget(&shared, unaccepted.table);
			__atomic_store_n(&state, 2, __ATOMIC_RELEASE);
			return ok ? &shared : NULL;
		}
		__builtin_ia32_pause();
	}
}

/*
 * A CPU that waited out the accepting list's bound (accept_parallel.h) has no hardware status to give: the
 * error says what it waited for instead, at addr (the other CPU's range, or its own when the list was full)
 * and the wait in ns as the status.
 */
static void record_list_timeout(struct accept_stats *stats, const struct accept_memory_result *res)
{
	if (res->wait_end)
		accept_record_error(stats, res->wait_start, ACCEPT_LEVEL_NONE, ACCEPT_FAILED, res->waited_ns,
				    "timed out waiting for another CPU accepting an overlapping range (status: ns waited)");
	else
		accept_record_error(stats, res->fail_addr, ACCEPT_LEVEL_NONE, ACCEPT_FAILED, res->waited_ns,
				    "timed out waiting for a free accepting-list slot (status: ns waited)");
}

int unaccepted_accept_with(u64 start, u64 size, struct accept_stats *stats, struct accept_memory_result *result)
{
	struct range_acceptor ra = { accept_through_platform, stats };
	struct accept_memory_result scratch;
	struct accept_memory_result *res = result ? result : &scratch;
	struct accept_shared *shared;
	int r;

	if (!unaccepted.table)
		return ACCEPT_MEMORY_OK;
	if (!(shared = unaccepted_shared())) { /* the table changed under a CPU still accepting from the old */
		accept_record_error(stats, start, ACCEPT_LEVEL_NONE, ACCEPT_FAILED, 0,
				    "the unaccepted table changed while a CPU was accepting from the old one");
		if (stats == &unaccepted.stats)
			report_error("accept_memory");
		return ACCEPT_MEMORY_BAD_TABLE;
	}
	/* Through the accepting list, so that CPUs accepting at once never accept a unit twice */
	r = accept_memory_shared(shared, start, size, &ra, res);
	if (r == ACCEPT_MEMORY_LIST_TIMEOUT)
		record_list_timeout(stats, res);
	if ((r == ACCEPT_MEMORY_PLATFORM_ERROR || r == ACCEPT_MEMORY_LIST_TIMEOUT) && stats == &unaccepted.stats)
		report_error("accept_memory");
	return r;
}

int unaccepted_accept(u64 start, u64 size, struct accept_memory_result *result)
{
	return unaccepted_accept_with(start, size, &unaccepted.stats, result);
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
	printk("# unaccepted: %llu range(s), %llu MiB in the memory map before ExitBootServices\n",
	       unaccepted.ranges, unaccepted.bytes / MiB);
	if (unaccepted.table)
		print_table(unaccepted.table);
}

void unaccepted_print_final(void)
{
	printk("# unaccepted: final map (after ExitBootServices): %llu range(s), %llu MiB; bitmap %s; "
	       "%u part(s) to accept at once\n",
	       unaccepted.final_ranges, unaccepted.final_bytes / MiB,
	       !unaccepted.table ? "none" : unaccepted.built ? "set from this map" : "reused as found",
	       unaccepted.deferred_count);
	if (unaccepted.table)
		print_table(unaccepted.table);
}

u64 unaccepted_accepted_bytes(void)
{
	return unaccepted.stats.bytes[ACCEPT_4K] + unaccepted.stats.bytes[ACCEPT_2M] + unaccepted.stats.bytes[ACCEPT_1G];
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
	metric_u64("accept.no_update", s->no_update, "count", NULL);
	metric_u64("accept.size_mismatch_fallbacks", s->size_mismatch_fallbacks, "count", NULL);
	metric_u64("accept.busy_retries", s->busy_retries, "count", NULL);
	metric_u64("accept.errors", s->errors, "count", NULL);
	metric_u64("unaccepted.remaining", unaccepted_count_set(unaccepted.table) * unaccepted.table->unit_size,
		   "bytes", NULL);
}
