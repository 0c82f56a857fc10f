/* SPDX-License-Identifier: MIT */
/*
 * Acceptance through the real platform path: the Linux-format bitmap (kernel/mm/accept.c) driving the
 * platform's accept_range (TDX TDG.MEM.PAGE.ACCEPT; SNP page-state change + PVALIDATE). On a hardware
 * model, the model forces the cases hardware produces only sometimes (size mismatch, errors).
 */
#include <ccktf/boot.h>
#include <ccktf/string.h>
#include "lib/accept_checks.h"

KTEST_SUITE(accept, KTEST_AFTER_EXIT_BOOT_SERVICES, accept_skip_reason);

#define UNIT UNACCEPTED_UNIT_SIZE
#define PAGE 4096ull

KTEST(accept, table_installed_as_configuration_table)
{
	const struct efi_unaccepted_memory *tbl = efi_config_table(boot_info.st, LINUX_EFI_UNACCEPTED_MEM_TABLE_GUID);
	struct memmap m = memmap_view(&boot_info.memmap);
	const struct efi_memory_descriptor *d;

	KASSERT_TRUE(t, tbl == unaccepted.table);
	KEXPECT_EQ(t, tbl->version, UNACCEPTED_TABLE_VERSION);
	KEXPECT_EQ(t, tbl->unit_size, UNACCEPTED_UNIT_SIZE);
	d = memmap_find(&m, (u64)(uintptr_t)tbl, NULL);
	KASSERT_TRUE(t, d != NULL);
	if (!unaccepted.reused) /* survives ExitBootServices, as Linux since v6.6 */
		KEXPECT_EQ(t, d->type, EFI_ACPI_RECLAIM_MEMORY);
}

KTEST(accept, table_matches_memory_map)
{
	struct memmap m = memmap_view(&boot_info.memmap);
	struct mm_error e;

	mm_error_clear(&e);
	if (!unaccepted_validate(unaccepted.table, (u64)(uintptr_t)unaccepted.table, &m, &e))
		ktest_fail(t, __FILE__, __LINE__, "%s (%s)", e.msg, mm_code_name(e.code));
	ktest_evidence(t, "final map: %llu unaccepted range(s), %llu MiB; bitmap: %llu unit(s) set", unaccepted.final_ranges,
		       unaccepted.final_bytes / MiB, unaccepted_count_set(unaccepted.table));
	/* Bits come from the final map: none where the firmware accepted everything at ExitBootServices. */
	if (unaccepted.final_bytes >= 2 * UNIT)
		KEXPECT_GT(t, unaccepted_count_set(unaccepted.table), 0);
	if (!unaccepted.final_ranges)
		KEXPECT_EQ(t, unaccepted_count_set(unaccepted.table), 0);
}

KTEST(accept, clears_exactly_the_accepted_unit)
{
	struct range r;
	struct accept_memory_result res = { 0 };
	u64 before = unaccepted.stats.bytes[ACCEPT_4K] + unaccepted.stats.bytes[ACCEPT_2M];

	TAKE_UNITS_OR_SKIP(t, 3, &r);
	KASSERT_EQ(t, unaccepted_accept(r.start + UNIT, UNIT, &res), ACCEPT_MEMORY_OK);
	KEXPECT_TRUE(t, unit_unaccepted(r.start));
	KEXPECT_FALSE(t, unit_unaccepted(r.start + UNIT));
	KEXPECT_TRUE(t, unit_unaccepted(r.start + 2 * UNIT));
	KEXPECT_EQ(t, res.units_cleared, 1);
	KEXPECT_EQ(t, unaccepted.stats.bytes[ACCEPT_4K] + unaccepted.stats.bytes[ACCEPT_2M] - before, UNIT);
}

KTEST(accept, accepted_memory_reads_zero)
{
	accept_check_reads_zero(t);
}

