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
#include <arch/portio.h>
#include <arch/snp_spec.h>
#include <arch/snp_vmsa.h>
#include <ccktf/ktest.h>
#include <ccktf/platform.h>
#include <ccktf/smp.h>
#include <ccktf/string.h>
#include "../../arch/x86/sim/snp_model.h"
#include "../../arch/x86/sim/snp_model_ap.h"
#include "../../arch/x86/snp/snp.h"
#include "../../arch/x86/snp/snp_ap.h"

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
	if (on_model()) { /* every INIT and STARTUP IPI sent was the model's own (the host's business) */
		KEXPECT_EQ(t, lapic_ipis_sent(APIC_ICR_DM_INIT), snp_model_ap_ipis(APIC_ICR_DM_INIT));
		KEXPECT_EQ(t, lapic_ipis_sent(APIC_ICR_DM_STARTUP), snp_model_ap_ipis(APIC_ICR_DM_STARTUP));
		ktest_log(t, "IPIs: INIT %llu, STARTUP %llu, all sent by the model", lapic_ipis_sent(APIC_ICR_DM_INIT),
			  lapic_ipis_sent(APIC_ICR_DM_STARTUP));
	} else {
		KEXPECT_EQ(t, lapic_ipis_sent(APIC_ICR_DM_INIT), 0);
		KEXPECT_EQ(t, lapic_ipis_sent(APIC_ICR_DM_STARTUP), 0);
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
	KEXPECT_EQ(t, v->refusals, refusals + 4);
	KEXPECT_EQ(t, v->creates, 1);
	KEXPECT_EQ(t, v->vmsa_entries, 1);
}

/* An AP that never checked in (smp_stall=APIC_ID shows one): destroyed, and its page no VMSA any more. */
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
		KEXPECT_EQ(t, in->take_back_status, 0);
		if (!on_model())
			continue;
		KEXPECT_EQ(t, snp_model_vcpu(s->cpus[i].apic_id)->destroys, 1);
		KEXPECT_FALSE(t, snp_model_is_vmsa(in->vmsa_gpa / VMSA_PAGE_SIZE));
		ktest_log(t, "APIC ID %u: destroyed, VMSA 0x%llx taken back", s->cpus[i].apic_id,
			  (unsigned long long)in->vmsa_gpa);
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
