/* SPDX-License-Identifier: MIT */
/*
 * The SNP model with an SVSM below the guest (sim_svsm=1): the guest runs at VMPL 1 and a modelled SVSM
 * at VMPL0 validates for it, as COCONUT-SVSM does (kernel/src/protocols/core.rs core_pvalidate(); the SVSM
 * spec, AMD pub. 58019). What the model does:
 *   - the secrets page names the SVSM: svsm_base/size (a reserved page standing for its memory), the
 *     Calling Area (another reserved page), protocol version 1, guest VMPL 1;
 *   - RMPADJUST with target VMPL 1 answers FAIL_PERMISSION below VMPL0, 0 at VMPL0;
 *   - PVALIDATE by the guest raises #GP (snp_model_pvalidate.c);
 *   - the hypervisor offers multi-VMPL guests (HV_FEATURES bit 5) and runs the SVSM on an SNP Run VMPL
 *     request for VMPL 0 (GHCB MSR 0x016; the answer 0x017): the SVSM takes the call only if call_pending
 *     is set, clears it, and answers in RAX;
 *   - SVSM_CORE_PVALIDATE walks the request from its next entry, stops at the first failure with next left
 *     there (0x80001000 + the PVALIDATE status; CF=1 without ignore_cf: 0x80001010), as COCONUT-SVSM does.
 *     Unlike COCONUT-SVSM, which zeroes each page it validates, the model leaves contents alone (the SVSM
 *     spec does not promise either; a guest must not rely on it).
 *   - SVSM_CORE_CREATE_VCPU / DELETE_VCPU make a page a VMSA for the guest's VMPL and back, with the new
 *     vCPU's own Calling Area (snp_model_ap.c, after COCONUT-SVSM core_create_vcpu()); a call from that
 *     vCPU is then taken from its Calling Area.
 */
#include <arch/snp_spec.h>
#include <ccktf/args.h>
#include <ccktf/boot.h>
#include <ccktf/string.h>
#include "snp_model.h"
#include "snp_model_ap.h"

#define MODEL_GUEST_VMPL 1
#define MODEL_SVSM_VERSION 1
#define MODEL_SVSM_SIZE (2 * MiB) /* what the secrets page says the SVSM occupies */
#define PVAL_MAX_ENTRIES ((EFI_PAGE_SIZE - SVSM_CAA_OFF_BUFFER - SVSM_PVAL_HDR_BYTES) / 8)

static struct {
	bool enabled;
	u8 *caa;
	u64 calls, pvalidate_entries;
} svsm;

static bool parse_svsm(const char *v)
{
	return args_parse_flag(v, &svsm.enabled);
}

static const struct arg_key_ext sim_svsm_key = { "sim_svsm", "0|1", parse_svsm };
ARG_KEY_REGISTER(sim_svsm_key);

unsigned snp_model_guest_vmpl(void)
{
	return svsm.enabled ? MODEL_GUEST_VMPL : 0;
}

u64 snp_model_svsm_calls(void)
{
	return svsm.calls;
}

const char *snp_model_svsm_init(struct boot_info *b, u8 *secrets)
{
	u64 caa, base, size = MODEL_SVSM_SIZE;
	u32 version = MODEL_SVSM_VERSION;

	if (!svsm.enabled)
		return NULL;
	svsm.caa = efi_allocate_pages(b, 1, EFI_RESERVED_MEMORY);
	base = (u64)(uintptr_t)efi_allocate_pages(b, 1, EFI_RESERVED_MEMORY);
	if (!svsm.caa || !base)
		return "AllocatePages for the modelled SVSM failed";
	memset(svsm.caa, 0, EFI_PAGE_SIZE);
	caa = (u64)(uintptr_t)svsm.caa;
	memcpy(secrets + SECRETS_OFF_SVSM_BASE, &base, 8);
	memcpy(secrets + SECRETS_OFF_SVSM_SIZE, &size, 8);
	memcpy(secrets + SECRETS_OFF_SVSM_CAA, &caa, 8);
	memcpy(secrets + SECRETS_OFF_SVSM_MAX_VERSION, &version, 4);
	secrets[SECRETS_OFF_SVSM_GUEST_VMPL] = MODEL_GUEST_VMPL;
	return NULL;
}

/*
 * RMPADJUST (APM vol. 3): a page size other than 0/1, a VA not aligned to it, or a page that is not
 * validated is FAIL_INPUT; below VMPL0 (or a target VMPL not above the caller's) FAIL_PERMISSION. The model
 * keeps no per-VMPL permissions: at VMPL0 it answers success without recording them. It does record the
 * VMSA bit (RDX bit 16, the RMP entry's VMSA flag, snp_model_ap.c), which only a 4 KiB page may carry: a
 * 2 MiB RMPADJUST asking for it is FAIL_INPUT (the VMSA rules of APM vol. 2 15.36; Linux and COCONUT-SVSM
 * only ever make 4K VMSAs).
 */
