/* SPDX-License-Identifier: MIT */
/* Cutting a range into SNP Page State Change requests (arch/x86/snp/psc_plan.c, pure: compiled in here). */
#include <ccktf/ktest.h>

#include "../../arch/x86/snp/psc_plan.c"

KTEST_SUITE(host_psc_plan, KTEST_AFTER_EXIT_BOOT_SERVICES, NULL);

#define BASE (4ull * GiB)

KTEST(host_psc_plan, max_is_clamped_to_the_shared_buffer)
{
	KEXPECT_EQ(t, psc_plan_max(0), 253);
	KEXPECT_EQ(t, psc_plan_max(254), 253);
	KEXPECT_EQ(t, psc_plan_max(1), 1);
	KEXPECT_EQ(t, psc_plan_max(253), 253);
}

KTEST(host_psc_plan, requests_by_batch_size_with_4k_entries)
{
	/* 2 MiB = 512 entries of 4 KiB: ceil(512 / max) requests */
	KEXPECT_EQ(t, psc_plan_requests(BASE, 2 * MiB, 1, false), 512);
	KEXPECT_EQ(t, psc_plan_requests(BASE, 2 * MiB, 16, false), 32);
	KEXPECT_EQ(t, psc_plan_requests(BASE, 2 * MiB, 64, false), 8);
	KEXPECT_EQ(t, psc_plan_requests(BASE, 2 * MiB, 253, false), 3);
	KEXPECT_EQ(t, psc_plan_requests(BASE, 4 * MiB, 253, false), 5); /* 1024 = 4 * 253 + 12 */
}

KTEST(host_psc_plan, two_mib_entries_where_the_range_allows)
{
	u64 e[253], next;

	KEXPECT_EQ(t, psc_plan_requests(BASE, 8 * MiB, 253, true), 1);
	KEXPECT_EQ(t, psc_plan_fill(e, 253, true, BASE, BASE + 8 * MiB, 2, &next), 4);
	KEXPECT_EQ(t, next, BASE + 8 * MiB);
	KEXPECT_EQ(t, e[0], (BASE >> 12) << 12 | 2ull << 52 | 1ull << 56);
	KEXPECT_EQ(t, e[3] & ((1ull << 52) - 1), (BASE + 6 * MiB) >> 12 << 12);
	/* unaligned head: 4 KiB entries up to the 2 MiB boundary, then 2 MiB ones */
	KEXPECT_EQ(t, psc_plan_fill(e, 253, true, BASE + 2 * MiB - 8 * KiB, BASE + 4 * MiB, 1, &next), 3);
	KEXPECT_EQ(t, e[0] & (1ull << 56), 0);
	KEXPECT_EQ(t, e[2] & (1ull << 56), 1ull << 56);
	/* a batch of 2 stops after two entries */
	KEXPECT_EQ(t, psc_plan_fill(e, 2, false, BASE, BASE + 2 * MiB, 1, &next), 2);
	KEXPECT_EQ(t, next, BASE + 8 * KiB);
}
