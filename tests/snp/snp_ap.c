/* SPDX-License-Identifier: MIT */
/*
 * SNP application processors (arch/x86/snp/snp_ap_create.c): each AP was started from a VMSA through the
 * AP Creation request, never by INIT/SIPI from the kernel, and runs on its own GHCB. Against the model the
 * host's side is checked too (arch/x86/sim/snp_model_ap.c): one accepted CREATE and one VMSA entry per AP,
 * the GHCB each vCPU registered, and that the modelled host refuses the requests KVM or the hardware
 * would refuse. Boots with QEMU -smp 2 and 4 run it (harness/tests/test_smp_boot.py).
 */
#include <arch/apic.h>
#include <arch/cpu.h>
#include <arch/machine.h>
#include <arch/percpu.h>
#include <arch/portio.h>
#include <arch/snp_spec.h>
#include <arch/snp_vmsa.h>
#include <arch/trap.h>
#include <ccktf/ktest.h>
#include <ccktf/platform.h>
#include <ccktf/smp.h>
#include <ccktf/string.h>
#include "../../arch/x86/sim/snp_model.h"
#include "../../arch/x86/sim/snp_model_ap.h"
#include "../../arch/x86/snp/snp.h"
#include "../../arch/x86/snp/snp_ap.h"
#include "../../arch/x86/snp/snp_cpuid.h"

#define WORK_TIMEOUT_NS 2000000000ull
#define POST_PORT 0x80 /* the POST diagnostic port: a write nobody minds, through the GHCB as an IOIO exit */

static const char *snp_ap_skip(void)
{
	const struct smp_state *s = smp_get();

	if (!cc_platform_has(CC_ATTR_SEV_SNP_GUEST))
		return "needs an SEV-SNP guest (platform=snp or sim-snp)";
	if (s->madt.error || s->madt.enabled < 2)
		return "one CPU: no application processor to check";
	if (s->skipped)
		return s->skipped;
	return NULL;
}

KTEST_SUITE(snp_ap, KTEST_AFTER_EXIT_BOOT_SERVICES, snp_ap_skip);

static bool up(const struct smp_cpu *c)
{
	return c->state == SMP_CPU_ONLINE;
}

static bool on_model(void)
{
	return cc_platform_has(CC_ATTR_HW_MODEL);
}

struct ghcb_work {
	u64 gpa;  /* ghcb_current_gpa() on the AP */
	bool ok;  /* it got through an IOIO exit on it */
};

static void use_my_ghcb(void *arg)
{
	struct ghcb_work *w = arg;

	w->gpa = ghcb_current_gpa();
	outb(POST_PORT, 0x12); /* #VC -> this CPU's GHCB: the model stops the guest if it is not this vCPU's */
	w->ok = true;
}

KTEST(snp_ap, each_ap_on_its_own_ghcb)
{
	const struct smp_state *s = smp_get();
	u64 mask = paging_encryption_mask();

	for (u32 i = 1; i < s->ncpus; i++) {
		const struct snp_ap_info *in = snp_ap_info(i);
		static struct ghcb_work w;

		if (!up(&s->cpus[i]))
			continue;
		KASSERT_TRUE(t, in != NULL);
		KEXPECT_TRUE(t, in->registered);
		KEXPECT_NE(t, in->ghcb_gpa, 0);
		KEXPECT_NE(t, in->ghcb_gpa, snp_ghcb_gpa());
		KEXPECT_EQ(t, paging_page_entry(in->ghcb_gpa) & mask, 0); /* shared: the C-bit is clear */
		for (u32 j = 1; j < i; j++)
			KEXPECT_NE(t, in->ghcb_gpa, snp_ap_info(j)->ghcb_gpa);
		w = (struct ghcb_work){ 0 };
		KEXPECT_TRUE(t, smp_post(i, use_my_ghcb, &w));
		KEXPECT_TRUE(t, smp_wait(i, WORK_TIMEOUT_NS));
		KEXPECT_EQ(t, w.gpa, in->ghcb_gpa);
		KEXPECT_TRUE(t, w.ok);
		if (on_model()) {
			const struct snp_model_vcpu *v = snp_model_vcpu(s->cpus[i].apic_id);

			KASSERT_TRUE(t, v != NULL);
			KEXPECT_TRUE(t, v->registered);
			KEXPECT_EQ(t, v->ghcb_gfn, in->ghcb_gpa / VMSA_PAGE_SIZE);
		}
		ktest_log(t, "APIC ID %u: GHCB at 0x%llx (the boot CPU's at 0x%llx)", s->cpus[i].apic_id,
			  (unsigned long long)in->ghcb_gpa, (unsigned long long)snp_ghcb_gpa());
	}
	KEXPECT_EQ(t, ghcb_current_gpa(), snp_ghcb_gpa());
	if (on_model())
		KEXPECT_EQ(t, snp_model_vcpu(s->boot_apic_id)->ghcb_gfn, snp_ghcb_gpa() / VMSA_PAGE_SIZE);
}

