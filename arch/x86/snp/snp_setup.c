/* SPDX-License-Identifier: MIT */
/*
 * The SNP backend's platform steps, the same for hardware and the model (only the discovery differs).
 *
 * Before ExitBootServices: the C-bit becomes the paging encryption mask (every entry of the kernel's
 * tables carries it, APM vol. 2 15.34.4); OVMF is told that the OS accepts memory itself
 * (OVMF_SEV_MEMORY_ACCEPTANCE_PROTOCOL.AllowUnacceptedMemory(), as Linux's EFI stub does in
 * drivers/firmware/efi/libstub/x86-stub.c; otherwise OvmfPkg/AmdSevDxe accepts everything at
 * ExitBootServices); the GHCB page is allocated.
 *
 * After: the GHCB page is made shared in Linux's private -> shared order (arch/x86/coco/sev/core.c
 * early_set_pages_state() and __set_pages_state(): rescind validation first, then the page-state change,
 * then clear the C-bit in the page tables, as __set_clr_pte_enc() does, flushing the cache lines first),
 * the protocol is negotiated, the GHCB GPA registered, and #VC and port I/O go through it.
 */
#include <arch/cpu.h>
#include <arch/machine.h>
#include <arch/portio.h>
#include <arch/snp_spec.h>
#include <ccktf/boot.h>
#include <ccktf/boot_steps.h>
#include <ccktf/console.h>
#include <ccktf/format.h>
#include <ccktf/string.h>
#include "snp.h"
#include "snp_attest.h"
#include "snp_cpuid.h"

struct snp_state {
	struct snp_discovery disc;
	u64 cbit_mask;
	void *ghcb_page;
	const char *allow_unaccepted; /* what happened to AllowUnacceptedMemory() */
	bool allow_called;
	unsigned protocol, hv_cbit; /* negotiated GHCB version; the C-bit SEV_INFO reported */
	unsigned term_set, term_reason; /* what snp_terminate() tells the hypervisor (the failed step) */
	u64 hv_features;		/* HV_FEATURES bitmap */
	u64 secrets_pa;			/* the secrets page the CC blob names, 0 without one */
	u32 secrets_size;
};

static struct snp_state snp;
static struct snp_secrets_identity secrets_id; /* read before ExitBootServices, printed after */
static struct snp_cpuid_table cpuid_copy; /* a copy, as Linux keeps one (cpuid_table_copy) */
static const char *cpuid_source = "no CC blob: CPUID from the hypervisor, untrusted";
static bool have_cpuid_page;

unsigned snp_cbit(void)
{
	return snp.disc.cbit;
}

const struct snp_cpuid_table *snp_cpuid_page(void)
{
	return have_cpuid_page ? &cpuid_copy : NULL;
}

/* Records what snp_terminate() will report for the step that failed; returns err. */
static const char *failed(unsigned set, unsigned reason, const char *err)
{
	snp.term_set = set;
	snp.term_reason = reason;
	return err;
}

/*
 * The CC blob (EFI_CC_BLOB_GUID) and the CPUID page it points at. As Linux: a blob with a bad magic stops
 * the guest (find_cc_blob(): set 0, SNP unsupported), and so does a CPUID page it names that fails
 * setup_cpuid_table()'s checks (set 1, CPUID); no blob at all means CPUID from the hypervisor.
 */
static const char *read_cc_blob(const struct efi_cc_blob *blob)
{
	const struct snp_cpuid_table *t;
	const char *why;

	if (!blob)
		return NULL;
	if (blob->magic != EFI_CC_BLOB_MAGIC || blob->version != 1)
		return failed(GHCB_TERM_SET_GENERAL, GHCB_TERM_SNP_UNSUPPORTED, "the CC blob has a bad magic or version");
	snp.secrets_pa = blob->secrets_pa;
	snp.secrets_size = blob->secrets_size;
	t = (const struct snp_cpuid_table *)(uintptr_t)blob->cpuid_pa;
	if ((why = snp_cpuid_table_check(blob->cpuid_pa ? t : NULL, blob->cpuid_size)))
		return failed(GHCB_TERM_SET_LINUX, GHCB_TERM_CPUID, why);
	memcpy(&cpuid_copy, t, sizeof(cpuid_copy));
	have_cpuid_page = true;
	cpuid_source = "the SNP CPUID page (CC blob)";
	return NULL;
}

