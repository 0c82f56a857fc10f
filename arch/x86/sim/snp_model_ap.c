/* SPDX-License-Identifier: MIT */
/*
 * The SNP model's vCPUs: what the modelled host (KVM) and the modelled RMP do when the guest starts an
 * application processor from a VMSA (the kernel side: arch/x86/snp/snp_ap_create.c).
 *
 * The vCPUs are the ones the VMM lists: the boot vCPU and every Enabled processor in QEMU's MADT (the
 * kernel's parsed copy, smp_get()->madt, is QEMU's table). Each vCPU is keyed by its APIC ID, which the
 * model reads from the real xAPIC of the vCPU it runs on (sim_x2apic_vcpu_id(): the hypervisor knows which
 * vCPU exited; never the guest's cpu_apic_id(), which on SNP is itself an MSR exit to this model).
 *
 * Per vCPU, the GHCB GPA it registered (GHCB spec 2.3.2: registration is per vCPU; KVM keeps it in each
 * vCPU's sev_es.ghcb_registered_gpa, arch/x86/kvm/svm/sev.c sev_handle_vmgexit_msr_protocol()): a GHCB
 * exit with a GPA this vCPU did not register stops the guest (snp_model_hv.c).
 *
 * The RMP's VMSA flag (APM vol. 2 15.36.3 RMP entry "VMSA"; APM vol. 3 RMPADJUST): set and cleared by
 * RMPADJUST with RDX bit 16 at VMPL0 on a validated 4 KiB page (snp_model_svsm.c refuses the rest), or by
 * the modelled SVSM on SVSM_CORE_CREATE_VCPU / DELETE_VCPU.
 *
 * AP Creation (GHCB spec 4.1.8), refused with SW_EXITINFO1 = 2 and a reason in SW_EXITINFO2 as KVM refuses
 * it (sev_es_validate_vmgexit() and sev_snp_ap_creation(): RAX missing for CREATE = GHCB_ERR_MISSING_INPUT;
 * an APIC ID no vCPU has, SEV_FEATURES in RAX other than the guest's, a VMSA GPA that is not a page or is
 * 2 MiB aligned, an unknown event = GHCB_ERR_INVALID_INPUT). The event is SW_EXITINFO1[31:0], VMPL bits
 * included: KVM sev_snp_ap_creation() switches on lower_32_bits(exit_info_1), so upstream KVM refuses any
 * request with a VMPL (bits 23:16) other than 0 as an unknown event. Without an SVSM the model does the
 * same; below a modelled SVSM (sim_svsm=1) it stands for an SVSM-aware host that takes the VMPL from bits
 * 23:16 as the GHCB spec (4.1.8) lays the request out, and accepts exactly the guest's own VMPL (docs/abi.md). Then what KVM leaves to the target's next
 * VMRUN, which the hardware refuses (VMEXIT_INVALID, after which QEMU stops the whole guest): a page that
 * is not a VMSA in the RMP or not validated (APM vol. 2 15.36.6), a VMSA whose SEV_FEATURES are not the
 * guest's or whose EFER.SVME is clear (15.5.1 consistency checks), a VMPL other than the request's. The
 * model refuses those at the request too (GHCB_ERR_INVALID_INPUT), so the guest can report it with the raw
 * status: a different surface from QEMU's, never a more permissive one (no vCPU runs from such a page).
 *
 * Starting the vCPU is the hypervisor's business, hidden from the guest: under TCG a halted vCPU only
 * starts on INIT-SIPI-SIPI, so the model sends them itself (the guest's kernel never does; the harness
 * checks that the kernel's lapic_ipis_sent() stays 0: the model sends them on the hypervisor's side of the
 * x2APIC, sim_x2apic_write()) to a trampoline of its own in low memory (the
 * kernel's real-mode blob, arch/x86/cpu/ap_trampoline.asm, installed by the model with the VMSA's CR0, CR4,
 * EFER and CR3), whose 64-bit entry loads the rest of the VMSA (snp_model_ap_load.asm): GDTR, IDTR, CR3,
 * segments, FS/GS bases, RFLAGS, RIP, RSP and the general registers. Like KVM, the request returns once the
 * vCPU is told to run; the model also waits (bounded) until it did, so that starts stay one at a time.
 * XCR0, the x87/SSE state and DR6/DR7 are not loaded (TCG runs the kernel's general-register code without
 * them). DESTROY (and CREATE_ON_INIT, which waits for an INIT the guest cannot send) leave the vCPU halted:
 * the model sends it an INIT.
 *
 * A VMSA is IN_USE while its vCPU runs (APM vol. 2 15.36.12: from VMRUN to #VMEXIT; RMPADJUST on it fails
 * with FAIL_INUSE). KVM's DESTROY only kicks the target (sev_snp_ap_creation(): a request and
 * kvm_vcpu_kick()) and returns before the vCPU left its VMRUN, so a take-back right after it may find the
 * page in use; Linux snp_cleanup_vmsa() leaks the page then. The model always takes that timing: the first
 * RMPADJUST that clears the VMSA bit of a just-destroyed vCPU's page fails with FAIL_INUSE.
 */
