/* SPDX-License-Identifier: MIT */
/*
 * Target unaccepted_boot: a boot's whole path through unaccepted memory (kernel/unaccepted.c, on top of
 * kernel/mm/ and kernel/efi/efi_boot.c's GetMemoryMap loop): the map read before ExitBootServices, a table a
 * previous stage installed (reused if it validates) or one built and installed from the map, ranges the
 * firmware accepted early, the bits set from the final map, the deferred heads and tails, and acceptance
 * through a platform that may stop short; then the summaries the boot prints.
 *
 * Input: u8 flags (bit 0: a previous stage's table is installed; bit 1: the platform accepts anything),
 * the map GetMemoryMap returns (fuzz.h), the final map, u32 the table's offset in the physical window,
 * u16 n and n bytes of that table, u8 early ranges (at most 4: u64 start, u32 pages), then requests
 * (u64 start, u32 pages, u8 how far the platform gets: 255 all, else that many 4 KiB pages).
 *
 * Physical addresses are host addresses here, as on the kernel's identity map: a previous stage's table
 * sits in a window mapped at WINDOW_PA, and the seed maps call that RAM.
 * Held to: every unit a table it built marks unaccepted lies in type-15 memory of the final map.
 */
#include <sys/mman.h>

#include "fuzz.h"
#include <ccktf/boot.h>
#include <ccktf/ktest.h>
#include <ccktf/metric.h>
#include <ccktf/platform.h>
#include <ccktf/unaccepted.h>

#include "../../kernel/efi/efi_boot.c"
#include "../../kernel/unaccepted.c"

#define WINDOW_PA 0x40000000ull
#define WINDOW_SIZE (1ull << 20)
#define POOL_MAX (256ull << 10) /* a bigger AllocatePool fails, as a real firmware's may */
#define CHECK_RUNS 1024	      /* runs of set bits check_built() looks at: it is slow, the kernel is not */

static u8 *window;

/* The rest of the kernel, as stubs */

const struct ktest_case *ktest_current(void)
{
	return NULL;
}

const char *ktest_current_name(void)
{
	return NULL;
}

bool ktest_evidence_running(const char *fmt, ...)
{
	(void)fmt;
	return false;
}

void metric_u64(const char *name, u64 value, const char *unit, const char *extra)
{
	printk("# metric: %s=%llu %s %s\n", name, value, unit, extra ? extra : "");
}

static u64 platform_allow; /* bytes the platform accepts before it stops; U64_MAX: all */

static u64 accept_range(u64 start, u64 size, struct accept_stats *stats)
{
	u64 done = MIN(size, platform_allow);

	if (platform_allow != U64_MAX)
		platform_allow -= done;
	if (done < size)
		accept_record_error(stats, start + done, ACCEPT_4K, ACCEPT_FAILED, 0xdead, "fuzz: the platform stopped");
	return done;
}

static struct platform_ops platform = { .name = "fuzz", .accept_range = accept_range };

const struct platform_ops *platform_current(void)
{
	return &platform;
}

const char *platform_name(void)
{
	return platform.name;
}

/* The firmware */

static struct fz_map boot_map;

static efi_status_t EFIAPI get_memory_map(u64 *size, void *map, u64 *key, u64 *desc_size, u32 *version)
{
	u64 need = boot_map.m.map_size;

	*desc_size = boot_map.m.desc_size;
	*version = boot_map.m.desc_version;
	*key = 1;
	if (*size < need) {
		*size = need;
		return EFI_BUFFER_TOO_SMALL;
	}
	if (need)
		memcpy(map, boot_map.buf, need);
	*size = need;
	return EFI_SUCCESS;
}

/* Pool memory outlives the kernel's use of it (the snapshot buffers, the table): freed after each case. */
#define POOL_SLOTS 64
static void *pool[POOL_SLOTS];

static efi_status_t EFIAPI allocate_pool(u32 type, u64 size, void **buf)
{
	(void)type;
	for (unsigned i = 0; i < POOL_SLOTS; i++) {
		if (pool[i])
			continue;
		if (size > POOL_MAX || !(pool[i] = malloc(size ? size : 1)))
			return EFI_OUT_OF_RESOURCES;
		*buf = pool[i];
		return EFI_SUCCESS;
	}
	return EFI_OUT_OF_RESOURCES;
}

static efi_status_t EFIAPI free_pool(void *buf)
{
	for (unsigned i = 0; i < POOL_SLOTS; i++)
		if (pool[i] == buf) {
			free(buf);
			pool[i] = NULL;
			return EFI_SUCCESS;
		}
	abort(); /* freeing what the pool never gave */
}