KTEST(snp_ap, each_ap_created_from_a_vmsa_once)
{
	const struct smp_state *s = smp_get();

	for (u32 i = 1; i < s->ncpus; i++) {
		const struct snp_ap_info *in = snp_ap_info(i);

		if (!up(&s->cpus[i]))
			continue;
		KEXPECT_TRUE(t, in->created);
		KEXPECT_NE(t, in->vmsa_gpa, 0);
		KEXPECT_NE(t, in->vmsa_gpa & (2 * MiB - 1), 0); /* never 2 MiB aligned */
		KEXPECT_EQ(t, in->info1 & GHCB_RESP_MASK, 0);
		if (!on_model())
			continue;
		const struct snp_model_vcpu *v = snp_model_vcpu(s->cpus[i].apic_id);

		KASSERT_TRUE(t, v != NULL);
		KEXPECT_EQ(t, v->creates, 1);
		KEXPECT_EQ(t, v->vmsa_entries, 1);
		KEXPECT_EQ(t, v->vmsa_gpa, in->vmsa_gpa);
		KEXPECT_TRUE(t, snp_model_is_vmsa(in->vmsa_gpa / VMSA_PAGE_SIZE));
		if (svsm_present())
			KEXPECT_NE(t, v->caa_gpa, 0); /* created through the SVSM, with its own Calling Area */
		ktest_log(t, "APIC ID %u: VMSA at 0x%llx, created %u, entered %u, refused %u", v->apic_id,
			  (unsigned long long)v->vmsa_gpa, v->creates, v->vmsa_entries, v->refusals);
	}
	/* The kernel never sent INIT or STARTUP; under the model the host did, on its side of the APIC. */
	KEXPECT_EQ(t, lapic_ipis_sent(APIC_ICR_DM_INIT), 0);
	KEXPECT_EQ(t, lapic_ipis_sent(APIC_ICR_DM_STARTUP), 0);
	if (on_model()) {
		KEXPECT_GE(t, snp_model_ap_ipis(APIC_ICR_DM_INIT), s->online - 1);
		KEXPECT_GE(t, snp_model_ap_ipis(APIC_ICR_DM_STARTUP), 2 * (s->online - 1));
		ktest_log(t, "IPIs: INIT %llu, STARTUP %llu, all sent by the model",
			  (unsigned long long)snp_model_ap_ipis(APIC_ICR_DM_INIT),
			  (unsigned long long)snp_model_ap_ipis(APIC_ICR_DM_STARTUP));
	}
}

static u8 test_pages[2][VMSA_PAGE_SIZE] __attribute__((aligned(4096)));

/* One request; true when it was refused with SW_EXITINFO1 = 2 and SW_EXITINFO2 = reason. */
static bool refused_with(struct ktest *t, const char *what, u32 apic_id, u64 gpa, u64 rax, bool rax_valid,
			 u64 reason)
{
	u64 i1, i2, st = snp_ap_creation(apic_id, SVM_VMGEXIT_AP_CREATE, gpa, rax, rax_valid, &i1, &i2);

	ktest_log(t, "%s: SW_EXITINFO1=0x%llx SW_EXITINFO2=0x%llx", what, (unsigned long long)i1,
		  (unsigned long long)i2);
	return st == GHCB_RESP_MALFORMED_INPUT && i2 == reason;
}