#include <arch/ap_boot.h>
#include <arch/apic.h>
#include <arch/cpu.h>
#include <arch/snp_spec.h>
#include <arch/snp_vmsa.h>
#include <ccktf/boot.h>
#include <ccktf/smp.h>
#include <ccktf/string.h>
#include <ccktf/time.h>
#include "../snp/snp.h"
#include "efi/acpi_madt.h"
#include "efi/efi_spec.h"
#include "sim_x2apic.h"
#include "snp_model.h"
#include "snp_model_ap.h"

#define MAX_VMSA_PAGES (SMP_MAX_CPUS * 2)
#define IPI_IDLE_NS 100000000ull
#define ENTRY_WAIT_NS 2000000000ull
#define LOAD_STACK_BYTES 1024
#define CR3_ADDR_MASK 0x000ffffffffff000ull
#define APIC_ICR_DM_MASK (7u << 8) /* SDM vol. 3A figure 11-12: delivery mode, bits 10:8 */
#define GPA_LIMIT_BITS 52 /* a GPA above the architectural maximum is no page (KVM page_address_valid()) */

/* What snp_model_ap_load.asm loads, in this order (its L_* offsets). */
struct vmsa_load {
	u16 gdt_limit;
	u64 gdt_base;
	u8 pad0[6];
	u16 idt_limit;
	u64 idt_base;
	u8 pad1[6];
	u64 cr3;
	u64 cs, ss, ds, es, fs, gs;
	u64 fs_base, gs_base;
	u64 rip, rsp, rflags;
	u64 rax, rbx, rcx, rdx, rsi, rdi, rbp;
} __attribute__((packed));
_Static_assert(sizeof(struct vmsa_load) == 184, "struct vmsa_load matches snp_model_ap_load.asm");

__noreturn void snp_model_vmsa_load(const struct vmsa_load *l);

static struct snp_model_vcpu vcpus[SMP_MAX_CPUS];
static u32 nvcpus;
static u64 vmsa_pfn[MAX_VMSA_PAGES]; /* the RMP's VMSA flag: pages that have it (0: a free slot) */
static u64 tramp;		     /* the trampoline's low page */
static u64 sent_init, sent_startup;
static struct vmsa_load loads[SMP_MAX_CPUS];
static u8 load_stacks[SMP_MAX_CPUS][LOAD_STACK_BYTES] __attribute__((aligned(16)));

const char *snp_model_ap_reserve(struct boot_info *b)
{
	if (!ap_tramp_reserve(b, EFI_RESERVED_MEMORY, &tramp))
		return "the SNP model found no pages below 640 KiB for its vCPU start-up trampoline";
	return NULL;
}

/* The VMM's vCPUs, listed once, from the boot vCPU (the first caller is always it). */
static void list_vcpus(void)
{
	const struct madt_info *m = &smp_get()->madt;
	u32 boot = sim_x2apic_vcpu_id();

	if (nvcpus)
		return;
	vcpus[nvcpus++] = (struct snp_model_vcpu){ .used = true, .apic_id = boot };
	for (u32 i = 0; !m->error && i < m->count && nvcpus < SMP_MAX_CPUS; i++)
		if ((m->cpus[i].flags & MADT_CPU_ENABLED) && m->cpus[i].apic_id != boot)
			vcpus[nvcpus++] = (struct snp_model_vcpu){ .used = true, .apic_id = m->cpus[i].apic_id };
}

static struct snp_model_vcpu *vcpu_by_apic(u32 apic_id)
{
	list_vcpus();
	for (u32 i = 0; i < nvcpus; i++)
		if (vcpus[i].apic_id == apic_id)
			return &vcpus[i];
	return NULL;
}

static struct snp_model_vcpu *this_vcpu(void)
{
	return vcpu_by_apic(sim_x2apic_vcpu_id());
}

const struct snp_model_vcpu *snp_model_vcpu(u32 apic_id)
{
	return vcpu_by_apic(apic_id);
}

