/* SPDX-License-Identifier: MIT */
/*
 * The Linux unaccepted-memory table (kernel/mm/unaccepted.c): planned and populated from synthetic maps the
 * way the EFI stub would (drivers/firmware/efi/libstub/unaccepted_memory.c), its bit operations, and its
 * validation. Tables are malloc'd at their exact size so that ASan catches any read past the bitmap.
 */
#include <ccktf/ktest.h>
#include "test_map.h"
#include <stdlib.h>
#include <string.h>

#include "mm/unaccepted.h"

KTEST_SUITE(host_unaccepted, KTEST_AFTER_EXIT_BOOT_SERVICES, NULL);

#define PAGE 4096ull
#define UNIT (2 * MiB)
#define HI (4 * GiB)
#define TABLE_PA (2 * GiB) /* inside the ACPI-reclaim descriptor of the fixture */

/* This file describes descriptors by their end address. */
static void map_add(struct test_map *tm, u32 type, u64 start, u64 end)
{
	map_add_desc(tm, type, start, (end - start) / PAGE, 0);
}

/*
 * Descriptor 4, A: [4G+1M, 4G+9M): unaligned head and tail, units 1-3 in between.
 * Descriptor 6, B: [4G+16M, 4G+19M): shorter than two units, accepted whole.
 * Descriptor 8, C: [4G+32M, 4G+36M): exactly units 16-17.
 */
static void map_fixture(struct test_map *tm, u64 desc_size)
{
	map_init(tm, desc_size);
	map_add(tm, EFI_CONVENTIONAL_MEMORY, 0, 640 * KiB);
	map_add(tm, EFI_CONVENTIONAL_MEMORY, 1 * MiB, 2 * GiB);
	map_add(tm, EFI_ACPI_RECLAIM_MEMORY, 2 * GiB, 2 * GiB + 1 * MiB);
	map_add(tm, EFI_CONVENTIONAL_MEMORY, HI, HI + 1 * MiB);
	map_add(tm, EFI_UNACCEPTED_MEMORY, HI + 1 * MiB, HI + 9 * MiB);
	map_add(tm, EFI_CONVENTIONAL_MEMORY, HI + 9 * MiB, HI + 16 * MiB);
	map_add(tm, EFI_UNACCEPTED_MEMORY, HI + 16 * MiB, HI + 19 * MiB);
	map_add(tm, EFI_CONVENTIONAL_MEMORY, HI + 19 * MiB, HI + 32 * MiB);
	map_add(tm, EFI_UNACCEPTED_MEMORY, HI + 32 * MiB, HI + 36 * MiB);
}

/* Records what was accepted at once. */
struct accept_log {
	unsigned n;
	struct range r[16];
	int answer;
};

static int log_accept(void *ctx, u64 start, u64 end)
{
	struct accept_log *log = ctx;

	if (log->n < ARRAY_SIZE(log->r))
		log->r[log->n] = range_make(start, end);
	log->n++;
	return log->answer;
}

static bool logged(struct ktest *t, const struct accept_log *log, unsigned i, u64 start, u64 end)
{
	bool ok = i < log->n && log->r[i].start == start && log->r[i].end == end;

	if (!ok)
		ktest_fail(t, __FILE__, __LINE__, "accept-now call %u is not [0x%llx, 0x%llx)", i,
			   (unsigned long long)start, (unsigned long long)end);
	return ok;
}

static struct efi_unaccepted_memory *table_alloc(u64 bitmap_bytes)
{
	return calloc(1, UNACCEPTED_HEADER_SIZE + bitmap_bytes);
}

/* plan + allocate + init + populate, as the stub does; NULL if any step fails. */
static struct efi_unaccepted_memory *table_build(const struct test_map *tm, struct accept_log *log)
{
	struct unaccepted_plan plan;
	struct efi_unaccepted_memory *tbl;

	if (!unaccepted_plan(&tm->m, UNIT, &plan, NULL) || !plan.table_bytes)
		return NULL;
	tbl = malloc(plan.table_bytes);
	memset(tbl, 0xa5, plan.table_bytes);
	unaccepted_init(tbl, &plan);
	if (!unaccepted_populate(tbl, &tm->m, log_accept, log, NULL)) {
		free(tbl);
		return NULL;
	}
	return tbl;
}

