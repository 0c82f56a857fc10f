/* SPDX-License-Identifier: MIT */
/*
 * Starting an SNP application processor (arch/ap_wake.h, platforms snp and sim-snp): INIT and STARTUP IPIs
 * cannot start a vCPU whose state is encrypted, so the guest gives the hypervisor a VMSA with the AP's
 * initial state and asks for it with the AP Creation NAE, as Linux wakeup_cpu_via_vmgexit() does
 * (arch/x86/coco/sev/core.c; GHCB spec 4.1.8). Per AP:
 *   - a VMSA page: private, zeroed, never 2 MiB aligned (the erratum behind Linux snp_alloc_vmsa_page(),
 *     which KVM enforces), filled by snp_vmsa_fill() (64-bit mode on the kernel's CR3, GDT and IDT, RIP =
 *     snp_ap_entry, RSP = the AP's stack, RDI = its slot, GS base = its per-CPU area (arch/percpu.h, so
 *     that it knows its slot from its first instruction, as Linux's APs find theirs through the GS base
 *     set in start_secondary's path), SEV_FEATURES = SEV_STATUS >> 2, the guest's VMPL);
 *   - made a VMSA: at VMPL0 with RMPADJUST (target VMPL 1 | VMSA bit), below an SVSM with
 *     SVSM_CORE_CREATE_VCPU (the SVSM does it, and takes the AP's own Calling Area), Linux snp_set_vmsa();
 *   - the NAE through the boot CPU's GHCB: SW_EXITCODE 0x80000013, SW_EXITINFO1 = APIC ID << 32 | VMPL << 16
 *     | CREATE, SW_EXITINFO2 = the VMSA's GPA, RAX (valid) = its SEV_FEATURES; a refusal (SW_EXITINFO1[31:0]
 *     not 0, or not marked valid) is reported with the raw SW_EXITINFO1/2 and the page is taken back;
 *   - its own GHCB: a page made shared by the boot CPU (as Linux init_ghcb() does for every CPU) and
 *     registered by the AP itself with the GHCB MSR protocol, first thing (ap_init; Linux
 *     snp_register_per_cpu_ghcb()); from then on each CPU's GHCB and MSR are its own (ghcb.c).
 * Checked first: the hypervisor offers AP Creation (HV_FEATURES bit 1), as Linux does before each start.
 * On give-up (no check-in in time): AP Creation DESTROY, then the page is taken back (RMPADJUST without the
 * VMSA bit, or SVSM_CORE_DELETE_VCPU), Linux snp_cleanup_vmsa(). KVM's DESTROY only kicks the vCPU, which may
 * still be in its VMRUN: the VMSA is then IN_USE and the take-back fails (APM vol. 2 15.36.12). A page whose
 * take-back failed is leaked, as Linux snp_cleanup_vmsa() leaks it: recorded (leaked, with the raw status),
 * never written or reused. Never an INIT or STARTUP IPI.
 *
 * Refused up front: Secure TSC (SEV_STATUS bit 11). Its VMSA needs the guest's TSC scale and offset
 * (Linux wakeup_cpu_via_vmgexit() copies tsc_scale and tsc_offset from the boot CPU's SNP TSC info, which
 * comes from the firmware through a guest request, snp_secure_tsc_prepare()); ccktf does not read those,
 * and an AP with zeros there would run on another clock than the boot CPU.
 *
 * Each AP also gets two private pages to save its GHCB in around its NMI hook and NMI Complete (snp_nmi.c).
 */
#include <arch/ap_wake.h>
#include <arch/cpu.h>
#include <arch/machine.h>
#include <arch/percpu.h>
#include <arch/snp_spec.h>
#include <arch/snp_vmsa.h>
#include <ccktf/boot.h>
#include <ccktf/format.h>
#include <ccktf/string.h>
#include "efi/efi_spec.h"
#include "snp.h"
#include "snp_ap.h"

#define PAGES_PER_AP 6 /* the GHCB, two for the VMSA (one is used), the SVSM Calling Area, two GHCB backups */
#define PG 4096ull
#define PAGE_GHCB 0
#define PAGE_VMSA_PAIR 1
#define PAGE_CAA 3
#define PAGE_GHCB_BACKUP 4 /* and 5: snp_nmi.c */
#define CR0_KEEP (X86_CR0_MP | X86_CR0_ET | X86_CR0_NE | X86_CR0_WP)
/* MCE: Linux keeps it */
#define CR4_KEEP (X86_CR4_PSE | X86_CR4_PAE | X86_CR4_MCE | X86_CR4_PGE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT)
#define CR3_ADDR_MASK 0x000ffffffffff000ull

extern const u8 snp_ap_entry[];

static u64 pool;     /* PAGES_PER_AP pages per AP, slot index 1 first */
static u32 pool_aps;
static struct snp_vmsa_cpu boot_state; /* what every AP starts with but its stack and slot */
static struct snp_ap_info info[SMP_MAX_CPUS];
static char why[SMP_MAX_CPUS][200];

