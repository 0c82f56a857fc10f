/* SPDX-License-Identifier: MIT */
/*
 * The SNP CPUID page and the #VC CPUID decision (arch/x86/snp/cpuid_table.c), after Linux snp_cpuid()
 * and do_vc_no_ghcb(): sub-leaves honoured, absent leaves read as zeros, the instruction checked, the
 * hypervisor's answers checked and never asked for a sub-leaf it cannot see.
 */
#include <ccktf/ktest.h>
#include <stdlib.h>
#include <string.h>

#include "../../arch/x86/snp/cpuid_table.c"

KTEST_SUITE(host_snp_cpuid, KTEST_AFTER_EXIT_BOOT_SERVICES, NULL);

static const u8 cpuid_insn[] = { 0x0f, 0xa2 }, not_cpuid[] = { 0x0f, 0x0b };
static unsigned hv_calls;
static u32 hv_cbit = 51;

static bool hv(u32 leaf, u32 out[4])
{
	hv_calls++;
	memset(out, 0, 4 * sizeof(u32));
	if (leaf == CPUID_SEV_LEAF)
		out[0] = CPUID_SEV_EAX_SEV | 0x10, out[1] = hv_cbit;
	if (leaf == CPUID_EXT_MAX_LEAF)
		out[0] = 0x80000021;
	if (leaf == 7)
		out[1] = 0x777;
	return true;
}

static void add(struct snp_cpuid_table *t, u32 leaf, u32 sub, u32 eax, u32 ebx)
{
	t->fn[t->count++] = (struct snp_cpuid_fn){ .eax_in = leaf, .ecx_in = sub, .eax = eax, .ebx = ebx };
}

static struct snp_cpuid_table *table(void)
{
	struct snp_cpuid_table *t = calloc(1, sizeof(*t));

	add(t, 0x0, 0, 0xd, 0);		 /* standard leaves up to 0xd */
	add(t, 0x7, 0, 1, 0x700);
	add(t, 0x7, 1, 0, 0x701);
	add(t, 0x80000000, 0, 0x8000001f, 0);
	add(t, 0x8000001e, 5, 0x1e, 0); /* not indexed: ECX is ignored */
	return t;
}

KTEST(host_snp_cpuid, subleaves_are_honoured)
{
	struct snp_cpuid_table *tbl = table();
	u32 v[4];

	KEXPECT_EQ(t, snp_cpuid_lookup(tbl, 7, 1, v), SNP_CPUID_FOUND);
	KEXPECT_EQ(t, v[1], 0x701);
	KEXPECT_EQ(t, snp_cpuid_lookup(tbl, 7, 0, v), SNP_CPUID_FOUND);
	KEXPECT_EQ(t, v[1], 0x700);
	KEXPECT_EQ(t, snp_cpuid_lookup(tbl, 0x8000001e, 0, v), SNP_CPUID_FOUND);
	KEXPECT_EQ(t, v[0], 0x1e);
	free(tbl);
}

KTEST(host_snp_cpuid, absent_leaves_read_zero)
{
	struct snp_cpuid_table *tbl = table();
	u32 v[4] = { 1, 2, 3, 4 };

	KEXPECT_EQ(t, snp_cpuid_lookup(tbl, 7, 2, v), SNP_CPUID_ABSENT_IN_RANGE);
	KEXPECT_EQ(t, v[0] | v[1] | v[2] | v[3], 0);
	KEXPECT_EQ(t, snp_cpuid_lookup(tbl, 0x20, 0, v), SNP_CPUID_OUT_OF_RANGE);
	KEXPECT_EQ(t, snp_cpuid_lookup(tbl, 0x80000021, 0, v), SNP_CPUID_OUT_OF_RANGE);
	free(tbl);
}

KTEST(host_snp_cpuid, table_limits)
{
	struct snp_cpuid_table *tbl = table();

	KEXPECT_TRUE(t, snp_cpuid_table_check(tbl, 4096) == NULL);
	KEXPECT_TRUE(t, snp_cpuid_table_check(tbl, 2048) != NULL);
	tbl->count = 65;
	KEXPECT_TRUE(t, snp_cpuid_table_check(tbl, 4096) != NULL);
	tbl->count = 0;
	KEXPECT_TRUE(t, snp_cpuid_table_check(tbl, 4096) != NULL);
	free(tbl);
}

/* With a page, the hypervisor is never asked, whatever the sub-leaf. */
KTEST(host_snp_cpuid, page_answers_without_the_hypervisor)
{
	struct snp_cpuid_table *tbl = table();
	u32 v[4];

	hv_calls = 0;
	KEXPECT_TRUE(t, snp_cpuid_emulate((u64)(uintptr_t)cpuid_insn, 7, 1, tbl, hv, 51, v) == NULL);
	KEXPECT_EQ(t, v[1], 0x701);
	KEXPECT_EQ(t, hv_calls, 0);
	free(tbl);
}

