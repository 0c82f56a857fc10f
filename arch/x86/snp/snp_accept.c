/* SPDX-License-Identifier: MIT */
/*
 * Accepting a range under SNP, in Linux's order (arch/x86/coco/sev/core.c, snp_accept_memory() ->
 * set_pages_state(..., SNP_PAGE_STATE_PRIVATE)): first the hypervisor assigns the pages to the guest
 * (one batched Page State Change to private), then the guest validates them with PVALIDATE, 2M where
 * aligned, 4K after a size mismatch (accept_pages()). PVALIDATE never zeroes: accept_zeroes is false.
 */
#include <arch/snp_spec.h>
#include <ccktf/string.h>
#include "snp.h"

static void record_psc_failure(struct accept_stats *s, u64 addr)
{
	if (!s || s->errors++)
		return;
	s->first_error_addr = addr;
	s->first_error_status = 0;
	s->first_error_level = ACCEPT_4K;
	s->first_error_answer = ACCEPT_FAILED;
	s->first_error_reason = "page-state change to private refused by the hypervisor";
}

u64 snp_accept_range(u64 start, u64 size, struct accept_stats *stats)
{
	u64 assigned = psc_set_range(start, size, SNP_PSC_OP_PRIVATE);
	u64 done = accept_pages(&snp_pvalidate_acceptor, start, assigned, stats);

	if (done == assigned && assigned < size)
		record_psc_failure(stats, start + assigned);
	return done;
}