const struct snp_ap_info *snp_ap_info(u32 index)
{
	return index && index < SMP_MAX_CPUS ? &info[index] : NULL;
}

static void *ap_page(u32 index, unsigned which)
{
	return (void *)(uintptr_t)(pool + ((u64)(index - 1) * PAGES_PER_AP + which) * PG);
}

static const char *snp_prepare(struct boot_info *b, const struct madt_info *madt, u32 aps)
{
	(void)madt;
	pool = (u64)(uintptr_t)efi_allocate_pages(b, (u64)aps * PAGES_PER_AP, EFI_LOADER_DATA);
	pool_aps = aps;
	return pool ? NULL : "no memory for the APs' GHCB, VMSA and Calling Area pages (AllocatePages)";
}

/*
 * The boot CPU's state, as each AP's VMSA will hold it. None of it traps in an SNP guest: CR and
 * descriptor-table reads are not intercepted, nor is EFER, which the hardware switches through the VMSA
 * (KVM sev_es_init_vmcb() / sev_es_recalc_msr_intercepts(): MSR_EFER and MSR_IA32_CR_PAT not intercepted).
 */
static void read_boot_state(void)
{
	struct ap_idtr gdtr, idtr;
	u16 cs, ds;

	asm volatile("sgdt %0" : "=m"(gdtr));
	asm volatile("sidt %0" : "=m"(idtr));
	asm volatile("mov %%cs, %0" : "=r"(cs));
	asm volatile("mov %%ds, %0" : "=r"(ds));
	boot_state = (struct snp_vmsa_cpu){
		.pml4_pa = read_cr3() & CR3_ADDR_MASK & ~paging_encryption_mask(),
		.cbit = snp_cbit(),
		.cr0 = (read_cr0() & CR0_KEEP) | VMSA_CR0_PE | VMSA_CR0_PG,
		.cr4 = (read_cr4() & CR4_KEEP) | VMSA_CR4_PAE,
		.efer = (rdmsr(MSR_EFER) & EFER_NXE) | VMSA_EFER_LME,
		.cs = cs,
		.ds = ds,
		.gdt_base = gdtr.base,
		.gdt_limit = gdtr.limit,
		.idt_base = idtr.base,
		.idt_limit = idtr.limit,
		.rip = (u64)(uintptr_t)snp_ap_entry,
		.sev_features = snp_vmsa_sev_features(snp_sev_status()),
		.vmpl = (u8)svsm_guest_vmpl(),
	};
}

static const char *snp_setup(struct smp_state *s)
{
	static char err[160];
	const char *e;

	(void)s;
	if ((e = snp_vmsa_unsupported(snp_sev_status()))) {
		snprintf(err, sizeof(err), "%s (SEV_STATUS 0x%llx)", e, snp_sev_status());
		return err;
	}
	if (!(snp_hv_features() & GHCB_HV_FT_SNP_AP_CREATION)) {
		snprintf(err, sizeof(err), "the hypervisor does not offer AP Creation (HV_FEATURES 0x%llx lacks bit 1)",
			 snp_hv_features());
		return err;
	}
	read_boot_state();
	for (u32 i = 1; i <= pool_aps && i < SMP_MAX_CPUS; i++) {
		void *ghcb = ap_page(i, PAGE_GHCB);

		if ((e = snp_make_page_shared(ghcb))) {
			snprintf(err, sizeof(err), "the GHCB page of AP slot %u: %s", i, e);
			return err;
		}
		memset(ghcb, 0, PG); /* through the shared mapping: the host sees zeros */
		memset(ap_page(i, PAGE_CAA), 0, PG);
		snp_ghcb_set_cpu(i, ghcb, (u64)(uintptr_t)ghcb);
		snp_nmi_set_backup(i, ap_page(i, PAGE_GHCB_BACKUP), ap_page(i, PAGE_GHCB_BACKUP + 1));
		if (svsm_present())
			svsm_set_cpu_caa(i, (u64)(uintptr_t)ap_page(i, PAGE_CAA));
		info[i].ghcb_gpa = (u64)(uintptr_t)ghcb;
	}
	ghcb_msr_write(ghcb_current_gpa()); /* the page-state changes used the MSR protocol */
	ghcb_enable_per_cpu();
	return NULL;
}

u64 snp_ap_creation(u32 apic_id, u32 event, u64 vmsa_gpa, u64 sev_features, bool rax_valid, u64 *info1,
		    u64 *info2)
{
	u64 req = (u64)apic_id << SVM_VMGEXIT_AP_APIC_ID_SHIFT |
		  (u64)svsm_guest_vmpl() << SVM_VMGEXIT_AP_VMPL_SHIFT | event;
	u64 status;

	ghcb_clear_valid();
	if (rax_valid)
		ghcb_set_field(GHCB_OFF_RAX, sev_features);
	status = ghcb_call(SVM_VMGEXIT_AP_CREATION, req, vmsa_gpa, info2);
	*info1 = ghcb_field(GHCB_OFF_SW_EXIT_INFO_1);
	if (!ghcb_field_valid(GHCB_OFF_SW_EXIT_INFO_1)) /* Linux: not valid is a failure too */
		return status ? status : GHCB_RESP_MASK;
	return status;
}

