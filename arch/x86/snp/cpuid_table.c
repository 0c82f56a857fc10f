/* SPDX-License-Identifier: MIT */
/*
 * The SNP CPUID page: CPUID results the firmware put in a page the PSP checked against the part before
 * launch (SEV-SNP ABI, SNP_LAUNCH_UPDATE of a CPUID page), reached through the CC blob's cpuid_pa. A guest
 * that has it answers CPUID from it rather than from the hypervisor, whose answers are not to be trusted.
 * After Linux (arch/x86/boot/startup/sev-shared.c setup_cpuid_table(), snp_cpuid(),
 * snp_cpuid_get_validated_func(); arch/x86/include/asm/cpuid/api.h cpuid_function_is_indexed()):
 *   - a table is usable when its page is at least 4 KiB and 1 <= count <= 64;
 *   - an entry matches on EAX, and on ECX too for the leaves that have sub-leaves;
 *   - a leaf inside a range the table declares (0x0, 0x40000000, 0x80000000 entries give the maxima) but
 *     absent reads as zeros, and so does a leaf outside every range.
 * The page holds what the firmware measured, which is vCPU 0's identity: ccktf runs on every vCPU, so the
 * per-vCPU fields are taken from the hypervisor on the vCPU that asks, as Linux snp_cpuid_postprocess()
 * does (arch/x86/boot/startup/sev-shared.c): leaf 0x1 EBX[31:24] (initial APIC ID) and EDX[9] (APIC
 * enabled), leaf 0xB EDX (x2APIC ID, asked for sub-leaf 0), leaf 0x8000001E EAX (extended APIC ID), EBX[7:0]
 * (compute unit ID) and ECX[7:0] (node ID); also for an absent leaf inside a declared range, never for one
 * outside every range (Linux snp_cpuid()). Not done: leaf 0x1 ECX[27] / 0x7 ECX[4] (OSXSAVE, OSPKE follow
 * CR4, which ccktf never sets) and the 0xD XSAVE sizes (ccktf uses no XSAVE state).
 * Pure: no I/O, compiled into the host tests (tests/host/test_snp_cpuid.c).
 */
#include <ccktf/string.h>
#include "snp_cpuid.h"

#define RANGE_STD 0x0u
#define RANGE_HYP 0x40000000u
#define RANGE_EXT 0x80000000u

bool snp_cpuid_leaf_is_indexed(u32 leaf)
{
	switch (leaf) {
	case 0x4: case 0x7: case 0xb: case 0xd: case 0xf: case 0x10: case 0x12: case 0x14: case 0x17: case 0x18:
	case 0x1d: case 0x1e: case 0x1f: case 0x24: case 0x8000001d:
		return true;
	}
	return false;
}

const char *snp_cpuid_table_check(const struct snp_cpuid_table *t, u64 page_bytes)
{
	if (!t)
		return "no CPUID page";
	if (page_bytes < SNP_CPUID_PAGE_MIN)
		return "the CPUID page is smaller than 4 KiB";
	if (t->count == 0 || t->count > SNP_CPUID_COUNT_MAX)
		return "the CPUID page's entry count is 0 or above 64";
	return NULL;
}

static const struct snp_cpuid_fn *find(const struct snp_cpuid_table *t, u32 leaf, u32 subleaf)
{
	bool indexed = snp_cpuid_leaf_is_indexed(leaf);

	for (u32 i = 0; i < t->count; i++)
		if (t->fn[i].eax_in == leaf && (!indexed || t->fn[i].ecx_in == subleaf))
			return &t->fn[i];
	return NULL;
}

static u32 range_max(const struct snp_cpuid_table *t, u32 base)
{
	const struct snp_cpuid_fn *f = find(t, base, 0);

	return f ? f->eax : 0;
}

bool snp_cpuid_in_range(const struct snp_cpuid_table *t, u32 leaf)
{
	if (leaf >= RANGE_EXT)
		return leaf <= range_max(t, RANGE_EXT);
	if (leaf >= RANGE_HYP)
		return leaf <= range_max(t, RANGE_HYP);
	return leaf <= range_max(t, RANGE_STD);
}

enum snp_cpuid_answer snp_cpuid_lookup(const struct snp_cpuid_table *t, u32 leaf, u32 subleaf, u32 out[4])
{
	const struct snp_cpuid_fn *f = find(t, leaf, subleaf);

