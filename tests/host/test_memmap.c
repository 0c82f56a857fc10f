/* SPDX-License-Identifier: MIT */
/* The EFI memory-map view and range arithmetic (kernel/mm/memmap.c, kernel/mm/range.c) on synthetic maps. */
#include <ccktf/ktest.h>
#include "test_map.h"
#include <string.h>

#include "mm/memmap.h"
#include "mm/range.h"

KTEST_SUITE(host_memmap, KTEST_AFTER_EXIT_BOOT_SERVICES, NULL);
KTEST_SUITE(host_range, KTEST_AFTER_EXIT_BOOT_SERVICES, NULL);

#define PAGE 4096ull

static void map_add(struct test_map *tm, u32 type, u64 start, u64 pages)
{
	map_add_desc(tm, type, start, pages, 0);
}

/* Three sorted, adjacent descriptors: conventional, loader data, unaccepted. */
static void map_three(struct test_map *tm, u64 desc_size)
{
	map_init(tm, desc_size);
	map_add(tm, EFI_CONVENTIONAL_MEMORY, 0, 16);
	map_add(tm, EFI_LOADER_DATA, 16 * PAGE, 4);
	map_add(tm, EFI_UNACCEPTED_MEMORY, 4 * GiB, 512);
}

static void expect_steps(struct ktest *t, u64 desc_size)
{
	static struct test_map tm;
	const struct efi_memory_descriptor *d;
	u64 seen = 0;

	map_three(&tm, desc_size);
	KEXPECT_TRUE(t, memmap_check_all(&tm.m, NULL));
	KEXPECT_EQ(t, memmap_count(&tm.m), 3);
	for_each_memmap_desc(&tm.m, i, d) {
		KEXPECT_EQ(t, (const u8 *)d - (const u8 *)tm.buf, i * desc_size);
		seen++;
	}
	KEXPECT_EQ(t, seen, 3);
	KEXPECT_EQ(t, memmap_desc(&tm.m, 1)->phys_start, 16 * PAGE);
	KEXPECT_EQ(t, memmap_desc(&tm.m, 2)->type, EFI_UNACCEPTED_MEMORY);
	KEXPECT_EQ(t, memmap_desc(&tm.m, 2)->num_pages, 512);
	KEXPECT_TRUE(t, memmap_desc(&tm.m, 3) == NULL);
}

KTEST(host_memmap, steps_by_desc_size_40)
{
	expect_steps(t, 40);
}

KTEST(host_memmap, steps_by_desc_size_48)
{
	expect_steps(t, 48);
}

static int shape_code(struct test_map *tm)
{
	struct mm_error e;

	mm_error_clear(&e);
	memmap_check_shape(&tm->m, &e);
	return e.code;
}

KTEST(host_memmap, shape_rejects_small_desc_size)
{
	static struct test_map tm;

	map_three(&tm, 40);
	tm.m.desc_size = 16;
	KEXPECT_EQ(t, shape_code(&tm), MM_ERR_DESC_SIZE_SMALL);
	KEXPECT_EQ(t, memmap_count(&tm.m), 0); /* not steppable: no descriptor handed out */
	KEXPECT_TRUE(t, memmap_desc(&tm.m, 0) == NULL);
	tm.m.desc_size = 39;
	KEXPECT_EQ(t, shape_code(&tm), MM_ERR_DESC_SIZE_SMALL);
	tm.m.desc_size = 0;
	KEXPECT_EQ(t, shape_code(&tm), MM_ERR_DESC_SIZE_SMALL);
	KEXPECT_EQ(t, memmap_count(&tm.m), 0);
}

