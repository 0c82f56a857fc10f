/* SPDX-License-Identifier: MIT */
/*
 * Target snp: the SEV-SNP backend (arch/x86/snp/) against a hypervisor that lies. Everything the host
 * answers goes through here: the CC blob and the CPUID page it names (snp_setup.c read_cc_blob(),
 * cpuid_table.c), the secrets page's SVSM fields (svsm.c), the GHCB MSR protocol (SEV_INFO, HV_FEATURES,
 * GPA registration, CPUID, page-state change, SVSM calls: ghcb.c, psc.c, svsm.c), the GHCB page protocol
 * (page-state change descriptors whose header the hypervisor rewrites, IOIO: psc.c, snp_io.c), PVALIDATE
 * and SVSM_CORE_PVALIDATE statuses (pvalidate.c, snp_accept.c), #VC CPUID (snp_vc.c), and the secrets
 * page head the identity line reports (snp_identity.c), and the answer to an attestation request
 * (snp_attest.c, guest_msg.c): the response page and SW_EXITINFO2 come from the script, sometimes with the
 * request's own header fields answered as a firmware would (sequence number + 1, type + 1), so the checks
 * before and at the GCM tag are reached.
 *
 * The instructions are stubs. Each VMGEXIT is answered by an honest model of the hypervisor, then
 * perturbed as the input says (a flags byte per exit, then the values XORed in or substituted); once the
 * input runs out the hypervisor is honest, so every loop that waits for it ends. A termination request
 * (GHCB MSR protocol) ends the case through longjmp, as the hypervisor would end the guest.
 *
 * Input: u8 mode (bit 0: below an SVSM; bit 1: a CC blob; bit 2: AllowUnacceptedMemory succeeds;
 * bit 3: allow_unaccepted=1), u8 cbit, the 32-byte CC blob, u16 n and n bytes of CPUID page, u16 n and
 * n bytes of secrets page (each zero-filled to 4 KiB), then u64 accept start, u32 accept pages, u16 port,
 * u32 leaf, u32 subleaf, u8 insn[2], and the script of hypervisor answers.
 */
#include <setjmp.h>

#include "fuzz.h"

#include "../../arch/x86/snp/cpuid_table.c"
#include "../../arch/x86/snp/ghcb.c"
#include "../../arch/x86/snp/guest_msg.c"
#include "../../arch/x86/snp/psc.c"
#include "../../arch/x86/snp/psc_plan.c"
#include "../../arch/x86/snp/pvalidate.c"
#include "../../arch/x86/snp/snp_accept.c"
#include "../../arch/x86/snp/snp_attest.c"
#include "../../arch/x86/snp/snp_identity.c"
#include "../../arch/x86/snp/snp_io.c"
#include "../../arch/x86/snp/snp_setup.c"
#include "../../arch/x86/snp/snp_vc.c"
#include "../../arch/x86/snp/svsm.c"
#include "../../kernel/efi/efi_boot.c"
#include "../../kernel/lib/aes_gcm.c"

static struct fz script;
static jmp_buf terminated;
static bool below_svsm;
static unsigned hv_cbit;
static u8 ghcb_mem[4096] __attribute__((aligned(4096)));
static u8 caa_mem[4096] __attribute__((aligned(4096)));
static u8 cpuid_mem[4096] __attribute__((aligned(4096)));
static u8 secrets_mem[4096] __attribute__((aligned(4096)));
static struct snp_attest_result attest;

/* The instructions and the CPU, as stubs */

u64 time_now_ns(void)
{
	return 0;
}

int rdmsr_safe(u32 msr, u64 *value)
{
	(void)msr;
	*value = 0;
	return 0;
}

int wrmsr_safe(u32 msr, u64 value)
{
	(void)msr, (void)value;
	return 0;
}

void trap_set_hook(unsigned vector, trap_hook_fn hook)
{
	(void)vector, (void)hook;
}

void portio_set_ops(const struct portio_ops *ops)
{
	(void)ops;
}

static u64 encryption_mask;

void paging_set_encryption_mask(u64 mask)
{
	encryption_mask = mask;
}

u64 paging_encryption_mask(void)
{
	return encryption_mask;
}

bool paging_set_page_flags(u64 addr, u64 set, u64 clear)
{
	(void)addr, (void)set, (void)clear;
	return true;
}

