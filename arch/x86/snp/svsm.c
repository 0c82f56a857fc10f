/* SPDX-License-Identifier: MIT */
/*
 * An SEV-SNP guest below an SVSM (Secure VM Service Module spec, AMD pub. 58019). A guest that is not at
 * VMPL0 cannot PVALIDATE; the SVSM at VMPL0 does it on the guest's behalf (SVSM_CORE_PVALIDATE), as Linux
 * does since 6.11 (arch/x86/boot/startup/sev-shared.c svsm_setup_ca(), svsm_perform_msr_protocol();
 * arch/x86/coco/sev/core.c svsm_pval_pages()) and edk2 (OvmfPkg/Library/AmdSvsmLib).
 *
 * Detection in two steps. Before ExitBootServices, from the secrets page alone (edk2 AmdSvsmLib: "an SVSM
 * is considered present if SvsmSize is non-zero"), so that a validation then (AP-004's probe) already goes
 * through the SVSM. After it, as Linux svsm_setup_ca(): RMPADJUST of one of our own pages with target VMPL 1
 * succeeds only at VMPL0, and that answer wins. Below VMPL0 the secrets page must exist and be one page,
 * name an SVSM (svsm_size != 0), a guest VMPL other than 0 and a page-aligned Calling Area, and the
 * hypervisor must offer multi-VMPL support (HV_FEATURES bit 5); otherwise the guest terminates with
 * Linux's reason for that step.
 *
 * Calls go over the GHCB MSR protocol (SNP Run VMPL request for VMPL0), one at a time per CPU: the boot
 * CPU's through the Calling Area the secrets page names (the firmware's; Linux later moves to its own with
 * SVSM_CORE_REMAP_CA, which ccktf does not need), each AP's through the one it was created with
 * (SVSM_CORE_CREATE_VCPU, arch/x86/snp/snp_ap_create.c). INCOMPLETE and BUSY are reissued, as Linux and
 * edk2 do.
 */
#include <arch/snp_spec.h>
#include <ccktf/format.h>
#include <ccktf/smp.h>
#include <ccktf/string.h>
#include "snp.h"

#define SVSM_CALL_TRIES 64

struct svsm_regs {
	u64 rax, rcx, rdx, r8, r9; /* the order snp_insn.asm relies on */
};

void snp_svsm_vmgexit(struct svsm_regs *r);

static struct {
	bool present;
	unsigned vmpl;
	u64 caa_pa;
	u32 max_version;
	u32 rmpadjust_status;
} svsm;

/* A private, validated page of our own, for the RMPADJUST probe (Linux uses its boot GHCB page). */
static u8 probe_page[4096] __attribute__((aligned(4096)));

bool svsm_present(void)
{
	return svsm.present;
}

static u64 secrets_u64(const u8 *s, unsigned off)
{
	u64 v;

	memcpy(&v, s + off, sizeof(v));
	return v;
}

/* The secrets page's word on an SVSM, before anything can be asked of the CPU. */
void svsm_read_secrets(u64 secrets_pa, u32 secrets_size)
{
	const u8 *s = (const u8 *)(uintptr_t)secrets_pa;

	if (!secrets_pa || secrets_size != EFI_PAGE_SIZE || !secrets_u64(s, SECRETS_OFF_SVSM_SIZE))
		return;
	svsm.vmpl = s[SECRETS_OFF_SVSM_GUEST_VMPL];
	svsm.caa_pa = secrets_u64(s, SECRETS_OFF_SVSM_CAA);
	memcpy(&svsm.max_version, s + SECRETS_OFF_SVSM_MAX_VERSION, sizeof(svsm.max_version));
	svsm.present = svsm.vmpl && svsm.caa_pa && IS_ALIGNED(svsm.caa_pa, EFI_PAGE_SIZE);
}

/* RMPADJUST of our own page, 4K; a 2M RMP entry under it answers FAIL_SIZEMISMATCH: then its 2M page. */
static u32 probe_vmpl0(void)
{
	u64 va = (u64)(uintptr_t)probe_page;
	u32 rc = snp_rmpadjust(va, PVALIDATE_PAGE_4K, RMPADJUST_TARGET_VMPL1);

	if (rc == PVALIDATE_FAIL_SIZEMISMATCH)
		rc = snp_rmpadjust(ALIGN_DOWN(va, 2 * MiB), PVALIDATE_PAGE_2M, RMPADJUST_TARGET_VMPL1);
	return rc;
}

const char *svsm_setup(u64 secrets_pa, u32 secrets_size, u64 hv_features, unsigned *term_reason)
{
	static char why[96];
	const u8 *s = (const u8 *)(uintptr_t)secrets_pa;

	svsm.present = false;
	svsm.rmpadjust_status = probe_vmpl0();
	if (svsm.rmpadjust_status == 0)
		return NULL; /* VMPL0: PVALIDATE is ours, whatever the secrets page says */
	*term_reason = GHCB_TERM_NOT_VMPL0;
	if (svsm.rmpadjust_status != RMPADJUST_FAIL_PERMISSION) {
		snprintf(why, sizeof(why), "the RMPADJUST probe of the VMPL failed with status %u", svsm.rmpadjust_status);
		return why;
	}
	*term_reason = GHCB_TERM_SECRETS_PAGE;
	if (!secrets_pa || secrets_size != EFI_PAGE_SIZE)
		return "not at VMPL0 (RMPADJUST refused) and no one-page secrets page to find an SVSM in";
	*term_reason = GHCB_TERM_NO_SVSM;
	if (!secrets_u64(s, SECRETS_OFF_SVSM_SIZE))
		return "not at VMPL0, and the secrets page names no SVSM (svsm_size 0)";
	*term_reason = GHCB_TERM_SVSM_VMPL0;
	if (!(svsm.vmpl = s[SECRETS_OFF_SVSM_GUEST_VMPL]))
		return "not at VMPL0, yet the secrets page says the guest runs at VMPL0";
	*term_reason = GHCB_TERM_SVSM_CAA;
	svsm.caa_pa = secrets_u64(s, SECRETS_OFF_SVSM_CAA);
	if (!svsm.caa_pa || !IS_ALIGNED(svsm.caa_pa, EFI_PAGE_SIZE))
		return "the SVSM Calling Area the secrets page names is not page-aligned";
	*term_reason = GHCB_TERM_NOT_VMPL0;
	if (!(hv_features & GHCB_HV_FT_SNP_MULTI_VMPL))
		return "not at VMPL0, and the hypervisor does not offer multi-VMPL guests (HV_FEATURES bit 5)";
	memcpy(&svsm.max_version, s + SECRETS_OFF_SVSM_MAX_VERSION, sizeof(svsm.max_version));
	svsm.present = true;
	return NULL;
}

