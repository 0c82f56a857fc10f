/* SPDX-License-Identifier: MIT */
/*
 * "sim-snp": the real SNP backend (arch/x86/snp/) against a MODEL of the SNP firmware, RMP and
 * hypervisor (snp_model*.c), for machines without SNP. The backend executes the real PVALIDATE and
 * VMGEXIT bytes; TCG raises #UD for both and the model answers. The only difference from "snp" is the
 * discovery: TCG executes CPUID natively and has no SEV_STATUS MSR, so the facts come from the model.
 */
#include <arch/sim.h>
#include <arch/snp_spec.h>
#include <ccktf/boot.h>
#include <ccktf/console.h>
#include <ccktf/format.h>
#include <ccktf/handoff.h>
#include <ccktf/platform.h>
#include <ccktf/string.h>
#include "../snp/snp.h"
#include "sim_handoff.h"
#include "sim_x2apic.h"
#include "snp_model.h"
#include "snp_model_ap.h"

static struct sim_memory sim_mem;

static bool sim_snp_detect(void)
{
	return true;
}

static const char *sim_snp_before_exit(struct boot_info *b)
{
	struct snp_discovery d;
	const char *err = sim_reserve_unaccepted(b, &sim_mem);

	if (err || (err = snp_model_init(b, &sim_mem)) || (err = snp_model_ap_reserve(b)))
		return err;
	if (handoff_mode() == HANDOFF_SELF && (err = sim_handoff_offer(b, snp_model_handoff_save)))
		return err;
	snp_model_discovery(&d);
	return snp_setup_before_exit(b, &d);
}

/*
 * Stage 2 of handoff=self: the regions and the RMP as stage 1 left them (sim_handoff.h), no firmware, no
 * APs. The backend then sets up as Linux after a kexec: the CC blob from the inherited configuration
 * tables, a GHCB page from this stage's allocator (sim_alloc(), which draws on it here), shared later
 * through the GHCB MSR protocol (snp_setup.c snp_setup_without_boot_services()).
 */
const char *sim_snp_handoff_adopt(const struct sim_handoff *h)
{
	struct snp_discovery d;
	const char *err;

	sim_handoff_regions(h, &sim_mem);
	if ((err = snp_model_adopt(h, &sim_mem)))
		return err;
	snp_model_discovery(&d);
	return snp_setup_without_boot_services(&boot_info, &d, sim_alloc(&boot_info, EFI_PAGE_SIZE));
}

/* A map shows nothing unaccepted when the firmware accepted it all: deployed firmware always, near-future
 * in the final map (boot services exited) when the OS did not call AllowUnacceptedMemory(). */
static void sim_snp_adjust_memmap(struct efi_memmap_snapshot *m)
{
	if (snp_model_firmware_accepted_all())
		return;
	sim_mark_unaccepted(&sim_mem, m);
}

/*
 * IN/OUT in an SEV-ES/SNP guest raise #VC with exit code 0x7B (GHCB spec 4.1.2), to the guest's own #VC
 * handler; false when there is none or it declines (sim_protect.c).
 */
static bool io_as_vc(u16 port, unsigned size, bool in, u32 *value)
{
	trap_hook_fn vc = trap_hook(X86_VC);
	struct cpu_regs regs = { .vector = X86_VC, .error_code = SVM_EXIT_IOIO, .rax = *value };

	(void)port, (void)size;
	if (!vc || !vc(&regs))
		return false;
	if (in)
		*value = (u32)regs.rax;
	return true;
}

/*
 * x2APIC MSRs in an SNP guest raise #VC with exit code 0x7C (KVM sev_es_init_vmcb() intercepts them), to
 * the guest's own #VC handler, which asks the host through its GHCB (snp_model_apic.c answers). TCG raises
 * nothing for them (sim_x2apic.h): the kernel's x2APIC accessor calls this instead. The handler decodes
 * the instruction at RIP, so RIP points at the RDMSR or WRMSR bytes here.
 */
static bool x2apic_as_vc(struct cpu_regs *r, const struct sim_msr_access *a)
{
	static const u8 rdmsr_insn[] = { X86_OPCODE_0F, X86_OPCODE_RDMSR }, wrmsr_insn[] = { X86_OPCODE_0F,
											 X86_OPCODE_WRMSR };
	trap_hook_fn vc = trap_hook(X86_VC);

	r->vector = X86_VC;
	r->error_code = SVM_EXIT_MSR;
	r->rip = (u64)(uintptr_t)(a->write ? wrmsr_insn : rdmsr_insn);
	if (!vc)
		sim_stop("x2APIC MSR access raised #VC and the guest has no #VC handler (MSR)", a->msr);
	return vc(r); /* false: r->vector is the exception the handler turned a refusal into */
}

static const char *sim_snp_after_exit(void)
{
	static const u8 pvalidate[] = { SNP_PVALIDATE_BYTES }, vmgexit[] = { SNP_VMGEXIT_BYTES };
	static const u8 rmpadjust[] = { SNP_RMPADJUST_BYTES };
	char model[320];

	sim_protect_install("sim-snp", io_as_vc);
	sim_register_insn(pvalidate, sizeof(pvalidate), snp_model_pvalidate);
	sim_register_insn(vmgexit, sizeof(vmgexit), snp_model_vmgexit);
	sim_register_insn(rmpadjust, sizeof(rmpadjust), snp_model_rmpadjust);
	snp_model_guard_install();
	sim_x2apic_install(x2apic_as_vc);
	snp_model_describe(model, sizeof(model));
	printk("# sim-snp: model: %s\n", model);
	return snp_setup_after_exit();
}

static void sim_snp_describe(char *buf, size_t size)
{
	char backend[280];

	snp_describe(backend, sizeof(backend));
	snprintf(buf, size, "MODEL of SNP firmware/RMP (no SNP hardware): %s", backend);
}

/* handoff=self, stage 1: what the SNP backend refuses (snp_kexec.c: an SVSM, a lost shared-page record),
 * before anything is written; then the RMP and the PSP's state in reserved pages (sim_handoff.h). */
static const char *sim_snp_handoff_save(u64 *pa, u64 *bytes)
{
	const char *why = snp_kexec_refusal();

	return why ? why : sim_handoff_state(pa, bytes);
}

/* The backend makes every page it shared private again just before the jump (snp_kexec_finish(), as
 * Linux's); stage 2 adopts the RMP in place. */
static const struct platform_handoff_ops sim_snp_handoff = {
	.save = sim_snp_handoff_save,
	.finish = snp_kexec_finish,
	.adopt = sim_handoff_adopt,
};

static const struct platform_ops sim_snp_platform = {
	.name = "sim-snp",
	.auto_priority = -1,
	.detect = sim_snp_detect,
	.setup_before_exit = sim_snp_before_exit,
	.adjust_memmap = sim_snp_adjust_memmap,
	.setup_after_exit = sim_snp_after_exit,
	.describe = sim_snp_describe,
	.identify = snp_identify,
	.accept_range = snp_accept_range,
	.page_state = sim_page_state,
	.round_trip = snp_round_trip,
	.terminate = snp_terminate,
	.attrs = SNP_ATTRS | CC_ATTR_BIT(CC_ATTR_HW_MODEL),
	.has = snp_has,
	.model = &snp_model_ops,
	.cpu_wake = CPU_WAKE_SNP_AP_CREATE,
	.handoff = &sim_snp_handoff,
};
PLATFORM_REGISTER(sim_snp_platform);