/*
 * A CREATE for a VMPL the modelled host refuses: upstream KVM reads the event from SW_EXITINFO1[31:0], so any
 * VMPL but 0 is an unknown event; the SVSM-aware host below sim_svsm=1 takes only the guest's own VMPL.
 */
static bool refused_at_vmpl(struct ktest *t, u32 apic_id, u64 gpa, u64 features, unsigned vmpl)
{
	u64 i2, st;

	ghcb_clear_valid();
	ghcb_set_field(GHCB_OFF_RAX, features);
	st = ghcb_call(SVM_VMGEXIT_AP_CREATION, (u64)apic_id << SVM_VMGEXIT_AP_APIC_ID_SHIFT |
							(u64)vmpl << SVM_VMGEXIT_AP_VMPL_SHIFT | SVM_VMGEXIT_AP_CREATE,
		       gpa, &i2);
	ktest_log(t, "VMPL %u: SW_EXITINFO1=0x%llx SW_EXITINFO2=0x%llx", vmpl,
		  (unsigned long long)ghcb_field(GHCB_OFF_SW_EXIT_INFO_1), (unsigned long long)i2);
	return st == GHCB_RESP_MALFORMED_INPUT && i2 == GHCB_ERR_INVALID_INPUT;
}

/*
 * A valid AP state in a page that is not a VMSA in the RMP, then the other requests KVM refuses. A refused
 * request changes nothing: the target AP keeps its one creation and its one entry.
 */
KTEST(snp_ap, the_host_refuses_a_bad_ap_creation)
{
	const struct smp_state *s = smp_get();
	u64 page = snp_vmsa_pick_page((u64)(uintptr_t)test_pages), features;
	const struct snp_model_vcpu *v;
	const struct snp_ap_info *in;
	u32 apic, refusals, i = 1;

	if (!on_model())
		KTEST_SKIP(t, "the refusals are the model's to check: on hardware a refused VMSA stops the guest");
	while (i < s->ncpus && !up(&s->cpus[i]))
		i++;
	if (i == s->ncpus)
		KTEST_SKIP(t, "no AP is online");
	apic = s->cpus[i].apic_id;
	in = snp_ap_info(i);
	v = snp_model_vcpu(apic);
	refusals = v->refusals;
	memcpy((void *)(uintptr_t)page, (const void *)(uintptr_t)in->vmsa_gpa, VMSA_PAGE_SIZE);
	features = snp_vmsa_u64((const void *)(uintptr_t)page, VMSA_SEV_FEATURES);
	KEXPECT_FALSE(t, snp_model_is_vmsa(page / VMSA_PAGE_SIZE));
	KEXPECT_TRUE(t, refused_with(t, "not a VMSA page", apic, page, features, true, GHCB_ERR_INVALID_INPUT));
	KEXPECT_TRUE(t, refused_with(t, "SEV_FEATURES not the guest's", apic, in->vmsa_gpa, features | 1ull << 2, true,
				     GHCB_ERR_INVALID_INPUT));
	KEXPECT_TRUE(t, refused_with(t, "no RAX", apic, in->vmsa_gpa, features, false, GHCB_ERR_MISSING_INPUT));
	KEXPECT_TRUE(t, refused_with(t, "2 MiB aligned", apic, ALIGN_DOWN(in->vmsa_gpa, 2 * MiB), features, true,
				     GHCB_ERR_INVALID_INPUT));
	KEXPECT_TRUE(t, refused_with(t, "no such APIC ID", 0xfffe, in->vmsa_gpa, features, true, GHCB_ERR_INVALID_INPUT));
	KEXPECT_TRUE(t, refused_at_vmpl(t, apic, in->vmsa_gpa, features, svsm_guest_vmpl() + 1));
	if (svsm_guest_vmpl())
		KEXPECT_TRUE(t, refused_at_vmpl(t, apic, in->vmsa_gpa, features, 0));
	KEXPECT_EQ(t, v->refusals, refusals + 5 + (svsm_guest_vmpl() ? 1 : 0));
	KEXPECT_EQ(t, v->creates, 1);
	KEXPECT_EQ(t, v->vmsa_entries, 1);
}