KTEST(host_memmap, shape_rejects_odd_and_absurd_desc_size)
{
	static struct test_map tm;

	map_three(&tm, 40);
	tm.m.desc_size = 44;
	tm.m.map_size = 3 * 44;
	KEXPECT_EQ(t, shape_code(&tm), MM_ERR_DESC_SIZE_UNALIGNED);
	KEXPECT_EQ(t, memmap_count(&tm.m), 0);
	tm.m.desc_size = 1 * MiB;
	tm.m.map_size = 1 * MiB;
	KEXPECT_EQ(t, shape_code(&tm), MM_ERR_DESC_SIZE_ABSURD);
	tm.m.desc_size = 4104;
	tm.m.map_size = 4104;
	KEXPECT_EQ(t, shape_code(&tm), MM_ERR_DESC_SIZE_ABSURD);
	tm.m.desc_size = 4096;
	tm.m.map_size = 4096;
	KEXPECT_EQ(t, shape_code(&tm), MM_OK);
}

KTEST(host_memmap, shape_rejects_ragged_map_size)
{
	static struct test_map tm;

	map_three(&tm, 48);
	tm.m.map_size -= 8;
	KEXPECT_EQ(t, shape_code(&tm), MM_ERR_MAP_SIZE);
	KEXPECT_EQ(t, memmap_count(&tm.m), 2); /* whole descriptors only */
}

KTEST(host_memmap, shape_rejects_version_buffer_and_count)
{
	static struct test_map tm;

	map_three(&tm, 48);
	tm.m.desc_version = 2;
	KEXPECT_EQ(t, shape_code(&tm), MM_ERR_DESC_VERSION);
	map_three(&tm, 48);
	tm.m.buf = NULL;
	KEXPECT_EQ(t, shape_code(&tm), MM_ERR_MAP_NULL);
	KEXPECT_EQ(t, memmap_count(&tm.m), 0);
	tm.m.buf = (u8 *)tm.buf + 4;
	KEXPECT_EQ(t, shape_code(&tm), MM_ERR_MAP_ALIGN);
	KEXPECT_EQ(t, memmap_count(&tm.m), 0);
	tm.m.buf = tm.buf;
	tm.m.map_size = (MEMMAP_MAX_DESCS + 1ull) * 48; /* the shape check reads no descriptor */
	KEXPECT_EQ(t, shape_code(&tm), MM_ERR_TOO_MANY_DESCS);
}

KTEST(host_memmap, end_overflow_names_descriptor)
{
	static struct test_map tm;
	struct mm_error e;
	u64 end = 0;

	map_three(&tm, 48);
	map_add(&tm, EFI_RESERVED_MEMORY, U64_MAX - PAGE + 1, 1); /* ends exactly at 2^64: not representable */
	KEXPECT_FALSE(t, memmap_check_ends(&tm.m, &e));
	KEXPECT_EQ(t, e.code, MM_ERR_END_OVERFLOW);
	KEXPECT_EQ(t, e.index, 3);
	KEXPECT_STREQ(t, e.msg, "descriptor 3 (type 0, start 0xfffffffffffff000, 1 pages): end passes 2^64");
	KEXPECT_FALSE(t, memmap_desc_end(memmap_desc(&tm.m, 3), &end));
	KEXPECT_EQ(t, memmap_desc_range(memmap_desc(&tm.m, 3)).end, U64_MAX);
}

KTEST(host_memmap, end_overflow_from_page_count)
{
	static struct test_map tm;
	struct mm_error e;
	u64 end = 0;

	map_init(&tm, 40);
	map_add(&tm, EFI_CONVENTIONAL_MEMORY, 1ull << 63, 1ull << 50); /* huge but fits */
	KEXPECT_TRUE(t, memmap_desc_end(memmap_desc(&tm.m, 0), &end));
	KEXPECT_EQ(t, end, (1ull << 63) + (1ull << 62));
	KEXPECT_TRUE(t, memmap_check_ends(&tm.m, &e));
	map_add(&tm, EFI_CONVENTIONAL_MEMORY, 0, 1ull << 60); /* pages * 4K wraps by itself */
	KEXPECT_FALSE(t, memmap_check_ends(&tm.m, &e));
	KEXPECT_EQ(t, e.index, 1);
	KEXPECT_FALSE(t, memmap_check_all(&tm.m, &e));
	KEXPECT_EQ(t, e.code, MM_ERR_END_OVERFLOW);
}

