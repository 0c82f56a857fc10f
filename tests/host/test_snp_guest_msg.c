/* SPDX-License-Identifier: MIT */
/*
 * SNP guest messages (arch/x86/snp/guest_msg.c) and the model's PSP (arch/x86/sim/snp_model_psp.c), both
 * pure and compiled in here: the header's bytes, sealing and opening, every check that must refuse a
 * message, the report's fields at their offsets, and the identity words.
 */
#include <ccktf/aes_gcm.h>
#include <ccktf/ktest.h>
#include <string.h>

#include "../../arch/x86/snp/guest_msg.c"
#include "../../arch/x86/sim/snp_model_psp.c"

KTEST_SUITE(host_snp_guest_msg, KTEST_AFTER_EXIT_BOOT_SERVICES, NULL);

static u8 key[32], other_key[32], msg[SNP_MSG_PAGE_BYTES], resp[SNP_MSG_PAGE_BYTES], out[SNP_MSG_MAX_PAYLOAD];

static void keys(void)
{
	for (unsigned i = 0; i < 32; i++) {
		key[i] = (u8)(0x40 + i);
		other_key[i] = (u8)(0x80 + i);
	}
}

/* The header as the ABI lays it out (Linux struct snp_guest_msg_hdr), byte for byte. */
KTEST(host_snp_guest_msg, header_bytes_at_their_offsets)
{
	static const u8 payload[0x60] = { 1, 2, 3 };
	u64 seqno;
	u16 v16;

	keys();
	memset(msg, 0xcc, sizeof(msg));
	KASSERT_TRUE(t, snp_msg_seal(msg, key, 2, 0x1234567811ull, SNP_MSG_REPORT_REQ, 1, payload, sizeof(payload)));
	memcpy(&seqno, msg + 0x20, 8);
	KEXPECT_EQ(t, seqno, 0x1234567811ull);
	KEXPECT_EQ(t, msg[0x30], 1); /* AES-256-GCM */
	KEXPECT_EQ(t, msg[0x31], 1); /* header version */
	memcpy(&v16, msg + 0x32, 2);
	KEXPECT_EQ(t, v16, 0x60);
	KEXPECT_EQ(t, msg[0x34], 5); /* MSG_REPORT_REQ */
	KEXPECT_EQ(t, msg[0x35], 1);
	memcpy(&v16, msg + 0x36, 2);
	KEXPECT_EQ(t, v16, 0x60);
	KEXPECT_EQ(t, msg[0x3c], 2);
	for (unsigned i = 0x10; i < 0x20; i++) /* the unused half of AUTHTAG */
		KEXPECT_EQ(t, msg[i], 0);
	KEXPECT_EQ(t, msg[0x28] | msg[0x2f] | msg[0x38] | msg[0x3b] | msg[0x3d] | msg[0x5f], 0);
	KEXPECT_TRUE(t, memcmp(msg + 0x60, payload, sizeof(payload)) != 0); /* encrypted */
	KEXPECT_EQ(t, msg[0x60 + sizeof(payload)], 0xcc);		      /* nothing past the payload */
}