/*
 * An AP that never checked in (smp_stall=APIC_ID shows one): destroyed, then its page taken back, or, when
 * the take-back fails (KVM's DESTROY only kicks the vCPU: the VMSA may still be IN_USE), leaked with the raw
 * status. The model always takes the second timing, so there the page must be leaked, not reused.
 */
KTEST(snp_ap, a_given_up_ap_is_destroyed_and_its_vmsa_taken_back)
{
	const struct smp_state *s = smp_get();
	unsigned given_up = 0;

	for (u32 i = 1; i < s->ncpus; i++) {
		const struct snp_ap_info *in = snp_ap_info(i);

		if (s->cpus[i].state != SMP_CPU_NO_ANSWER)
			continue;
		given_up++;
		KEXPECT_FALSE(t, in->created);
		KEXPECT_EQ(t, in->destroy_status, 0);
		KEXPECT_EQ(t, in->leaked, in->take_back_status != 0);
		ktest_log(t, "APIC ID %u: destroyed, VMSA 0x%llx %s (status 0x%llx)", s->cpus[i].apic_id,
			  (unsigned long long)in->vmsa_gpa, in->leaked ? "leaked" : "taken back",
			  (unsigned long long)in->take_back_status);
		if (!on_model())
			continue;
		KEXPECT_EQ(t, snp_model_vcpu(s->cpus[i].apic_id)->destroys, 1);
		if (svsm_present()) {
			KEXPECT_FALSE(t, in->leaked);
			continue;
		}
		KEXPECT_TRUE(t, in->leaked);
		KEXPECT_EQ(t, in->take_back_status, RMPADJUST_FAIL_INUSE);
		KEXPECT_EQ(t, snp_model_vcpu(s->cpus[i].apic_id)->busy_take_backs, 1);
	}
	if (!given_up)
		KTEST_SKIP(t, "every AP came up: none was given up");
}

KTEST(snp_ap, rmpadjust_sets_the_vmsa_bit_only_as_the_hardware_does)
{
	u64 page = snp_vmsa_pick_page((u64)(uintptr_t)test_pages), pfn = page / VMSA_PAGE_SIZE;

	if (!on_model())
		KTEST_SKIP(t, "reads the model's RMP");
	if (svsm_present()) { /* below VMPL0 RMPADJUST is refused whatever it asks */
		KEXPECT_EQ(t, snp_rmpadjust(page, PVALIDATE_PAGE_4K, RMPADJUST_TARGET_VMPL1 | RMPADJUST_VMSA_PAGE_BIT),
			   RMPADJUST_FAIL_PERMISSION);
		KEXPECT_FALSE(t, snp_model_is_vmsa(pfn));
		return;
	}
	KEXPECT_EQ(t, snp_rmpadjust(ALIGN_DOWN(page, 2 * MiB), PVALIDATE_PAGE_2M,
				    RMPADJUST_TARGET_VMPL1 | RMPADJUST_VMSA_PAGE_BIT),
		   PVALIDATE_FAIL_INPUT); /* a 2 MiB VMSA */
	KEXPECT_EQ(t, snp_rmpadjust(page, PVALIDATE_PAGE_4K, RMPADJUST_VMSA_PAGE_BIT), RMPADJUST_FAIL_PERMISSION);
	KEXPECT_FALSE(t, snp_model_is_vmsa(pfn));
	KEXPECT_EQ(t, snp_rmpadjust(page, PVALIDATE_PAGE_4K, RMPADJUST_TARGET_VMPL1 | RMPADJUST_VMSA_PAGE_BIT), 0);
	KEXPECT_TRUE(t, snp_model_is_vmsa(pfn));
	KEXPECT_EQ(t, snp_rmpadjust(page, PVALIDATE_PAGE_4K, RMPADJUST_TARGET_VMPL1), 0);
	KEXPECT_FALSE(t, snp_model_is_vmsa(pfn));
}

