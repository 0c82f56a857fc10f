/* SPDX-License-Identifier: MIT */
/*
 * The SEV-ES/SNP VM Save Area (VMSA): the page a protected vCPU's state lives in, which the SNP AP waker
 * (arch/x86/snp/snp_ap_create.c) fills for each application processor and the SNP model
 * (arch/x86/sim/snp_model_ap.c) starts it from. Byte offsets of the fields ccktf uses, from APM vol. 2
 * appendix B table B-4 ("VMSA Layout, State Save Area for SEV-ES") as Linux arch/x86/include/asm/svm.h
 * struct sev_es_save_area lays it out (its BUILD_BUG_RESERVED_OFFSET checks and the KVM selftest's
 * static_asserts: vmpl 0xca, rip 0x178, sev_features 0x3b0, xcr0 0x3e8).
 *
 * A segment (struct vmcb_seg, APM vol. 2 15.5.1): u16 selector, u16 attrib, u32 limit, u64 base. attrib
 * packs the descriptor's access byte (bits 7:0: type, S, DPL, P) and its flags nibble (bits 11:8: AVL, L,
 * D/B, G), Linux SVM_SELECTOR_*_SHIFT.
 */
#ifndef ARCH_SNP_VMSA_H
#define ARCH_SNP_VMSA_H

#include <ccktf/types.h>

#define VMSA_PAGE_SIZE 4096u

#define VMSA_SEG_SELECTOR 0x0 /* within a segment: u16 */
#define VMSA_SEG_ATTRIB 0x2   /* u16 */
#define VMSA_SEG_LIMIT 0x4    /* u32 */
#define VMSA_SEG_BASE 0x8     /* u64 */

#define VMSA_ES 0x000
#define VMSA_CS 0x010
#define VMSA_SS 0x020
#define VMSA_DS 0x030
#define VMSA_FS 0x040
#define VMSA_GS 0x050
#define VMSA_GDTR 0x060
#define VMSA_LDTR 0x070
#define VMSA_IDTR 0x080
#define VMSA_TR 0x090
#define VMSA_VMPL 0x0ca	 /* u8 */
#define VMSA_CPL 0x0cb	 /* u8 */
#define VMSA_EFER 0x0d0
#define VMSA_CR4 0x148
#define VMSA_CR3 0x150
#define VMSA_CR0 0x158
#define VMSA_DR7 0x160
#define VMSA_DR6 0x168
#define VMSA_RFLAGS 0x170
#define VMSA_RIP 0x178
#define VMSA_RSP 0x1d8
#define VMSA_RAX 0x1f8
#define VMSA_G_PAT 0x268
#define VMSA_RCX 0x308
#define VMSA_RDX 0x310
#define VMSA_RBX 0x318
#define VMSA_RBP 0x328
#define VMSA_RSI 0x330
#define VMSA_RDI 0x338
#define VMSA_SEV_FEATURES 0x3b0
#define VMSA_XCR0 0x3e8
#define VMSA_MXCSR 0x408   /* u32 */
#define VMSA_X87_FTW 0x40c /* u16 */
#define VMSA_X87_FCW 0x410 /* u16 */

/* Segment attributes (APM vol. 2 4.7-4.8, in the VMCB packing above; Linux INIT_*_ATTRIBS, svm.h). */
#define VMSA_ATTR_CODE64 0xa9b /* P, S, type 0xb (execute/read, accessed), L, G */
#define VMSA_ATTR_DATA 0xc93   /* P, S, type 0x3 (read/write, accessed), D/B, G */
#define VMSA_ATTR_LDT 0x82     /* P, type 2: Linux INIT_LDTR_ATTRIBS */
#define VMSA_ATTR_TSS_BUSY 0x8b /* P, type 0xb (64-bit TSS, busy): Linux INIT_TR_ATTRIBS */

/* Architectural reset values Linux puts in an AP's VMSA (core.c AP_INIT_*, "APM2 Processor Initialization
 * State"); ccktf keeps them for what it does not set itself. */
#define VMSA_INIT_DR6 0xffff0ff0ull
#define VMSA_INIT_DR7 0x400ull
#define VMSA_INIT_G_PAT 0x0007040600070406ull
#define VMSA_INIT_XCR0 0x1ull /* x87 only: ccktf's code uses general registers only */
#define VMSA_INIT_MXCSR 0x1f80u
#define VMSA_INIT_X87_FTW 0x5555u
#define VMSA_INIT_X87_FCW 0x0040u
#define VMSA_RFLAGS_FIXED 0x2ull /* bit 1 reads as one; IF clear */

/* Control bits the filler sets or checks (SDM / APM vol. 2 3.1). */
#define VMSA_CR0_PE (1ull << 0)
#define VMSA_CR0_PG (1ull << 31)
#define VMSA_CR4_PAE (1ull << 5)
#define VMSA_EFER_LME (1ull << 8)
#define VMSA_EFER_LMA (1ull << 10)
#define VMSA_EFER_SVME (1ull << 12) /* must be set in an SEV-ES VMSA (Linux: "SVME must be set") */

/*
 * What an AP starts with: 64-bit mode on the kernel's page tables, at rip with rsp, rdi = its argument.
 * cr3 is composed from the PML4's physical address and the C-bit, as an SNP guest's CR3 carries it.
 */
struct snp_vmsa_cpu {
	u64 pml4_pa;	/* the PML4's physical address, without the C-bit */
	unsigned cbit;	/* the C-bit position (CPUID 0x8000001F EBX[5:0]: 47 or 51 on real parts) */
	u64 cr0, cr4, efer;
	u16 cs, ds;	/* selectors of a 64-bit code and a data segment in the GDT below */
	u64 gdt_base, idt_base;
	u16 gdt_limit, idt_limit;
	u64 rip, rsp, rdi;
	u64 gs_base;
	u64 sev_features; /* SEV_STATUS >> 2 */
	u8 vmpl;
};

/*
 * snp_vmsa.c (pure). Fills a zeroed VMSA page for c; NULL, or why c cannot be an AP's state (the page
 * is then left as it was).
 */
const char *snp_vmsa_fill(void *page, const struct snp_vmsa_cpu *c);
/* Of the two pages at pair (8 KiB), the one a VMSA may use: never a 2 MiB-aligned one (the SNP erratum
 * behind Linux snp_alloc_vmsa_page(); KVM sev_snp_ap_creation() refuses such a VMSA). */
u64 snp_vmsa_pick_page(u64 pair);
/* The SEV_FEATURES a VMSA needs for a guest whose SEV_STATUS is status (Linux wakeup_cpu_via_vmgexit()). */
u64 snp_vmsa_sev_features(u64 sev_status);
/* NULL, or why no AP's VMSA can be filled for a guest with this SEV_STATUS (Secure TSC, bit 11). */
const char *snp_vmsa_unsupported(u64 sev_status);

static inline u64 snp_vmsa_u64(const void *page, unsigned off)
{
	return *(const u64 *)((const u8 *)page + off);
}

#endif