/* The page stops being a VMSA (Linux snp_cleanup_vmsa()); a refusal (its raw status recorded) leaks it. */
static void take_back(struct snp_ap_info *in, u64 vmsa)
{
	if (svsm_present())
		in->take_back_status = svsm_delete_vcpu(vmsa);
	else
		in->take_back_status = snp_rmpadjust(vmsa, PVALIDATE_PAGE_4K, RMPADJUST_TARGET_VMPL1);
	in->leaked = in->take_back_status != 0;
}

/* Makes vmsa a VMSA page: 0, or the raw status (RMPADJUST's EAX, or the SVSM's RAX). */
static u64 make_vmsa(struct smp_cpu *c, u64 vmsa)
{
	if (svsm_present())
		return svsm_create_vcpu(vmsa, (u64)(uintptr_t)ap_page(c->index, PAGE_CAA), c->apic_id);
	return snp_rmpadjust(vmsa, PVALIDATE_PAGE_4K, RMPADJUST_TARGET_VMPL1 | RMPADJUST_VMSA_PAGE_BIT);
}

static const char *snp_start(struct smp_cpu *c)
{
	struct snp_vmsa_cpu state = boot_state;
	struct snp_ap_info *in;
	const char *bad;
	u64 vmsa, st;
	char *w;

	if (c->index > pool_aps || c->index >= SMP_MAX_CPUS)
		return "no pages were set aside for this AP";
	in = &info[c->index];
	w = why[c->index];
	if (in->leaked)
		return "its VMSA page was leaked (a take-back failed): not reused";
	snp_nmi_install(); /* in front of smp's NMI hook, set by now: NMI Complete after each wake-up */
	vmsa = snp_vmsa_pick_page((u64)(uintptr_t)ap_page(c->index, PAGE_VMSA_PAIR));
	state.rsp = c->stack_top;
	state.rdi = (u64)(uintptr_t)c;
	state.gs_base = (u64)(uintptr_t)(this_cpu_local() + c->index); /* one array, the boot CPU's first */
	if ((bad = snp_vmsa_fill((void *)(uintptr_t)vmsa, &state)))
		return bad;
	in->vmsa_gpa = vmsa;
	if ((st = make_vmsa(c, vmsa))) {
		snprintf(w, sizeof(why[0]), svsm_present() ? "SVSM_CORE_CREATE_VCPU refused: RAX=0x%llx"
							   : "RMPADJUST (VMSA bit) failed: status %llu", st);
		return w;
	}
	st = snp_ap_creation(c->apic_id, SVM_VMGEXIT_AP_CREATE, vmsa, state.sev_features, true, &in->info1,
			     &in->info2);
	if (st) {
		take_back(in, vmsa);
		snprintf(w, sizeof(why[0]), "AP Creation refused: SW_EXITINFO1=0x%llx SW_EXITINFO2=0x%llx%s", in->info1,
			 in->info2, in->leaked ? " (and the VMSA page could not be taken back: leaked)" : "");
		return w;
	}
	in->created = true;
	return NULL;
}

/* No check-in in time: the hypervisor stops the vCPU (DESTROY), then the page stops being a VMSA. */
static void snp_give_up(struct smp_cpu *c)
{
	struct snp_ap_info *in = &info[c->index];
	u64 i1, i2;

	if (c->index >= SMP_MAX_CPUS || !in->created)
		return;
	in->destroy_status = snp_ap_creation(c->apic_id, SVM_VMGEXIT_AP_DESTROY, in->vmsa_gpa,
					     boot_state.sev_features, true, &i1, &i2);
	take_back(in, in->vmsa_gpa);
	in->created = false;
}

/* On the AP, first: its own GHCB, registered (GHCB spec 2.3.2). Its GS base came with its VMSA, so ghcb.c
 * finds its slot from the first instruction on. */
static void snp_ap_init(struct smp_cpu *c)
{
	if (ghcb_register(ghcb_current_gpa()))
		ghcb_terminate(GHCB_TERM_SET_LINUX, GHCB_TERM_REGISTER); /* as Linux snp_register_ghcb_early() */
	ghcb_msr_write(ghcb_current_gpa());
	info[c->index].registered = true;
}

const struct ap_waker ap_waker_snp_ap_create = {
	.kind = CPU_WAKE_SNP_AP_CREATE,
	.name = "snp-ap-create",
	.prepare = snp_prepare,
	.setup = snp_setup,
	.start = snp_start,
	.give_up = snp_give_up,
	.ap_init = snp_ap_init,
};