KTEST(host_memmap, unaligned_start)
{
	static struct test_map tm;
	struct mm_error e;

	map_three(&tm, 40);
	map_add(&tm, EFI_CONVENTIONAL_MEMORY, 0x1800, 1);
	KEXPECT_FALSE(t, memmap_check_aligned(&tm.m, &e));
	KEXPECT_EQ(t, e.code, MM_ERR_UNALIGNED);
	KEXPECT_EQ(t, e.addr, 0x1800);
	KEXPECT_STREQ(t, e.msg, "descriptor 3 (type 7, start 0x1800, 1 pages): start is not 4 KiB aligned");
}

KTEST(host_memmap, zero_length)
{
	static struct test_map tm;
	struct mm_error e;

	map_three(&tm, 48);
	map_add(&tm, EFI_LOADER_CODE, 8 * GiB, 0);
	KEXPECT_TRUE(t, memmap_check_no_overlap(&tm.m, &e)); /* empty: overlaps nothing */
	KEXPECT_FALSE(t, memmap_check_nonempty(&tm.m, &e));
	KEXPECT_EQ(t, e.code, MM_ERR_ZERO_PAGES);
	KEXPECT_EQ(t, e.index, 3);
	KEXPECT_FALSE(t, memmap_check_all(&tm.m, &e));
	KEXPECT_EQ(t, e.code, MM_ERR_ZERO_PAGES);
}

KTEST(host_memmap, unsorted)
{
	static struct test_map tm;
	struct mm_error e;

	map_init(&tm, 48);
	map_add(&tm, EFI_CONVENTIONAL_MEMORY, 1 * MiB, 16);
	map_add(&tm, EFI_CONVENTIONAL_MEMORY, 2 * MiB, 16);
	map_add(&tm, EFI_CONVENTIONAL_MEMORY, 0, 16);
	KEXPECT_FALSE(t, memmap_check_sorted(&tm.m, &e));
	KEXPECT_EQ(t, e.code, MM_ERR_UNSORTED);
	KEXPECT_EQ(t, e.index, 2);
	KEXPECT_TRUE(t, memmap_check_all(&tm.m, &e)); /* UEFI does not require order */
	KEXPECT_EQ(t, e.code, MM_OK);
}

KTEST(host_memmap, overlap_sorted)
{
	static struct test_map tm;
	struct mm_error e;

	map_init(&tm, 40);
	map_add(&tm, EFI_CONVENTIONAL_MEMORY, 0, 256);		/* [0, 1M) */
	map_add(&tm, EFI_LOADER_DATA, 1 * MiB, 0);		/* empty */
	map_add(&tm, EFI_BOOT_SERVICES_DATA, 512 * KiB, 16);	/* inside the first */
	KEXPECT_FALSE(t, memmap_check_no_overlap(&tm.m, &e));
	KEXPECT_EQ(t, e.code, MM_ERR_OVERLAP);
	KEXPECT_EQ(t, e.index, 2);
	KEXPECT_EQ(t, e.addr, 512 * KiB);
	KEXPECT_TRUE(t, strstr(e.msg, "overlaps descriptor 0") != NULL);
}

KTEST(host_memmap, overlap_sorted_past_a_small_one)
{
	static struct test_map tm;
	struct mm_error e;

	map_init(&tm, 48);
	map_add(&tm, EFI_CONVENTIONAL_MEMORY, 0, 256);		/* [0, 1M) */
	map_add(&tm, EFI_LOADER_DATA, 64 * KiB, 1);		/* overlaps descriptor 0 */
	map_add(&tm, EFI_LOADER_DATA, 128 * KiB, 1);
	KEXPECT_FALSE(t, memmap_check_no_overlap(&tm.m, &e));
	KEXPECT_EQ(t, e.index, 1);
	KEXPECT_EQ(t, e.addr, 64 * KiB);
}