struct snp_model_vcpu *snp_model_vcpu_rw(u32 apic_id)
{
	return vcpu_by_apic(apic_id);
}

struct snp_model_vcpu *snp_model_this_vcpu(void)
{
	return this_vcpu();
}

u64 snp_model_ap_ipis(u32 delivery_mode)
{
	return delivery_mode == APIC_ICR_DM_INIT ? sent_init : delivery_mode == APIC_ICR_DM_STARTUP ? sent_startup : 0;
}

void snp_model_ghcb_register(u64 gfn)
{
	struct snp_model_vcpu *v = this_vcpu();

	if (v) {
		v->ghcb_gfn = gfn;
		v->registered = true;
	}
}

bool snp_model_ghcb_registered(u64 gfn)
{
	const struct snp_model_vcpu *v = this_vcpu();

	return v && v->registered && v->ghcb_gfn == gfn;
}

/* The RMP's VMSA flag */

static u64 *vmsa_slot(u64 pfn)
{
	for (unsigned i = 0; i < MAX_VMSA_PAGES; i++)
		if (vmsa_pfn[i] == pfn)
			return &vmsa_pfn[i];
	return NULL;
}

bool snp_model_is_vmsa(u64 pfn)
{
	return pfn && vmsa_slot(pfn);
}

bool snp_model_set_vmsa(u64 pfn, bool vmsa)
{
	u64 *slot = vmsa_slot(pfn);

	if (!pfn)
		return false;
	if (!vmsa) {
		if (slot)
			*slot = 0;
		return true;
	}
	if (!slot && !(slot = vmsa_slot(0)))
		return false; /* the model's table is full: refused, never ignored */
	*slot = pfn;
	return true;
}

/* AP Creation */

static u64 guest_features(void)
{
	struct snp_discovery d;

	snp_model_discovery(&d);
	return snp_vmsa_sev_features(d.sev_status);
}

/* The target's VMRUN: would the hardware run a vCPU from this page? */
static bool vmrun_would_fail(u64 gpa, unsigned vmpl)
{
	const u8 *vmsa = (const u8 *)(uintptr_t)gpa;
	u64 pfn = gpa / VMSA_PAGE_SIZE;

	if (!snp_model_is_vmsa(pfn) || !snp_rmp_is_validated(pfn))
		return true;
	return snp_vmsa_u64(vmsa, VMSA_SEV_FEATURES) != guest_features() ||
	       !(snp_vmsa_u64(vmsa, VMSA_EFER) & VMSA_EFER_SVME) || vmsa[VMSA_VMPL] != vmpl;
}

/* The hypervisor's own IPI, on its side of the x2APIC: never through the guest's #VC path. */
static void send(u32 apic_id, u32 mode)
{
	if (!sim_x2apic_write(MSR_X2APIC_ICR, (u64)apic_id << 32 | mode | APIC_ICR_ASSERT))
		return;
	if ((mode & APIC_ICR_DM_MASK) == APIC_ICR_DM_INIT)
		sent_init++;
	else
		sent_startup++;
}

/* For ap_init_sipi_sipi(): the model goes on through the whole sequence whatever one write did. */
static bool send_all(u32 apic_id, u32 mode)
{
	send(apic_id, mode);
	return true;
}

static u64 seg_selector(const u8 *vmsa, unsigned seg)
{
	u16 v;

	memcpy(&v, vmsa + seg + VMSA_SEG_SELECTOR, sizeof(v));
	return v;
}

static u64 seg_u32(const u8 *vmsa, unsigned off)
{
	u32 v;

	memcpy(&v, vmsa + off, sizeof(v));
	return v;
}

