/* SPDX-License-Identifier: MIT */
/*
 * SNP guest messages (SEV-SNP Firmware ABI, "SNP_GUEST_REQUEST" and the message header; layouts and
 * sources in arch/snp_msg_spec.h). Pure: no platform calls, so that the host tests run it and the
 * model's PSP uses the same code from the other end. Learnt from Linux sev-guest.c enc_payload() and
 * verify_and_dec_payload(): the header is built whole, the AAD is the header from 0x30, the IV the
 * sequence number; a response is believed only after its sequence number, type, version, size and tag
 * all check out. Reserved header bytes are not a reason to refuse a response (Linux does not look at them
 * either): those inside the AAD are authenticated by the tag, those outside it (0x28-0x2F, the tag's unused
 * half) the host may write; a refusal retires the VMPCK for the rest of the boot, so being stricter than
 * Linux would cost a real guest its key on firmware that uses a reserved field. snp_msg_reserved_clear()
 * lets the caller report them.
 */
#include <arch/snp_msg_spec.h>
#include <ccktf/aes_gcm.h>
#include <ccktf/format.h>
#include <ccktf/string.h>
#include "guest_msg.h"

static u16 get16(const u8 *p, unsigned off)
{
	u16 v;

	memcpy(&v, p + off, sizeof(v));
	return v;
}

static u32 get32(const u8 *p, unsigned off)
{
	u32 v;

	memcpy(&v, p + off, sizeof(v));
	return v;
}

static u64 get64(const u8 *p, unsigned off)
{
	u64 v;

	memcpy(&v, p + off, sizeof(v));
	return v;
}

static void put16(u8 *p, unsigned off, u16 v)
{
	memcpy(p + off, &v, sizeof(v));
}

static void put64(u8 *p, unsigned off, u64 v)
{
	memcpy(p + off, &v, sizeof(v));
}

const char *snp_msg_check_name(enum snp_msg_check c)
{
	static const char *const names[] = { "ok", "bad-header", "bad-vmpck", "bad-seqno", "bad-type", "auth-failed" };

	return (unsigned)c < ARRAY_SIZE(names) ? names[c] : "?";
}

void snp_msg_read_hdr(const u8 *msg, struct snp_msg_hdr *h)
{
	h->seqno = get64(msg, SNP_MSG_OFF_SEQNO);
	h->algo = msg[SNP_MSG_OFF_ALGO];
	h->hdr_version = msg[SNP_MSG_OFF_HDR_VERSION];
	h->hdr_size = get16(msg, SNP_MSG_OFF_HDR_SIZE);
	h->type = msg[SNP_MSG_OFF_TYPE];
	h->version = msg[SNP_MSG_OFF_VERSION];
	h->size = get16(msg, SNP_MSG_OFF_SIZE);
	h->vmpck = msg[SNP_MSG_OFF_VMPCK];
}

/* IV = MSG_SEQNO, little-endian, in the first 8 of 12 bytes (Linux enc_payload()). */
static void seqno_iv(u64 seqno, u8 iv[GCM_IV_BYTES])
{
	memset(iv, 0, GCM_IV_BYTES);
	memcpy(iv, &seqno, sizeof(seqno));
}

bool snp_msg_seal(u8 *msg, const u8 *vmpck, u8 vmpck_id, u64 seqno, u8 type, u8 version, const u8 *payload,
		  u16 len)
{
	u8 iv[GCM_IV_BYTES];

	if (!seqno || len > SNP_MSG_MAX_PAYLOAD - GCM_TAG_BYTES)
		return false;
	memset(msg, 0, SNP_MSG_HDR_BYTES);
	put64(msg, SNP_MSG_OFF_SEQNO, seqno);
	msg[SNP_MSG_OFF_ALGO] = SNP_AEAD_AES_256_GCM;
	msg[SNP_MSG_OFF_HDR_VERSION] = SNP_MSG_HDR_VERSION;
	put16(msg, SNP_MSG_OFF_HDR_SIZE, SNP_MSG_HDR_BYTES);
	msg[SNP_MSG_OFF_TYPE] = type;
	msg[SNP_MSG_OFF_VERSION] = version;
	put16(msg, SNP_MSG_OFF_SIZE, len);
	msg[SNP_MSG_OFF_VMPCK] = vmpck_id;
	seqno_iv(seqno, iv);
	aes256_gcm_encrypt(vmpck, iv, msg + SNP_MSG_AAD_OFF, SNP_MSG_AAD_BYTES, payload, len, msg + SNP_MSG_HDR_BYTES,
			   msg + SNP_MSG_OFF_AUTHTAG);
	return true;
}

