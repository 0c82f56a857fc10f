/* SPDX-License-Identifier: MIT */
/*
 * The application processors (arch/x86/cpu/smp.c): every CPU the MADT lists as enabled checked in exactly
 * once, on its own stack, GDT and TSS, with the APIC ID the MADT gives it; and an AP runs work posted to
 * its mailbox and reports back. Boots with QEMU -smp 2 and 4 run these (harness/tests/test_smp_boot.py);
 * with one CPU, or on a platform whose wake-up mechanism ccktf does not implement, the suite skips.
 */
#include <arch/apic.h>
#include <arch/cpu.h>
#include <ccktf/format.h>
#include <ccktf/ktest.h>
#include <ccktf/smp.h>

#define WORK_TIMEOUT_NS 2000000000ull
#define SUM_TERMS 100000ull

static const char *smp_skip(void)
{
	static char reason[200];
	const struct smp_state *s = smp_get();

	if (s->madt.error)
		return s->madt.error;
	if (s->madt.enabled < 2)
		return "one CPU: the MADT lists no application processor";
	if (s->skipped) {
		snprintf(reason, sizeof(reason), "no AP started (wake=%s): %s", s->wake, s->skipped);
		return reason;
	}
	return NULL;
}

KTEST_SUITE(smp, KTEST_AFTER_EXIT_BOOT_SERVICES, smp_skip);

/* The checks below look at APs that came up; every_madt_cpu_checked_in_once reports those that did not. */
static bool up(const struct smp_cpu *c)
{
	return c->state == SMP_CPU_ONLINE;
}

static const struct smp_cpu *slot_of(const struct smp_state *s, u32 apic_id)
{
	for (u32 i = 0; i < s->ncpus; i++)
		if (s->cpus[i].apic_id == apic_id)
			return &s->cpus[i];
	return NULL;
}

KTEST(smp, every_madt_cpu_checked_in_once)
{
	const struct smp_state *s = smp_get();
	u32 aps = 0;

	KEXPECT_TRUE(t, madt_find(&s->madt, s->boot_apic_id) != NULL);
	for (u32 i = 0; i < s->madt.count; i++) {
		const struct madt_cpu *m = &s->madt.cpus[i];
		const struct smp_cpu *c = slot_of(s, m->apic_id);

		if (!(m->flags & MADT_CPU_ENABLED) || m->apic_id == s->boot_apic_id)
			continue;
		aps++;
		if (!c) {
			ktest_fail(t, __FILE__, __LINE__, "APIC ID %u is in the MADT but has no slot", m->apic_id);
			continue;
		}
		if (c->state != SMP_CPU_ONLINE || c->checkins != 1)
			ktest_fail(t, __FILE__, __LINE__, "APIC ID %u: state %u, %u check-ins (want online, 1)",
				   m->apic_id, c->state, c->checkins);
		else
			ktest_log(t, "APIC ID %u: up in %llu us", m->apic_id, (unsigned long long)(c->up_ns / 1000));
	}
	KEXPECT_EQ(t, s->checked_in, aps);
	KEXPECT_EQ(t, s->online, aps + 1);
	KEXPECT_EQ(t, s->online, s->madt.enabled);
	KEXPECT_EQ(t, s->stray, 0);
}

KTEST(smp, each_ap_reports_its_own_apic_id)
{
	const struct smp_state *s = smp_get();

	KEXPECT_EQ(t, s->cpus[0].apic_id, s->boot_apic_id);
	for (u32 i = 1; i < s->ncpus; i++) {
		if (!up(&s->cpus[i]))
			continue;
		KEXPECT_EQ(t, s->cpus[i].seen_apic_id, s->cpus[i].apic_id);
		KEXPECT_NE(t, s->cpus[i].seen_apic_id, s->boot_apic_id);
		for (u32 j = 1; j < i; j++)
			if (up(&s->cpus[j]))
				KEXPECT_NE(t, s->cpus[i].seen_apic_id, s->cpus[j].seen_apic_id);
	}
}