/* On the started vCPU, on the model's stack: the VMSA's state, then off into it. */
static __noreturn void vcpu_enter(u64 index)
{
	struct snp_model_vcpu *v = &vcpus[index];
	const u8 *vmsa = (const u8 *)(uintptr_t)v->vmsa_gpa;
	struct vmsa_load *l = &loads[index];

	*l = (struct vmsa_load){
		.gdt_limit = (u16)seg_u32(vmsa, VMSA_GDTR + VMSA_SEG_LIMIT),
		.gdt_base = snp_vmsa_u64(vmsa, VMSA_GDTR + VMSA_SEG_BASE),
		.idt_limit = (u16)seg_u32(vmsa, VMSA_IDTR + VMSA_SEG_LIMIT),
		.idt_base = snp_vmsa_u64(vmsa, VMSA_IDTR + VMSA_SEG_BASE),
		.cr3 = snp_vmsa_u64(vmsa, VMSA_CR3) & ~(1ull << SIM_SNP_CBIT), /* the C-bit: the CPU's business */
		.cs = seg_selector(vmsa, VMSA_CS),
		.ss = seg_selector(vmsa, VMSA_SS),
		.ds = seg_selector(vmsa, VMSA_DS),
		.es = seg_selector(vmsa, VMSA_ES),
		.fs = seg_selector(vmsa, VMSA_FS),
		.gs = seg_selector(vmsa, VMSA_GS),
		.fs_base = snp_vmsa_u64(vmsa, VMSA_FS + VMSA_SEG_BASE),
		.gs_base = snp_vmsa_u64(vmsa, VMSA_GS + VMSA_SEG_BASE),
		.rip = snp_vmsa_u64(vmsa, VMSA_RIP),
		.rsp = snp_vmsa_u64(vmsa, VMSA_RSP),
		.rflags = snp_vmsa_u64(vmsa, VMSA_RFLAGS),
		.rax = snp_vmsa_u64(vmsa, VMSA_RAX),
		.rbx = snp_vmsa_u64(vmsa, VMSA_RBX),
		.rcx = snp_vmsa_u64(vmsa, VMSA_RCX),
		.rdx = snp_vmsa_u64(vmsa, VMSA_RDX),
		.rsi = snp_vmsa_u64(vmsa, VMSA_RSI),
		.rdi = snp_vmsa_u64(vmsa, VMSA_RDI),
		.rbp = snp_vmsa_u64(vmsa, VMSA_RBP),
	};
	__atomic_add_fetch(&v->vmsa_entries, 1, __ATOMIC_RELEASE);
	snp_model_vmsa_load(l);
}

/* KVM kicks the target, which enters from the new VMSA; here: INIT-SIPI-SIPI into the model's trampoline. */
static void start_vcpu(struct snp_model_vcpu *v, u64 gpa)
{
	const u8 *vmsa = (const u8 *)(uintptr_t)gpa;
	u64 cr3 = snp_vmsa_u64(vmsa, VMSA_CR3) & ~(1ull << SIM_SNP_CBIT);
	u8 *page = (u8 *)(uintptr_t)tramp;
	struct ap_tramp_setup s = {
		.cr3 = cr3,
		.cr0 = (u32)snp_vmsa_u64(vmsa, VMSA_CR0),
		.cr4 = (u32)snp_vmsa_u64(vmsa, VMSA_CR4),
		.efer = (u32)(snp_vmsa_u64(vmsa, VMSA_EFER) & ~(VMSA_EFER_SVME | VMSA_EFER_LMA)),
	};
	size_t params = (size_t)(ap_trampoline_params - ap_trampoline_start);
	u32 index = (u32)(v - vcpus), entries = v->vmsa_entries;
	u64 start;

	if (ap_tramp_prepare(tramp, cr3 & CR3_ADDR_MASK, &s))
		snp_model_fatal("the SNP model could not install its vCPU start-up trampoline", tramp);
	ap_tramp_set_cpu(page, params, (u64)(uintptr_t)&load_stacks[index][LOAD_STACK_BYTES],
			 (u64)(uintptr_t)vcpu_enter, index);
	v->vmsa_gpa = gpa;
	ap_init_sipi_sipi(v->apic_id, ap_tramp_sipi_vector(tramp), send_all);
	start = time_now_ns();
	while (__atomic_load_n(&v->vmsa_entries, __ATOMIC_ACQUIRE) == entries && time_now_ns() - start < ENTRY_WAIT_NS)
		cpu_relax();
}

static void stop_vcpu(struct snp_model_vcpu *v)
{
	v->destroyed_vmsa = v->vmsa_gpa; /* still IN_USE for the next take-back (top of file) */
	v->vmsa_gpa = 0;
	send(v->apic_id, APIC_ICR_DM_INIT); /* not runnable until created again */
}

static u64 refuse(struct snp_model_vcpu *v, u64 reason)
{
	if (v)
		v->refusals++;
	return reason;
}

/* The event as the modelled host reads it (top of file): KVM's lower_32_bits(), or the SVSM-aware host's
 * bits 15:0 with the guest's own VMPL required in bits 23:16. */
static u32 event_of(u64 info1, unsigned vmpl)
{
	if (!snp_model_guest_vmpl())
		return (u32)info1;
	return vmpl == snp_model_guest_vmpl() ? (u32)(info1 & SVM_VMGEXIT_AP_EVENT_MASK) : ~0u;
}

