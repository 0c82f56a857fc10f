/* SPDX-License-Identifier: MIT */
/* The SNP CPUID page (cpuid_table.c): layout as Linux arch/x86/include/asm/sev.h struct snp_cpuid_table. */
#ifndef ARCH_X86_SNP_SNP_CPUID_H
#define ARCH_X86_SNP_SNP_CPUID_H

#include <arch/snp_spec.h>
#include <ccktf/types.h>

#define SNP_CPUID_COUNT_MAX 64
#define SNP_CPUID_PAGE_MIN 4096

struct snp_cpuid_fn {
	u32 eax_in, ecx_in;
	u64 xcr0_in, xss_in;
	u32 eax, ebx, ecx, edx;
	u64 reserved;
} __packed;

struct snp_cpuid_table {
	u32 count;
	u32 reserved1;
	u64 reserved2;
	struct snp_cpuid_fn fn[SNP_CPUID_COUNT_MAX];
} __packed;

_Static_assert(sizeof(struct snp_cpuid_fn) == 48, "snp_cpuid_fn is 48 bytes (Linux sev.h)");
_Static_assert(sizeof(struct snp_cpuid_table) == 16 + 64 * 48, "snp_cpuid_table is 3088 bytes");

enum snp_cpuid_answer {
	SNP_CPUID_FOUND,
	SNP_CPUID_ABSENT_IN_RANGE, /* zeros, as Linux answers a leaf the table leaves out */
	SNP_CPUID_OUT_OF_RANGE,	   /* zeros */
};

#define SNP_CPUID_INSN_LEN 2 /* 0F A2 */

bool snp_cpuid_leaf_is_indexed(u32 leaf);
/* NULL when the table can be used, else why not. */
const char *snp_cpuid_table_check(const struct snp_cpuid_table *t, u64 page_bytes);
bool snp_cpuid_in_range(const struct snp_cpuid_table *t, u32 leaf);
/* out = EAX, EBX, ECX, EDX. */
enum snp_cpuid_answer snp_cpuid_lookup(const struct snp_cpuid_table *t, u32 leaf, u32 subleaf, u32 out[4]);

/* Asks the hypervisor for all four registers of leaf (sub-leaf 0); false when it does not answer. */
typedef bool (*snp_cpuid_hv_fn)(u32 leaf, u32 out[4]);
/*
 * The per-vCPU fields of leaf 0x1, 0xB and 0x8000001E (the page holds vCPU 0's) replaced in out by what hv
 * answers on the vCPU that asks (Linux snp_cpuid_postprocess()); other leaves untouched. NULL, or why not.
 */
const char *snp_cpuid_postprocess(u32 leaf, u32 out[4], snp_cpuid_hv_fn hv);
/*
 * A #VC for CPUID at rip: checks the instruction, answers from the CPUID page when there is one (with the
 * per-vCPU fields from hv, snp_cpuid_postprocess()), else
 * from the hypervisor (sub-leaf 0 only) with its answer checked. NULL, or why it must not be answered
 * (the guest then terminates, as Linux does).
 */
const char *snp_cpuid_emulate(u64 rip, u32 leaf, u32 subleaf, const struct snp_cpuid_table *t,
			      snp_cpuid_hv_fn hv, unsigned cbit, u32 out[4]);

#endif
