/* SPDX-License-Identifier: MIT */
/*
 * The SNP model's PSP: SNP_GUEST_REQUEST with MSG_REPORT_REQ (SEV-SNP Firmware ABI, pub. 56860,
 * "SNP_GUEST_REQUEST", "MSG_REPORT_REQ", "ATTESTATION_REPORT"; layouts in arch/snp_msg_spec.h). Pure.
 *
 * What it checks, never less than the firmware does:
 *   - the header (algorithm 1, header version 1, header size 0x60, reserved bytes zero, a payload that
 *     fits), a VMPCK id of 0-3;
 *   - the sequence number: exactly one more than the last one exchanged under that VMPCK. Linux's
 *     driver (sev-guest.c, above snp_disable_vmpck()) states the rule the firmware follows: it "only
 *     increments the sequence numbers on a successful guest<->ASP back and forth and only accepts
 *     messages at its exact sequence number". A replay or a skipped number fails and consumes nothing;
 *   - the tag (AES-256-GCM under that VMPCK, AAD = header from 0x30, IV = the sequence number);
 *   - the message: MSG_REPORT_REQ version 1 of exactly 0x60 bytes.
 * Any of these failing is answered with status INVALID_PARAM (0x16) and no response: the firmware's
 * exact status for each case is not public, so the model uses the one status the ABI defines for bad
 * command parameters (docs/abi.md, "Model choices that cannot be sourced").
 *
 * Inside the report request: VMPL below the VMPCK's VMPL, above 3, a KEY_SEL other than 0 or 1 (the
 * model has a VCEK and no VLEK) or a non-zero reserved byte make the response's STATUS
 * INVALID_PARAMETERS / INVALID_KEY_SELECTION, with no report, as the ABI's MSG_REPORT_RSP says.
 *
 * The report: version 3, the values in snp_model_psp.h, REPORT_DATA and VMPL from the request, the
 * CPUID fields from the part's CPUID 1 EAX (family = base + extended when base is 0xF, model =
 * extended << 4 | base, the AMD encoding the ABI names). MEASUREMENT, HOST_DATA, the ID and author key
 * digests, REPORT_ID, CHIP_ID and the SIGNATURE are zero: the model has no launch digest, no chip and
 * no VCEK, so a verifier must reject the report (an all-zero signature never verifies).
 */
#include <arch/snp_msg_spec.h>
#include <ccktf/aes_gcm.h>
#include <ccktf/string.h>
#include "../snp/guest_msg.h"
#include "snp_model_psp.h"

static void psp_put32(u8 *p, unsigned off, u32 v)
{
	memcpy(p + off, &v, sizeof(v));
}

static void psp_put64(u8 *p, unsigned off, u64 v)
{
	memcpy(p + off, &v, sizeof(v));
}

static u32 psp_get32(const u8 *p, unsigned off)
{
	u32 v;

	memcpy(&v, p + off, sizeof(v));
	return v;
}

static void cpuid_fields(u32 eax, u8 *fam, u8 *mod, u8 *step)
{
	u32 base_fam = (eax >> 8) & 0xf, ext_fam = (eax >> 20) & 0xff;
	u32 base_mod = (eax >> 4) & 0xf, ext_mod = (eax >> 16) & 0xf;

	*fam = (u8)(base_fam == 0xf ? base_fam + ext_fam : base_fam);
	*mod = (u8)(ext_mod << 4 | base_mod);
	*step = (u8)(eax & 0xf);
}

static void build_report(const struct snp_psp *psp, const u8 *req, u8 *report)
{
	memset(report, 0, SNP_REPORT_BYTES);
	psp_put32(report, SNP_REPORT_OFF_VERSION, SNP_MODEL_REPORT_VERSION);
	psp_put64(report, SNP_REPORT_OFF_POLICY, SNP_MODEL_POLICY);
	psp_put32(report, SNP_REPORT_OFF_VMPL, psp_get32(req, SNP_REPORT_REQ_OFF_VMPL));
	psp_put32(report, SNP_REPORT_OFF_SIG_ALGO, SNP_MODEL_SIG_ALGO_ECDSA_P384_SHA384);
	psp_put64(report, SNP_REPORT_OFF_CURRENT_TCB, SNP_MODEL_CURRENT_TCB);
	psp_put64(report, SNP_REPORT_OFF_PLATFORM_INFO, SNP_MODEL_PLATFORM_INFO);
	memcpy(report + SNP_REPORT_OFF_REPORT_DATA, req + SNP_REPORT_REQ_OFF_DATA, SNP_REPORT_REQ_DATA_BYTES);
	psp_put64(report, SNP_REPORT_OFF_REPORTED_TCB, SNP_MODEL_REPORTED_TCB);
	cpuid_fields(psp->cpuid_1_eax, &report[SNP_REPORT_OFF_CPUID_FAM_ID], &report[SNP_REPORT_OFF_CPUID_MOD_ID],
		     &report[SNP_REPORT_OFF_CPUID_STEP]);
	psp_put64(report, SNP_REPORT_OFF_COMMITTED_TCB, SNP_MODEL_COMMITTED_TCB);
	report[SNP_REPORT_OFF_CURRENT_BUILD] = SNP_MODEL_CURRENT_BUILD;
	report[SNP_REPORT_OFF_CURRENT_MINOR] = SNP_MODEL_CURRENT_MINOR;
	report[SNP_REPORT_OFF_CURRENT_MAJOR] = SNP_MODEL_CURRENT_MAJOR;
	report[SNP_REPORT_OFF_COMMITTED_BUILD] = SNP_MODEL_COMMITTED_BUILD;
	report[SNP_REPORT_OFF_COMMITTED_MINOR] = SNP_MODEL_COMMITTED_MINOR;
	report[SNP_REPORT_OFF_COMMITTED_MAJOR] = SNP_MODEL_COMMITTED_MAJOR;
	psp_put64(report, SNP_REPORT_OFF_LAUNCH_TCB, SNP_MODEL_LAUNCH_TCB);
}