/*
 * Each AP calls through its own Calling Area, the one named when it was created (SVSM_CORE_CREATE_VCPU's
 * RDX; Linux per-CPU svsm_caa); the boot CPU through the firmware's. Which CPU runs: as the GHCB's.
 */
static u64 ap_caa[SMP_MAX_CPUS];

void svsm_set_cpu_caa(u32 index, u64 caa_pa)
{
	if (index && index < SMP_MAX_CPUS)
		ap_caa[index] = caa_pa;
}

static u64 my_caa(void)
{
	u32 i = snp_cpu_index();

	return i && ap_caa[i] ? ap_caa[i] : svsm.caa_pa;
}

unsigned svsm_guest_vmpl(void)
{
	return svsm.present ? svsm.vmpl : 0;
}

/* One call over the MSR protocol (Linux svsm_perform_msr_protocol()); the GHCB MSR is restored after. */
static u64 call_once(struct svsm_regs *r)
{
	u8 *pending = (u8 *)(uintptr_t)(my_caa() + SVSM_CAA_OFF_CALL_PENDING);
	u64 saved = ghcb_msr_read(), resp;
	u8 still_pending;

	ghcb_msr_write(GHCB_MSR_VMPL_REQ | 0ull << GHCB_MSR_VMPL_SHIFT);
	__atomic_store_n(pending, 1, __ATOMIC_SEQ_CST);
	snp_svsm_vmgexit(r);
	still_pending = __atomic_exchange_n(pending, 0, __ATOMIC_SEQ_CST);
	resp = ghcb_msr_read();
	ghcb_msr_write(saved);
	if (still_pending || (resp & GHCB_MSR_INFO_MASK) != GHCB_MSR_VMPL_RESP || resp >> GHCB_MSR_VMPL_SHIFT)
		return SVSM_CALL_NOT_TAKEN;
	return r->rax;
}

static u64 svsm_call(struct svsm_regs *r)
{
	struct svsm_regs in = *r;
	u64 rax = SVSM_ERR_BUSY;

	for (unsigned i = 0; i < SVSM_CALL_TRIES && (rax == SVSM_ERR_INCOMPLETE || rax == SVSM_ERR_BUSY); i++) {
		*r = in; /* reissued as it was: the SVSM resumes from its own progress (the request's next) */
		rax = call_once(r);
	}
	return rax;
}

u64 svsm_pvalidate(u64 gpa, u32 page_size, u32 validate)
{
	u64 caa = my_caa();
	u8 *req = (u8 *)(uintptr_t)(caa + SVSM_CAA_OFF_BUFFER);
	u64 entry = (gpa & SVSM_PVAL_GPA_MASK) | (validate ? SVSM_PVAL_ACTION_VALIDATE : 0) |
		    (page_size & SVSM_PVAL_PAGE_SIZE_MASK);
	u16 entries = 1, next = 0;
	struct svsm_regs r = { .rax = SVSM_CALL(SVSM_CORE_PROTOCOL, SVSM_CORE_PVALIDATE),
			       .rcx = caa + SVSM_CAA_OFF_BUFFER };

	memcpy(req, &entries, sizeof(entries));
	memcpy(req + 2, &next, sizeof(next));
	memset(req + 4, 0, 4);
	memcpy(req + SVSM_PVAL_HDR_BYTES, &entry, sizeof(entry));
	return svsm_call(&r);
}

/* Linux snp_set_vmsa() under an SVSM: the SVSM makes the page a VMSA (it runs at VMPL0) and records the
 * new vCPU's Calling Area. */
u64 svsm_create_vcpu(u64 vmsa_gpa, u64 caa_gpa, u32 apic_id)
{
	struct svsm_regs r = { .rax = SVSM_CALL(SVSM_CORE_PROTOCOL, SVSM_CORE_CREATE_VCPU), .rcx = vmsa_gpa,
			       .rdx = caa_gpa, .r8 = apic_id };

	return svsm_call(&r);
}

u64 svsm_delete_vcpu(u64 vmsa_gpa)
{
	struct svsm_regs r = { .rax = SVSM_CALL(SVSM_CORE_PROTOCOL, SVSM_CORE_DELETE_VCPU), .rcx = vmsa_gpa };

	return svsm_call(&r);
}

void svsm_describe(char *buf, size_t size)
{
	if (svsm.present)
		snprintf(buf, size, "VMPL %u below an SVSM (CAA 0x%llx, protocol v%u)", svsm.vmpl, svsm.caa_pa,
			 svsm.max_version);
	else
		snprintf(buf, size, "VMPL0");
}