static const char *allow_unaccepted_memory(struct boot_info *b)
{
	efi_guid_t guid = OVMF_SEV_MEMORY_ACCEPTANCE_PROTOCOL_GUID;
	struct sev_memory_acceptance_protocol *p = NULL;

	if (!b->args.allow_unaccepted) /* kernel_kind= other than enlightened (or allow_unaccepted=0) */
		return b->args.kernel_kind == KERNEL_UNENLIGHTENED
			       ? "not called (kernel_kind=unenlightened): a kernel that knows no unaccepted memory"
			       : "not called (kernel_kind=protocol-dropped, or allow_unaccepted=0): OVMF accepts all "
				 "memory at ExitBootServices";
	if (EFI_IS_ERROR(b->st->boot_services->locate_protocol(&guid, NULL, (void **)&p)) || !p)
		return "not called: OVMF_SEV_MEMORY_ACCEPTANCE_PROTOCOL is not installed";
	if (EFI_IS_ERROR(p->allow_unaccepted_memory(p)))
		return "called, and it returned an error";
	snp.allow_called = true;
	return "called: OVMF leaves unaccepted memory to the OS";
}

/* The secrets page the CC blob names: an SVSM's fields, the identity; what the boot log says. */
static void read_secrets(void)
{
	svsm_read_secrets(snp.secrets_pa, snp.secrets_size);
	snp_secrets_identity_read((const u8 *)(uintptr_t)snp.secrets_pa, snp.secrets_pa, snp.secrets_size, &secrets_id);
	printk("# snp: C-bit %u (from %s); AllowUnacceptedMemory: %s\n", snp.disc.cbit, snp.disc.source,
	       snp.allow_unaccepted);
	printk("# snp: CPUID answers come from %s%s\n", cpuid_source,
	       have_cpuid_page ? "" : " (a leaf with sub-leaves and ECX != 0 is refused)");
}

/* What every stage does first with what the platform discovered: the C-bit as the page tables' encryption
 * mask, and whether PVALIDATE needs the software cache eviction (snp_pvalidate_cfg). */
static void take_discovery(const struct snp_discovery *d)
{
	snp.disc = *d;
	snp.cbit_mask = 1ull << d->cbit;
	snp_pvalidate_cfg.evict = !(d->cpuid_ebx & CPUID_SEV_EBX_COHERENCY_SFW_NO);
	paging_set_encryption_mask(snp.cbit_mask);
}

const char *snp_setup_before_exit(struct boot_info *b, const struct snp_discovery *d)
{
	const char *err;

	take_discovery(d);
	snp.allow_unaccepted = allow_unaccepted_memory(b);
	if ((err = read_cc_blob(efi_config_table(b->st, EFI_CC_BLOB_GUID))))
		return err;
	read_secrets();
	snp.ghcb_page = efi_allocate_pages(b, 1, EFI_LOADER_DATA);
	return snp.ghcb_page ? NULL : "AllocatePages for the GHCB page failed";
}

/*
 * A stage entered through the boot protocol without boot services (handoff=self's stage 2), as Linux after
 * a kexec: the CC blob from the configuration tables it inherited (Linux's arch/x86/boot/compressed/sev.c
 * find_cc_blob() looks EFI_CC_BLOB_GUID up in the table array that boot_params' efi_info leads to,
 * arch/x86/boot/compressed/efi.c efi_get_conf_table(); this stage takes the array's physical address from
 * SETUP_EFI, as arch/x86/platform/efi/quirks.c efi_reuse_config() does after a kexec), and the GHCB page from this stage's own allocator (ghcb_page, private and validated: the
 * previous stage made every page private again before the jump, snp_kexec.c). snp_setup_after_exit()
 * then shares it through the GHCB MSR protocol, as Linux's early code does before a GHCB exists
 * (arch/x86/coco/sev/core.c early_set_pages_state()). AllowUnacceptedMemory() belonged to the firmware's
 * boot services: not called here.
 */
const char *snp_setup_without_boot_services(struct boot_info *b, const struct snp_discovery *d, void *ghcb_page)
{
	const char *err;

	take_discovery(d);
	snp.allow_unaccepted = "not called: no boot services in this stage (the previous stage's firmware is gone)";
	if ((err = read_cc_blob(boot_config_table(b, (efi_guid_t)EFI_CC_BLOB_GUID))))
		return err;
	read_secrets();
	snp.ghcb_page = ghcb_page;
	return snp.ghcb_page ? NULL : "no page for the GHCB from this stage's allocator";
}

u64 snp_ghcb_gpa(void)
{
	return (u64)(uintptr_t)snp.ghcb_page; /* identity-mapped: GPA = VA */
}

static void flush_page(void *page)
{
	for (u64 off = 0; off < GHCB_PAGE_SIZE; off += 64)
		asm volatile("clflush (%0)" : : "r"((u8 *)page + off) : "memory");
}