static const u8 *bytes(const struct efi_unaccepted_memory *tbl)
{
	return (const u8 *)tbl->bitmap;
}

/* Planning */

KTEST(host_unaccepted, plan_matches_the_stub)
{
	static struct test_map tm;
	struct unaccepted_plan plan;
	struct mm_error e;

	map_fixture(&tm, 48);
	KASSERT_TRUE(t, unaccepted_plan(&tm.m, UNIT, &plan, &e));
	KEXPECT_EQ(t, plan.phys_base, HI);		/* 4G+1M rounded down */
	KEXPECT_EQ(t, plan.end, HI + 36 * MiB);
	KEXPECT_EQ(t, plan.bitmap_bytes, 3);		/* DIV_ROUND_UP(36M, 2M * 8) */
	KEXPECT_EQ(t, plan.table_bytes, 24 + 3);
	KEXPECT_EQ(t, plan.unit_size, UNIT);
}

KTEST(host_unaccepted, empty_plan_without_unaccepted_memory)
{
	static struct test_map tm;
	struct unaccepted_plan plan;

	map_init(&tm, 40);
	map_add(&tm, EFI_CONVENTIONAL_MEMORY, 0, 1 * GiB);
	map_add(&tm, EFI_UNACCEPTED_MEMORY, 2 * GiB, 2 * GiB); /* zero pages: describes nothing */
	KASSERT_TRUE(t, unaccepted_plan(&tm.m, UNIT, &plan, NULL));
	KEXPECT_EQ(t, plan.table_bytes, 0);
	KEXPECT_EQ(t, plan.bitmap_bytes, 0);
}

KTEST(host_unaccepted, plan_rejects_hostile_maps)
{
	static struct test_map tm;
	struct unaccepted_plan plan;
	struct mm_error e;

	map_fixture(&tm, 48);
	KEXPECT_FALSE(t, unaccepted_plan(&tm.m, 3000, &plan, &e));
	KEXPECT_EQ(t, e.code, MM_ERR_UNIT_SIZE);
	tm.m.desc_size = 39;
	KEXPECT_FALSE(t, unaccepted_plan(&tm.m, UNIT, &plan, &e));
	KEXPECT_EQ(t, e.code, MM_ERR_DESC_SIZE_SMALL);
	map_fixture(&tm, 48);
	map_add(&tm, EFI_UNACCEPTED_MEMORY, 1ull << 52, (1ull << 52) + UNIT);
	KEXPECT_FALSE(t, unaccepted_plan(&tm.m, UNIT, &plan, &e));
	KEXPECT_EQ(t, e.code, MM_ERR_TABLE_RANGE);
	map_fixture(&tm, 48);
	map_add(&tm, EFI_UNACCEPTED_MEMORY, 0, PAGE);
	((struct efi_memory_descriptor *)((u8 *)tm.buf + 9 * 48))->num_pages = 1ull << 60;
	KEXPECT_FALSE(t, unaccepted_plan(&tm.m, UNIT, &plan, &e));
	KEXPECT_EQ(t, e.code, MM_ERR_END_OVERFLOW);
	KEXPECT_EQ(t, e.index, 9);
}

/* Population */

static void expect_fixture_population(struct ktest *t, u64 desc_size)
{
	static struct test_map tm;
	struct accept_log log = { 0 };
	struct efi_unaccepted_memory *tbl;

	map_fixture(&tm, desc_size);
	tbl = table_build(&tm, &log);
	KASSERT_TRUE(t, tbl != NULL);
	KEXPECT_EQ(t, tbl->version, 1);
	KEXPECT_EQ(t, tbl->unit_size, UNIT);
	KEXPECT_EQ(t, tbl->phys_base, HI);
	KEXPECT_EQ(t, tbl->size, 3);
	KEXPECT_EQ(t, bytes(tbl)[0], 0x0e); /* units 1-3: A without head and tail */
	KEXPECT_EQ(t, bytes(tbl)[1], 0x00); /* B was accepted whole */
	KEXPECT_EQ(t, bytes(tbl)[2], 0x03); /* units 16-17: C */
	KEXPECT_EQ(t, unaccepted_count_set(tbl), 5);
	KEXPECT_EQ(t, log.n, 3);
	logged(t, &log, 0, HI + 1 * MiB, HI + 2 * MiB);	 /* A's head */
	logged(t, &log, 1, HI + 8 * MiB, HI + 9 * MiB);	 /* A's tail */
	logged(t, &log, 2, HI + 16 * MiB, HI + 19 * MiB); /* B, short */
	KEXPECT_TRUE(t, unaccepted_validate(tbl, TABLE_PA, &tm.m, NULL));
	free(tbl);
}