bool snp_model_rmpadjust(struct cpu_regs *r)
{
	u64 size = r->rcx == PVALIDATE_PAGE_2M ? 2 * MiB : EFI_PAGE_SIZE;
	bool vmsa = r->rdx & RMPADJUST_VMSA_PAGE_BIT;

	if (r->rcx > PVALIDATE_PAGE_2M || !IS_ALIGNED(r->rax, size) || !snp_rmp_is_validated(r->rax / EFI_PAGE_SIZE))
		r->rax = PVALIDATE_FAIL_INPUT;
	else if (svsm.enabled || (r->rdx & 0xff) == 0)
		r->rax = RMPADJUST_FAIL_PERMISSION;
	else if (vmsa && r->rcx != PVALIDATE_PAGE_4K)
		r->rax = PVALIDATE_FAIL_INPUT;
	else if (r->rcx == PVALIDATE_PAGE_4K && snp_model_vmsa_in_use(r->rax / EFI_PAGE_SIZE))
		r->rax = RMPADJUST_FAIL_INUSE; /* APM vol. 2 15.36.12 (snp_model_ap.c) */
	else if (r->rcx == PVALIDATE_PAGE_4K && !snp_model_set_vmsa(r->rax / EFI_PAGE_SIZE, vmsa))
		r->rax = PVALIDATE_FAIL_INPUT; /* the model's VMSA table is full: refused, never ignored */
	else
		r->rax = 0;
	return true;
}

/* One entry; 0 or the SVSM code that stops the walk. */
static u64 pvalidate_entry(u64 e)
{
	u64 size = e & SVSM_PVAL_PAGE_SIZE_MASK, gpa = e & SVSM_PVAL_GPA_MASK;
	bool unchanged = false;
	u64 status;

	if (size > PVALIDATE_PAGE_2M || !IS_ALIGNED(gpa, size ? 2 * MiB : EFI_PAGE_SIZE))
		return SVSM_ERR_INVALID_PARAMETER;
	svsm.pvalidate_entries++;
	status = snp_model_svsm_validate(gpa, size == PVALIDATE_PAGE_2M, e & SVSM_PVAL_ACTION_VALIDATE, &unchanged);
	if (status)
		return SVSM_ERR_PVALIDATE_BASE | status;
	if (unchanged && !(e & SVSM_PVAL_IGNORE_CF))
		return SVSM_PVALIDATE_FAIL_NOCHANGE;
	return SVSM_SUCCESS;
}

static u64 core_pvalidate(u64 req_gpa)
{
	u8 *req = (u8 *)(uintptr_t)req_gpa;
	u16 entries, next;
	u64 result = SVSM_SUCCESS;

	if (!IS_ALIGNED(req_gpa, 8) || ALIGN_DOWN(req_gpa, EFI_PAGE_SIZE) != ALIGN_DOWN(req_gpa + 7, EFI_PAGE_SIZE))
		return SVSM_ERR_INVALID_PARAMETER;
	memcpy(&entries, req, 2);
	memcpy(&next, req + 2, 2);
	if (!entries || entries > PVAL_MAX_ENTRIES || entries <= next)
		return SVSM_ERR_INVALID_PARAMETER;
	for (; next < entries && result == SVSM_SUCCESS; next++) {
		u64 e;
		memcpy(&e, req + SVSM_PVAL_HDR_BYTES + 8ull * next, 8);
		if ((result = pvalidate_entry(e)) != SVSM_SUCCESS)
			break;
	}
	memcpy(req + 2, &next, 2);
	return result;
}

static u64 svsm_handle(struct cpu_regs *r)
{
	u32 protocol = (u32)(r->rax >> 32), call = (u32)r->rax;

	svsm.calls++;
	if (protocol != SVSM_CORE_PROTOCOL)
		return SVSM_ERR_UNSUPPORTED_PROTOCOL;
	if (call == SVSM_CORE_CREATE_VCPU) /* snp_model_ap.c */
		return snp_model_svsm_create_vcpu(r);
	if (call == SVSM_CORE_DELETE_VCPU)
		return snp_model_svsm_delete_vcpu(r);
	if (call != SVSM_CORE_PVALIDATE)
		return SVSM_ERR_UNSUPPORTED_CALL;
	return core_pvalidate(r->rcx);
}

/* The SNP Run VMPL request: the SVSM runs with the guest's registers and answers in RAX. */
u64 snp_model_svsm_run(u64 req, struct cpu_regs *r)
{
	if (!svsm.enabled || (req >> GHCB_MSR_VMPL_SHIFT) & 0xff) /* no SVSM, or not a request for VMPL0 */
		return GHCB_MSR_VMPL_RESP | 1ull << GHCB_MSR_VMPL_SHIFT;
	u8 *caa = snp_model_caa_of_this_vcpu() ? (u8 *)(uintptr_t)snp_model_caa_of_this_vcpu() : svsm.caa;

	if (caa[SVSM_CAA_OFF_CALL_PENDING]) { /* an AP calls through its own Calling Area (CREATE_VCPU's) */
		r->rax = svsm_handle(r);
		caa[SVSM_CAA_OFF_CALL_PENDING] = 0;
	}
	return GHCB_MSR_VMPL_RESP;
}
