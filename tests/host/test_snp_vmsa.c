/* SPDX-License-Identifier: MIT */
/*
 * An SNP AP's VMSA (arch/x86/snp/snp_vmsa.c, pure: compiled in here), with the values a real guest would
 * give it: C-bit 51 (EPYC Milan/Genoa) and 47 (Naples, Rome), the kernel's selectors, SEV_STATUS 0x7.
 */
#include <ccktf/ktest.h>
#include <string.h>

#include "../../arch/x86/snp/snp_vmsa.c"

KTEST_SUITE(host_snp_vmsa, KTEST_AFTER_EXIT_BOOT_SERVICES, NULL);

static u8 page[VMSA_PAGE_SIZE];

static u64 get64(unsigned off)
{
	u64 v;

	memcpy(&v, page + off, sizeof(v));
	return v;
}

static u32 get32(unsigned off)
{
	u32 v;

	memcpy(&v, page + off, sizeof(v));
	return v;
}

static u16 get16(unsigned off)
{
	u16 v;

	memcpy(&v, page + off, sizeof(v));
	return v;
}

static struct snp_vmsa_cpu cpu(unsigned cbit)
{
	return (struct snp_vmsa_cpu){ .pml4_pa = 0x7e5f9000, .cbit = cbit, .cr0 = 0x80010033, .cr4 = 0x6a0,
				      .efer = 0x900, .cs = 0x38, .ds = 0x30, .gdt_base = 0x7f9ec000,
				      .gdt_limit = 0x47, .idt_base = 0x7e123000, .idt_limit = 0xfff,
				      .rip = 0x7e201040, .rsp = 0x7d004000, .rdi = 0x7e3a1180, .gs_base = 0x7e3b0000,
				      .sev_features = snp_vmsa_sev_features(0x7), .vmpl = 0 };
}

static void expect_common(struct ktest *t, const struct snp_vmsa_cpu *c)
{
	KEXPECT_EQ(t, get16(VMSA_CS + VMSA_SEG_SELECTOR), 0x38);
	KEXPECT_EQ(t, get16(VMSA_CS + VMSA_SEG_ATTRIB), 0xa9b); /* L = 1: 64-bit code */
	KEXPECT_EQ(t, get16(VMSA_SS + VMSA_SEG_SELECTOR), 0x30);
	KEXPECT_EQ(t, get16(VMSA_DS + VMSA_SEG_ATTRIB), 0xc93);
	KEXPECT_EQ(t, get64(VMSA_GS + VMSA_SEG_BASE), 0x7e3b0000);
	KEXPECT_EQ(t, get32(VMSA_GDTR + VMSA_SEG_LIMIT), 0x47);
	KEXPECT_EQ(t, get64(VMSA_GDTR + VMSA_SEG_BASE), 0x7f9ec000);
	KEXPECT_EQ(t, get32(VMSA_IDTR + VMSA_SEG_LIMIT), 0xfff);
	KEXPECT_EQ(t, get64(VMSA_IDTR + VMSA_SEG_BASE), 0x7e123000);
	KEXPECT_EQ(t, get16(VMSA_TR + VMSA_SEG_ATTRIB), 0x8b);
	KEXPECT_EQ(t, get64(VMSA_EFER), 0x800 | VMSA_EFER_LME | VMSA_EFER_LMA | VMSA_EFER_SVME);
	KEXPECT_EQ(t, get64(VMSA_CR0), 0x80010033);
	KEXPECT_EQ(t, get64(VMSA_CR4), 0x6a0);
	KEXPECT_EQ(t, get64(VMSA_RFLAGS), 0x2); /* IF clear */
	KEXPECT_EQ(t, get64(VMSA_RIP), c->rip);
	KEXPECT_EQ(t, get64(VMSA_RSP), c->rsp);
	KEXPECT_EQ(t, get64(VMSA_RDI), c->rdi);
	KEXPECT_EQ(t, get64(VMSA_SEV_FEATURES), 0x1); /* SEV_STATUS 0x7 >> 2: SNPActive */
	KEXPECT_EQ(t, get64(VMSA_XCR0), 0x1);
	KEXPECT_EQ(t, get32(VMSA_MXCSR), 0x1f80);
	KEXPECT_EQ(t, get64(VMSA_G_PAT), 0x0007040600070406ull);
	KEXPECT_EQ(t, page[VMSA_VMPL], c->vmpl);
}

