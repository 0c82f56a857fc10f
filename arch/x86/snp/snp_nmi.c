/* SPDX-License-Identifier: MIT */
/*
 * NMI Complete (GHCB spec table 6, exit code 0x80000003). The hypervisor cannot intercept IRET in an
 * SEV-ES/SNP guest, so after it injected an NMI it treats the vCPU's NMIs as masked until the guest sends
 * NMI Complete (KVM arch/x86/kvm/svm/sev.c: SVM_VMGEXIT_NMI_COMPLETE clears nmi_masked). Linux sends it at
 * the end of exc_nmi() (sev_es_nmi_complete()). Parked APs are woken by NMI (arch/x86/cpu/smp.c): without
 * it an AP is woken once, ever.
 *
 * When to send it. Not from inside the NMI handler: the NMI runs on its IST stack, the host may inject the
 * next NMI as soon as it has the Complete (KVM does, on the VMRUN that returns from it), and the CPU takes it
 * at once if an IRET already unblocked NMIs (any #VC inside the handler ends with one; under the model so
 * does the #UD of every VMGEXIT): a second NMI on the same IST stack overwrites the first one's frame
 * (measured under the model: an AP that stopped running its work). Linux copes with nested NMIs in its
 * entry code; ccktf leaves NMI context first: the hook makes the NMI return into snp_nmi_stub.asm, as if
 * the interrupted code had called it, which sends NMI Complete on the interrupted stack and returns. An
 * NMI that arrives while that runs (after its Complete) only marks that one more is owed; the stub loops.
 *
 * The GHCB in flight. Both the NMI and the stub may interrupt a GHCB request on that CPU (a work item's
 * port I/O or page-state change, between filling the GHCB and reading the answer, or an MSR-protocol
 * request between writing the GHCB MSR and the VMGEXIT): the smp wait re-sends NMIs while an AP works. As
 * Linux __sev_get_ghcb() does when its GHCB is active, the GHCB and the GHCB MSR's value are saved to a
 * backup page, used, and restored; the interrupted request goes on as if nothing happened. Two private
 * backup pages per AP: one for the NMI hook (the smp hook's own exits, e.g. an x2APIC ID read, are MSR
 * exits on SNP), one for the stub, which the NMI can interrupt. The boot CPU takes no wake-up NMI (smp.c
 * treats one as a crash).
 *
 * The NMI hook is the smp code's (smp_nmi): snp_nmi_install() puts this in front of it before the first AP
 * starts.
 */
#include <arch/percpu.h>
#include <arch/snp_spec.h>
#include <arch/trap.h>
#include <ccktf/smp.h>
#include <ccktf/string.h>
#include "snp.h"

static trap_hook_fn next_hook;
static void *backup_nmi[SMP_MAX_CPUS], *backup_stub[SMP_MAX_CPUS];
static u64 completes[SMP_MAX_CPUS];
static volatile bool stub_active[SMP_MAX_CPUS], owed[SMP_MAX_CPUS];

void snp_nmi_complete_stub(void); /* snp_nmi_stub.asm */
void snp_nmi_complete_deferred(void);

void snp_nmi_set_backup(u32 index, void *nmi_page, void *stub_page)
{
	if (index && index < SMP_MAX_CPUS)
		backup_nmi[index] = nmi_page, backup_stub[index] = stub_page;
}

u64 snp_nmi_completes(u32 index)
{
	return index < SMP_MAX_CPUS ? __atomic_load_n(&completes[index], __ATOMIC_RELAXED) : 0;
}

/* This AP's GHCB page and MSR, as found, go to b; NULL when it has no GHCB or no backup. */
static u8 *save_ghcb(u8 *b, u64 *msr)
{
	u8 *g = ghcb_page();

	if (!g || !b)
		return NULL;
	*msr = ghcb_msr_read();
	memcpy(b, g, GHCB_PAGE_SIZE);
	return b;
}

static void restore_ghcb(const u8 *b, u64 msr)
{
	memcpy(ghcb_page(), b, GHCB_PAGE_SIZE);
	ghcb_msr_write(msr);
}

/* Out of NMI context (snp_nmi_stub.asm): NMI Complete, again while an NMI that came meanwhile owes one. */
void snp_nmi_complete_deferred(void)
{
	u32 index = snp_cpu_index();
	u64 msr = 0;

	for (;;) {
		u8 *b = save_ghcb(backup_stub[index], &msr);

		owed[index] = false;
		ghcb_clear_valid();
		ghcb_call(SVM_VMGEXIT_NMI_COMPLETE, 0, 0, NULL);
		__atomic_fetch_add(&completes[index], 1, __ATOMIC_RELAXED);
		if (b)
			restore_ghcb(b, msr);
		stub_active[index] = false;
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (!owed[index])
			return;
		stub_active[index] = true; /* an NMI came before the flag fell: it is owed its Complete */
	}
}

/*
 * In NMI context: the smp hook between a save and a restore of the GHCB (its own exits would clobber a
 * request in flight), then the return redirected through the stub, which sends NMI Complete once the
 * CPU left NMI context: as if the interrupted code had called it.
 */
static bool snp_nmi(struct cpu_regs *r)
{
	u32 index = snp_cpu_index();
	u64 msr = 0;
	u8 *b = index && index < SMP_MAX_CPUS ? save_ghcb(backup_nmi[index], &msr) : NULL;
	bool handled = next_hook && next_hook(r);

	if (b)
		restore_ghcb(b, msr);
	if (!handled || !b)
		return handled;
	if (stub_active[index]) {
		owed[index] = true;
		return true;
	}
	stub_active[index] = true;
	r->rsp -= sizeof(u64);
	*(u64 *)(uintptr_t)r->rsp = r->rip;
	r->rip = (u64)(uintptr_t)snp_nmi_complete_stub;
	return true;
}

void snp_nmi_install(void)
{
	trap_hook_fn cur = trap_hook(X86_NMI);

	if (cur == snp_nmi)
		return;
	next_hook = cur;
	trap_set_hook(X86_NMI, snp_nmi);
}