	if (!f) {
		memset(out, 0, 4 * sizeof(u32));
		return snp_cpuid_in_range(t, leaf) ? SNP_CPUID_ABSENT_IN_RANGE : SNP_CPUID_OUT_OF_RANGE;
	}
	out[0] = f->eax, out[1] = f->ebx, out[2] = f->ecx, out[3] = f->edx;
	return SNP_CPUID_FOUND;
}

#define LEAF1_EBX_APIC_ID 0xff000000u	    /* SDM vol. 2A CPUID leaf 01H: EBX[31:24] */
#define LEAF1_EDX_APIC (1u << 9)		    /* EDX[9]: on-chip APIC (Linux takes it from the hypervisor) */
#define LEAF_8000001E_LOW_ID 0x000000ffu    /* APM vol. 3 E.4.24: EBX[7:0] compute unit, ECX[7:0] node ID */
#define LEAF_TOPOLOGY 0xbu
#define LEAF_EXT_APIC_ID 0x8000001eu

static u32 merge(u32 from_page, u32 from_hv, u32 hv_bits)
{
	return (from_hv & hv_bits) | (from_page & ~hv_bits);
}

const char *snp_cpuid_postprocess(u32 leaf, u32 out[4], snp_cpuid_hv_fn hv)
{
	u32 h[4];

	if (leaf != 0x1 && leaf != LEAF_TOPOLOGY && leaf != LEAF_EXT_APIC_ID)
		return NULL;
	if (!hv(leaf, h)) /* sub-leaf 0, as Linux asks for 0xB */
		return "the hypervisor did not answer the CPUID request for this vCPU's identity";
	if (leaf == 0x1) {
		out[1] = merge(out[1], h[1], LEAF1_EBX_APIC_ID);
		out[3] = merge(out[3], h[3], LEAF1_EDX_APIC);
	} else if (leaf == LEAF_TOPOLOGY) {
		out[3] = h[3];
	} else {
		out[0] = h[0];
		out[1] = merge(out[1], h[1], LEAF_8000001E_LOW_ID);
		out[2] = merge(out[2], h[2], LEAF_8000001E_LOW_ID);
	}
	return NULL;
}

/* Bytes 0F A2: Linux do_vc_no_ghcb() and vc_check_opcode_bytes() refuse a #VC CPUID at anything else. */
static bool is_cpuid_insn(u64 rip)
{
	const u8 *p = (const u8 *)(uintptr_t)rip;

	return p[0] == 0x0f && p[1] == 0xa2;
}

/* What a hypervisor's CPUID answer must at least say (Linux do_vc_no_ghcb()'s sanity checks). */
static const char *implausible(u32 leaf, const u32 v[4], unsigned cbit)
{
	if (leaf == CPUID_EXT_MAX_LEAF && v[0] < CPUID_SEV_LEAF)
		return "the hypervisor hides leaf 0x8000001F (its maximum extended leaf is lower)";
	if (leaf == CPUID_SEV_LEAF && !(v[0] & CPUID_SEV_EAX_SEV))
		return "the hypervisor says SEV is off (0x8000001F EAX[1] clear)";
	if (leaf == CPUID_SEV_LEAF && (v[1] & CPUID_SEV_EBX_CBIT_MASK) != cbit)
		return "the hypervisor reports another C-bit position than the one the guest runs with";
	return NULL;
}

const char *snp_cpuid_emulate(u64 rip, u32 leaf, u32 subleaf, const struct snp_cpuid_table *t,
			      snp_cpuid_hv_fn hv, unsigned cbit, u32 out[4])
{
	if (!is_cpuid_insn(rip))
		return "#VC CPUID at an instruction that is not CPUID (0F A2)";
	if (t) {
		if (snp_cpuid_lookup(t, leaf, subleaf, out) == SNP_CPUID_OUT_OF_RANGE)
			return NULL;
		return snp_cpuid_postprocess(leaf, out, hv);
	}
	if (snp_cpuid_leaf_is_indexed(leaf) && subleaf)
		return "no CPUID page, and the hypervisor's CPUID request carries no sub-leaf (ECX)";
	if (!hv(leaf, out))
		return "the hypervisor did not answer the CPUID request";
	return implausible(leaf, out, cbit);
}
