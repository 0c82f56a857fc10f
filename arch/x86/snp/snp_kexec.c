/* SPDX-License-Identifier: MIT */
/*
 * handoff=self's stage 1 on SNP, just before the jump: what Linux does before a kexec, so that the next
 * stage finds all its memory private, validated and mapped with the C-bit (arch/x86/coco/sev/core.c):
 *   - snp_kexec_begin() stops new conversions: here one CPU runs, its tests are over, none is in flight;
 *   - snp_kexec_finish(): unshare_all_memory() makes every page the kernel made shared private again,
 *     then, with the GHCB page protocol off (boot_ghcb = NULL, sev_cfg.ghcbs_initialized = false), each
 *     CPU's GHCB through the GHCB MSR protocol; "can't do any more GHCB calls to the hypervisor beyond
 *     this point until the kexec'ed kernel starts running".
 * Each range in Linux's shared -> private order (set_pte_enc() sets the C-bit, then __set_pages_state() /
 * early_set_pages_state(): the Page State Change to private, then PVALIDATE). The pages are those this
 * guest's own Page State Changes recorded (pvalidate.c): the GHCB page and the guest-request pages.
 */
#include <arch/machine.h>
#include <arch/snp_spec.h>
#include <ccktf/boot.h>
#include <ccktf/console.h>
#include "snp.h"

const char *snp_kexec_refusal(void)
{
	if (snp_shared_record_lost())
		return "the SNP backend lost track of a page it made shared, so it cannot make every shared page "
		       "private again before the jump (Linux snp_kexec_finish())";
	if (svsm_present())
		return "below an SVSM the calling area and the SVSM's own state would have to cross; not carried";
	return NULL;
}

/* Which step of making a page private failed, at which page, with the raw status of that step. */
struct private_error {
	const char *step; /* NULL: none failed */
	u64 gpa, raw;
	unsigned term; /* the GHCB termination reason of Linux's set that matches the step */
};

static bool failed(struct private_error *e, const char *step, u64 gpa, u64 raw, unsigned term)
{
	*e = (struct private_error){ step, gpa, raw, term };
	return false;
}

/* [start, end) private again: C-bit, Page State Change (GHCB page protocol or MSR), PVALIDATE. */
static bool make_private(u64 start, u64 end, bool by_msr, struct private_error *e)
{
	u64 raw;
	bool unchanged;

	for (u64 gpa = start; gpa < end; gpa += EFI_PAGE_SIZE)
		if (!paging_set_page_flags(gpa, paging_encryption_mask(), 0)) /* no hardware status: our tables */
			return failed(e, "setting the C-bit (no page table to split)", gpa, 0, GHCB_TERM_PSC);
	for (u64 gpa = start; gpa < end; gpa += EFI_PAGE_SIZE)
		if (by_msr ? !psc_msr_4k(gpa, SNP_PSC_OP_PRIVATE)
			   : psc_set_range(gpa, EFI_PAGE_SIZE, SNP_PSC_OP_PRIVATE) != EFI_PAGE_SIZE)
			return failed(e, "the page-state change to private", gpa, psc_last_error(), GHCB_TERM_PSC);
	for (u64 gpa = start; gpa < end; gpa += EFI_PAGE_SIZE)
		if (snp_validate(gpa, PVALIDATE_PAGE_4K, PVALIDATE_VALIDATE, &unchanged, &raw) != PVALIDATE_SUCCESS)
			return failed(e, "PVALIDATE", gpa, raw, GHCB_TERM_PVALIDATE);
	e->step = NULL;
	return true;
}

/* Every shared range but the GHCB's, through the GHCB; then the GHCB through the MSR protocol. A failure
 * before the GHCB is printed (port I/O still works); one after it ends the guest through the MSR protocol. */
void snp_kexec_finish(void)
{
	u64 ghcb = snp_ghcb_gpa(), start, end, pages = 0;
	struct private_error e;

	for (unsigned i = 0; snp_shared_range(i, &start, &end);) {
		if (start <= ghcb && ghcb < end && end - start == EFI_PAGE_SIZE) {
			i++;
			continue;
		}
		if (!make_private(start, end, false, &e)) {
			printk("# handoff: FATAL: making [0x%llx, 0x%llx) private again: %s failed at 0x%llx (raw 0x%llx)\n",
			       start, end, e.step, e.gpa, e.raw);
			ghcb_terminate(GHCB_TERM_SET_LINUX, e.term);
		}
		pages += (end - start) / EFI_PAGE_SIZE; /* the record dropped the range: i now names the next */
	}
	printk("# handoff: snp: %llu shared page(s) private again; the GHCB at 0x%llx next, through the GHCB MSR "
	       "protocol: no port I/O from here to stage 2 (Linux snp_kexec_finish())\n", pages, ghcb);
	ghcb_page_retire();
	if (!make_private(ghcb, ghcb + EFI_PAGE_SIZE, true, &e)) /* no console now: the reason is the step's */
		ghcb_terminate(GHCB_TERM_SET_LINUX, e.term);
}
