/* SPDX-License-Identifier: MIT */
/*
 * The ACPI Multiprocessor Wakeup mailbox bring-up (arch/x86/cpu/wake_madt_mailbox.c; platforms tdx and
 * sim-tdx): every AP online was woken through the mailbox exactly once and the firmware took each request;
 * the kernel sent no INIT or STARTUP IPI (a TD has none); TDG.VP.INFO's vCPU count agrees with the MADT.
 * On sim-tdx the model's own record of the firmware's side is checked too (arch/sim_tdvf.h): it answered
 * one Wakeup per AP, for exactly the APs the kernel asked for, and every INIT or STARTUP IPI ever sent was
 * its own parking of the APs; the kernel's APIC was the hypervisor's x2APIC: every ID read and every IPI went
 * to the model's VMM through #VE and TDG.VP.VMCALL (apic_went_through_the_vmm). Elsewhere, or when no AP was started, the suite skips.
 */
#include <arch/apic.h>
#include <arch/cpu.h>
#include <arch/mp_wake.h>
#include <arch/sim_tdvf.h>
#include <ccktf/format.h>
#include <ccktf/ktest.h>
#include <ccktf/platform.h>
#include <ccktf/smp.h>
#include <ccktf/string.h>

static const char *mailbox_skip(void)
{
	static char reason[200];
	const struct smp_state *s = smp_get();

	if (strcmp(s->wake, "madt-mailbox"))
		return "the platform does not wake APs through the ACPI mailbox";
	if (s->skipped || s->online < 2) {
		snprintf(reason, sizeof(reason), "no AP started (wake=%s): %s", s->wake,
			 s->skipped ? s->skipped : "one CPU");
		return reason;
	}
	return NULL;
}

KTEST_SUITE(smp_mailbox, KTEST_AFTER_EXIT_BOOT_SERVICES, mailbox_skip);

KTEST(smp_mailbox, each_online_ap_was_woken_once)
{
	const struct smp_state *s = smp_get();
	const struct mp_wake_stats *w = mp_wake_stats();
	u32 online_aps = 0;

	for (u32 i = 1; i < s->ncpus; i++) {
		const struct smp_cpu *c = &s->cpus[i];

		if (c->state != SMP_CPU_ONLINE)
			continue;
		online_aps++;
		if (mp_wake_log_count(w->log, c->apic_id) != 1)
			ktest_fail(t, __FILE__, __LINE__, "APIC ID %u: %u mailbox requests (want 1)", c->apic_id,
				   mp_wake_log_count(w->log, c->apic_id));
	}
	KEXPECT_EQ(t, online_aps, s->online - 1);
	KEXPECT_EQ(t, w->acked, online_aps);
	KEXPECT_EQ(t, w->log->count, s->ncpus - 1);
	KEXPECT_NE(t, w->mailbox, 0);
}

/* A TD has no INIT/SIPI: from the waker's setup on, the kernel sent neither. */
KTEST(smp_mailbox, no_init_or_startup_ipi_was_sent)
{
	const struct mp_wake_stats *w = mp_wake_stats();

	KEXPECT_EQ(t, lapic_ipis_sent(APIC_ICR_DM_INIT) + lapic_ipis_sent(APIC_ICR_DM_STARTUP), w->init_sipi_before);
}

KTEST(smp_mailbox, tdg_vp_info_vcpus_match_the_madt)
{
	const struct mp_wake_stats *w = mp_wake_stats();

	if (!w->vcpus_known)
		KTEST_SKIP(t, "not a TD: no TDG.VP.INFO");
	KEXPECT_EQ(t, w->vcpus, smp_get()->madt.enabled);
}