/* MSG_REPORT_RSP for a request sealed with VMPCK vmpck_id; returns the payload's length. */
static u16 report_response(const struct snp_psp *psp, unsigned vmpck_id, const u8 *req, u8 *rsp)
{
	u32 vmpl = psp_get32(req, SNP_REPORT_REQ_OFF_VMPL), key_sel = psp_get32(req, SNP_REPORT_REQ_OFF_KEY_SEL);
	u8 reserved = 0;

	for (unsigned i = SNP_REPORT_REQ_OFF_KEY_SEL + 4; i < SNP_REPORT_REQ_BYTES; i++)
		reserved |= req[i];
	memset(rsp, 0, SNP_REPORT_RSP_OFF_REPORT);
	if (vmpl < vmpck_id || vmpl >= SECRETS_VMPCKS || reserved) {
		psp_put32(rsp, SNP_REPORT_RSP_OFF_STATUS, SNP_REPORT_STATUS_INVALID_PARAMETERS);
		return SNP_REPORT_RSP_OFF_REPORT;
	}
	if (key_sel > 1) { /* 2 = VLEK: the model has none installed; 3+ reserved */
		psp_put32(rsp, SNP_REPORT_RSP_OFF_STATUS, SNP_REPORT_STATUS_INVALID_KEY_SELECTION);
		return SNP_REPORT_RSP_OFF_REPORT;
	}
	psp_put32(rsp, SNP_REPORT_RSP_OFF_SIZE, SNP_REPORT_BYTES);
	build_report(psp, req, rsp + SNP_REPORT_RSP_OFF_REPORT);
	return SNP_REPORT_RSP_OFF_REPORT + SNP_REPORT_BYTES;
}

u32 snp_psp_guest_request(struct snp_psp *psp, const u8 *req, u8 *resp)
{
	static u8 plain[SNP_MSG_MAX_PAYLOAD], answer[SNP_REPORT_RSP_OFF_REPORT + SNP_REPORT_BYTES];
	struct snp_msg_hdr h;
	enum snp_msg_check c;
	u16 len, answer_len;

	psp->requests++;
	snp_msg_read_hdr(req, &h);
	/* The model PSP keeps refusing requests with reserved header bytes set, as it did before the guest's
	 * side stopped refusing such responses: the SNP Firmware ABI gives reserved fields as must-be-zero,
	 * and a model is never more permissive than the firmware. */
	if (h.vmpck >= SECRETS_VMPCKS || !snp_msg_reserved_clear(req))
		goto reject;
	c = snp_msg_open(req, psp->vmpck[h.vmpck], h.vmpck, psp->last_seqno[h.vmpck] + 1, SNP_MSG_REPORT_REQ,
			 SNP_MSG_REPORT_VERSION, plain, sizeof(plain), &len);
	if (c != SNP_MSG_OK || len != SNP_REPORT_REQ_BYTES)
		goto reject;
	answer_len = report_response(psp, h.vmpck, plain, answer);
	if (!snp_msg_seal(resp, psp->vmpck[h.vmpck], h.vmpck, h.seqno + 1, SNP_MSG_REPORT_RSP, SNP_MSG_REPORT_VERSION,
			  answer, answer_len))
		goto reject;
	psp->last_seqno[h.vmpck] = h.seqno + 1;
	aes_gcm_wipe(plain, sizeof(plain));
	return 0;
reject:
	psp->rejected++;
	aes_gcm_wipe(plain, sizeof(plain));
	return SEV_RET_INVALID_PARAM;
}