/* Validated pages are touched only through the stubs: no cache eviction of fake addresses. */
void snp_evict_cache(u64 va, u64 pages)
{
	(void)va, (void)pages;
}

/* An answer: the honest value, XORed with the next u64 of the script when flag is set in flags. */
static u64 perturb(u8 flags, u8 flag, u64 honest)
{
	return flags & flag ? honest ^ fz_u64(&script) : honest;
}

u32 snp_pvalidate(u64 va, u32 page_size, u32 validate, bool *rmp_unchanged)
{
	u8 f = fz_u8(&script);

	(void)va, (void)page_size, (void)validate;
	*rmp_unchanged = f & 0x80;
	return (u32)perturb(f, 1, PVALIDATE_SUCCESS);
}

u32 snp_rmpadjust(u64 va, u32 page_size, u64 attrs)
{
	(void)va, (void)page_size, (void)attrs;
	return (u32)perturb(fz_u8(&script), 1, below_svsm ? RMPADJUST_FAIL_PERMISSION : 0);
}

/* The hypervisor's honest answer to an MSR-protocol request. */
static u64 msr_answer(u64 req)
{
	u64 data = req >> GHCB_MSR_DATA_SHIFT;

	switch (req & GHCB_MSR_INFO_MASK) {
	case GHCB_MSR_SEV_INFO_REQ:
		return GHCB_MSR_SEV_INFO_RESP | (u64)GHCB_PROTOCOL_MAX << GHCB_MSR_PROTO_MAX_SHIFT |
		       (u64)GHCB_PROTOCOL_MIN << GHCB_MSR_PROTO_MIN_SHIFT | (u64)hv_cbit << GHCB_MSR_CBIT_SHIFT;
	case GHCB_MSR_HV_FT_REQ:
		return GHCB_MSR_HV_FT_RESP | (GHCB_HV_FT_SNP | GHCB_HV_FT_SNP_MULTI_VMPL) << GHCB_MSR_DATA_SHIFT;
	case GHCB_MSR_REG_GPA_REQ:
		return GHCB_MSR_REG_GPA_RESP | data << GHCB_MSR_DATA_SHIFT;
	case GHCB_MSR_PSC_REQ:
		return GHCB_MSR_PSC_RESP;
	case GHCB_MSR_CPUID_REQ: {
		u32 fn = (u32)(req >> GHCB_MSR_CPUID_FUNC_SHIFT), reg = (req >> GHCB_MSR_CPUID_REG_SHIFT) & 3, v = 0;
		if (fn == CPUID_EXT_MAX_LEAF && reg == 0)
			v = CPUID_SEV_LEAF;
		if (fn == CPUID_SEV_LEAF)
			v = reg == 0 ? CPUID_SEV_EAX_SEV | CPUID_SEV_EAX_SNP : reg == 1 ? hv_cbit : 0;
		return GHCB_MSR_CPUID_RESP | (u64)v << GHCB_MSR_CPUID_VALUE_SHIFT;
	}
	}
	return 0;
}

/* SNP Guest Request: the hypervisor writes the response page (the request page's GPA in SW_EXITINFO1, the
 * response's in SW_EXITINFO2); the bytes are the script's, with a firmware-like header when f asks. */
static void guest_request_answer(u8 f)
{
	const u8 *req = (const u8 *)(uintptr_t)ghcb_field(GHCB_OFF_SW_EXIT_INFO_1);
	u8 *resp = (u8 *)(uintptr_t)ghcb_field(GHCB_OFF_SW_EXIT_INFO_2);
	size_t n = fz_u16(&script) % SNP_MSG_PAGE_BYTES;

	fz_copy(&script, resp, n);
	if (f & 128) {
		u64 seqno;

		memcpy(resp + SNP_MSG_OFF_ALGO, req + SNP_MSG_OFF_ALGO, SNP_MSG_HDR_BYTES - SNP_MSG_OFF_ALGO);
		memcpy(&seqno, req + SNP_MSG_OFF_SEQNO, sizeof(seqno));
		seqno++;
		memcpy(resp + SNP_MSG_OFF_SEQNO, &seqno, sizeof(seqno));
		resp[SNP_MSG_OFF_TYPE]++;
	}
}