/* The model's firmware: one answer per AP, for exactly the APs asked; the only INIT/SIPI were its own. */
KTEST(smp_mailbox, the_model_firmware_answered_each_ap_once)
{
	const struct smp_state *s = smp_get();
	const struct mp_wake_stats *w = mp_wake_stats();
	struct tdvf_mp_report r;

	if (!tdvf_mp_report(&r))
		KTEST_SKIP(t, "no modelled firmware (hardware): its side cannot be seen");
	KEXPECT_EQ(t, r.mailbox, w->mailbox);
	KEXPECT_EQ(t, r.parked, s->madt.enabled - 1);
	KEXPECT_EQ(t, r.answered, w->acked);
	/* The model parks the APs on the host's side (sim_xapic_ipi()), never through the kernel's APIC */
	KEXPECT_EQ(t, w->init_sipi_before, 0);
	KEXPECT_GE(t, r.parked_init_sipi, 3 * r.parked);
	for (u32 i = 1; i < s->ncpus; i++) {
		u32 id = s->cpus[i].apic_id, n = 0;

		for (u32 j = 0; j < r.answered && j < TDVF_MP_MAX_IDS; j++)
			n += r.ids[j] == id;
		if (n != (s->cpus[i].state == SMP_CPU_ONLINE))
			ktest_fail(t, __FILE__, __LINE__, "APIC ID %u: the firmware answered %u Wakeup(s)", id, n);
	}
}

static void nothing(void *arg)
{
	(void)arg;
}

/*
 * A TD's APIC is the VMM's x2APIC (arch/x86/cpu/apic.c): each CPU's ID (boot CPU, and each AP's identity
 * check) is a read of MSR 0x802 and each NMI that wakes a parked AP a write of the ICR 0x830, both through
 * #VE and TDG.VP.VMCALL. The model's VMM counts what it answered; a kernel reading CPUID or the xAPIC page
 * would leave the reads at zero, one that never reaches the VMM for the NMI would leave the writes unchanged.
 */
KTEST(smp_mailbox, the_apic_went_through_the_vmm)
{
	const struct smp_state *s = smp_get();
	struct tdvf_mp_report before, after;
	u32 posted = 0;

	if (!cc_platform_has(CC_ATTR_GUEST_STATE_PROTECTED))
		KTEST_SKIP(t, "the platform's APIC is not the hypervisor's");
	if (!tdvf_mp_report(&before))
		KTEST_SKIP(t, "no modelled VMM (hardware): its side cannot be seen");
	KEXPECT_TRUE(t, s->x2apic);
	KEXPECT_GE(t, before.vmm_x2apic_id_reads, s->online);
	for (u32 i = 1; i < s->ncpus; i++) {
		if (s->cpus[i].state != SMP_CPU_ONLINE)
			continue;
		KEXPECT_TRUE(t, smp_post(i, nothing, NULL));
		KEXPECT_TRUE(t, smp_wait(i, 2000000000ull));
		posted++;
	}
	tdvf_mp_report(&after);
	KEXPECT_GE(t, after.vmm_x2apic_icr_writes, before.vmm_x2apic_icr_writes + posted);
}

struct control_regs {
	u64 cr0, cr4;
};

static void read_control_regs(void *arg)
{
	struct control_regs *r = arg;

	r->cr0 = read_cr0();
	r->cr4 = read_cr4();
}

/*
 * TDVF parks its APs with CR0 = 0x23 | PG (no WP) and CR4 = 0x640 | PAE (no PGE), which the model
 * reproduces (arch/x86/sim/tdvf_mp.c): the wakeup stub must load the kernel's own, as wake_init_sipi.c
 * gives an INIT-SIPI AP. Each AP runs with the boot CPU's CR0 and CR4 bits that the stub hands over.
 */
KTEST(smp_mailbox, each_ap_runs_with_the_kernels_cr0_and_cr4)
{
	const struct smp_state *s = smp_get();
	const u64 cr0_bits = 0x80050033u, cr4_bits = 0x16f0u; /* wake_madt_mailbox.c STUB_CR0/CR4_BITS */
	u64 cr0 = read_cr0() & cr0_bits, cr4 = read_cr4() & cr4_bits;

	for (u32 i = 1; i < s->ncpus; i++) {
		struct control_regs r = { 0 };

		if (s->cpus[i].state != SMP_CPU_ONLINE)
			continue;
		KEXPECT_TRUE(t, smp_post(i, read_control_regs, &r));
		KEXPECT_TRUE(t, smp_wait(i, 2000000000ull));
		if ((r.cr0 & cr0_bits) != cr0 || (r.cr4 & cr4_bits) != cr4)
			ktest_fail(t, __FILE__, __LINE__, "APIC ID %u: CR0 0x%llx CR4 0x%llx, the boot CPU 0x%llx 0x%llx",
				   s->cpus[i].apic_id, r.cr0 & cr0_bits, r.cr4 & cr4_bits, cr0, cr4);
	}
}
