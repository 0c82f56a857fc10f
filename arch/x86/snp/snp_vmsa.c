/* SPDX-License-Identifier: MIT */
/*
 * An application processor's initial state as an SNP VMSA (arch/snp_vmsa.h), pure: the host tests compile
 * it (tests/host/test_snp_vmsa.c). Linux starts an SNP AP in real mode at its trampoline
 * (wakeup_cpu_via_vmgexit(): CS:IP from the start address, APM reset values for the rest); a VMSA can hold
 * any state, so ccktf's AP starts where every other waker delivers it (arch/ap_wake.h): 64-bit mode on the
 * kernel's CR3, GDT and IDT, interrupts off, on its own stack, RIP at the entry stub that calls ap_main(c)
 * with c in RDI. COCONUT-SVSM starts its own APs from a 64-bit VMSA the same way.
 *
 * What is taken from Linux: EFER.SVME set (an SEV-ES VMSA must have it), SEV_FEATURES = SEV_STATUS >> 2,
 * the VMPL the guest itself runs at, XCR0/MXCSR/x87/PAT/DR6/DR7 at their reset values, LDTR and TR as at
 * reset (TR a busy 64-bit TSS of limit 0xffff). What is checked, because the hardware would refuse a VMSA
 * without it (VMRUN's consistency checks, APM vol. 2 15.5.1, and "SNPActive" for an SNP guest, 15.36):
 * long mode (CR0.PG and PE, CR4.PAE, EFER.LME, a 64-bit CS), SEV_FEATURES with SNPActive, a C-bit inside
 * the 64-bit address and a PML4 below it, a VMPL 0-3.
 */
#include <arch/snp_spec.h>
#include <arch/snp_vmsa.h>
#include <ccktf/string.h>

#define CBIT_MIN 32 /* no SNP part puts it lower: CPUID 0x8000001F EBX[5:0] is 47 or 51 today */
#define CBIT_MAX 62
#define VMPL_MAX 3

static void put16(void *page, unsigned off, u16 v)
{
	memcpy((u8 *)page + off, &v, sizeof(v));
}

static void put32(void *page, unsigned off, u32 v)
{
	memcpy((u8 *)page + off, &v, sizeof(v));
}

static void put64(void *page, unsigned off, u64 v)
{
	memcpy((u8 *)page + off, &v, sizeof(v));
}

static void put_seg(void *page, unsigned seg, u16 selector, u16 attrib, u32 limit, u64 base)
{
	put16(page, seg + VMSA_SEG_SELECTOR, selector);
	put16(page, seg + VMSA_SEG_ATTRIB, attrib);
	put32(page, seg + VMSA_SEG_LIMIT, limit);
	put64(page, seg + VMSA_SEG_BASE, base);
}

static bool canonical(u64 va)
{
	return (u64)((s64)(va << 16) >> 16) == va;
}

static const char *check(const struct snp_vmsa_cpu *c)
{
	if (c->cbit < CBIT_MIN || c->cbit > CBIT_MAX)
		return "the C-bit position is not one an SNP part reports";
	if (c->pml4_pa & 0xfff || c->pml4_pa >> c->cbit)
		return "the PML4 address is not page-aligned or reaches the C-bit";
	if (!(c->cr0 & VMSA_CR0_PG) || !(c->cr0 & VMSA_CR0_PE) || !(c->cr4 & VMSA_CR4_PAE) || !(c->efer & VMSA_EFER_LME))
		return "the control registers do not describe long mode (CR0.PG/PE, CR4.PAE, EFER.LME)";
	if (!(c->sev_features & SEV_FEATURES_SNP_ACTIVE))
		return "SEV_FEATURES lacks SNPActive: not an SNP guest's VMSA";
	if (c->vmpl > VMPL_MAX)
		return "VMPL above 3";
	if (!c->cs || !c->ds || c->cs > c->gdt_limit || c->ds > c->gdt_limit)
		return "the CS or DS selector is null or outside the GDT";
	if (!c->rip || !canonical(c->rip) || !canonical(c->rsp) || c->rsp & 0xf || !canonical(c->gdt_base) ||
	    !canonical(c->idt_base))
		return "RIP, RSP (16-byte aligned), the GDT or the IDT is not a canonical address";
	return NULL;
}