KTEST(host_memmap, overlap_unsorted_and_adjacent)
{
	static struct test_map tm;
	struct mm_error e;

	map_init(&tm, 48);
	map_add(&tm, EFI_CONVENTIONAL_MEMORY, 8 * MiB, 256);	/* [8M, 9M) */
	map_add(&tm, EFI_CONVENTIONAL_MEMORY, 0, 256);		/* [0, 1M) */
	map_add(&tm, EFI_CONVENTIONAL_MEMORY, 1 * MiB, 256);	/* adjacent: fine */
	KEXPECT_TRUE(t, memmap_check_no_overlap(&tm.m, &e));
	map_add(&tm, EFI_UNACCEPTED_MEMORY, 8 * MiB + 4 * PAGE, 1);
	KEXPECT_FALSE(t, memmap_check_no_overlap(&tm.m, &e));
	KEXPECT_EQ(t, e.code, MM_ERR_OVERLAP);
	KEXPECT_EQ(t, e.index, 3);
	KEXPECT_EQ(t, e.addr, 8 * MiB + 4 * PAGE);
	KEXPECT_TRUE(t, strstr(e.msg, "overlaps descriptor 0") != NULL);
}

KTEST(host_memmap, overlap_near_2_64)
{
	static struct test_map tm;
	struct mm_error e;

	map_init(&tm, 40);
	map_add(&tm, EFI_RESERVED_MEMORY, U64_MAX - 16 * PAGE + 1, 32); /* wraps: clamped to U64_MAX */
	map_add(&tm, EFI_RESERVED_MEMORY, U64_MAX - 8 * PAGE + 1, 1);
	KEXPECT_FALSE(t, memmap_check_no_overlap(&tm.m, &e));
	KEXPECT_EQ(t, e.index, 1);
}

KTEST(host_memmap, find_and_range_is)
{
	static struct test_map tm;
	u64 index = 99, gap = 0;

	map_three(&tm, 48); /* [0, 64K) conventional, [64K, 80K) loader data, 4G unaccepted */
	KEXPECT_TRUE(t, memmap_find(&tm.m, 70 * KiB, &index) == memmap_desc(&tm.m, 1));
	KEXPECT_EQ(t, index, 1);
	KEXPECT_TRUE(t, memmap_find(&tm.m, 80 * KiB, NULL) == NULL);
	KEXPECT_TRUE(t, memmap_range_is(&tm.m, range_make(4 * KiB, 80 * KiB), memmap_type_is_ram, &gap));
	KEXPECT_FALSE(t, memmap_range_is(&tm.m, range_make(4 * KiB, 84 * KiB), memmap_type_is_ram, &gap));
	KEXPECT_EQ(t, gap, 80 * KiB);
	KEXPECT_FALSE(t, memmap_range_is(&tm.m, range_make(4 * GiB, 4 * GiB + 4), memmap_type_is_ram, &gap));
	KEXPECT_EQ(t, gap, 4 * GiB);
	KEXPECT_TRUE(t, memmap_range_is(&tm.m, range_make(4 * GiB, 4 * GiB + 2 * MiB), memmap_type_is_unaccepted,
					NULL));
}

KTEST(host_memmap, ram_types)
{
	KEXPECT_TRUE(t, memmap_type_is_ram(EFI_LOADER_DATA));
	KEXPECT_TRUE(t, memmap_type_is_ram(EFI_ACPI_RECLAIM_MEMORY));
	KEXPECT_TRUE(t, memmap_type_is_ram(EFI_CONVENTIONAL_MEMORY));
	KEXPECT_FALSE(t, memmap_type_is_ram(EFI_UNACCEPTED_MEMORY));
	KEXPECT_FALSE(t, memmap_type_is_ram(EFI_MEMORY_MAPPED_IO));
	KEXPECT_FALSE(t, memmap_type_is_ram(EFI_RESERVED_MEMORY));
	KEXPECT_FALSE(t, memmap_type_is_ram(0x80000000u));
	KEXPECT_STREQ(t, mm_code_name(MM_ERR_OVERLAP), "overlap");
	KEXPECT_STREQ(t, mm_code_name(-1), "unknown");
}