/* x2APIC MSRs raise #VC (exit 0x7C): through this CPU's GHCB, a refusal a #GP for the *_safe accessor. */
struct msr_work {
	int id_vector, write_vector; /* lapic_msr_read(0x802), lapic_msr_write(0x802): -1 or the vector */
	u64 id;
	u64 exits_before, exits_after, refused_after;
};

static void x2apic_msrs(void *arg)
{
	struct msr_work *w = arg;
	const struct snp_vc_msr_record *r = snp_vc_msr_record(this_cpu_index());

	w->exits_before = r->exits;
	w->id_vector = lapic_msr_read(MSR_X2APIC_APICID, &w->id);
	w->write_vector = lapic_msr_write(MSR_X2APIC_APICID, 0); /* read-only in x2APIC mode: KVM refuses */
	w->exits_after = r->exits;
	w->refused_after = r->refused;
}

KTEST(snp_ap, each_ap_reaches_the_x2apic_through_its_own_ghcb)
{
	const struct smp_state *s = smp_get();

	if (!lapic_x2apic_only())
		KTEST_SKIP(t, "the local APIC is not the hypervisor's x2APIC here");
	for (u32 i = 1; i < s->ncpus; i++) {
		static struct msr_work w;
		const struct snp_model_vcpu *v = on_model() ? snp_model_vcpu(s->cpus[i].apic_id) : NULL;
		u64 exits = v ? v->msr_exits : 0, refused = v ? v->msr_refused : 0;

		if (!up(&s->cpus[i]))
			continue;
		w = (struct msr_work){ 0 };
		KEXPECT_TRUE(t, smp_post(i, x2apic_msrs, &w));
		KEXPECT_TRUE(t, smp_wait(i, WORK_TIMEOUT_NS));
		KEXPECT_EQ(t, w.id_vector, -1);
		KEXPECT_EQ(t, w.id, s->cpus[i].apic_id);
		KEXPECT_EQ(t, w.write_vector, X86_GP);
		KEXPECT_GE(t, w.exits_after, w.exits_before + 2); /* + any its NMI hook made meanwhile */
		KEXPECT_GE(t, w.refused_after, 1);
		KEXPECT_EQ(t, snp_vc_msr_record(i)->last_msr, MSR_X2APIC_APICID);
		KEXPECT_EQ(t, snp_vc_msr_record(i)->last_info1 & GHCB_RESP_MASK, GHCB_RESP_ISSUE_EXCEPTION);
		KEXPECT_EQ(t, snp_vc_msr_record(i)->last_info2 & SVM_EVTINJ_VEC_MASK, X86_GP);
		if (v) { /* the host saw both on this vCPU's GHCB (snp_model_hv.c stops a foreign one) */
			KEXPECT_GE(t, v->msr_exits, exits + 2);
			KEXPECT_EQ(t, v->msr_refused, refused + 1);
			ktest_log(t, "APIC ID %u: MSR exits through its GHCB %llu, refused %llu", v->apic_id,
				  (unsigned long long)v->msr_exits, (unsigned long long)v->msr_refused);
		}
	}
}

/* Parked APs are woken by NMI; the host masks an SNP vCPU's NMIs until NMI Complete (snp_nmi.c). */
static void count_round(void *arg)
{
	__atomic_fetch_add((u64 *)arg, 1, __ATOMIC_RELAXED);
}

#define ROUNDS 3

