/* SPDX-License-Identifier: MIT */
/*
 * Target conform: the firmware conformance rules that walk firmware data (kernel/conform/): the memory-map
 * rules MM-001..MM-011 and AP-003, where the configuration tables lie (CT-007, CT-008), and the CC blob
 * against the map (CT-004).
 *
 * Input: two maps (fuzz.h; the second is the "read again" map of MM-011), u8 n and n table addresses
 * (u64, at most 64, as the kernel keeps), the 32-byte CC blob, u8 unit shift (MM-009), u64 limit.
 * Held to: a rule reports as many offenders as it visits, holds exactly when it counts none, and names an
 * offender that exists; a map always equals itself (MM-011).
 */
#include "fuzz.h"
#include "conform/conform.h"

struct visits {
	u64 n;
	u64 limit; /* descriptors or tables the offenders must index */
};

static void visit(void *ctx, const struct conform_item *item)
{
	struct visits *v = ctx;

	if (item->index >= v->limit || !item->what)
		abort();
	v->n++;
}

/* Runs a rule with a visitor and holds it to its own count. */
#define JUDGE(limit_, call)                                        \
	do {                                                        \
		struct visits v_ = { 0, (limit_) };                  \
		struct conform_finding f_;                           \
		bool held_;                                          \
		conform_finding_init(&f_, visit, &v_);               \
		held_ = (call);                                      \
		if (held_ != (f_.count == 0) || f_.count != v_.n)    \
			abort();                                     \
	} while (0)

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct fz in = { data, size };
	struct fz_map a, b;
	struct mm_error e;
	struct efi_cc_blob blob;
	u64 addrs[64], n_addrs, unit, limit, count;
	struct conform_finding *f;

	fz_map_take(&in, &a);
	fz_map_take(&in, &b);
	n_addrs = fz_u8(&in) % 65;
	for (u64 i = 0; i < n_addrs; i++)
		addrs[i] = fz_u64(&in);
	fz_copy(&in, &blob, sizeof(blob));
	unit = 1ull << (12 + fz_u8(&in) % 20);
	limit = fz_u64(&in);
	count = memmap_count(&a.m);

	mm_error_clear(&e);
	(void)conform_memmap_version(&a.m, &e);
	(void)conform_memmap_desc_size(&a.m, &e);
	(void)conform_memmap_extents(&a.m, &e);
	if (!conform_memmap_same(&a.m, &a.m, &e))
		abort();
	(void)conform_memmap_same(&a.m, &b.m, &e);
	(void)conform_cc_blob(&blob, &a.m, &e);
	(void)conform_bytes_of_type(&a.m, EFI_CONVENTIONAL_MEMORY);
	(void)conform_ram_above(&a.m, limit);
	JUDGE(count, conform_memmap_types(&a.m, &f_));
	JUDGE(count, conform_memmap_wb(&a.m, &f_));
	JUDGE(count, conform_memmap_runtime_attr(&a.m, &f_));
	JUDGE(count, conform_unaccepted_aligned(&a.m, unit, &f_));
	JUDGE(count, conform_unaccepted_below(&a.m, CONFORM_LOW_MEMORY, &f_));
	JUDGE(count, conform_conventional_above(&a.m, CONFORM_4G, &f_));
	JUDGE(n_addrs, conform_tables_not_in_boot_services(&a.m, addrs, n_addrs, &f_));
	JUDGE(n_addrs, conform_tables_reachable(&a.m, addrs, n_addrs, &f_));
	f = NULL; /* a rule given no finding still judges */
	(void)conform_tables_reachable(&a.m, addrs, n_addrs, f);
	fz_map_free(&a);
	fz_map_free(&b);
	return 0;
}
