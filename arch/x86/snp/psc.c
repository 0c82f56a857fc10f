/* SPDX-License-Identifier: MIT */
/*
 * Page State Change: asking the hypervisor to assign pages to the guest (private) or take them back
 * (shared) in the RMP (GHCB spec 4.1.6, "SNP Page State Change"; 2.3.1 for the MSR form).
 *
 * With a GHCB page: one descriptor of up to 253 entries in the shared buffer per exit, 2 MiB entries
 * where the range allows (as Linux __set_pages_state() in arch/x86/coco/sev/core.c). The hypervisor may
 * return before the last entry; the guest re-issues while cur_entry <= end_entry, and treats a
 * hypervisor that moves backwards or changes end_entry as an error (Linux vmgexit_psc()).
 * Without one (before the GHCB is registered): the MSR protocol, one 4 KiB page per exit.
 */
#include <arch/snp_spec.h>
#include <ccktf/string.h>
#include "psc_plan.h"
#include "snp.h"

struct psc_hdr {
	u16 cur_entry, end_entry;
	u32 reserved;
} __packed;

struct psc_desc {
	struct psc_hdr hdr;
	u64 entries[PSC_MAX_ENTRIES];
} __packed;

_Static_assert(sizeof(struct psc_desc) == GHCB_SHARED_BUFFER_SIZE, "PSC descriptor fills the shared buffer");

/* The raw answer of the last refused change: the MSR response, or SW_EXITINFO1 / SW_EXITINFO2. */
static u64 last_error;

u64 psc_last_error(void)
{
	return last_error;
}

static bool refused(u64 raw)
{
	last_error = raw;
	return false;
}

static bool msr_4k(u64 gpa, unsigned op)
{
	u64 gfn = gpa >> GHCB_MSR_DATA_SHIFT;
	u64 resp = ghcb_msr_call(GHCB_MSR_PSC_REQ | (u64)(op & GHCB_MSR_PSC_OP_MASK) << GHCB_MSR_PSC_OP_SHIFT |
				 (gfn & GHCB_MSR_GFN_MASK) << GHCB_MSR_DATA_SHIFT);

	if ((resp & GHCB_MSR_INFO_MASK) != GHCB_MSR_PSC_RESP || resp >> GHCB_MSR_PSC_ERROR_SHIFT)
		return refused(resp);
	return true;
}

static u64 psc_by_msr(u64 start, u64 size, unsigned op)
{
	u64 done = 0;

	while (done < size && msr_4k(start + done, op))
		done += EFI_PAGE_SIZE;
	return done;
}

struct psc_cfg psc_cfg = { .max_entries = PSC_MAX_ENTRIES, .allow_2m = true };

/* Fills the descriptor from addr; returns the address after the last entry. */
static u64 fill_desc(struct psc_desc *d, u64 addr, u64 end, unsigned op)
{
	u64 next, *entries = (u64 *)(void *)((u8 *)d + sizeof(struct psc_hdr)); /* 8-aligned: the header is 8 */
	unsigned n = psc_plan_fill(entries, psc_cfg.max_entries, psc_cfg.allow_2m, addr, end, op, &next);

	d->hdr = (struct psc_hdr){ 0, (u16)(n - 1), 0 };
	return next;
}

/* Runs one descriptor to its end. */
static bool run_desc(volatile struct psc_desc *d)
{
	u64 scratch = ghcb_current_gpa() + GHCB_OFF_SHARED_BUFFER, info2; /* this CPU's GHCB */
	u16 end = d->hdr.end_entry;

	while (d->hdr.cur_entry <= d->hdr.end_entry) {
		u16 cur = d->hdr.cur_entry;
		u64 info1;
		ghcb_clear_valid();
		ghcb_set_field(GHCB_OFF_SW_SCRATCH, scratch);
		psc_cfg.exits++;
		if ((info1 = ghcb_call(SVM_VMGEXIT_PSC, 0, 0, &info2)))
			return refused(info1);
		if (info2)
			return refused(info2);
		if (d->hdr.end_entry != end || d->hdr.cur_entry < cur) /* the hypervisor moved backwards */
			return refused(PSC_ERROR_INVALID_HDR);
	}
	return true;
}

static u64 psc_by_ghcb(u64 start, u64 size, unsigned op)
{
	struct psc_desc *d = (void *)((u8 *)ghcb_page() + GHCB_OFF_SHARED_BUFFER);
	u64 addr = start, end = start + size;

	while (addr < end) {
		u64 next = fill_desc(d, addr, end, op);
		if (!run_desc(d))
			return addr - start;
		addr = next;
	}
	return size;
}

/* What the guest made shared, for snp_page_state() (pvalidate.c). */
static void note(u64 start, u64 done, unsigned op)
{
	if (op == SNP_PSC_OP_SHARED || op == SNP_PSC_OP_PRIVATE)
		snp_note_page_state(start, done, op == SNP_PSC_OP_SHARED);
}

bool psc_msr_4k(u64 gpa, unsigned op)
{
	bool ok = msr_4k(gpa, op);

	note(gpa, ok ? EFI_PAGE_SIZE : 0, op);
	return ok;
}

u64 psc_set_range(u64 start, u64 size, unsigned op)
{
	u64 done = ghcb_ready() ? psc_by_ghcb(start, size, op) : psc_by_msr(start, size, op);

	note(start, done, op);
	return done;
}