KTEST(smp, each_ap_on_its_own_stack_gdt_and_tss)
{
	const struct smp_state *s = smp_get();
	struct {
		u16 limit;
		u64 base;
	} __packed bsp_gdt;

	asm volatile("sgdt %0" : "=m"(bsp_gdt));
	for (u32 i = 1; i < s->ncpus; i++) {
		const struct smp_cpu *c = &s->cpus[i];

		if (!up(c))
			continue;
		KEXPECT_GE(t, c->seen_rsp, c->stack_base);
		KEXPECT_LT(t, c->seen_rsp, c->stack_top);
		KEXPECT_EQ(t, c->seen_gdt, (u64)(uintptr_t)c->gdt.gdt);
		KEXPECT_NE(t, c->seen_gdt, bsp_gdt.base);
		KEXPECT_EQ(t, c->seen_tr, 0x18);
		for (u32 j = 1; j < i; j++) /* stacks (with their IST stacks) do not overlap */
			KEXPECT_TRUE(t, c->stack_base >= s->cpus[j].ist_top || s->cpus[j].stack_base >= c->ist_top);
	}
}

struct sum_work {
	u64 from, to;	/* sum of [from, to) */
	u64 sum;
	u32 ran_on;	/* the APIC ID of the CPU that ran it */
	u64 rsp;
};

static void sum_range(void *arg)
{
	struct sum_work *w = arg;
	u64 sum = 0;

	for (u64 i = w->from; i < w->to; i++)
		sum += i;
	w->sum = sum;
	w->ran_on = cpu_apic_id();
	w->rsp = (u64)(uintptr_t)&sum;
}

/* Each AP sums its own range, all at once, twice (the second round proves it went back to its mailbox). */
KTEST(smp, each_ap_runs_work_and_reports_back)
{
	const struct smp_state *s = smp_get();
	static struct sum_work work[SMP_MAX_CPUS];

	for (unsigned round = 0; round < 2; round++) {
		for (u32 i = 1; i < s->ncpus; i++) {
			if (!up(&s->cpus[i]))
				continue;
			work[i] = (struct sum_work){ .from = (i + round) * SUM_TERMS, .to = (i + round + 1) * SUM_TERMS,
						     .ran_on = ~0u };
			KEXPECT_TRUE(t, smp_post(i, sum_range, &work[i]));
		}
		for (u32 i = 1; i < s->ncpus; i++) {
			const struct smp_cpu *c = &s->cpus[i];
			u64 a = work[i].from, b = work[i].to;

			if (!up(c))
				continue;
			if (!smp_wait(i, WORK_TIMEOUT_NS)) {
				ktest_fail(t, __FILE__, __LINE__, "APIC ID %u did not finish its work within %llu ms",
					   c->apic_id, WORK_TIMEOUT_NS / 1000000);
				continue;
			}
			KEXPECT_EQ(t, work[i].sum, (b * (b - 1) - a * (a - 1)) / 2);
			KEXPECT_EQ(t, work[i].ran_on, c->apic_id);
			KEXPECT_GE(t, work[i].rsp, c->stack_base);
			KEXPECT_LT(t, work[i].rsp, c->stack_top);
		}
	}
	for (u32 i = 1; i < s->ncpus; i++)
		ktest_log(t, "APIC ID %u: %llu NMI wake-up(s)", s->cpus[i].apic_id,
			  (unsigned long long)s->cpus[i].wakeups);
}

KTEST(smp, posting_to_the_boot_cpu_or_a_missing_cpu_is_refused)
{
	const struct smp_state *s = smp_get();
	static struct sum_work w;

	KEXPECT_FALSE(t, smp_post(0, sum_range, &w));
	KEXPECT_FALSE(t, smp_post(s->ncpus, sum_range, &w));
	for (u32 i = 1; i < s->ncpus; i++)
		if (!up(&s->cpus[i]))
			KEXPECT_FALSE(t, smp_post(i, sum_range, &w));
	KEXPECT_FALSE(t, smp_wait(0, 1000));
}