KTEST(snp_ap, posted_work_wakes_each_ap_every_round)
{
	const struct smp_state *s = smp_get();

	for (u32 i = 1; i < s->ncpus; i++) {
		static u64 ran;
		u64 before = snp_nmi_completes(i);

		if (!up(&s->cpus[i]))
			continue;
		ran = 0;
		for (unsigned round = 0; round < ROUNDS; round++) {
			KEXPECT_TRUE(t, smp_post(i, count_round, &ran));
			KEXPECT_TRUE(t, smp_wait(i, WORK_TIMEOUT_NS));
		}
		KEXPECT_EQ(t, ran, ROUNDS);
		KEXPECT_GE(t, snp_nmi_completes(i), before + ROUNDS);
		if (on_model()) {
			const struct snp_model_vcpu *v = snp_model_vcpu(s->cpus[i].apic_id);

			KEXPECT_GE(t, v->nmi_completes, ROUNDS);
			KEXPECT_LE(t, v->nmis_injected, v->nmi_completes + 1); /* at most one in flight */
			ktest_log(t, "APIC ID %u: NMIs injected %llu, completed %llu, held %llu", v->apic_id,
				  (unsigned long long)v->nmis_injected, (unsigned long long)v->nmi_completes,
				  (unsigned long long)v->nmis_held);
		}
	}
}

/* Each AP's identity from CPUID is its own: the CPUID page's per-vCPU fields come from the host. */
struct cpuid_work {
	u32 leaf1_ebx, leaf_b_edx;
	bool ok;
};

static const u8 cpuid_bytes[] = { 0x0f, 0xa2 };

static void cpuid_through_vc(void *arg)
{
	struct cpuid_work *w = arg;
	struct cpu_regs r = { .vector = X86_VC, .error_code = SVM_EXIT_CPUID, .rax = 1,
			      .rip = (u64)(uintptr_t)cpuid_bytes };

	w->ok = snp_vc_handle(&r);
	w->leaf1_ebx = (u32)r.rbx;
	r = (struct cpu_regs){ .vector = X86_VC, .error_code = SVM_EXIT_CPUID, .rax = 0xb,
			       .rip = (u64)(uintptr_t)cpuid_bytes };
	w->ok = w->ok && snp_vc_handle(&r);
	w->leaf_b_edx = (u32)r.rdx;
}

KTEST(snp_ap, cpuid_from_the_page_gives_each_ap_its_own_apic_id)
{
	const struct smp_state *s = smp_get();

	if (!snp_cpuid_page())
		KTEST_SKIP(t, "no SNP CPUID page: CPUID is the hypervisor's, per vCPU already");
	for (u32 i = 1; i < s->ncpus; i++) {
		static struct cpuid_work w;

		if (!up(&s->cpus[i]))
			continue;
		w = (struct cpuid_work){ 0 };
		KEXPECT_TRUE(t, smp_post(i, cpuid_through_vc, &w));
		KEXPECT_TRUE(t, smp_wait(i, WORK_TIMEOUT_NS));
		KEXPECT_TRUE(t, w.ok);
		KEXPECT_EQ(t, w.leaf1_ebx >> 24, s->cpus[i].apic_id & 0xff);
		if (snp_cpuid_in_range(snp_cpuid_page(), 0xb))
			KEXPECT_EQ(t, w.leaf_b_edx, s->cpus[i].apic_id);
	}
}

/* The AP's VMSA carries its per-CPU area in GS base (the model can read the page; hardware would not). */
KTEST(snp_ap, each_ap_starts_with_its_per_cpu_area_in_gs)
{
	const struct smp_state *s = smp_get();

	if (!on_model())
		KTEST_SKIP(t, "reads the VMSA page, which only the model lets the guest read back");
	for (u32 i = 1; i < s->ncpus; i++) {
		const struct snp_ap_info *in = snp_ap_info(i);

		if (!up(&s->cpus[i]))
			continue;
		KEXPECT_EQ(t, snp_vmsa_u64((const void *)(uintptr_t)in->vmsa_gpa, VMSA_GS + VMSA_SEG_BASE),
			   (u64)(uintptr_t)(this_cpu_local() + i));
	}
}