/* Ranges */

KTEST(host_range, from_size_and_clip)
{
	struct range r = { 0, 0 };

	KEXPECT_TRUE(t, range_from_size(10, 5, &r));
	KEXPECT_EQ(t, r.end, 15);
	KEXPECT_FALSE(t, range_from_size(U64_MAX - 3, 5, &r));
	KEXPECT_TRUE(t, range_from_size(U64_MAX - 3, 3, &r));
	KEXPECT_EQ(t, range_from_size_clamped(U64_MAX - 3, 100).end, U64_MAX);
	r = range_clip(range_make(10, 100), range_make(50, 200));
	KEXPECT_EQ(t, r.start, 50);
	KEXPECT_EQ(t, r.end, 100);
	KEXPECT_TRUE(t, range_empty(range_clip(range_make(10, 20), range_make(20, 30))));
	KEXPECT_EQ(t, range_len(range_make(30, 20)), 0);
	KEXPECT_TRUE(t, range_overlaps(range_make(10, 21), range_make(20, 30)));
	KEXPECT_FALSE(t, range_overlaps(range_make(10, 20), range_make(20, 30)));
	KEXPECT_TRUE(t, range_contains(range_make(10, 20), range_make(12, 20)));
	KEXPECT_FALSE(t, range_contains(range_make(10, 20), range_make(12, 21)));
}

KTEST(host_range, split_unaligned_both_ends)
{
	struct range_split s;

	range_split(range_make(1 * MiB, 9 * MiB), 2 * MiB, &s);
	KEXPECT_EQ(t, s.head.start, 1 * MiB);
	KEXPECT_EQ(t, s.head.end, 2 * MiB);
	KEXPECT_EQ(t, s.body.start, 2 * MiB);
	KEXPECT_EQ(t, s.body.end, 8 * MiB);
	KEXPECT_EQ(t, s.tail.start, 8 * MiB);
	KEXPECT_EQ(t, s.tail.end, 9 * MiB);
}

KTEST(host_range, split_aligned_and_bodiless)
{
	struct range_split s;

	range_split(range_make(2 * MiB, 6 * MiB), 2 * MiB, &s);
	KEXPECT_TRUE(t, range_empty(s.head));
	KEXPECT_TRUE(t, range_empty(s.tail));
	KEXPECT_EQ(t, range_len(s.body), 4 * MiB);
	range_split(range_make(1 * MiB, 3 * MiB), 2 * MiB, &s); /* crosses a boundary, no whole unit */
	KEXPECT_EQ(t, range_len(s.head), 2 * MiB);
	KEXPECT_TRUE(t, range_empty(s.body));
	KEXPECT_TRUE(t, range_empty(s.tail));
	range_split(range_make(0, 6 * MiB), 3 * MiB, &s); /* not a power of two */
	KEXPECT_EQ(t, range_len(s.head), 6 * MiB);
	KEXPECT_TRUE(t, range_empty(s.body));
}

KTEST(host_range, split_near_2_64)
{
	struct range_split s;
	u64 up = 0;

	range_split(range_make(U64_MAX - 3 * MiB, U64_MAX), 2 * MiB, &s);
	/* The only unit boundary inside is 2^64 - 2M; the unit after it would end at 2^64: no whole unit. */
	KEXPECT_TRUE(t, range_empty(s.body));
	KEXPECT_EQ(t, s.body.start, U64_MAX);
	KEXPECT_EQ(t, range_len(s.head), 3 * MiB);
	KEXPECT_FALSE(t, align_up_checked(U64_MAX - 5, 4096, &up));
	KEXPECT_TRUE(t, align_up_checked(4097, 4096, &up));
	KEXPECT_EQ(t, up, 8192);
}
