/* SPDX-License-Identifier: MIT */
/*
 * The "snp" platform: an SEV-SNP guest on real hardware. Detection as Linux does it
 * (arch/x86/mm/mem_encrypt_identity.c, sme_enable(); arch/x86/boot/compressed/sev.c): the maximum
 * extended CPUID leaf first, then CPUID 0x8000001F, then SEV_STATUS bit 2.
 *
 * detect() runs before ExitBootServices, under the firmware's IDT, where rdmsr_safe() (which needs the
 * kernel's exception table) cannot catch a #GP. SEV_STATUS is therefore read with a probe that points
 * the current IDT's #GP gate at its own catcher for the one instruction (snp_insn.asm), so a machine
 * without the MSR answers "not SNP" instead of crashing.
 */
#include <arch/cpu.h>
#include <arch/snp_spec.h>
#include <ccktf/platform.h>
#include <ccktf/string.h>
#include "snp.h"

#define IDT_GATE_INTERRUPT 0x8e
#define RFLAGS_IF (1ull << 9)

struct idt_gate {
	u16 offset_low, selector;
	u8 ist, type;
	u16 offset_mid;
	u32 offset_high, reserved;
} __packed;

extern const u8 snp_rdmsr_probe_gp[];
int snp_rdmsr_probe_insn(u32 msr, u64 *value);

static struct idt_gate *current_idt(void)
{
	struct {
		u16 limit;
		u64 base;
	} __packed p;

	asm volatile("sidt %0" : "=m"(p));
	return (struct idt_gate *)(uintptr_t)p.base;
}

static u16 current_cs(void)
{
	u16 cs;

	asm volatile("mov %%cs, %0" : "=r"(cs));
	return cs;
}

static struct idt_gate catcher_gate(void)
{
	u64 h = (u64)(uintptr_t)snp_rdmsr_probe_gp;

	return (struct idt_gate){ (u16)h, current_cs(), 0, IDT_GATE_INTERRUPT, (u16)(h >> 16), (u32)(h >> 32), 0 };
}

static u64 irq_save(void)
{
	u64 flags;

	asm volatile("pushfq; popq %0; cli" : "=r"(flags) : : "memory");
	return flags;
}

static void irq_restore(u64 flags)
{
	if (flags & RFLAGS_IF)
		asm volatile("sti" ::: "memory");
}

int snp_rdmsr_probe(u32 msr, u64 *value)
{
	u64 flags = irq_save();
	struct idt_gate *gp = &current_idt()[13], saved = *gp;
	int r;

	*gp = catcher_gate();
	r = snp_rdmsr_probe_insn(msr, value);
	*gp = saved;
	irq_restore(flags);
	return r;
}

bool snp_discover_hardware(struct snp_discovery *d)
{
	struct cpuid_regs leaf;

	memset(d, 0, sizeof(*d));
	d->source = "CPUID 0x8000001F and SEV_STATUS";
	if (cpuid(CPUID_EXT_MAX_LEAF).eax < CPUID_SEV_LEAF)
		return false;
	leaf = cpuid(CPUID_SEV_LEAF);
	d->cpuid_eax = leaf.eax;
	d->cpuid_ebx = leaf.ebx;
	d->cbit = leaf.ebx & CPUID_SEV_EBX_CBIT_MASK;
	if (!(leaf.eax & CPUID_SEV_EAX_SNP))
		return false;
	if (snp_rdmsr_probe(MSR_SEV_STATUS, &d->sev_status))
		return false;
	return d->sev_status & SEV_STATUS_SNP;
}

static struct snp_discovery hw;

static bool snp_detect(void)
{
	return snp_discover_hardware(&hw);
}

static const char *snp_before_exit(struct boot_info *b)
{
	return snp_setup_before_exit(b, &hw);
}

static const struct platform_ops snp_platform = {
	.name = "snp",
	.auto_priority = 10,
	.detect = snp_detect,
	.setup_before_exit = snp_before_exit,
	.setup_after_exit = snp_setup_after_exit,
	.describe = snp_describe,
	.identify = snp_identify,
	.accept_range = snp_accept_range,
	.page_state = snp_page_state,
	.round_trip = snp_round_trip,
	.terminate = snp_terminate,
	/* PVALIDATE never writes the page (APM vol. 3 PVALIDATE): no CC_ATTR_ACCEPT_ZEROES. */
	.attrs = SNP_ATTRS,
	.has = snp_has,
	.model = NULL,
	.cpu_wake = CPU_WAKE_SNP_AP_CREATE,
};
PLATFORM_REGISTER(snp_platform);