/* Reserved header bytes: 0x28-0x2F, 0x38-0x3B, 0x3D-0x5F, and the tag's unused half. */
bool snp_msg_reserved_clear(const u8 *msg)
{
	u8 any = 0;

	for (unsigned i = GCM_TAG_BYTES; i < SNP_MSG_AUTHTAG_BYTES; i++)
		any |= msg[i];
	for (unsigned i = 0x28; i < 0x30; i++)
		any |= msg[i];
	for (unsigned i = 0x38; i < SNP_MSG_OFF_VMPCK; i++)
		any |= msg[i];
	for (unsigned i = SNP_MSG_OFF_VMPCK + 1; i < SNP_MSG_HDR_BYTES; i++)
		any |= msg[i];
	return !any;
}

enum snp_msg_check snp_msg_open(const u8 *msg, const u8 *vmpck, u8 vmpck_id, u64 seqno, u8 type, u8 version,
				u8 *out, size_t out_size, u16 *len)
{
	struct snp_msg_hdr h;
	u8 iv[GCM_IV_BYTES];

	snp_msg_read_hdr(msg, &h);
	*len = 0;
	if (h.algo != SNP_AEAD_AES_256_GCM || h.hdr_version != SNP_MSG_HDR_VERSION || h.hdr_size != SNP_MSG_HDR_BYTES ||
	    h.size > SNP_MSG_MAX_PAYLOAD - GCM_TAG_BYTES || h.size > out_size)
		return SNP_MSG_BAD_HEADER;
	if (h.vmpck != vmpck_id)
		return SNP_MSG_BAD_VMPCK;
	if (h.seqno != seqno)
		return SNP_MSG_BAD_SEQNO;
	if (h.type != type || h.version != version)
		return SNP_MSG_BAD_TYPE;
	seqno_iv(h.seqno, iv);
	if (!aes256_gcm_decrypt(vmpck, iv, msg + SNP_MSG_AAD_OFF, SNP_MSG_AAD_BYTES, msg + SNP_MSG_HDR_BYTES, h.size,
				msg + SNP_MSG_OFF_AUTHTAG, out))
		return SNP_MSG_AUTH_FAILED;
	*len = h.size;
	return SNP_MSG_OK;
}

struct snp_tcb snp_tcb_decode(u64 raw, bool turin)
{
	u8 b[8];

	memcpy(b, &raw, sizeof(b));
	if (turin)
		return (struct snp_tcb){ raw, true, b[0], b[1], b[2], b[3], b[7] };
	return (struct snp_tcb){ raw, false, 0, b[0], b[1], b[6], b[7] };
}

const char *snp_report_parse(const u8 *rsp, size_t len, u32 *status, struct snp_report *r)
{
	const u8 *p = rsp + SNP_REPORT_RSP_OFF_REPORT;
	u32 size;

	memset(r, 0, sizeof(*r));
	*status = 0;
	if (len < SNP_REPORT_RSP_OFF_REPORT)
		return "the response is shorter than its header";
	*status = get32(rsp, SNP_REPORT_RSP_OFF_STATUS);
	size = get32(rsp, SNP_REPORT_RSP_OFF_SIZE);
	if (*status != SNP_REPORT_STATUS_SUCCESS)
		return "the response's STATUS is not success";
	if (size < SNP_REPORT_BYTES || size > len - SNP_REPORT_RSP_OFF_REPORT)
		return "REPORT_SIZE is smaller than a report or larger than the response";
	r->version = get32(p, SNP_REPORT_OFF_VERSION);
	if (r->version < SNP_REPORT_MIN_VERSION)
		return "a report version before 2 has no firmware version fields";
	r->guest_svn = get32(p, SNP_REPORT_OFF_GUEST_SVN);
	r->policy = get64(p, SNP_REPORT_OFF_POLICY);
	r->vmpl = get32(p, SNP_REPORT_OFF_VMPL);
	r->sig_algo = get32(p, SNP_REPORT_OFF_SIG_ALGO);
	r->current_tcb = get64(p, SNP_REPORT_OFF_CURRENT_TCB);
	r->platform_info = get64(p, SNP_REPORT_OFF_PLATFORM_INFO);
	r->reported_tcb = get64(p, SNP_REPORT_OFF_REPORTED_TCB);
	r->committed_tcb = get64(p, SNP_REPORT_OFF_COMMITTED_TCB);
	r->launch_tcb = get64(p, SNP_REPORT_OFF_LAUNCH_TCB);
	r->current_build = p[SNP_REPORT_OFF_CURRENT_BUILD];
	r->current_minor = p[SNP_REPORT_OFF_CURRENT_MINOR];
	r->current_major = p[SNP_REPORT_OFF_CURRENT_MAJOR];
	r->committed_build = p[SNP_REPORT_OFF_COMMITTED_BUILD];
	r->committed_minor = p[SNP_REPORT_OFF_COMMITTED_MINOR];
	r->committed_major = p[SNP_REPORT_OFF_COMMITTED_MAJOR];
	r->has_cpuid = r->version >= SNP_REPORT_CPUID_VERSION;
	if (r->has_cpuid) {
		r->cpuid_fam = p[SNP_REPORT_OFF_CPUID_FAM_ID];
		r->cpuid_mod = p[SNP_REPORT_OFF_CPUID_MOD_ID];
		r->cpuid_step = p[SNP_REPORT_OFF_CPUID_STEP];
	}
	memcpy(r->report_data, p + SNP_REPORT_OFF_REPORT_DATA, sizeof(r->report_data));
	return NULL;
}

