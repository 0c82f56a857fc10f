/* SPDX-License-Identifier: MIT */
/*
 * SNP guest messages, both ends (pure: the host tests compile it): sealing and opening a message page
 * under a VMPCK (arch/x86/snp/guest_msg.c), the MSG_REPORT_RSP and ATTESTATION_REPORT fields, and the
 * platform-identity words made of them. The guest (snp_attest.c) and the model's PSP
 * (arch/x86/sim/snp_model_psp.c) share it, as a firmware and its driver share a header format.
 */
#ifndef ARCH_X86_SNP_GUEST_MSG_H
#define ARCH_X86_SNP_GUEST_MSG_H

#include <ccktf/types.h>

struct snp_msg_hdr {
	u64 seqno;
	u8 algo, hdr_version, type, version, vmpck;
	u16 hdr_size, size;
};

/* What opening a message found; only SNP_MSG_OK hands out a payload. */
enum snp_msg_check {
	SNP_MSG_OK,
	SNP_MSG_BAD_HEADER, /* algorithm, header version or size, or the payload size */
	SNP_MSG_BAD_VMPCK,  /* sealed with another VMPCK than expected */
	SNP_MSG_BAD_SEQNO,  /* not the sequence number expected: a replay, or a lost message */
	SNP_MSG_BAD_TYPE,   /* another message type or version than expected */
	SNP_MSG_AUTH_FAILED, /* AES-256-GCM said FAIL */
};
const char *snp_msg_check_name(enum snp_msg_check c);

void snp_msg_read_hdr(const u8 *msg, struct snp_msg_hdr *h);
/* Writes the header and the sealed payload into the message page msg (SNP_MSG_PAGE_BYTES); false if
 * len does not fit or seqno is 0 (the firmware treats 0 as invalid, Linux never sends it). */
bool snp_msg_seal(u8 *msg, const u8 *vmpck, u8 vmpck_id, u64 seqno, u8 type, u8 version, const u8 *payload,
		  u16 len);
/* Checks the header against what is expected, then authenticates and decrypts into out (out_size
 * bytes); *len is the payload's size on success. */
/* Are the message's reserved header bytes all zero? (Not checked by snp_msg_open(): see guest_msg.c.) */
bool snp_msg_reserved_clear(const u8 *msg);
enum snp_msg_check snp_msg_open(const u8 *msg, const u8 *vmpck, u8 vmpck_id, u64 seqno, u8 type, u8 version,
				u8 *out, size_t out_size, u16 *len);

/* TCB_VERSION decoded by the part's layout (snp_msg_spec.h). */
struct snp_tcb {
	u64 raw;
	bool turin; /* byte 0 is FMC */
	u8 fmc, bootloader, tee, snp, microcode;
};
struct snp_tcb snp_tcb_decode(u64 raw, bool turin);

struct snp_report {
	u32 version, guest_svn, vmpl, sig_algo;
	u64 policy, platform_info;
	u64 current_tcb, reported_tcb, committed_tcb, launch_tcb;
	u8 current_major, current_minor, current_build;
	u8 committed_major, committed_minor, committed_build;
	bool has_cpuid; /* version 3+ */
	u8 cpuid_fam, cpuid_mod, cpuid_step;
	u8 report_data[64];
};
/* A decrypted MSG_REPORT_RSP payload of len bytes: NULL and *r filled, or why it cannot be believed
 * (*status is the response's STATUS either way, 0 when too short to have one). */
const char *snp_report_parse(const u8 *rsp, size_t len, u32 *status, struct snp_report *r);

/* The outcome of one attestation request, as the identity line reports it (docs/protocol.md). */
enum snp_attest_outcome {
	SNP_ATTEST_OK,
	SNP_ATTEST_NO_SECRETS,	  /* no secrets page: no VMPCK to speak with */
	SNP_ATTEST_NO_VMPCK,	  /* the VMPCK for our VMPL is all zeroes (withheld, or disabled after an error) */
	SNP_ATTEST_EXIT_ERROR,	  /* the hypervisor refused the exit: raw = SW_EXITINFO1 */
	SNP_ATTEST_FW_ERROR,	  /* the request failed: raw = SW_EXITINFO2 (VMM error 63:32, firmware status 31:0) */
	SNP_ATTEST_REPORT_STATUS, /* the firmware answered, STATUS non-zero: raw = STATUS */
	SNP_ATTEST_BAD_RESPONSE,  /* the response failed a check (check says which): nothing in it believed */
};
struct snp_attest_result {
	enum snp_attest_outcome outcome;
	u64 raw;
	enum snp_msg_check check;
	const char *why;  /* for BAD_RESPONSE from the report parser */
	unsigned vmpck_id;
	bool reserved_set; /* the response had a reserved header byte set (reported, not refused) */
	struct snp_report report;
};
/* The identity words for this outcome, before the secrets page's (snp_identity_format()). */
void snp_attest_format(const struct snp_attest_result *a, char *buf, size_t size);

/*
 * Whether a request may still be sent when the secrets page's count for this VMPCK is `stored` (the last
 * response's sequence number): a wrapped count would reuse an IV under the same key (Linux refuses a count
 * of UINT_MAX, "request message sequence counter overflow").
 */
bool snp_msg_seqno_left(u32 stored);

#endif