const char *snp_make_page_shared(void *page)
{
	u64 gpa = (u64)(uintptr_t)page, raw; /* identity-mapped: GPA = VA */
	bool unchanged;
	u32 status;

	flush_page(page);
	status = snp_validate(gpa, PVALIDATE_PAGE_4K, PVALIDATE_RESCIND, &unchanged, &raw);
	if (status != PVALIDATE_SUCCESS)
		return failed(GHCB_TERM_SET_LINUX, GHCB_TERM_PVALIDATE, "PVALIDATE (rescind) of the GHCB page failed");
	if (!psc_msr_4k(gpa, SNP_PSC_OP_SHARED))
		return failed(GHCB_TERM_SET_LINUX, GHCB_TERM_PSC, "page-state change of the GHCB page to shared failed");
	if (!paging_set_page_flags(gpa, 0, snp.cbit_mask))
		return "clearing the C-bit of the GHCB page failed";
	return NULL;
}

static const char *make_ghcb_shared(void)
{
	const char *err = snp_make_page_shared(snp.ghcb_page);

	if (!err)
		ghcb_page_init(snp.ghcb_page, snp_ghcb_gpa());
	return err;
}

u64 snp_hv_features(void)
{
	return snp.hv_features;
}

u64 snp_sev_status(void)
{
	return snp.disc.sev_status;
}

/* The platform's terminate(): the GHCB MSR protocol needs no GHCB page, so it works from the start. */
void snp_terminate(const char *why)
{
	(void)why; /* a termination request carries a reason code, not text */
	ghcb_terminate(snp.term_set, snp.term_reason);
}

/* The console is held until port I/O goes through the GHCB (kernel/main.c): a native OUT raises #VC. */
const char *snp_setup_after_exit(void)
{
	const char *err;

	unsigned reason = 0;

	ghcb_msr_probe();
	if ((err = ghcb_negotiate(&snp.protocol, &snp.hv_cbit, &snp.hv_features, &reason)))
		return failed(GHCB_TERM_SET_GENERAL, reason, err);
	if ((err = svsm_setup(snp.secrets_pa, snp.secrets_size, snp.hv_features, &reason)))
		return failed(GHCB_TERM_SET_LINUX, reason, err);
	if ((err = make_ghcb_shared()))
		return err;
	if ((err = ghcb_register(snp_ghcb_gpa())))
		return failed(GHCB_TERM_SET_LINUX, GHCB_TERM_REGISTER, err);
	if (snp.hv_cbit != snp.disc.cbit)
		return "the hypervisor's C-bit (SEV_INFO) differs from CPUID 0x8000001F's";
	ghcb_msr_write(snp_ghcb_gpa());
	snp_vc_set_cpuid_page(snp_cpuid_page());
	snp_vc_install();
	portio_set_ops(&snp_portio);
	printk("# snp: GHCB MSR 0x%x %s\n", MSR_SEV_GHCB,
	       ghcb_msr_is_native() ? "kept by the CPU"
				    : "not kept by this CPU (TCG: RDMSR reads 0, no #GP): its recorded value stands");
	printk("# snp: GHCB at GPA 0x%llx shared and registered; port I/O now goes through GHCB IOIO exits\n",
	       snp_ghcb_gpa());
	return NULL;
}

static const char *bit_name(u64 bits, u64 bit, const char *name)
{
	return bits & bit ? name : "";
}

/* One short line (the boot log's describe line is 200 characters, a model's prefix included). */
void snp_describe(char *buf, size_t size)
{
	u64 s = snp.disc.sev_status;
	char vmpl[80];

	svsm_describe(vmpl, sizeof(vmpl));
	snprintf(buf, size,
		 "SEV_STATUS=0x%llx (%s%s%s) C-bit %u, %s, COHERENCY_SFW_NO=%u (%s), GHCB v%u at 0x%llx, "
		 "AllowUnacceptedMemory %s",
		 s, bit_name(s, SEV_STATUS_SEV, "SEV"), bit_name(s, SEV_STATUS_SEV_ES, " ES"),
		 bit_name(s, SEV_STATUS_SNP, " SNP"), snp.disc.cbit, vmpl,
		 !!(snp.disc.cpuid_ebx & CPUID_SEV_EBX_COHERENCY_SFW_NO),
		 snp_pvalidate_cfg.evict ? "evicting after validation" : "no eviction needed", snp.protocol,
		 snp_ghcb_gpa(), snp.allow_called ? "called" : "not called");
}

void snp_identify(char *buf, size_t size)
{
	snp_attest_identify(&secrets_id, (const u8 *)(uintptr_t)snp.secrets_pa, cpuid(1).eax, buf, size);
}

bool snp_has(enum cc_attr attr)
{
	return attr == CC_ATTR_SVSM && svsm_present();
}