KTEST(host_unaccepted, populate_like_the_stub_desc_size_40)
{
	expect_fixture_population(t, 40);
}

KTEST(host_unaccepted, populate_like_the_stub_desc_size_48)
{
	expect_fixture_population(t, 48);
}

/* A table covering only [4G+4M, 4G+20M): 1 byte, 8 units. */
static struct efi_unaccepted_memory *table_narrow(void)
{
	struct efi_unaccepted_memory *tbl = table_alloc(1);

	*tbl = (struct efi_unaccepted_memory){ 1, UNIT, HI + 4 * MiB, 1 };
	return tbl;
}

KTEST(host_unaccepted, parts_outside_the_bitmap_accepted_at_once)
{
	struct efi_unaccepted_memory *tbl = table_narrow();
	struct accept_log log = { 0 };

	KEXPECT_EQ(t, unaccepted_process_range(tbl, range_make(HI, HI + 24 * MiB), log_accept, &log), 0);
	KEXPECT_EQ(t, bytes(tbl)[0], 0xff);
	KEXPECT_EQ(t, log.n, 2);
	logged(t, &log, 0, HI, HI + 4 * MiB);		    /* below phys_base */
	logged(t, &log, 1, HI + 20 * MiB, HI + 24 * MiB); /* past the bitmap */
	log.n = 0;
	KEXPECT_EQ(t, unaccepted_process_range(tbl, range_make(HI + 40 * MiB, HI + 50 * MiB), log_accept, &log), 0);
	KEXPECT_EQ(t, log.n, 1);
	logged(t, &log, 0, HI + 40 * MiB, HI + 50 * MiB);
	free(tbl);
}

KTEST(host_unaccepted, short_and_two_unit_ranges)
{
	struct efi_unaccepted_memory *tbl = table_narrow();
	struct accept_log log = { 0 };

	/* Aligned, but 4K short of two units: accepted whole, no bit. */
	unaccepted_process_range(tbl, range_make(HI + 4 * MiB, HI + 8 * MiB - PAGE), log_accept, &log);
	KEXPECT_EQ(t, log.n, 1);
	logged(t, &log, 0, HI + 4 * MiB, HI + 8 * MiB - PAGE);
	KEXPECT_EQ(t, unaccepted_count_set(tbl), 0);
	/* Two units long, unaligned: head and tail now, the one whole unit in between in the bitmap. */
	log.n = 0;
	unaccepted_process_range(tbl, range_make(HI + 9 * MiB, HI + 13 * MiB), log_accept, &log);
	KEXPECT_EQ(t, log.n, 2);
	logged(t, &log, 0, HI + 9 * MiB, HI + 10 * MiB);
	logged(t, &log, 1, HI + 12 * MiB, HI + 13 * MiB);
	KEXPECT_EQ(t, bytes(tbl)[0], 1u << 3); /* [4G+10M, 4G+12M) is unit 3 from 4G+4M */
	free(tbl);
}

