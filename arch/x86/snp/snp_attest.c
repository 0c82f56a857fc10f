/* SPDX-License-Identifier: MIT */
/*
 * The guest asks its firmware for an attestation report, for the firmware version and TCB on the
 * "# platform-identity:" line (docs/protocol.md). As Linux does it (drivers/virt/coco/sev-guest/
 * sev-guest.c snp_send_guest_request(), arch/x86/coco/sev/core.c snp_issue_guest_request()); learnt from,
 * not copied:
 *   - the key is the VMPCK of the guest's VMPL (Linux's default vmpck_id): VMPCK0 at VMPL0, below an
 *     SVSM the VMPCK of the VMPL the secrets page names (the SVSM has wiped VMPCK0 in the guest's copy).
 *     An all-zero key was withheld or disabled: nothing is sent. The SVSM attestation protocol
 *     (SVSM_ATTEST_SERVICES) would also work below an SVSM; ccktf does not use it (docs/abi.md);
 *   - the sequence number: Linux keeps the last one in the secrets page's OS area (msg_seqno_N) and
 *     sends that plus one; the firmware answers with plus two, so the stored one goes up by two. After any
 *     failure once the message was handed to the host, the key is not used again (Linux
 *     snp_disable_vmpck()): a resend would reuse the IV, a fresh number would be refused;
 *   - the request and response pages are the guest's own, made shared as the GHCB page is (rescind the
 *     validation, Page State Change to shared, clear the C-bit); the response is copied into private
 *     memory before any field is looked at, and believed only after the checks of guest_msg.c;
 *   - the exit: SNP Guest Request (GHCB 0x8000_0011) with the two GPAs in SW_EXITINFO1/2; SW_EXITINFO2
 *     comes back with the firmware's status in 31:0 and the hypervisor's in 63:32.
 * The report's signature is not verified (that needs the VCEK and its certificate chain, outside the
 * guest): what the line prints is what the firmware said, authenticated by the VMPCK only.
 */
#include <arch/machine.h>
#include <arch/snp_msg_spec.h>
#include <arch/snp_spec.h>
#include <ccktf/aes_gcm.h>
#include <ccktf/format.h>
#include <ccktf/string.h>
#include "snp_attest.h"

/* REPORT_DATA: what the guest asks the firmware to echo, so that a report is known to answer this request. */
static const char report_data_tag[] = "ccktf platform-identity";

static u8 req_page[SNP_MSG_PAGE_BYTES] __attribute__((aligned(4096)));
static u8 resp_page[SNP_MSG_PAGE_BYTES] __attribute__((aligned(4096)));
static u8 resp_copy[SNP_MSG_PAGE_BYTES], plain[SNP_MSG_MAX_PAYLOAD];
/* The request is sealed here, in private memory, and only then copied to the shared page: GHASH reads the
 * header back as AAD, and the host could rewrite it between the writing and the reading in a shared page
 * (Linux seals into its private secret_request for the same reason). */
static u8 req_private[SNP_MSG_PAGE_BYTES];

static struct {
	bool pages_shared, share_failed, vmpck_disabled, have_result;
	const u8 *secrets;
	struct snp_attest_result result; /* the first request's, for the identity line */
} st;

static void clflush_page(void *page)
{
	for (unsigned off = 0; off < SNP_MSG_PAGE_BYTES; off += 64)
		asm volatile("clflush (%0)" : : "r"((u8 *)page + off) : "memory");
}

/* Private -> shared in Linux's order (snp_setup.c make_ghcb_shared()). */
static bool share(void *page)
{
	u64 gpa = (u64)(uintptr_t)page, raw;
	bool unchanged;

	clflush_page(page);
	if (snp_validate(gpa, PVALIDATE_PAGE_4K, PVALIDATE_RESCIND, &unchanged, &raw) != PVALIDATE_SUCCESS)
		return false;
	if (psc_set_range(gpa, SNP_MSG_PAGE_BYTES, SNP_PSC_OP_SHARED) != SNP_MSG_PAGE_BYTES)
		return false;
	return paging_set_page_flags(gpa, 0, paging_encryption_mask());
}

static unsigned guest_vmpl(const u8 *secrets)
{
	return svsm_present() ? secrets[SECRETS_OFF_SVSM_GUEST_VMPL] : 0;
}

static bool key_is_zero(const u8 *key)
{
	u8 any = 0;

	for (unsigned i = 0; i < SECRETS_VMPCK_BYTES; i++)
		any |= key[i];
	return !any;
}

static void build_request(u8 *req, unsigned vmpl)
{
	u32 v = vmpl;

	memset(req, 0, SNP_REPORT_REQ_BYTES);
	memcpy(req + SNP_REPORT_REQ_OFF_DATA, report_data_tag, sizeof(report_data_tag));
	memcpy(req + SNP_REPORT_REQ_OFF_VMPL, &v, sizeof(v)); /* our own VMPL; KEY_SEL 0: the default key */
}

/* After the message reached the host: a failure retires the key (see above). */
static void fail(struct snp_attest_result *a, enum snp_attest_outcome o, u64 raw)
{
	a->outcome = o;
	a->raw = raw;
	st.vmpck_disabled = true;
}

