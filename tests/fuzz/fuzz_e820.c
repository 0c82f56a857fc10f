/* SPDX-License-Identifier: MIT */
/*
 * What the 64-bit boot-protocol entry and handoff=self make of memory tables a previous stage wrote:
 * e820 -> EFI memory map (kernel/boot/e820_memmap.c), SETUP_E820_EXT (e820_ext.c), the page allocator over
 * e820 RAM (e820_alloc.c), and a final EFI map -> e820 (efi_to_e820.c). Input: a count byte, that many
 * 20-byte e820 entries, then allocator operations (u8 op, u64 a, u64 b) until the input ends; the same
 * bytes are also read as EFI descriptors. Properties: the synthesized map is sorted, page-aligned, never
 * wraps and passes memmap_check_shape(); no allocation overlaps a reserved range or another allocation,
 * and each lies in one RAM entry, above 1 MiB, below the ceiling; efi_to_e820() entries never wrap and
 * never stand next to an entry of their type.
 */
#include "fuzz.h"
#include "boot/e820_alloc.h"
#include "boot/e820_ext.h"
#include "boot/e820_memmap.h"
#include "boot/efi_to_e820.h"

#define MAX_ENTRIES 64
#define MAX_OPS 48

static bool in_one_ram(const struct e820_entry *e, unsigned n, u64 start, u64 end)
{
	for (unsigned i = 0; i < n; i++)
		if (e[i].type == E820_TYPE_RAM && start >= e[i].addr && end - e[i].addr <= e[i].size)
			return true;
	return false;
}

static void check_memmap(const struct e820_entry *e, unsigned n)
{
	struct efi_memory_descriptor out[MAX_ENTRIES];
	struct memmap m = { out, 0, sizeof(out[0]), EFI_MEMORY_DESCRIPTOR_VERSION };
	unsigned count;

	if (e820_to_memmap(e, n, out, MAX_ENTRIES, &count))
		return;
	m.map_size = count * sizeof(out[0]);
	if (!memmap_check_shape(&m, NULL) || !memmap_check_sorted(&m, NULL) || !memmap_check_aligned(&m, NULL) ||
	    !memmap_check_nonempty(&m, NULL) || !memmap_check_ends(&m, NULL))
		abort();
}

static void check_alloc(struct fz *in, const struct e820_entry *e, unsigned n)
{
	struct e820_alloc a;
	struct range got[MAX_OPS];
	unsigned ngot = 0;
	u64 ceiling = fz_u64(in);

	e820_alloc_init(&a, e, n, ceiling);
	for (unsigned op = 0; op < MAX_OPS && in->n; op++) {
		u8 kind = fz_u8(in);
		u64 x = fz_u64(in), y = fz_u64(in);

		if (kind & 1) {
			e820_alloc_reserve(&a, x, y);
			continue;
		}
		u64 pages = (y & 0xffff) + 1, pa = e820_alloc_pages(&a, pages);
		if (!pa)
			continue;
		struct range r = range_make(pa, pa + pages * 4096);
		if (pa & 0xfff || pa < E820_ALLOC_FLOOR || r.end > ceiling || !in_one_ram(e, n, r.start, r.end))
			abort();
		for (unsigned i = 0; i + 1 < a.nused; i++) /* the new range is the last one in the used list */
			if (range_overlaps(a.used[i], r))
				abort();
		got[ngot++] = r;
	}
	(void)got;
}

static void check_efi_to_e820(const u8 *data, size_t size)
{
	struct memmap m = { data, size - size % 48, 48, EFI_MEMORY_DESCRIPTOR_VERSION };
	struct e820_entry out[MAX_ENTRIES];
	unsigned n;

	if (efi_to_e820(&m, out, MAX_ENTRIES, &n))
		return;
	for (unsigned i = 0; i < n; i++) {
		if (!out[i].size || out[i].addr + out[i].size < out[i].addr)
			abort();
		if (i && out[i - 1].type == out[i].type && out[i - 1].addr + out[i - 1].size == out[i].addr)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);
int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct fz in = { data, size };
	struct e820_entry e[MAX_ENTRIES];
	unsigned n = 0, want = fz_u8(&in) % MAX_ENTRIES;
	u8 raw[E820_ENTRY_SIZE * 8];
	struct setup_node node = { 0x1000, SETUP_E820_EXT, 0, raw };

	for (unsigned i = 0; i < want; i++) {
		struct e820_entry x = { fz_u64(&in), fz_u64(&in), fz_u32(&in) % 8 };
		if (x.size && x.addr + x.size > x.addr) /* what boot_params_e820() lets through */
			e[n++] = x;
	}
	node.len = (u32)fz_copy(&in, raw, fz_u8(&in) % sizeof(raw));
	e820_ext_append(&node, e, &n, MAX_ENTRIES);
	for (unsigned i = 0; i < n; i++)
		if (!e[i].size || e[i].addr + e[i].size < e[i].addr)
			abort();
	check_memmap(e, n);
	check_alloc(&in, e, n);
	if (size >= 48 && ((uintptr_t)data & 7) == 0)
		check_efi_to_e820(data, size);
	return 0;
}