KTEST(host_unaccepted, accept_now_failure_stops_population)
{
	static struct test_map tm;
	struct unaccepted_plan plan;
	struct accept_log log = { .answer = -5 };
	struct efi_unaccepted_memory *tbl;
	struct mm_error e;

	map_fixture(&tm, 48);
	KASSERT_TRUE(t, unaccepted_plan(&tm.m, UNIT, &plan, NULL));
	tbl = table_alloc(plan.bitmap_bytes);
	unaccepted_init(tbl, &plan);
	KEXPECT_FALSE(t, unaccepted_populate(tbl, &tm.m, log_accept, &log, &e));
	KEXPECT_EQ(t, e.code, MM_ERR_ACCEPT_NOW);
	KEXPECT_EQ(t, e.index, 4);
	KEXPECT_TRUE(t, strstr(e.msg, "failed with -5") != NULL);
	KEXPECT_EQ(t, log.n, 1);
	KEXPECT_EQ(t, unaccepted_count_set(tbl), 0);
	free(tbl);
}

/* Bits */

KTEST(host_unaccepted, bit_operations)
{
	_Alignas(8) u8 mem[24 + 2 + 1];
	struct efi_unaccepted_memory *tbl = (void *)mem;
	u64 s = 0, e = 0;

	memset(mem, 0, sizeof(mem));
	*tbl = (struct efi_unaccepted_memory){ 1, UNIT, HI, 2 };
	mem[26] = 0x5a; /* canary past the bitmap */
	unaccepted_set(tbl, 0);
	unaccepted_set(tbl, 15);
	unaccepted_set(tbl, 16); /* out of range: ignored */
	KEXPECT_EQ(t, mem[24], 0x01);
	KEXPECT_EQ(t, mem[25], 0x80);
	KEXPECT_EQ(t, mem[26], 0x5a);
	KEXPECT_FALSE(t, unaccepted_test(tbl, 16));
	unaccepted_set_units(tbl, 3, 100); /* clipped at unit 16 */
	KEXPECT_EQ(t, unaccepted_count_set(tbl), 14);
	KEXPECT_EQ(t, mem[26], 0x5a);
	unaccepted_clear_units(tbl, 5, 6);
	unaccepted_clear(tbl, 0);
	KEXPECT_EQ(t, mem[24], 0x18);
	KEXPECT_EQ(t, mem[25], 0xf8);
	KEXPECT_TRUE(t, unaccepted_next_run(tbl, 0, 16, &s, &e));
	KEXPECT_EQ(t, s, 3);
	KEXPECT_EQ(t, e, 5);
	KEXPECT_TRUE(t, unaccepted_next_run(tbl, e, 14, &s, &e));
	KEXPECT_EQ(t, s, 11);
	KEXPECT_EQ(t, e, 14); /* clipped to the limit */
	KEXPECT_FALSE(t, unaccepted_next_run(tbl, 16, U64_MAX, &s, &e));
	KEXPECT_EQ(t, unaccepted_unit_range(tbl, 3).start, HI + 6 * MiB);
}

KTEST(host_unaccepted, runs_across_words_and_a_ragged_tail)
{
	struct efi_unaccepted_memory *tbl = table_alloc(73); /* 584 units, 9 words + 1 byte */
	u64 s = 0, e = 0;

	*tbl = (struct efi_unaccepted_memory){ 1, UNIT, 0, 73 };
	unaccepted_set(tbl, 1);
	unaccepted_set_units(tbl, 200, 64);
	unaccepted_set_units(tbl, 575, 9); /* up to the very last bit */
	KEXPECT_EQ(t, unaccepted_count_set(tbl), 74);
	KEXPECT_TRUE(t, unaccepted_next_run(tbl, 0, U64_MAX, &s, &e));
	KEXPECT_EQ(t, s, 1);
	KEXPECT_EQ(t, e, 2);
	KEXPECT_TRUE(t, unaccepted_next_run(tbl, e, U64_MAX, &s, &e));
	KEXPECT_EQ(t, s, 200);
	KEXPECT_EQ(t, e, 264);
	KEXPECT_TRUE(t, unaccepted_next_run(tbl, e, U64_MAX, &s, &e));
	KEXPECT_EQ(t, s, 575);
	KEXPECT_EQ(t, e, 584);
	KEXPECT_FALSE(t, unaccepted_next_run(tbl, e, U64_MAX, &s, &e));
	free(tbl);
}

/* Validation */

static struct efi_unaccepted_memory *good_table(struct test_map *tm)
{
	struct accept_log log = { 0 };