bool snp_model_vmsa_in_use(u64 pfn)
{
	for (u32 i = 0; i < nvcpus; i++) {
		if (vcpus[i].vmsa_gpa && vcpus[i].vmsa_gpa / VMSA_PAGE_SIZE == pfn)
			return true;
		if (vcpus[i].destroyed_vmsa && vcpus[i].destroyed_vmsa / VMSA_PAGE_SIZE == pfn) {
			vcpus[i].destroyed_vmsa = 0; /* it has left its VMRUN by the next attempt */
			vcpus[i].busy_take_backs++;
			return true;
		}
	}
	return false;
}

u64 snp_model_ap_creation(u64 info1, u64 gpa, u64 rax, bool rax_valid)
{
	unsigned vmpl = (info1 >> SVM_VMGEXIT_AP_VMPL_SHIFT) & SVM_VMGEXIT_AP_VMPL_MASK;
	u32 event = event_of(info1, vmpl);
	struct snp_model_vcpu *v = vcpu_by_apic((u32)(info1 >> SVM_VMGEXIT_AP_APIC_ID_SHIFT));

	if (event != SVM_VMGEXIT_AP_DESTROY && event <= SVM_VMGEXIT_AP_CREATE && !rax_valid)
		return refuse(v, GHCB_ERR_MISSING_INPUT);
	if (!v)
		return GHCB_ERR_INVALID_INPUT;
	if (event == SVM_VMGEXIT_AP_DESTROY) {
		v->destroys++;
		stop_vcpu(v);
		return 0;
	}
	if (event != SVM_VMGEXIT_AP_CREATE && event != SVM_VMGEXIT_AP_CREATE_ON_INIT)
		return refuse(v, GHCB_ERR_INVALID_INPUT);
	if (rax != guest_features() || gpa & (VMSA_PAGE_SIZE - 1) || gpa >> GPA_LIMIT_BITS || !gpa ||
	    !(gpa & (2 * MiB - 1)))
		return refuse(v, GHCB_ERR_INVALID_INPUT);
	if (vmrun_would_fail(gpa, vmpl))
		return refuse(v, GHCB_ERR_INVALID_INPUT);
	v->creates++;
	if (event == SVM_VMGEXIT_AP_CREATE)
		start_vcpu(v, gpa);
	else
		stop_vcpu(v); /* waits for an INIT, which only the host could send here */
	return 0;
}

/* The modelled SVSM's SVSM_CORE_CREATE_VCPU (COCONUT-SVSM core_create_vcpu() and its check_vmsa()). */
u64 snp_model_svsm_create_vcpu(const struct cpu_regs *r)
{
	u64 gpa = r->rcx, caa = r->rdx;
	struct snp_model_vcpu *v;
	const u8 *vmsa = (const u8 *)(uintptr_t)gpa;

	if (!gpa || !caa || gpa & (VMSA_PAGE_SIZE - 1) || caa & (VMSA_PAGE_SIZE - 1) || gpa == caa ||
	    !snp_rmp_is_validated(gpa / VMSA_PAGE_SIZE))
		return SVSM_ERR_INVALID_ADDRESS;
	if (!(v = vcpu_by_apic((u32)r->r8)))
		return SVSM_ERR_INVALID_PARAMETER;
	if (vmsa[VMSA_VMPL] != snp_model_guest_vmpl() || !(snp_vmsa_u64(vmsa, VMSA_EFER) & VMSA_EFER_SVME) ||
	    snp_vmsa_u64(vmsa, VMSA_SEV_FEATURES) != guest_features())
		return SVSM_ERR_INVALID_PARAMETER;
	if (!snp_model_set_vmsa(gpa / VMSA_PAGE_SIZE, true)) /* its RMPADJUST, at VMPL0 */
		return SVSM_ERR_INVALID_PARAMETER;
	v->caa_gpa = caa;
	return SVSM_SUCCESS;
}

u64 snp_model_svsm_delete_vcpu(const struct cpu_regs *r)
{
	u64 gpa = r->rcx;

	if (!gpa || gpa & (VMSA_PAGE_SIZE - 1) || !snp_model_is_vmsa(gpa / VMSA_PAGE_SIZE))
		return SVSM_ERR_INVALID_ADDRESS;
	snp_model_set_vmsa(gpa / VMSA_PAGE_SIZE, false);
	return SVSM_SUCCESS;
}

u64 snp_model_caa_of_this_vcpu(void)
{
	const struct snp_model_vcpu *v = this_vcpu();

	return v ? v->caa_gpa : 0;
}