const char *snp_vmsa_fill(void *page, const struct snp_vmsa_cpu *c)
{
	const char *why = check(c);

	if (why)
		return why;
	memset(page, 0, VMSA_PAGE_SIZE);
	put_seg(page, VMSA_CS, c->cs, VMSA_ATTR_CODE64, 0xffffffff, 0);
	put_seg(page, VMSA_DS, c->ds, VMSA_ATTR_DATA, 0xffffffff, 0);
	put_seg(page, VMSA_ES, c->ds, VMSA_ATTR_DATA, 0xffffffff, 0);
	put_seg(page, VMSA_SS, c->ds, VMSA_ATTR_DATA, 0xffffffff, 0);
	put_seg(page, VMSA_FS, c->ds, VMSA_ATTR_DATA, 0xffffffff, 0);
	put_seg(page, VMSA_GS, c->ds, VMSA_ATTR_DATA, 0xffffffff, c->gs_base);
	put_seg(page, VMSA_GDTR, 0, 0, c->gdt_limit, c->gdt_base);
	put_seg(page, VMSA_IDTR, 0, 0, c->idt_limit, c->idt_base);
	put_seg(page, VMSA_LDTR, 0, VMSA_ATTR_LDT, 0xffff, 0);
	put_seg(page, VMSA_TR, 0, VMSA_ATTR_TSS_BUSY, 0xffff, 0);
	((u8 *)page)[VMSA_VMPL] = c->vmpl;
	((u8 *)page)[VMSA_CPL] = 0;
	put64(page, VMSA_EFER, c->efer | VMSA_EFER_LME | VMSA_EFER_LMA | VMSA_EFER_SVME);
	put64(page, VMSA_CR0, c->cr0);
	put64(page, VMSA_CR3, c->pml4_pa | 1ull << c->cbit);
	put64(page, VMSA_CR4, c->cr4);
	put64(page, VMSA_DR6, VMSA_INIT_DR6);
	put64(page, VMSA_DR7, VMSA_INIT_DR7);
	put64(page, VMSA_RFLAGS, VMSA_RFLAGS_FIXED);
	put64(page, VMSA_RIP, c->rip);
	put64(page, VMSA_RSP, c->rsp);
	put64(page, VMSA_RDI, c->rdi);
	put64(page, VMSA_G_PAT, VMSA_INIT_G_PAT);
	put64(page, VMSA_SEV_FEATURES, c->sev_features);
	put64(page, VMSA_XCR0, VMSA_INIT_XCR0);
	put32(page, VMSA_MXCSR, VMSA_INIT_MXCSR);
	put16(page, VMSA_X87_FTW, VMSA_INIT_X87_FTW);
	put16(page, VMSA_X87_FCW, VMSA_INIT_X87_FCW);
	return NULL;
}

u64 snp_vmsa_pick_page(u64 pair)
{
	return (pair & ((2ull << 20) - 1)) ? pair : pair + VMSA_PAGE_SIZE;
}

u64 snp_vmsa_sev_features(u64 sev_status)
{
	return sev_status >> SEV_STATUS_FEATURES_SHIFT;
}

/* Secure TSC: the VMSA's TSC scale (0x2F0) and offset (0x2F8) must be the boot vCPU's, from the firmware
 * (Linux wakeup_cpu_via_vmgexit()); ccktf does not read them, so it starts no AP then. */
const char *snp_vmsa_unsupported(u64 sev_status)
{
	if (sev_status & SEV_STATUS_SECURE_TSC)
		return "Secure TSC is on (SEV_STATUS bit 11): an AP's VMSA would need the TSC scale and offset, "
		       "which ccktf does not read";
	return NULL;
}