/* The current TCB's SVNs by the part's layout: Turin only when the report names family 1Ah. */
static int format_tcb(char *buf, size_t size, const struct snp_report *r)
{
	struct snp_tcb t = snp_tcb_decode(r->current_tcb, r->has_cpuid && r->cpuid_fam == SNP_TCB_FAMILY_TURIN);

	if (t.turin)
		return snprintf(buf, size, " snp_tcb_fmc=%u snp_tcb_bl=%u snp_tcb_tee=%u snp_tcb_snp=%u snp_tcb_ucode=%u",
				t.fmc, t.bootloader, t.tee, t.snp, t.microcode);
	return snprintf(buf, size, " snp_tcb_bl=%u snp_tcb_tee=%u snp_tcb_snp=%u snp_tcb_ucode=%u", t.bootloader,
			t.tee, t.snp, t.microcode);
}

void snp_attest_format(const struct snp_attest_result *a, char *buf, size_t size)
{
	static const char *const stage[] = { [SNP_ATTEST_EXIT_ERROR] = "exit", [SNP_ATTEST_FW_ERROR] = "firmware",
					     [SNP_ATTEST_REPORT_STATUS] = "report" };
	const struct snp_report *r = &a->report;
	int n;

	switch (a->outcome) {
	case SNP_ATTEST_OK:
		break;
	case SNP_ATTEST_NO_SECRETS:
		snprintf(buf, size, "firmware=not-read snp_report=no-secrets");
		return;
	case SNP_ATTEST_NO_VMPCK:
		snprintf(buf, size, "firmware=not-read snp_report=no-vmpck snp_vmpck=%u", a->vmpck_id);
		return;
	case SNP_ATTEST_BAD_RESPONSE:
		snprintf(buf, size, "firmware=not-read snp_report=bad-response snp_vmpck=%u snp_report_check=%s",
			 a->vmpck_id, a->why ? "report" : snp_msg_check_name(a->check));
		return;
	default:
		snprintf(buf, size, "firmware=not-read snp_report=err:0x%llx snp_report_stage=%s snp_vmpck=%u", a->raw,
			 stage[a->outcome], a->vmpck_id);
		return;
	}
	n = snprintf(buf, size,
		     "firmware=%u.%u.%u snp_report=ok snp_vmpck=%u snp_report_version=%u snp_committed=%u.%u.%u "
		     "snp_current_tcb=0x%016llx snp_reported_tcb=0x%016llx snp_committed_tcb=0x%016llx "
		     "snp_launch_tcb=0x%016llx",
		     r->current_major, r->current_minor, r->current_build, a->vmpck_id, r->version, r->committed_major,
		     r->committed_minor, r->committed_build, r->current_tcb, r->reported_tcb, r->committed_tcb,
		     r->launch_tcb);
	if (n < 0 || (size_t)n >= size)
		return;
	if (a->reserved_set)
		n += snprintf(buf + n, size - (size_t)n, " snp_msg_reserved=nonzero");
	if (n < 0 || (size_t)n >= size)
		return;
	n += format_tcb(buf + n, size - (size_t)n, r);
	if (n < 0 || (size_t)n >= size)
		return;
	snprintf(buf + n, size - (size_t)n, " snp_platform_info=0x%llx", r->platform_info);
}

bool snp_msg_seqno_left(u32 stored)
{
	return stored < 0xfffffffeu; /* the request uses stored + 1, the answer stored + 2: neither may wrap */
}
