/* SPDX-License-Identifier: MIT */
/* The SNP AP waker's record of each AP (snp_ap_create.c), for the tests (tests/snp/snp_ap.c). */
#ifndef ARCH_X86_SNP_SNP_AP_H
#define ARCH_X86_SNP_SNP_AP_H

#include <ccktf/types.h>

struct snp_ap_info {
	u64 vmsa_gpa;	      /* its VMSA page (0: never filled) */
	u64 ghcb_gpa;	      /* its own GHCB page, shared */
	u64 info1, info2;     /* SW_EXITINFO1/2 the hypervisor returned for its AP Creation request */
	u64 take_back_status; /* the page's way back from VMSA after a refusal or give-up (0: done) */
	u64 destroy_status;   /* SW_EXITINFO1[31:0] of the DESTROY after a give-up */
	bool leaked;	      /* the take-back failed: the page may still be a VMSA in use, never reused */
	bool created;	      /* the hypervisor took the request (and no DESTROY followed) */
	bool registered;      /* the AP registered its GHCB itself */
};

/* Slot index's record (1 .. ncpus - 1), NULL otherwise. */
const struct snp_ap_info *snp_ap_info(u32 index);
/*
 * One AP Creation NAE through this CPU's GHCB: event (SVM_VMGEXIT_AP_*) for apic_id, the VMSA at vmsa_gpa,
 * RAX = sev_features when rax_valid. Returns SW_EXITINFO1[31:0] (0: accepted; all ones when the hypervisor
 * did not mark it valid), the raw SW_EXITINFO1/2 in *info1, *info2.
 */
u64 snp_ap_creation(u32 apic_id, u32 event, u64 vmsa_gpa, u64 sev_features, bool rax_valid, u64 *info1,
		    u64 *info2);

#endif