	map_fixture(tm, 48);
	return table_build(tm, &log);
}

static int validate_code(const struct efi_unaccepted_memory *tbl, u64 pa, const struct test_map *tm,
			 struct mm_error *e)
{
	unaccepted_validate(tbl, pa, &tm->m, e);
	return e->code;
}

KTEST(host_unaccepted, validate_accepts_a_good_table)
{
	static struct test_map tm;
	struct efi_unaccepted_memory *tbl = good_table(&tm);
	struct mm_error e;

	KASSERT_TRUE(t, tbl != NULL);
	KEXPECT_TRUE(t, unaccepted_validate(tbl, TABLE_PA, &tm.m, &e));
	KEXPECT_EQ(t, e.code, MM_OK);
	unaccepted_set(tbl, 8); /* [4G+16M, 4G+18M): inside B, still unaccepted memory: allowed */
	KEXPECT_EQ(t, validate_code(tbl, TABLE_PA, &tm, &e), MM_OK);
	free(tbl);
}

KTEST(host_unaccepted, validate_rejects_version_and_unit)
{
	static struct test_map tm;
	struct efi_unaccepted_memory *tbl = good_table(&tm);
	struct mm_error e;

	KASSERT_TRUE(t, tbl != NULL);
	tbl->version = 2;
	KEXPECT_EQ(t, validate_code(tbl, TABLE_PA, &tm, &e), MM_ERR_TABLE_VERSION);
	KEXPECT_STREQ(t, e.msg, "table version 2, expected 1");
	tbl->version = 1;
	tbl->unit_size = 3000;
	KEXPECT_EQ(t, validate_code(tbl, TABLE_PA, &tm, &e), MM_ERR_UNIT_SIZE);
	tbl->unit_size = 2048;
	KEXPECT_EQ(t, validate_code(tbl, TABLE_PA, &tm, &e), MM_ERR_UNIT_SIZE);
	tbl->unit_size = 0;
	KEXPECT_EQ(t, validate_code(tbl, TABLE_PA, &tm, &e), MM_ERR_UNIT_SIZE);
	tbl->unit_size = UNIT;
	tbl->phys_base = HI + PAGE;
	KEXPECT_EQ(t, validate_code(tbl, TABLE_PA, &tm, &e), MM_ERR_BASE_UNALIGNED);
	free(tbl);
}

KTEST(host_unaccepted, validate_rejects_size_overflow)
{
	static struct test_map tm;
	struct efi_unaccepted_memory *tbl = good_table(&tm);
	struct mm_error e;

	KASSERT_TRUE(t, tbl != NULL);
	tbl->size = 1ull << 61; /* * 8 wraps */
	KEXPECT_EQ(t, validate_code(tbl, TABLE_PA, &tm, &e), MM_ERR_TABLE_RANGE);
	tbl->size = 1ull << 50; /* * 8 * 2M wraps */
	KEXPECT_EQ(t, validate_code(tbl, TABLE_PA, &tm, &e), MM_ERR_TABLE_RANGE);
	tbl->size = 1ull << 28; /* 4G + 2^52: past 2^52 */
	KEXPECT_EQ(t, validate_code(tbl, TABLE_PA, &tm, &e), MM_ERR_TABLE_RANGE);
	tbl->size = 3;
	tbl->phys_base = U64_MAX - UNIT + 1; /* + 48M wraps */
	KEXPECT_EQ(t, validate_code(tbl, TABLE_PA, &tm, &e), MM_ERR_TABLE_RANGE);
	free(tbl);
}

