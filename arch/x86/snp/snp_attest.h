/* SPDX-License-Identifier: MIT */
/* snp_attest.c: the attestation report the guest requests for its platform-identity line. */
#ifndef ARCH_X86_SNP_SNP_ATTEST_H
#define ARCH_X86_SNP_SNP_ATTEST_H

#include "guest_msg.h"
#include "snp.h"

/* One MSG_REPORT_REQ through SNP_GUEST_REQUEST with the VMPCK of the guest's VMPL (secrets: NULL if none). */
void snp_attest_request(const u8 *secrets, struct snp_attest_result *a);
/*
 * The SNP identity words: the first request's outcome (made on the first call, then kept), then the
 * secrets page head (snp_identity_format()). secrets is the page the CC blob names, NULL without one.
 */
void snp_attest_identify(const struct snp_secrets_identity *s, const u8 *secrets, u32 cpuid_1_eax, char *buf,
			 size_t size);
/* The secrets page the identity request used (NULL before it, or without one). */
const u8 *snp_attest_secrets(void);
/* Tests against the model only: the next request reuses the last sequence number (a replay). */
void snp_attest_rewind_seqno(const u8 *secrets, unsigned vmpck_id);

#endif
