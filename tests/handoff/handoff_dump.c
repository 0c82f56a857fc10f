/* SPDX-License-Identifier: MIT */
/*
 * Stage 2 of handoff=self: a reader of all of the previous stage's memory, as a dump tool (kdump's
 * makedumpfile, /proc/vmcore) walks it: every page of e820 RAM, except what the inherited unaccepted table
 * calls unaccepted. Touching an unaccepted page kills a TD with SEPT_VE_DISABLE (or raises #VE / SNP #VC
 * 0x404: docs/abi.md), so a dump tool must skip those pages (Linux: /proc/vmcore reads zeros where the
 * pfn_is_ram callback drivers/firmware/efi/unaccepted_memory.c registers says pfn_is_unaccepted_memory();
 * fs/proc/kcore.c skips such pages). Each page is read once, through the exception table,
 * so that a touch the platform turns into an exception fails the test instead of ending the boot; a unit
 * that faulted is not read further. Reports the bytes read (pages read without a fault) and skipped
 * (metric handoff.dump.*); a faulted page counts in neither, only in the faulted units. Runs
 * before handoff.unaccepted_units_accept_cleanly, which leaves nothing unaccepted (link order).
 *
 * One difference from Linux, on purpose: this reader skips exactly the pages the table calls unaccepted.
 * Linux's range_contains_unaccepted_memory() extends a range whose end is unit-aligned by one unit (so that
 * load_unaligned_zeropad() never reads into an unaccepted unit; v6.5 "efi/unaccepted: Avoid
 * load_unaligned_zeropad() stepping into unaccepted memory"), so pfn_is_unaccepted_memory() is also true
 * for the last page before an unaccepted unit, and /proc/vmcore and kcore skip that page as well; here it
 * is read (it is accepted), so handoff.dump.skipped is the table's count exactly.
 */
#include <arch/trap.h>
#include <ccktf/boot.h>
#include <ccktf/metric.h>
#include "handoff.h"

#define REPORT_MAX 4
#define NULL_PAGE 0 /* the kernel leaves it unmapped to catch NULL pointers (arch/x86/cpu/paging.c): not read */

static int read_byte_safe(const volatile u8 *p)
{
	u8 v = 0;

	exception_vector_reset();
	asm volatile("1: movb (%1), %0\n2:\n" ASM_EXTABLE("1b", "2b") : "+q"(v) : "r"(p) : "memory");
	return exception_vector();
}

struct dump_walk {
	struct ktest *t;
	const struct efi_unaccepted_memory *table;
	u64 read, faults, faulted_unit;
};

static void read_page(void *ctx, u64 page)
{
	struct dump_walk *w = ctx;
	int vector;

	if (handoff_unit_of(w->table, page) == w->faulted_unit || page == NULL_PAGE)
		return;
	vector = read_byte_safe((const volatile u8 *)(uintptr_t)page);
	if (vector < 0) {
		w->read += EFI_PAGE_SIZE;
		return;
	}
	w->faulted_unit = handoff_unit_of(w->table, page);
	if (w->faults++ < REPORT_MAX)
		ktest_fail(w->t, __FILE__, __LINE__, "reading page 0x%llx, which the table calls accepted, raised "
			   "vector %d (%s)", page, vector, trap_vector_name((unsigned)vector));
}

KTEST(handoff, dump_reader_skips_unaccepted)
{
	struct dump_walk w = { .t = t, .table = handoff_table_or_skip(t), .faulted_unit = ~0ull };
	u64 skipped;

	if (!w.table)
		return;
	skipped = handoff_walk_accepted_ram(w.table, read_page, &w);
	metric_u64("handoff.dump.read", w.read, "bytes", NULL);
	metric_u64("handoff.dump.skipped", skipped, "bytes", NULL);
	ktest_evidence(t, "read %llu KiB of e820 RAM; skipped %llu KiB the table calls unaccepted; %llu unit(s) "
		       "faulted", w.read / 1024, skipped / 1024, w.faults);
}