KTEST(host_snp_cpuid, only_cpuid_is_emulated)
{
	u32 v[4];

	KEXPECT_TRUE(t, snp_cpuid_emulate((u64)(uintptr_t)not_cpuid, 7, 0, NULL, hv, 51, v) != NULL);
}

/* Without a page: sub-leaf 0 from the hypervisor, a non-zero sub-leaf of an indexed leaf refused. */
KTEST(host_snp_cpuid, hypervisor_gets_no_subleaf)
{
	u32 v[4];

	hv_calls = 0;
	KEXPECT_TRUE(t, snp_cpuid_emulate((u64)(uintptr_t)cpuid_insn, 7, 0, NULL, hv, 51, v) == NULL);
	KEXPECT_EQ(t, v[1], 0x777);
	KEXPECT_TRUE(t, snp_cpuid_emulate((u64)(uintptr_t)cpuid_insn, 7, 1, NULL, hv, 51, v) != NULL);
	KEXPECT_EQ(t, hv_calls, 1);
}

KTEST(host_snp_cpuid, hypervisor_answers_are_checked)
{
	u32 v[4];

	hv_cbit = 47; /* not the C-bit the guest runs with */
	KEXPECT_TRUE(t, snp_cpuid_emulate((u64)(uintptr_t)cpuid_insn, CPUID_SEV_LEAF, 0, NULL, hv, 51, v) != NULL);
	hv_cbit = 51;
	KEXPECT_TRUE(t, snp_cpuid_emulate((u64)(uintptr_t)cpuid_insn, CPUID_SEV_LEAF, 0, NULL, hv, 51, v) == NULL);
}

/* The hypervisor of vCPU 5: its own APIC IDs, and junk in the bits the page is trusted for. */
static bool hv_vcpu5(u32 leaf, u32 out[4])
{
	hv_calls++;
	memset(out, 0xee, 4 * sizeof(u32));
	if (leaf == 0x1)
		out[1] = 0x05eeeeee, out[3] = 0xffffffff;
	if (leaf == 0xb)
		out[3] = 5;
	if (leaf == 0x8000001e)
		out[0] = 5, out[1] = 0xeeeeee02, out[2] = 0xeeeeee01;
	return true;
}

static bool hv_silent(u32 leaf, u32 out[4])
{
	(void)leaf, (void)out;
	hv_calls++;
	return false;
}

/* Linux snp_cpuid_postprocess(): the page's leaves 0x1, 0xB, 0x8000001E carry vCPU 0's identity. */
KTEST(host_snp_cpuid, each_vcpu_gets_its_own_apic_ids)
{
	struct snp_cpuid_table *tbl = table();
	u32 v[4];

	add(tbl, 0x1, 0, 0x00a00f11, 0x00080800); /* vCPU 0: APIC ID 0 in EBX[31:24] */
	tbl->fn[tbl->count - 1].edx = 0x178bfbff & ~(1u << 9);
	tbl->fn[1].ecx = 0x12345678; /* leaf 7's: untouched below */
	hv_calls = 0;
	KEXPECT_TRUE(t, snp_cpuid_emulate((u64)(uintptr_t)cpuid_insn, 1, 0, tbl, hv_vcpu5, 51, v) == NULL);
	KEXPECT_EQ(t, v[0], 0x00a00f11);
	KEXPECT_EQ(t, v[1], 0x05080800);
	KEXPECT_EQ(t, v[3], 0x178bfbff); /* EDX[9] from the hypervisor, the rest from the page */
	KEXPECT_TRUE(t, snp_cpuid_emulate((u64)(uintptr_t)cpuid_insn, 0xb, 1, tbl, hv_vcpu5, 51, v) == NULL);
	KEXPECT_EQ(t, v[0] | v[1] | v[2], 0); /* absent in range: zeros, but the x2APIC ID is this vCPU's */
	KEXPECT_EQ(t, v[3], 5);
	KEXPECT_TRUE(t, snp_cpuid_emulate((u64)(uintptr_t)cpuid_insn, 0x8000001e, 0, tbl, hv_vcpu5, 51, v) == NULL);
	KEXPECT_EQ(t, v[0], 5);
	KEXPECT_EQ(t, v[1], 0x02);
	KEXPECT_EQ(t, v[2], 0x01);
	KEXPECT_EQ(t, hv_calls, 3);
	KEXPECT_TRUE(t, snp_cpuid_emulate((u64)(uintptr_t)cpuid_insn, 7, 0, tbl, hv_vcpu5, 51, v) == NULL);
	KEXPECT_TRUE(t, snp_cpuid_emulate((u64)(uintptr_t)cpuid_insn, 0x20, 0, tbl, hv_vcpu5, 51, v) == NULL);
	KEXPECT_EQ(t, hv_calls, 3); /* other leaves, and leaves outside every range, never ask */
	KEXPECT_EQ(t, v[0] | v[1] | v[2] | v[3], 0);
	KEXPECT_TRUE(t, snp_cpuid_emulate((u64)(uintptr_t)cpuid_insn, 1, 0, tbl, hv_silent, 51, v) != NULL);
	free(tbl);
}
