/* SPDX-License-Identifier: MIT */
/*
 * SNP_GUEST_REQUEST in the SNP model: the hypervisor's part (as KVM's snp_handle_guest_req() in
 * arch/x86/kvm/svm/sev.c: take the two guest pages, hand them to the firmware, put the firmware's and its
 * own error in SW_EXITINFO2) and the VMPCKs the modelled firmware writes into the secrets page at launch.
 * The firmware's part is snp_model_psp.c.
 *
 * Keys. The firmware generates VMPCK0-3 at launch and writes them into the secrets page (ABI
 * PAGE_TYPE_SECRETS). With an SVSM below the guest (sim_svsm=1) the guest sees the SVSM's copy of the
 * page, in which the SVSM has wiped VMPCK0, its own (COCONUT-SVSM clears VMPCK 0 to VMPL-1 in the copy
 * it hands a guest, kernel/src/sev/secrets_page.rs; Linux then uses the VMPCK of its VMPL): the model
 * wipes VMPCK0 in the page the guest reads, and its PSP keeps all four. The keys come from the TSC: the model's keys need not be secret,
 * only different from boot to boot, so that nothing can depend on them.
 *
 * The hypervisor's checks: both GPAs page-aligned, different, and pages the guest made shared (RMP not
 * assigned to the guest, mapped with the C-bit clear). Otherwise the model answers SW_EXITINFO2 =
 * VMM error "generic" (Linux SNP_GUEST_VMM_ERR_GENERIC, all ones in 63:32) without calling the firmware:
 * a host cannot hand the firmware a page it cannot read in the clear (docs/abi.md, model choices).
 */
#include <arch/cpu.h>
#include <arch/machine.h>
#include <arch/snp_msg_spec.h>
#include <arch/snp_spec.h>
#include <ccktf/string.h>
#include "snp_model.h"
#include "snp_model_psp.h"

#define VMM_ERR_GENERIC (0xffffffffull << SNP_GUEST_VMM_ERR_SHIFT)

static struct snp_psp *psp; /* reserved memory (snp_model_psp_init()) */
static u8 copy_req[SNP_MSG_PAGE_BYTES], copy_resp[SNP_MSG_PAGE_BYTES];

static u64 xorshift(u64 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* The PSP's state is the firmware's, outside the guest: in a reserved page (sim_alloc_hw()), so that it
 * survives handoff=self as the firmware's own state survives a kexec (sim_handoff.h). */
const char *snp_model_psp_init(struct boot_info *b, u8 *secrets)
{
	u64 seed = rdtsc() | 1;

	if (!(psp = sim_alloc_hw(b, sizeof(*psp))))
		return "no memory for the SNP model's PSP state";
	for (unsigned k = 0; k < SECRETS_VMPCKS; k++)
		for (unsigned i = 0; i < SECRETS_VMPCK_BYTES; i += 8) {
			u64 v = xorshift(&seed);
			memcpy(&psp->vmpck[k][i], &v, sizeof(v));
		}
	psp->cpuid_1_eax = cpuid(1).eax;
	memcpy(secrets + SECRETS_OFF_VMPCK0, psp->vmpck, sizeof(psp->vmpck));
	if (snp_model_guest_vmpl()) /* the SVSM's copy of the page: VMPCK0 wiped */
		memset(secrets + SECRETS_OFF_VMPCK0, 0, SECRETS_VMPCK_BYTES);
	return NULL;
}

const char *snp_model_psp_state(u64 *pa, u64 *bytes)
{
	if (!psp)
		return "the SNP model's PSP has no state to hand over";
	*pa = (u64)(uintptr_t)psp;
	*bytes = sizeof(*psp);
	return NULL;
}

/* Stage 2 of handoff=self: the keys and the last sequence numbers where stage 1's PSP left them, so a
 * guest that carries its sequence numbers in the secrets page (snp_attest.c, as Linux does) goes on. */
const char *snp_model_psp_adopt(u64 pa, u64 bytes)
{
	if (!pa || bytes != sizeof(*psp))
		return "the SNP model's PSP state from stage 1 has the wrong size";
	psp = (struct snp_psp *)(uintptr_t)pa;
	return NULL;
}

static bool shared_page(u64 gpa)
{
	return IS_ALIGNED(gpa, EFI_PAGE_SIZE) && gpa && !snp_rmp_is_assigned(gpa / EFI_PAGE_SIZE) &&
	       paging_page_entry(gpa) && !(paging_page_entry(gpa) & (1ull << SIM_SNP_CBIT));
}

u64 snp_model_guest_request(u64 req_gpa, u64 resp_gpa)
{
	u32 status;

	SNP_MODEL_COUNT(guest_requests, 1);
	if (req_gpa == resp_gpa || !shared_page(req_gpa) || !shared_page(resp_gpa))
		return VMM_ERR_GENERIC;
	/* The host copies the request out and the response back, as KVM does through its own pages. */
	memcpy(copy_req, (const void *)(uintptr_t)req_gpa, sizeof(copy_req));
	memset(copy_resp, 0, sizeof(copy_resp));
	status = snp_psp_guest_request(psp, copy_req, copy_resp);
	if (status)
		return status;
	memcpy((void *)(uintptr_t)resp_gpa, copy_resp, sizeof(copy_resp));
	return 0;
}

u64 snp_model_psp_rejected(void)
{
	return psp ? psp->rejected : 0;
}
