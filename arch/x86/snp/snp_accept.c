/* SPDX-License-Identifier: MIT */
/*
 * Accepting a range under SNP, in Linux's order (arch/x86/coco/sev/core.c, snp_accept_memory() ->
 * set_pages_state(..., SNP_PAGE_STATE_PRIVATE)): first the hypervisor assigns the pages to the guest
 * (one batched Page State Change to private), then the guest validates them with PVALIDATE, 2M where
 * aligned, 4K after a size mismatch (accept_pages()). PVALIDATE never zeroes.
 */
#include <arch/snp_spec.h>
#include <ccktf/string.h>
#include "snp.h"

u64 snp_accept_range(u64 start, u64 size, struct accept_stats *stats)
{
	u64 assigned = psc_set_range(start, size, SNP_PSC_OP_PRIVATE);
	u64 done = accept_pages(&snp_pvalidate_acceptor, start, assigned, stats);

	if (done == assigned && assigned < size)
		accept_record_error(stats, start + assigned, ACCEPT_4K, ACCEPT_FAILED, psc_last_error(),
				    "page-state change to private refused by the hypervisor");
	return done;
}
