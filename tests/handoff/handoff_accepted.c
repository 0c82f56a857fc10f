/* SPDX-License-Identifier: MIT */
/*
 * Stage 2 of handoff=self: what the inherited unaccepted table calls accepted is accepted (issue 13). By
 * Linux's contract only what the bitmap marks unaccepted needs an accept; everything else counts as
 * accepted: all memory when there is no table at all, memory below phys_base and beyond what the bitmap
 * covers (drivers/firmware/efi/unaccepted_memory.c accept_memory(): "No need to accept: anything if the
 * system has no unaccepted table; memory that is below phys_base; memory that is above the memory that
 * addressable by the bitmap"). So a stage 1 that drops the table, or leaves pending memory outside the
 * bitmap, hands over memory the next kernel will touch as accepted.
 *
 * Asked of the platform page by page (platform_ops.page_state):
 *   - on a model, of every page of e820 RAM the table (or its absence) calls accepted: the model answers
 *     from its state, nothing is changed;
 *   - on hardware, page_state accepts the page again (TDX ALREADY_ACCEPTED / SNP CF=1), which leaves a
 *     pending page accepted: only the units the table covers are asked, and nothing without a table.
 * Runs before the dump reader (link order: handoff_accepted.c < handoff_dump.c), so a page the table lies
 * about is reported here before the reader touches it and a SEPT_VE_DISABLE TD ends.
 */
#include <ccktf/boot.h>
#include <ccktf/platform.h>
#include <ccktf/string.h>
#include "handoff.h"

#define REPORT_MAX 4		  /* failures reported one by one; the rest counted */
#define UNIT_NO_TABLE (2 * MiB) /* reporting granularity without a table: Linux's EFI_UNACCEPTED_UNIT_SIZE */

/* The pages of one unit (the table's unit size) that are not accepted, as they are found. */
struct unit_tally {
	u64 start, bad, first, first_raw;
	enum cc_page_state first_state;
};

struct accepted_walk {
	struct ktest *t;
	const struct efi_unaccepted_memory *table;
	bool model;
	u64 unit_size, pages, bad, bad_units;
	struct unit_tally unit;
};

static const char *accepted_by(const struct efi_unaccepted_memory *table, u64 addr)
{
	struct range c;

	if (!table)
		return "by the absence of an unaccepted table (Linux: then all memory is accepted)";
	c = unaccepted_covered(table);
	return addr >= c.start && addr < c.end ? "in the table" : "as memory outside the table's bitmap";
}

static void flush_unit(struct ktest *t, struct accepted_walk *w)
{
	struct unit_tally *u = &w->unit;

	w->bad += u->bad;
	if (u->bad && w->bad_units++ < REPORT_MAX)
		ktest_fail(t, __FILE__, __LINE__, "unit [0x%llx-0x%llx) is accepted %s, but %llu of its pages are not, "
			   "the first 0x%llx %s (raw status 0x%llx)", u->start, u->start + w->unit_size,
			   accepted_by(w->table, u->start), u->bad, u->first,
			   u->first_state == CC_PAGE_PENDING ? "pending" : "of unknown state", u->first_raw);
	*u = (struct unit_tally){ 0 };
}

static void ask_page(struct accepted_walk *w, u64 page)
{
	struct ktest *t = w->t;
	const struct platform_ops *p = platform_current();
	u64 unit = w->table ? handoff_unit_of(w->table, page) : ALIGN_DOWN(page, w->unit_size), raw;
	enum cc_page_state s;

	if (unit != w->unit.start)
		flush_unit(t, w), w->unit.start = unit;
	w->pages++;
	s = p->page_state(page, &raw);
	if (s != CC_PAGE_PENDING && s != CC_PAGE_UNKNOWN)
		return;
	if (!w->unit.bad++)
		w->unit.first = page, w->unit.first_raw = raw, w->unit.first_state = s;
}

/* On hardware only the pages the table covers are asked: page_state accepts what it finds pending. */
static void ask_if_ours(void *ctx, u64 page)
{
	struct accepted_walk *w = ctx;

	if (w->model || (w->table && handoff_table_covers(w->table, page)))
		ask_page(w, page);
}

KTEST(handoff, accepted_units_were_accepted)
{
	char why[256];
	struct accepted_walk w = { .t = t, .table = handoff_table(why, sizeof(why)),
				   .model = cc_platform_has(CC_ATTR_HW_MODEL) };

	if (!w.table && why[0])
		KTEST_SKIP(t, "no valid inherited unaccepted table (unaccepted_table_valid says why)");
	if (!platform_current()->page_state)
		KTEST_SKIP(t, "the platform cannot say whether a page is accepted");
	if (!w.table && !w.model)
		KTEST_SKIP(t, "no unaccepted table inherited; on hardware asking every page would accept it");
	w.unit_size = w.table ? w.table->unit_size : UNIT_NO_TABLE;
	w.unit.start = ~0ull;
	handoff_walk_accepted_ram(w.table, ask_if_ours, &w);
	flush_unit(t, &w);
	ktest_evidence(t, "%llu RAM page(s) %s asked; %llu not accepted, in %llu unit(s)", w.pages,
		       w.model ? "of all e820 RAM the table (or its absence) calls accepted" :
			       "in units the table calls accepted",
		       w.bad, w.bad_units);
}