KTEST(host_snp_vmsa, cr3_carries_the_c_bit_51)
{
	struct snp_vmsa_cpu c = cpu(51);

	memset(page, 0xee, sizeof(page));
	KASSERT_TRUE(t, snp_vmsa_fill(page, &c) == NULL);
	KEXPECT_EQ(t, get64(VMSA_CR3), 0x000800007e5f9000ull);
	expect_common(t, &c);
	KEXPECT_EQ(t, page[0x0c8], 0); /* reserved bytes are zero, not what the page held */
	KEXPECT_EQ(t, page[VMSA_PAGE_SIZE - 1], 0);
}

KTEST(host_snp_vmsa, cr3_carries_the_c_bit_47_and_the_guest_vmpl)
{
	struct snp_vmsa_cpu c = cpu(47);

	c.vmpl = 1; /* below an SVSM: the AP runs at the guest's own VMPL */
	KASSERT_TRUE(t, snp_vmsa_fill(page, &c) == NULL);
	KEXPECT_EQ(t, get64(VMSA_CR3), 0x000080007e5f9000ull);
	expect_common(t, &c);
}

KTEST(host_snp_vmsa, refuses_a_state_the_hardware_would_refuse)
{
	struct snp_vmsa_cpu c;

	memset(page, 0xee, sizeof(page));
	c = cpu(47), c.pml4_pa = 1ull << 47; /* the PML4 address overlaps the C-bit */
	KEXPECT_TRUE(t, snp_vmsa_fill(page, &c) != NULL);
	c = cpu(51), c.sev_features = 0; /* no SNPActive */
	KEXPECT_TRUE(t, snp_vmsa_fill(page, &c) != NULL);
	c = cpu(51), c.cr0 &= ~VMSA_CR0_PG;
	KEXPECT_TRUE(t, snp_vmsa_fill(page, &c) != NULL);
	c = cpu(51), c.efer &= ~VMSA_EFER_LME;
	KEXPECT_TRUE(t, snp_vmsa_fill(page, &c) != NULL);
	c = cpu(51), c.rsp |= 8;
	KEXPECT_TRUE(t, snp_vmsa_fill(page, &c) != NULL);
	c = cpu(51), c.cs = 0x50; /* beyond the GDT's limit */
	KEXPECT_TRUE(t, snp_vmsa_fill(page, &c) != NULL);
	c = cpu(52);
	KEXPECT_TRUE(t, snp_vmsa_fill(page, &c) == NULL); /* the SNP model's C-bit is accepted too */
	c = cpu(20);
	KEXPECT_TRUE(t, snp_vmsa_fill(page, &c) != NULL);
	c = cpu(51), c.vmpl = 4;
	KEXPECT_TRUE(t, snp_vmsa_fill(page, &c) != NULL);
}

KTEST(host_snp_vmsa, a_refused_state_leaves_the_page_alone)
{
	struct snp_vmsa_cpu c = cpu(51);

	c.rip = 0x0000800000000000ull; /* not canonical */
	memset(page, 0xee, sizeof(page));
	KEXPECT_TRUE(t, snp_vmsa_fill(page, &c) != NULL);
	KEXPECT_EQ(t, page[VMSA_RIP], 0xee);
}

KTEST(host_snp_vmsa, the_vmsa_page_is_never_2m_aligned)
{
	KEXPECT_EQ(t, snp_vmsa_pick_page(0x200000), 0x201000);
	KEXPECT_EQ(t, snp_vmsa_pick_page(0x1ff000), 0x1ff000); /* its second page is 2M-aligned: the first */
	KEXPECT_EQ(t, snp_vmsa_pick_page(0x7e5f8000), 0x7e5f8000);
	KEXPECT_EQ(t, snp_vmsa_pick_page(0x100000000ull), 0x100001000ull);
}

KTEST(host_snp_vmsa, sev_features_are_sev_status_shifted_by_two)
{
	KEXPECT_EQ(t, snp_vmsa_sev_features(0x7), 0x1);
	KEXPECT_EQ(t, snp_vmsa_sev_features(0x7 | 1ull << 4), 0x5); /* ReflectVC stays where the VMSA wants it */
}

/* Secure TSC (SEV_STATUS bit 11): no AP is started, with the reason (Linux fills tsc_scale/tsc_offset). */
KTEST(host_snp_vmsa, secure_tsc_is_refused)
{
	KEXPECT_TRUE(t, snp_vmsa_unsupported(0x7) == NULL);
	KEXPECT_TRUE(t, snp_vmsa_unsupported(0x7 | 1ull << 11) != NULL);
	KEXPECT_TRUE(t, strstr(snp_vmsa_unsupported(0x7 | 1ull << 11), "Secure TSC") != NULL);
}