/* IV = seqno || 0^32 and AAD = header[0x30..0x60): recompute the tag independently with the GCM primitive. */
KTEST(host_snp_guest_msg, aad_is_the_header_from_0x30_and_iv_the_seqno)
{
	static const u8 payload[16] = "sixteen bytes!!";
	u8 iv[12] = { 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, ct[16], tag[16];

	keys();
	KASSERT_TRUE(t, snp_msg_seal(msg, key, 0, 7, SNP_MSG_REPORT_REQ, 1, payload, sizeof(payload)));
	aes256_gcm_encrypt(key, iv, msg + 0x30, 0x30, payload, sizeof(payload), ct, tag);
	KEXPECT_TRUE(t, memcmp(msg + 0x60, ct, 16) == 0);
	KEXPECT_TRUE(t, memcmp(msg, tag, 16) == 0);
}

KTEST(host_snp_guest_msg, open_refuses_what_it_must)
{
	static const u8 payload[40] = "report request";
	u16 len;

	keys();
	KASSERT_TRUE(t, snp_msg_seal(msg, key, 0, 9, SNP_MSG_REPORT_RSP, 1, payload, sizeof(payload)));
	KEXPECT_EQ(t, snp_msg_open(msg, key, 0, 9, SNP_MSG_REPORT_RSP, 1, out, sizeof(out), &len), SNP_MSG_OK);
	KEXPECT_EQ(t, len, sizeof(payload));
	KEXPECT_TRUE(t, memcmp(out, payload, sizeof(payload)) == 0);
	KEXPECT_EQ(t, snp_msg_open(msg, key, 0, 7, SNP_MSG_REPORT_RSP, 1, out, sizeof(out), &len), SNP_MSG_BAD_SEQNO);
	KEXPECT_EQ(t, snp_msg_open(msg, key, 0, 11, SNP_MSG_REPORT_RSP, 1, out, sizeof(out), &len), SNP_MSG_BAD_SEQNO);
	KEXPECT_EQ(t, snp_msg_open(msg, key, 1, 9, SNP_MSG_REPORT_RSP, 1, out, sizeof(out), &len), SNP_MSG_BAD_VMPCK);
	KEXPECT_EQ(t, snp_msg_open(msg, key, 0, 9, SNP_MSG_REPORT_REQ, 1, out, sizeof(out), &len), SNP_MSG_BAD_TYPE);
	KEXPECT_EQ(t, snp_msg_open(msg, key, 0, 9, SNP_MSG_REPORT_RSP, 2, out, sizeof(out), &len), SNP_MSG_BAD_TYPE);
	KEXPECT_EQ(t, snp_msg_open(msg, key, 0, 9, SNP_MSG_REPORT_RSP, 1, out, 39, &len), SNP_MSG_BAD_HEADER);
	memset(out, 0xee, sizeof(payload));
	KEXPECT_EQ(t, snp_msg_open(msg, other_key, 0, 9, SNP_MSG_REPORT_RSP, 1, out, sizeof(out), &len),
		   SNP_MSG_AUTH_FAILED);
	KEXPECT_EQ(t, out[0] | out[39], 0); /* nothing of it handed out */
	KEXPECT_EQ(t, len, 0);
	msg[0x61] ^= 1; /* the ciphertext */
	KEXPECT_EQ(t, snp_msg_open(msg, key, 0, 9, SNP_MSG_REPORT_RSP, 1, out, sizeof(out), &len), SNP_MSG_AUTH_FAILED);
	msg[0x61] ^= 1;
	msg[0x5f] = 1; /* a reserved header byte inside the AAD, changed after sealing: the tag catches it */
	KEXPECT_EQ(t, snp_msg_open(msg, key, 0, 9, SNP_MSG_REPORT_RSP, 1, out, sizeof(out), &len), SNP_MSG_AUTH_FAILED);
	msg[0x5f] = 0;
	msg[0x30] = 2; /* another algorithm */
	KEXPECT_EQ(t, snp_msg_open(msg, key, 0, 9, SNP_MSG_REPORT_RSP, 1, out, sizeof(out), &len), SNP_MSG_BAD_HEADER);
	msg[0x30] = 1;
	KEXPECT_EQ(t, snp_msg_open(msg, key, 0, 9, SNP_MSG_REPORT_RSP, 1, out, sizeof(out), &len), SNP_MSG_OK);
	KEXPECT_FALSE(t, snp_msg_seal(msg, key, 0, 0, SNP_MSG_REPORT_REQ, 1, payload, 1)); /* seqno 0 is invalid */
	KEXPECT_FALSE(t, snp_msg_seal(msg, key, 0, 1, SNP_MSG_REPORT_REQ, 1, out, SNP_MSG_MAX_PAYLOAD - 15));
}

/*
 * Reserved header bytes set by whoever wrote the response are reported, not refused (Linux
 * verify_and_dec_payload() does not look at them): a refusal would retire the VMPCK. On the old code both
 * opens below answered BAD_HEADER.
 */
KTEST(host_snp_guest_msg, open_accepts_reserved_bytes_and_reports_them)
{
	static const u8 payload[40] = "report response";
	u8 iv[12] = { 9 };
	u16 len;

	keys();
	KASSERT_TRUE(t, snp_msg_seal(msg, key, 0, 9, SNP_MSG_REPORT_RSP, 1, payload, sizeof(payload)));
	KEXPECT_TRUE(t, snp_msg_reserved_clear(msg));
	msg[0x28] = 0x5a; /* outside the AAD: the host may write it */
	KEXPECT_EQ(t, snp_msg_open(msg, key, 0, 9, SNP_MSG_REPORT_RSP, 1, out, sizeof(out), &len), SNP_MSG_OK);
	KEXPECT_FALSE(t, snp_msg_reserved_clear(msg));
	msg[0x28] = 0;
	msg[0x40] = 1; /* inside the AAD, sealed by the sender */
	aes256_gcm_encrypt(key, iv, msg + 0x30, 0x30, payload, sizeof(payload), msg + 0x60, msg);
	KEXPECT_EQ(t, snp_msg_open(msg, key, 0, 9, SNP_MSG_REPORT_RSP, 1, out, sizeof(out), &len), SNP_MSG_OK);
	KEXPECT_EQ(t, len, sizeof(payload));
	KEXPECT_TRUE(t, memcmp(out, payload, sizeof(payload)) == 0);
	KEXPECT_FALSE(t, snp_msg_reserved_clear(msg));
}

static struct snp_psp psp;

static void psp_init(void)
{
	keys();
	memset(&psp, 0, sizeof(psp));
	for (unsigned k = 0; k < 4; k++)
		memcpy(psp.vmpck[k], k == 1 ? other_key : key, 32);
	psp.cpuid_1_eax = 0x00a10f11; /* family 19h model 11h stepping 1: Genoa */
}

static void report_request(u8 *req, u32 vmpl, u32 key_sel)
{
	memset(req, 0, 0x60);
	memcpy(req, "nonce", 5);
	memcpy(req + 0x40, &vmpl, 4);
	memcpy(req + 0x44, &key_sel, 4);
}

/* The guest's end and the PSP's end together: a report comes back at seqno + 1, then a replay fails. */
KTEST(host_snp_guest_msg, psp_answers_then_refuses_a_replay_and_a_skip)
{
	u8 req[0x60];
	u16 len;
	u32 status;
	struct snp_report r;

	psp_init();
	report_request(req, 0, 0);
	KASSERT_TRUE(t, snp_msg_seal(msg, key, 0, 1, SNP_MSG_REPORT_REQ, 1, req, sizeof(req)));
	memset(resp, 0, sizeof(resp));
	KASSERT_EQ(t, snp_psp_guest_request(&psp, msg, resp), 0);
	KASSERT_EQ(t, snp_msg_open(resp, key, 0, 2, SNP_MSG_REPORT_RSP, 1, out, sizeof(out), &len), SNP_MSG_OK);
	KEXPECT_EQ(t, len, 0x20 + 0x4a0);
	KEXPECT_EQ(t, snp_report_parse(out, len, &status, &r), NULL);
	KEXPECT_EQ(t, r.version, 3);
	KEXPECT_EQ(t, r.current_tcb, SNP_MODEL_CURRENT_TCB);
	KEXPECT_EQ(t, r.reported_tcb, SNP_MODEL_REPORTED_TCB);
	KEXPECT_EQ(t, r.committed_tcb, SNP_MODEL_COMMITTED_TCB);
	KEXPECT_EQ(t, r.launch_tcb, SNP_MODEL_LAUNCH_TCB);
	KEXPECT_EQ(t, r.current_major * 10000 + r.current_minor * 100 + r.current_build, 15521);
	KEXPECT_EQ(t, r.committed_major * 10000 + r.committed_minor * 100 + r.committed_build, 15519);
	KEXPECT_EQ(t, r.cpuid_fam, 0x19);
	KEXPECT_EQ(t, r.cpuid_mod, 0x11);
	KEXPECT_EQ(t, r.cpuid_step, 1);
	KEXPECT_TRUE(t, memcmp(r.report_data, "nonce", 6) == 0);
	/* the same sequence number again (a replay): INVALID_PARAM, and no response written */
	memset(resp, 0, sizeof(resp));
	KEXPECT_EQ(t, snp_psp_guest_request(&psp, msg, resp), SEV_RET_INVALID_PARAM);
	KEXPECT_EQ(t, resp[0x30], 0);
	/* a number skipped ahead fails too; so does 2 (the PSP's own) */
	KASSERT_TRUE(t, snp_msg_seal(msg, key, 0, 5, SNP_MSG_REPORT_REQ, 1, req, sizeof(req)));
	KEXPECT_EQ(t, snp_psp_guest_request(&psp, msg, resp), SEV_RET_INVALID_PARAM);
	KASSERT_TRUE(t, snp_msg_seal(msg, key, 0, 2, SNP_MSG_REPORT_REQ, 1, req, sizeof(req)));
	KEXPECT_EQ(t, snp_psp_guest_request(&psp, msg, resp), SEV_RET_INVALID_PARAM);
	/* refusals consumed nothing: 3 is still the next */
	KASSERT_TRUE(t, snp_msg_seal(msg, key, 0, 3, SNP_MSG_REPORT_REQ, 1, req, sizeof(req)));
	KEXPECT_EQ(t, snp_psp_guest_request(&psp, msg, resp), 0);
	KEXPECT_EQ(t, psp.rejected, 3);
}

KTEST(host_snp_guest_msg, psp_refuses_wrong_key_type_and_size)
{
	u8 req[0x60];

	psp_init();
	report_request(req, 0, 0);
	KASSERT_TRUE(t, snp_msg_seal(msg, other_key, 0, 1, SNP_MSG_REPORT_REQ, 1, req, sizeof(req))); /* not VMPCK0 */
	KEXPECT_EQ(t, snp_psp_guest_request(&psp, msg, resp), SEV_RET_INVALID_PARAM);
	KASSERT_TRUE(t, snp_msg_seal(msg, key, 4, 1, SNP_MSG_REPORT_REQ, 1, req, sizeof(req))); /* VMPCK4 */
	KEXPECT_EQ(t, snp_psp_guest_request(&psp, msg, resp), SEV_RET_INVALID_PARAM);
	KASSERT_TRUE(t, snp_msg_seal(msg, key, 0, 1, 3 /* MSG_KEY_REQ */, 1, req, 0x20));
	KEXPECT_EQ(t, snp_psp_guest_request(&psp, msg, resp), SEV_RET_INVALID_PARAM);
	KASSERT_TRUE(t, snp_msg_seal(msg, key, 0, 1, SNP_MSG_REPORT_REQ, 1, req, 0x40)); /* too short */
	KEXPECT_EQ(t, snp_psp_guest_request(&psp, msg, resp), SEV_RET_INVALID_PARAM);
	KEXPECT_EQ(t, psp.last_seqno[0], 0);
}

/* Inside the request: a VMPL below the key's, or an unknown key selection, is a STATUS in the response. */
KTEST(host_snp_guest_msg, report_status_for_a_lower_vmpl_or_a_vlek)
{
	u8 req[0x60];
	u16 len;
	u32 status;
	struct snp_report r;

	psp_init();
	report_request(req, 0, 0); /* VMPL 0 asked with VMPCK1 */
	KASSERT_TRUE(t, snp_msg_seal(msg, other_key, 1, 1, SNP_MSG_REPORT_REQ, 1, req, sizeof(req)));
	KASSERT_EQ(t, snp_psp_guest_request(&psp, msg, resp), 0);
	KASSERT_EQ(t, snp_msg_open(resp, other_key, 1, 2, SNP_MSG_REPORT_RSP, 1, out, sizeof(out), &len), SNP_MSG_OK);
	KEXPECT_NE(t, snp_report_parse(out, len, &status, &r), NULL);
	KEXPECT_EQ(t, status, SNP_REPORT_STATUS_INVALID_PARAMETERS);
	report_request(req, 1, 2); /* VLEK: none installed */
	KASSERT_TRUE(t, snp_msg_seal(msg, other_key, 1, 3, SNP_MSG_REPORT_REQ, 1, req, sizeof(req)));
	KASSERT_EQ(t, snp_psp_guest_request(&psp, msg, resp), 0);
	KASSERT_EQ(t, snp_msg_open(resp, other_key, 1, 4, SNP_MSG_REPORT_RSP, 1, out, sizeof(out), &len), SNP_MSG_OK);
	KEXPECT_NE(t, snp_report_parse(out, len, &status, &r), NULL);
	KEXPECT_EQ(t, status, SNP_REPORT_STATUS_INVALID_KEY_SELECTION);
	report_request(req, 1, 0); /* its own VMPL: a report */
	KASSERT_TRUE(t, snp_msg_seal(msg, other_key, 1, 5, SNP_MSG_REPORT_REQ, 1, req, sizeof(req)));
	KASSERT_EQ(t, snp_psp_guest_request(&psp, msg, resp), 0);
	KASSERT_EQ(t, snp_msg_open(resp, other_key, 1, 6, SNP_MSG_REPORT_RSP, 1, out, sizeof(out), &len), SNP_MSG_OK);
	KEXPECT_EQ(t, snp_report_parse(out, len, &status, &r), NULL);
	KEXPECT_EQ(t, r.vmpl, 1);
}

/* A hand-built report (no model): each field from its offset, the Turin TCB layout by CPUID_FAM_ID. */
KTEST(host_snp_guest_msg, report_fields_and_tcb_layouts)
{
	static u8 rsp[0x20 + 0x4a0];
	u8 *p = rsp + 0x20;
	u32 v, status;
	u64 tcb = 0x1100000413020105ull;
	struct snp_report r;
	struct snp_tcb d;

	memset(rsp, 0, sizeof(rsp));
	v = 0x4a0;
	memcpy(rsp + 4, &v, 4);
	v = 5;
	memcpy(p, &v, 4);
	memcpy(p + 0x38, &tcb, 8);
	p[0x188] = 0x1a; /* Turin */
	p[0x1e8] = 3, p[0x1e9] = 58, p[0x1ea] = 1;
	p[0x1ec] = 2, p[0x1ed] = 57, p[0x1ee] = 1;
	KASSERT_EQ(t, snp_report_parse(rsp, sizeof(rsp), &status, &r), NULL);
	KEXPECT_EQ(t, r.version, 5);
	KEXPECT_EQ(t, r.current_major, 1);
	KEXPECT_EQ(t, r.current_minor, 58);
	KEXPECT_EQ(t, r.current_build, 3);
	KEXPECT_EQ(t, r.committed_minor, 57);
	KEXPECT_TRUE(t, r.has_cpuid);
	d = snp_tcb_decode(r.current_tcb, r.cpuid_fam == 0x1a);
	KEXPECT_TRUE(t, d.turin);
	KEXPECT_EQ(t, d.fmc, 5);
	KEXPECT_EQ(t, d.bootloader, 1);
	KEXPECT_EQ(t, d.tee, 2);
	KEXPECT_EQ(t, d.snp, 0x13);
	KEXPECT_EQ(t, d.microcode, 0x11);
	d = snp_tcb_decode(r.current_tcb, false); /* Milan/Genoa: bytes 0, 1, 6, 7 */
	KEXPECT_EQ(t, d.bootloader, 5);
	KEXPECT_EQ(t, d.tee, 1);
	KEXPECT_EQ(t, d.snp, 0);
	KEXPECT_EQ(t, d.microcode, 0x11);
	/* what cannot be believed */
	KEXPECT_NE(t, snp_report_parse(rsp, 0x1f, &status, &r), NULL);
	KEXPECT_NE(t, snp_report_parse(rsp, sizeof(rsp) - 1, &status, &r), NULL); /* REPORT_SIZE past the end */
	v = 1;
	memcpy(p, &v, 4);
	KEXPECT_NE(t, snp_report_parse(rsp, sizeof(rsp), &status, &r), NULL); /* version 1: no firmware fields */
}

KTEST(host_snp_guest_msg, identity_words_for_each_outcome)
{
	struct snp_attest_result a = { 0 };
	char buf[400];

	a.outcome = SNP_ATTEST_OK;
	a.report = (struct snp_report){ .version = 3, .current_major = 1, .current_minor = 55, .current_build = 21,
					.committed_major = 1, .committed_minor = 55, .committed_build = 19,
					.current_tcb = SNP_MODEL_CURRENT_TCB, .reported_tcb = 0x2, .committed_tcb = 0x3,
					.launch_tcb = 0x4, .platform_info = 0x1, .has_cpuid = true, .cpuid_fam = 0x19 };
	snp_attest_format(&a, buf, sizeof(buf));
	KEXPECT_STREQ(t, buf,
		      "firmware=1.55.21 snp_report=ok snp_vmpck=0 snp_report_version=3 snp_committed=1.55.19 "
		      "snp_current_tcb=0x480e000000000007 snp_reported_tcb=0x0000000000000002 "
		      "snp_committed_tcb=0x0000000000000003 snp_launch_tcb=0x0000000000000004 snp_tcb_bl=7 snp_tcb_tee=0 "
		      "snp_tcb_snp=14 snp_tcb_ucode=72 snp_platform_info=0x1");
	a.report.cpuid_fam = 0x1a;
	a.report.current_tcb = 0x1100000413020105ull;
	snp_attest_format(&a, buf, sizeof(buf));
	KEXPECT_TRUE(t, strstr(buf, " snp_tcb_fmc=5 snp_tcb_bl=1 snp_tcb_tee=2 snp_tcb_snp=19 snp_tcb_ucode=17 ") != NULL);
	a = (struct snp_attest_result){ .outcome = SNP_ATTEST_FW_ERROR, .raw = 0x16, .vmpck_id = 1 };
	snp_attest_format(&a, buf, sizeof(buf));
	KEXPECT_STREQ(t, buf, "firmware=not-read snp_report=err:0x16 snp_report_stage=firmware snp_vmpck=1");
	a = (struct snp_attest_result){ .outcome = SNP_ATTEST_FW_ERROR, .raw = 0x200000000ull };
	snp_attest_format(&a, buf, sizeof(buf));
	KEXPECT_STREQ(t, buf, "firmware=not-read snp_report=err:0x200000000 snp_report_stage=firmware snp_vmpck=0");
	a = (struct snp_attest_result){ .outcome = SNP_ATTEST_EXIT_ERROR, .raw = 2 };
	snp_attest_format(&a, buf, sizeof(buf));
	KEXPECT_STREQ(t, buf, "firmware=not-read snp_report=err:0x2 snp_report_stage=exit snp_vmpck=0");
	a = (struct snp_attest_result){ .outcome = SNP_ATTEST_REPORT_STATUS, .raw = 0x27 };
	snp_attest_format(&a, buf, sizeof(buf));
	KEXPECT_STREQ(t, buf, "firmware=not-read snp_report=err:0x27 snp_report_stage=report snp_vmpck=0");
	a = (struct snp_attest_result){ .outcome = SNP_ATTEST_BAD_RESPONSE, .check = SNP_MSG_AUTH_FAILED };
	snp_attest_format(&a, buf, sizeof(buf));
	KEXPECT_STREQ(t, buf, "firmware=not-read snp_report=bad-response snp_vmpck=0 snp_report_check=auth-failed");
	a = (struct snp_attest_result){ .outcome = SNP_ATTEST_NO_VMPCK, .vmpck_id = 1 };
	snp_attest_format(&a, buf, sizeof(buf));
	KEXPECT_STREQ(t, buf, "firmware=not-read snp_report=no-vmpck snp_vmpck=1");
	a = (struct snp_attest_result){ .outcome = SNP_ATTEST_NO_SECRETS };
	snp_attest_format(&a, buf, sizeof(buf));
	KEXPECT_STREQ(t, buf, "firmware=not-read snp_report=no-secrets");
}

/* Review of bba3923: stored = 0xfffffffe let a request go out, then stored += 2 wrapped to 0 and the next
 * request reused sequence number (and IV) 1 under the same key. */
KTEST(host_snp_guest_msg, no_sequence_number_wraps)
{
	KEXPECT_TRUE(t, snp_msg_seqno_left(0));
	KEXPECT_TRUE(t, snp_msg_seqno_left(0xfffffffdu));
	KEXPECT_FALSE(t, snp_msg_seqno_left(0xfffffffeu));
	KEXPECT_FALSE(t, snp_msg_seqno_left(0xffffffffu));
}