/* The GHCB page protocol: page-state change and IOIO, honest and then perturbed. */
static void page_exit(void)
{
	u64 code = ghcb_field(GHCB_OFF_SW_EXIT_CODE), info1 = 0, info2 = 0;
	u8 f = fz_u8(&script);

	if (code == SVM_VMGEXIT_PSC) {
		struct psc_hdr *h = (void *)(ghcb_mem + GHCB_OFF_SHARED_BUFFER);
		h->cur_entry = (u16)(h->end_entry + 1);
		if (f & 4)
			h->cur_entry = fz_u16(&script);
		if (f & 8)
			h->end_entry = fz_u16(&script);
		if (f & 16)
			h->reserved = fz_u32(&script);
	} else if (code == SVM_VMGEXIT_GUEST_REQUEST) {
		guest_request_answer(f);
	} else if (code == SVM_EXIT_IOIO && (ghcb_field(GHCB_OFF_SW_EXIT_INFO_1) & IOIO_TYPE_IN)) {
		*(u64 *)(ghcb_mem + GHCB_OFF_RAX) = perturb(f, 32, 0x5a);
		if (!(f & 64))
			ghcb_mem[GHCB_OFF_VALID_BITMAP + GHCB_OFF_RAX / 64] |= (u8)(1u << (GHCB_OFF_RAX / 8 % 8));
	}
	*(u64 *)(ghcb_mem + GHCB_OFF_SW_EXIT_INFO_1) = perturb(f, 1, info1);
	*(u64 *)(ghcb_mem + GHCB_OFF_SW_EXIT_INFO_2) = perturb(f, 2, info2);
}

void snp_vmgexit(void)
{
	u64 req = ghcb_msr_shadow;

	if ((req & GHCB_MSR_INFO_MASK) == GHCB_MSR_TERM_REQ)
		longjmp(terminated, 1);
	if (ghcb && req == ghcb_gpa) {
		page_exit();
		return;
	}
	ghcb_msr_shadow = perturb(fz_u8(&script), 1, msr_answer(req));
}

void snp_svsm_vmgexit(struct svsm_regs *r)
{
	u8 f = fz_u8(&script);

	ghcb_msr_shadow = perturb(f, 1, GHCB_MSR_VMPL_RESP);
	r->rax = perturb(f, 2, SVSM_SUCCESS);
	caa_mem[SVSM_CAA_OFF_CALL_PENDING] = f & 4 ? 1 : 0;
}

/* The firmware */

static efi_status_t accept_status;

static efi_status_t EFIAPI allow_unaccepted(struct sev_memory_acceptance_protocol *self)
{
	(void)self;
	return accept_status;
}

static struct sev_memory_acceptance_protocol acceptance = { allow_unaccepted };

static efi_status_t EFIAPI locate_protocol(const efi_guid_t *protocol, void *registration, void **iface)
{
	(void)protocol, (void)registration;
	*iface = &acceptance;
	return EFI_SUCCESS;
}

static efi_status_t EFIAPI allocate_pages(enum efi_allocate_type type, u32 memory_type, u64 pages,
					  efi_physical_addr_t *addr)
{
	(void)type, (void)memory_type;
	if (pages != 1)
		return EFI_OUT_OF_RESOURCES;
	*addr = (u64)(uintptr_t)ghcb_mem;
	return EFI_SUCCESS;
}

/* Back to the state a fresh boot starts from. */
static void reset(void)
{
	memset(&snp, 0, sizeof(snp));
	memset(&cpuid_copy, 0, sizeof(cpuid_copy));
	memset(&svsm, 0, sizeof(svsm));
	have_cpuid_page = false;
	cpuid_page = NULL;
	ghcb = NULL;
	ghcb_gpa = ghcb_msr_shadow = 0;
	msr_native = false;
	last_error = 0;
	snp_pvalidate_cfg = (struct snp_pvalidate_cfg){ .evict = true };
	memset(ghcb_mem, 0, sizeof(ghcb_mem));
	memset(caa_mem, 0, sizeof(caa_mem));
}