static void pool_release(void)
{
	for (unsigned i = 0; i < POOL_SLOTS; i++) {
		free(pool[i]);
		pool[i] = NULL;
	}
}

static void *installed;

static efi_status_t EFIAPI install_configuration_table(const efi_guid_t *guid, void *table)
{
	(void)guid;
	installed = table;
	return EFI_SUCCESS;
}

static void take_range(struct fz *in, u64 *start, u64 *size)
{
	*start = fz_u64(in);
	*size = (u64)fz_u32(in) * EFI_PAGE_SIZE;
}

/* Every set bit of a table ccktf built covers type-15 memory of the map the bits came from (the first runs). */
static void check_built(const struct memmap *final)
{
	const struct efi_unaccepted_memory *t = unaccepted.table;
	u64 from = 0, first, end;

	if (!unaccepted.built || !unaccepted.final_recorded)
		return;
	for (unsigned runs = 0; runs < CHECK_RUNS && unaccepted_next_run(t, from, unaccepted_units(t), &first, &end);
	     runs++) {
		struct range r = range_make(unaccepted_unit_range(t, first).start, unaccepted_unit_range(t, end - 1).end);
		if (!memmap_range_is(final, r, memmap_type_is_unaccepted, NULL))
			abort();
		from = end;
	}
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static struct efi_boot_services bs = { .get_memory_map = get_memory_map, .allocate_pool = allocate_pool,
					       .free_pool = free_pool,
					       .install_configuration_table = install_configuration_table };
	static struct boot_info b;
	struct efi_configuration_table prev = { LINUX_EFI_UNACCEPTED_MEM_TABLE_GUID, NULL };
	struct efi_system_table st = { .boot_services = &bs, .configuration_table = &prev };
	struct efi_memmap_snapshot final;
	struct fz_map final_map;
	struct fz in = { data, size };
	u8 flags;
	u32 off;
	size_t n;
	unsigned early;

	if (!window) {
		window = mmap((void *)WINDOW_PA, WINDOW_SIZE, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
		if (window != (void *)WINDOW_PA)
			abort(); /* the window's address is part of the seed corpus */
	}
	memset(&unaccepted, 0, sizeof(unaccepted));
	memset(&b, 0, sizeof(b));
	installed = NULL;
	b.st = &st;

	flags = fz_u8(&in);
	fz_map_take(&in, &boot_map);
	fz_map_take(&in, &final_map);
	off = (u32)ALIGN_DOWN(fz_u32(&in) % WINDOW_SIZE, 8);
	n = fz_u16(&in);
	memset(window, 0, WINDOW_SIZE);
	fz_copy(&in, window + off, MIN(n, (size_t)(WINDOW_SIZE - off)));
	if (flags & 1) {
		struct efi_unaccepted_memory *t = (void *)(window + off);
		/* A header that does not fit, or a bitmap past the window, cannot be modelled: no table then. */
		if (WINDOW_SIZE - off >= UNACCEPTED_HEADER_SIZE && t->size <= WINDOW_SIZE - off - UNACCEPTED_HEADER_SIZE) {
			prev.table = t;
			st.number_of_table_entries = 1;
		}
	}
	platform_allow = flags & 2 ? U64_MAX : 0;
	b.memmap_boot.desc_size = boot_map.m.desc_size;

	if (!unaccepted_setup(&b)) {
		unaccepted_print_summary();
		early = fz_u8(&in) % 5;
		for (unsigned i = 0; i < early; i++) {
			u64 start, len;
			take_range(&in, &start, &len);
			unaccepted_mark_accepted(start, len);
		}
		final = (struct efi_memmap_snapshot){ .buf = final_map.buf, .capacity = final_map.m.map_size,
						      .map_size = final_map.m.map_size, .desc_size = final_map.m.desc_size,
						      .desc_version = final_map.m.desc_version };
		unaccepted_record_final(&final);
		check_built(&final_map.m);
		unaccepted_print_final();
		(void)unaccepted_accept_deferred();
		while (in.n) {
			struct accept_memory_result res;
			u64 start, len;
			u8 how;
			take_range(&in, &start, &len);
			how = fz_u8(&in);
			platform_allow = how == 255 ? U64_MAX : how * EFI_PAGE_SIZE;
			if (unaccepted_accept(start, len, &res) == ACCEPT_MEMORY_OK)
				unaccepted_mark_accepted(start, len);
			check_built(&final_map.m);
		}
		struct range unit;
		(void)unaccepted_first_unit(&unit);
		unaccepted_print_stats();
	}
	pool_release();
	fz_map_free(&boot_map);
	fz_map_free(&final_map);
	return 0;
}