static void check_response(const u8 *key, struct snp_attest_result *a, u64 seqno)
{
	u32 status;
	u16 len;

	memcpy(resp_copy, resp_page, sizeof(resp_copy)); /* the host can change the shared page at any time */
	a->check = snp_msg_open(resp_copy, key, (u8)a->vmpck_id, seqno + 1, SNP_MSG_REPORT_RSP, SNP_MSG_REPORT_VERSION,
				plain, sizeof(plain), &len);
	if (a->check != SNP_MSG_OK)
		return fail(a, SNP_ATTEST_BAD_RESPONSE, 0);
	a->reserved_set = !snp_msg_reserved_clear(resp_copy);
	a->why = snp_report_parse(plain, len, &status, &a->report);
	if (status != SNP_REPORT_STATUS_SUCCESS) {
		a->why = NULL;
		return fail(a, SNP_ATTEST_REPORT_STATUS, status);
	}
	if (!a->why && memcmp(a->report.report_data, report_data_tag, sizeof(report_data_tag)))
		a->why = "REPORT_DATA is not what the guest sent";
	if (a->why)
		return fail(a, SNP_ATTEST_BAD_RESPONSE, 0);
	a->outcome = SNP_ATTEST_OK;
}

void snp_attest_request(const u8 *secrets, struct snp_attest_result *a)
{
	u8 request[SNP_REPORT_REQ_BYTES];
	const u8 *key;
	u32 stored;
	u64 seqno, info1, info2;

	memset(a, 0, sizeof(*a));
	if (!secrets) {
		a->outcome = SNP_ATTEST_NO_SECRETS;
		return;
	}
	a->vmpck_id = guest_vmpl(secrets);
	key = secrets + SECRETS_OFF_VMPCK0 + a->vmpck_id * SECRETS_VMPCK_BYTES;
	if (a->vmpck_id >= SECRETS_VMPCKS || st.vmpck_disabled || key_is_zero(key)) {
		a->outcome = SNP_ATTEST_NO_VMPCK;
		return;
	}
	if (!st.pages_shared && !st.share_failed) {
		st.pages_shared = share(req_page) && share(resp_page);
		st.share_failed = !st.pages_shared;
	}
	if (!st.pages_shared) {
		a->outcome = SNP_ATTEST_EXIT_ERROR; /* nothing was sent: the pages could not be shared */
		a->raw = psc_last_error();
		return;
	}
	memcpy(&stored, secrets + SECRETS_OFF_OS_SEQNO0 + 4 * a->vmpck_id, sizeof(stored));
	seqno = (u64)stored + 1;
	build_request(request, a->vmpck_id);
	memset(resp_page, 0, sizeof(resp_page));
	/* stored + 2 must not wrap, or a later request would reuse an IV (Linux: count >= UINT_MAX refused) */
	if (!snp_msg_seqno_left(stored) ||
	    !snp_msg_seal(req_private, key, (u8)a->vmpck_id, seqno, SNP_MSG_REPORT_REQ, SNP_MSG_REPORT_VERSION,
			  request, sizeof(request))) {
		a->outcome = SNP_ATTEST_NO_VMPCK; /* the 32-bit counter ran out (Linux: "sequence counter overflow") */
		st.vmpck_disabled = true;
		return;
	}
	memcpy(req_page, req_private, sizeof(req_page));
	ghcb_clear_valid();
	info1 = ghcb_call(SVM_VMGEXIT_GUEST_REQUEST, (u64)(uintptr_t)req_page, (u64)(uintptr_t)resp_page, &info2);
	stored += 2; /* the message is out: this number is spent whatever the answer (Linux snp_inc_msg_seqno()) */
	memcpy((u8 *)secrets + SECRETS_OFF_OS_SEQNO0 + 4 * a->vmpck_id, &stored, sizeof(stored));
	if (info1)
		return fail(a, SNP_ATTEST_EXIT_ERROR, info1);
	if (info2)
		return fail(a, SNP_ATTEST_FW_ERROR, info2);
	check_response(key, a, seqno);
	aes_gcm_wipe(plain, sizeof(plain));
}

/* For the snp suite (model only): the next request reuses the last sequence number, as a replay would. */
void snp_attest_rewind_seqno(const u8 *secrets, unsigned vmpck_id)
{
	u32 stored;
	u8 *p = (u8 *)secrets + SECRETS_OFF_OS_SEQNO0 + 4 * vmpck_id;

	memcpy(&stored, p, sizeof(stored));
	stored -= 2;
	memcpy(p, &stored, sizeof(stored));
}

const u8 *snp_attest_secrets(void)
{
	return st.secrets;
}

void snp_attest_identify(const struct snp_secrets_identity *s, const u8 *secrets, u32 cpuid_1_eax, char *buf,
			 size_t size)
{
	size_t n;

	if (!st.have_result) {
		st.secrets = s->present ? secrets : NULL;
		snp_attest_request(st.secrets, &st.result);
		st.have_result = true;
	}
	snp_attest_format(&st.result, buf, size);
	n = strlen(buf);
	if (n + 1 < size) {
		buf[n] = ' ';
		snp_identity_format(s, cpuid_1_eax, buf + n + 1, size - n - 1);
	}
}