/* The blob's addresses are physical: the pages it names are the input's, wherever it says they are. */
static void place_blob(struct efi_cc_blob *blob)
{
	u64 caa;

	if (blob->cpuid_pa)
		blob->cpuid_pa = (u64)(uintptr_t)cpuid_mem;
	if (blob->secrets_pa)
		blob->secrets_pa = (u64)(uintptr_t)secrets_mem;
	memcpy(&caa, secrets_mem + SECRETS_OFF_SVSM_CAA, sizeof(caa));
	if (caa && IS_ALIGNED(caa, EFI_PAGE_SIZE)) {
		caa = (u64)(uintptr_t)caa_mem;
		memcpy(secrets_mem + SECRETS_OFF_SVSM_CAA, &caa, sizeof(caa));
	}
}

/* u16 n, then n bytes (at most a page) of a page that is zero beyond them. */
static void take_page(struct fz *in, u8 *page)
{
	size_t n = fz_u16(in) % (EFI_PAGE_SIZE + 1);

	memset(page, 0, EFI_PAGE_SIZE);
	fz_copy(in, page, n);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static struct efi_boot_services bs = { .locate_protocol = locate_protocol, .allocate_pages = allocate_pages };
	static struct boot_info b;
	struct fz in = { data, size };
	struct efi_cc_blob blob;
	struct efi_configuration_table table = { EFI_CC_BLOB_GUID, &blob };
	struct efi_system_table st = { .boot_services = &bs, .configuration_table = &table };
	struct snp_discovery disc = { .source = "fuzz" };
	struct accept_stats stats = { 0 };
	struct cpu_regs regs = { 0 };
	u8 mode, insn[2];
	u64 start;
	u32 pages, leaf, subleaf;
	u16 port;
	char line[256];

	reset();
	mode = fz_u8(&in);
	hv_cbit = fz_u8(&in) % 64;
	below_svsm = mode & 1;
	st.number_of_table_entries = mode & 2 ? 1 : 0;
	accept_status = mode & 4 ? EFI_SUCCESS : EFI_UNSUPPORTED;
	fz_copy(&in, &blob, sizeof(blob));
	take_page(&in, cpuid_mem);
	take_page(&in, secrets_mem);
	start = fz_u64(&in);
	pages = fz_u32(&in) % 1024;
	port = fz_u16(&in);
	leaf = fz_u32(&in);
	subleaf = fz_u32(&in);
	fz_copy(&in, insn, sizeof(insn));
	script = in;
	place_blob(&blob);

	memset(&b, 0, sizeof(b));
	b.st = &st;
	b.args.allow_unaccepted = mode & 8;
	/* The part this is, as CPUID said; COHERENCY_SFW_NO keeps the eviction of fake addresses out. */
	disc.cbit = hv_cbit;
	disc.cpuid_ebx = hv_cbit | CPUID_SEV_EBX_COHERENCY_SFW_NO;
	disc.cpuid_eax = CPUID_SEV_EAX_SEV | CPUID_SEV_EAX_SEV_ES | CPUID_SEV_EAX_SNP;

	if (setjmp(terminated))
		return 0; /* the guest asked the hypervisor to end it */
	if (snp_setup_before_exit(&b, &disc) || snp_setup_after_exit())
		return 0;
	snp_describe(line, sizeof(line));
	/* #VC CPUID, from the CPUID page or the hypervisor; a refused one terminates. */
	regs.error_code = SVM_EXIT_CPUID;
	regs.rip = (u64)(uintptr_t)insn;
	regs.rax = leaf;
	regs.rcx = subleaf;
	snp_vc_handle(&regs);
	/* Port I/O through the GHCB, then accepting memory: page-state change, then PVALIDATE or the SVSM. */
	(void)snp_portio.in(port, 1 + (port & 3) % 3);
	snp_portio.out(port, 4, leaf);
	start = ALIGN_DOWN(start, EFI_PAGE_SIZE) & 0xfffffffffffffull;
	if (snp_accept_range(start, (u64)pages * EFI_PAGE_SIZE, &stats) > (u64)pages * EFI_PAGE_SIZE)
		abort();
	/* An attestation request, its answer from the script; each case starts with fresh request state. */
	memset(&st, 0, sizeof(st));
	secrets_mem[SECRETS_OFF_VMPCK0] |= 1; /* a key to seal with */
	snp_attest_request(secrets_mem, &attest);
	return 0;
}