KTEST(accept, validate_keeps_contents)
{
	const struct platform_model_ops *model = accept_model();
	struct range r;

	if (cc_platform_has(CC_ATTR_ACCEPT_ZEROES))
		KTEST_SKIP(t, "%s zeroes on accept", platform_name());
	if (!model)
		KTEST_SKIP(t, "the contents of never-validated memory are undefined on hardware");
	TAKE_UNITS_OR_SKIP(t, 1, &r);
	model->poison(r.start);
	u64 first = *(volatile u64 *)(uintptr_t)r.start;
	KASSERT_EQ(t, unaccepted_accept(r.start, UNIT, NULL), ACCEPT_MEMORY_OK);
	KEXPECT_NE(t, first, 0);
	KEXPECT_EQ(t, *(volatile u64 *)(uintptr_t)r.start, first);
}

/* Linux drivers/firmware/efi/unaccepted_memory.c: any unit a request touches is accepted whole. */
KTEST(accept, unaligned_request_accepts_whole_units)
{
	struct range r;
	struct accept_memory_result res = { 0 };

	TAKE_UNITS_OR_SKIP(t, 2, &r);
	KASSERT_EQ(t, unaccepted_accept(r.start + PAGE, UNIT, &res), ACCEPT_MEMORY_OK);
	KEXPECT_FALSE(t, unit_unaccepted(r.start));
	KEXPECT_FALSE(t, unit_unaccepted(r.start + UNIT));
	KEXPECT_EQ(t, res.units_cleared, 2);
}

KTEST(accept, double_accept_is_reported_and_corrupts_nothing)
{
	accept_check_double_accept(t);
}

KTEST(accept, size_mismatch_falls_back_to_4k)
{
	accept_check_size_mismatch_falls_back(t);
}

KTEST(accept, outside_the_bitmap_is_a_no_op)
{
	struct accept_stats before = unaccepted.stats;
	struct accept_memory_result res = { 0 };
	u64 base = unaccepted.table->phys_base;

	if (base < UNIT)
		KTEST_SKIP(t, "the bitmap starts at 0: nothing lies below it");
	KEXPECT_EQ(t, unaccepted_accept(base - UNIT, UNIT, &res), ACCEPT_MEMORY_OK);
	KEXPECT_EQ(t, res.runs, 0);
	KEXPECT_EQ(t, memcmp(&before, &unaccepted.stats, sizeof(before)), 0);
}

KTEST(accept, error_at_4k_is_a_hard_error)
{
	const struct platform_model_ops *model = accept_model();
	struct accept_memory_result res = { 0 };
	u64 errors = unaccepted.stats.errors, bad;
	struct range r;

	if (!model)
		KTEST_SKIP(t, "needs a hardware model to inject an error");
	TAKE_UNITS_OR_SKIP(t, 1, &r);
	bad = r.start + 5 * PAGE;
	model->set_host_4k(r.start, true);
	model->inject_error(bad, 0xc000010000000000ull);
	KEXPECT_EQ(t, unaccepted_accept(r.start, UNIT, &res), ACCEPT_MEMORY_PLATFORM_ERROR);
	KEXPECT_EQ(t, unaccepted.stats.errors, errors + 1);
	KEXPECT_EQ(t, res.fail_addr, bad);
	KEXPECT_TRUE(t, unit_unaccepted(r.start)); /* not accepted: the bit stays set */
	KEXPECT_EQ(t, unaccepted.stats.last_error.addr, bad);
	/* The pages before bad are accepted: only the rest may be accepted now (on SNP a second validation
	 * of the head would be a double validation), then the unit is whole and its bit goes. */
	model->inject_error(bad, 0);
	KEXPECT_EQ(t, platform_current()->accept_range(bad, r.end - bad, &unaccepted.stats), r.end - bad);
	unaccepted_mark_accepted(r.start, UNIT);
	KEXPECT_FALSE(t, unit_unaccepted(r.start));
	for (u64 a = r.start; a < r.end; a += PAGE)
		KASSERT_TRUE(t, model->page_accepted(a));
}