KTEST(host_unaccepted, validate_rejects_table_outside_ram)
{
	static struct test_map tm;
	struct efi_unaccepted_memory *tbl = good_table(&tm);
	struct mm_error e;

	KASSERT_TRUE(t, tbl != NULL);
	KEXPECT_EQ(t, validate_code(tbl, 3 * GiB, &tm, &e), MM_ERR_TABLE_NOT_IN_RAM); /* in no descriptor */
	KEXPECT_EQ(t, e.addr, 3 * GiB);
	KEXPECT_EQ(t, validate_code(tbl, HI + 2 * MiB, &tm, &e), MM_ERR_TABLE_NOT_IN_RAM); /* unaccepted */
	KEXPECT_EQ(t, e.index, 4);
	KEXPECT_TRUE(t, strstr(e.msg, "type 15") != NULL);
	/* The header fits at the end of the ACPI-reclaim range, the bitmap does not. */
	KEXPECT_EQ(t, validate_code(tbl, TABLE_PA + 1 * MiB - 24, &tm, &e), MM_ERR_TABLE_NOT_IN_RAM);
	KEXPECT_EQ(t, e.addr, TABLE_PA + 1 * MiB);
	KEXPECT_EQ(t, validate_code(tbl, U64_MAX - 8, &tm, &e), MM_ERR_TABLE_RANGE);
	free(tbl);
}

KTEST(host_unaccepted, validate_rejects_set_bit_over_other_memory)
{
	static struct test_map tm;
	struct efi_unaccepted_memory *tbl = good_table(&tm);
	struct mm_error e;

	KASSERT_TRUE(t, tbl != NULL);
	unaccepted_set(tbl, 5); /* [4G+10M, 4G+12M): conventional */
	KEXPECT_EQ(t, validate_code(tbl, TABLE_PA, &tm, &e), MM_ERR_SET_BIT_NOT_UNACCEPTED);
	KEXPECT_EQ(t, e.addr, HI + 10 * MiB);
	KEXPECT_EQ(t, e.index, 5);
	KEXPECT_TRUE(t, strstr(e.msg, "bit 5 ") != NULL);
	unaccepted_clear(tbl, 5);
	unaccepted_set(tbl, 9); /* [4G+18M, 4G+20M): B ends at 4G+19M */
	KEXPECT_EQ(t, validate_code(tbl, TABLE_PA, &tm, &e), MM_ERR_SET_BIT_NOT_UNACCEPTED);
	KEXPECT_EQ(t, e.addr, HI + 19 * MiB);
	unaccepted_clear(tbl, 9);
	unaccepted_set(tbl, 23); /* past the last descriptor */
	KEXPECT_EQ(t, validate_code(tbl, TABLE_PA, &tm, &e), MM_ERR_SET_BIT_NOT_UNACCEPTED);
	KEXPECT_EQ(t, e.addr, HI + 46 * MiB);
	KEXPECT_EQ(t, e.index, MM_NO_INDEX);
	free(tbl);
}

KTEST(host_unaccepted, validate_rejects_uncovered_unaccepted_memory)
{
	static struct test_map tm;
	struct efi_unaccepted_memory *tbl = good_table(&tm);
	struct mm_error e;

	KASSERT_TRUE(t, tbl != NULL);
	tbl->size = 2; /* covers 32M: C's units at 4G+32M fall outside */
	KEXPECT_EQ(t, validate_code(tbl, TABLE_PA, &tm, &e), MM_ERR_UNACCEPTED_NOT_COVERED);
	KEXPECT_EQ(t, e.index, 8);
	KEXPECT_EQ(t, e.addr, HI + 32 * MiB);
	tbl->size = 0; /* no bitmap at all while the map has unaccepted memory */
	KEXPECT_EQ(t, validate_code(tbl, TABLE_PA, &tm, &e), MM_ERR_UNACCEPTED_NOT_COVERED);
	KEXPECT_EQ(t, e.index, 4);
	free(tbl);
}

KTEST(host_unaccepted, validate_empty_table_without_unaccepted_memory)
{
	static struct test_map tm;
	struct efi_unaccepted_memory tbl = { 1, UNIT, 0, 0 };
	struct mm_error e;

	map_init(&tm, 40);
	map_add(&tm, EFI_ACPI_RECLAIM_MEMORY, TABLE_PA, TABLE_PA + PAGE);
	KEXPECT_TRUE(t, unaccepted_validate(&tbl, TABLE_PA, &tm.m, &e));
	tm.m.desc_size = 36;
	KEXPECT_FALSE(t, unaccepted_validate(&tbl, TABLE_PA, &tm.m, &e));
	KEXPECT_EQ(t, e.code, MM_ERR_DESC_SIZE_SMALL);
}
