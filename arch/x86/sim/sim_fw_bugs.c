/* SPDX-License-Identifier: MIT */
/*
 * sim_fw_bug=: the modelled firmware reproduces a firmware bug that shipped, so that the FB check guarding
 * it (docs/conformance.md "Firmware bugs", tests/conformance/conform_5_fw_bugs.c) is shown to FAIL on a
 * reproduction of its bug; a "-fixed"/"-kept" value is the same modelled firmware with the fix, on which the
 * check must PASS (harness/tests/test_fw_bug_boot.py). Default: none (the models' firmware as before).
 * Each value re-creates the bug's effect as described by its fix, never its code:
 *
 *  - pending-tail (FB-004): edk2 PR 11525 ("OvmfPkg/IntelTdx: Fix TDVF boot failure with odd-sized memory
 *    below 2816M"): TDVF accepted RAM below 4 GiB in 2 MiB pages, so when that RAM ends off a 2 MiB
 *    boundary (2813M, 2815M: QEMU's q35 keeps a guest below 2816M wholly under 4 GiB) the last MiB was left
 *    unaccepted while the map reports it as RAM; the fix accepts the remainder with 4K pages. The model holds
 *    conventional pages of [ALIGN_DOWN(top, 2M), top) below 4 GiB pending and never marks them unaccepted. With a
 *    top on a 2 MiB boundary (2G, 6G) there is no remainder and nothing to reproduce, as with TDVF.
 *  - memmap-size / memmap-size-fixed (FB-001): edk2 f80a406aa9 (PR 11609, "CoreGetMemoryMap: Account for
 *    Unaccepted Entries"): before it, the size CoreGetMemoryMap asked for with EFI_BUFFER_TOO_SMALL left out
 *    the EfiUnacceptedMemoryType descriptors, and the next call wrote the whole map past a buffer of that
 *    size. Debian's OVMF has no type 15 in its own map (the models add theirs to ccktf's copies only), so
 *    both values make the modelled firmware's GetMemoryMap report the model's unaccepted memory as type 15,
 *    as TDVF and SNP OVMF do; memmap-size also undercounts by the type-15 descriptors and then writes them
 *    past the buffer, memmap-size-fixed counts them.
 *  - sp-unaccepted / sp-kept (FB-003): the firmware turns specific-purpose memory into unaccepted memory
 *    (issue 14 names a 2026 edk2 fix, not found in the sources searched; the rule is UEFI 2.10 section 7.2,
 *    EFI_MEMORY_SP). QEMU gives a guest no SP memory, so sp-unaccepted reports the model's unaccepted memory
 *    with EFI_MEMORY_SP (SP memory made type 15); sp-kept, the fixed firmware, keeps 2 MiB of accepted
 *    memory as EfiConventionalMemory with EFI_MEMORY_SP, as edk2 reports a SPECIAL_PURPOSE resource
 *    (edk2 PR 10735), and presents nothing SP as unaccepted.
 *
 * Not reproduced by a model (docs/conformance.md "Reproductions"): FB-002 (Debian's OVMF itself is the
 * reproduction: its AllocatePool takes EfiUnacceptedMemoryType, and a model running on it cannot take the
 * bug away to show the pass), FB-005 (the bug is in the OS's reservation of the table, Linux's, not in the
 * firmware or the platform a model stands for) and FB-006 (no TDX module that accepts a 1 GiB page is known;
 * a model of one would be more permissive than every module that shipped).
 *
 * Only the firmware's GetMemoryMap() is wrapped (memmap-*, sp-*), from the model's setup before
 * ExitBootServices on; the wrapper hands every caller the firmware's map rewritten as the model's
 * adjust_memmap() rewrites ccktf's copies, then applies the bug.
 */
#include <arch/portio.h>
#include <arch/sim.h>
#include <ccktf/args.h>
#include <ccktf/boot.h>
#include <ccktf/console.h>
#include <ccktf/string.h>
#include "efi/efi_api.h"
#include "efi/efi_spec.h"
#include "mm/memmap.h"

enum sim_fw_bug { FW_BUG_NONE, FW_BUG_PENDING_TAIL, FW_BUG_MEMMAP_SIZE, FW_BUG_MEMMAP_SIZE_FIXED,
		  FW_BUG_SP_UNACCEPTED, FW_BUG_SP_KEPT };

static const char *const bug_names[] = { [FW_BUG_NONE] = "none", [FW_BUG_PENDING_TAIL] = "pending-tail",
					 [FW_BUG_MEMMAP_SIZE] = "memmap-size",
					 [FW_BUG_MEMMAP_SIZE_FIXED] = "memmap-size-fixed",
					 [FW_BUG_SP_UNACCEPTED] = "sp-unaccepted", [FW_BUG_SP_KEPT] = "sp-kept" };
static enum sim_fw_bug bug;

static bool parse_bug(const char *v)
{
	int i = ARGS_LOOKUP(bug_names, v);

	if (i >= 0)
		bug = (enum sim_fw_bug)i;
	return i >= 0;
}

static const struct arg_key_ext sim_fw_bug_key = {
	"sim_fw_bug", "none|pending-tail|memmap-size|memmap-size-fixed|sp-unaccepted|sp-kept", parse_bug
};
ARG_KEY_REGISTER(sim_fw_bug_key);

/* pending-tail */

/*
 * QEMU's RAM below 4 GiB, as OVMF reads it (OvmfPkg/Library/PlatformInitLib/MemDetect.c
 * PlatformGetSystemMemorySizeBelow4gb()): CMOS 0x34/0x35, in 64 KiB units above 16 MiB (QEMU hw/i386/pc.c
 * pc_cmos_init()). Not from the map: OVMF reserves pages at the top of low RAM, so the map's highest RAM
 * descriptor ends below the guest's RAM even when that is 2 MiB aligned.
 */
#define CMOS_INDEX 0x70
#define CMOS_DATA 0x71
#define CMOS_EXT_MEM_ABOVE_16M_LO 0x34
#define CMOS_EXT_MEM_ABOVE_16M_HI 0x35

static u8 cmos_read(u8 index)
{
	outb(CMOS_INDEX, index);
	return inb(CMOS_DATA);
}

static u64 low_ram_top(void)
{
	u64 units = cmos_read(CMOS_EXT_MEM_ABOVE_16M_LO) | (u64)cmos_read(CMOS_EXT_MEM_ABOVE_16M_HI) << 8;

	return (units << 16) + 16 * MiB;
}

/*
 * The conventional RAM past the last 2 MiB boundary stays pending and unreported. Only conventional pages,
 * as sim_memory.c takes them: the tail also holds memory the firmware is using (at 2815M RuntimeData and
 * ACPI NVS), and a model that held that pending would make the firmware itself touch pending memory, which
 * the model cannot catch before ExitBootServices. The pages are allocated as EfiLoaderData, so the firmware
 * never uses them again and the final map reports them as RAM (FB-004 counts LoaderData as RAM, as Linux
 * does). The model's guard faults a touch of them at 4 KiB (sim_guard.c). Says on the console what it did,
 * so that a test that relies on the reproduction can see it was applied.
 */
static const char *leave_tail_pending(struct boot_info *b, const struct memmap *m, struct sim_memory *mem)
{
	u64 top = low_ram_top(), tail = ALIGN_DOWN(top, 2 * MiB), bytes = 0;
	const struct efi_memory_descriptor *d;
	const char *err = NULL;

	for_each_memmap_desc(m, i, d) {
		struct range r = memmap_desc_range(d);
		u64 lo = MAX(r.start, tail), hi = MIN(r.end, top);
		if (hi <= lo || err)
			continue;
		if (d->type != EFI_CONVENTIONAL_MEMORY) {
			printk("# sim: sim_fw_bug=pending-tail: [0x%llx, 0x%llx) type %u is the firmware's: left accepted\n",
			       lo, hi, d->type);
			continue;
		}
		err = sim_take_region(b, mem, lo, hi, true);
		bytes += err ? 0 : hi - lo;
	}
	if (err)
		return err;
	if (!bytes && tail != top)
		printk("# sim: sim_fw_bug=pending-tail NOT applied: [0x%llx, 0x%llx) holds no conventional memory "
		       "(all of it the firmware's): nothing reproduced\n", tail, top);
	else if (bytes)
		printk("# sim: sim_fw_bug=pending-tail: %llu KiB of conventional memory in [0x%llx, 0x%llx) left "
		       "pending and unreported\n", bytes / KiB, tail, top);
	return NULL;
}

/* sp-kept: 2 MiB of accepted memory the firmware reports as SP, between two freed guard pages so that
 * no neighbour of the same type merges with its descriptor. */
static struct range sp_range;

static const char *reserve_sp(struct boot_info *b)
{
	struct efi_boot_services *bs = b->st->boot_services;
	u64 pages = 2 * MiB / EFI_PAGE_SIZE + 2;
	efi_physical_addr_t addr = 4 * GiB - 1;

	if (EFI_IS_ERROR(bs->allocate_pages(EFI_ALLOCATE_MAX_ADDRESS, EFI_LOADER_CODE, pages, &addr)))
		return "sim_fw_bug=sp-kept: AllocatePages for the specific-purpose range failed";
	bs->free_pages(addr, 1);
	bs->free_pages(addr + (pages - 1) * EFI_PAGE_SIZE, 1);
	sp_range = (struct range){ addr + EFI_PAGE_SIZE, addr + (pages - 1) * EFI_PAGE_SIZE };
	return NULL;
}

/* The GetMemoryMap() wrapper (memmap-*, sp-*) */

typedef efi_status_t(EFIAPI *get_map_fn)(u64 *map_size, void *map, u64 *map_key, u64 *desc_size, u32 *version);
typedef efi_status_t(EFIAPI *crc32_fn)(void *data, u64 size, u32 *crc);

#define SCRATCH_BYTES (64 * KiB)
static get_map_fn firmware_get_map;
static void *scratch;
static bool warned_too_big;

static bool in_sp_range(struct range r)
{
	return r.start >= sp_range.start && r.end <= sp_range.end && r.end > r.start;
}

/* The model's rewriting of the map, then the bug's; returns the number of type-15 descriptors. */
static u64 rewrite(void *buf, u64 size, u64 desc_size, u32 version)
{
	struct efi_memmap_snapshot snap = { buf, size, size, 0, desc_size, version };
	const struct platform_ops *p = platform_current();
	struct efi_memory_descriptor *d;
	u64 unaccepted = 0;

	if (p->adjust_memmap)
		p->adjust_memmap(&snap);
	if (desc_size < sizeof(*d))
		return 0;
	for (u64 off = 0; off + desc_size <= size; off += desc_size) {
		d = (struct efi_memory_descriptor *)((u8 *)buf + off);
		if (bug == FW_BUG_SP_KEPT && in_sp_range(memmap_desc_range(d))) {
			d->type = EFI_CONVENTIONAL_MEMORY;
			d->attribute |= EFI_MEMORY_SP;
		}
		if (bug == FW_BUG_SP_UNACCEPTED && memmap_type_is_unaccepted(d->type))
			d->attribute |= EFI_MEMORY_SP;
		unaccepted += memmap_type_is_unaccepted(d->type);
	}
	return unaccepted;
}

static efi_status_t EFIAPI modelled_get_map(u64 *map_size, void *map, u64 *map_key, u64 *desc_size, u32 *version)
{
	u64 asked = *map_size, real = SCRATCH_BYTES, counted, type15;
	efi_status_t s = firmware_get_map(&real, scratch, map_key, desc_size, version);

	if (s == EFI_BUFFER_TOO_SMALL) { /* a map beyond the scratch buffer: rewritten in place, no bug */
		if (bug == FW_BUG_MEMMAP_SIZE && !warned_too_big) {
			warned_too_big = true;
			printk("# sim: sim_fw_bug=memmap-size NOT applied: the firmware's map (%llu bytes) is larger than "
			       "the model's %llu KiB buffer\n", real, SCRATCH_BYTES / KiB);
		}
		s = firmware_get_map(map_size, map, map_key, desc_size, version);
		if (!EFI_IS_ERROR(s))
			rewrite(map, *map_size, *desc_size, *version);
		return s;
	}
	if (EFI_IS_ERROR(s))
		return s;
	type15 = rewrite(scratch, real, *desc_size, *version);
	/* memmap-size: the size asked for leaves the type-15 descriptors out (before edk2 f80a406aa9) */
	counted = real - (bug == FW_BUG_MEMMAP_SIZE ? MIN(type15 * *desc_size, real) : 0);
	if (asked < counted) {
		*map_size = counted;
		return EFI_BUFFER_TOO_SMALL;
	}
	if (!map)
		return EFI_INVALID_PARAMETER;
	memcpy(map, scratch, real); /* memmap-size: the uncounted descriptors land past a buffer of 'counted' */
	*map_size = real;
	return EFI_SUCCESS;
}

static const char *wrap_get_memory_map(struct boot_info *b)
{
	struct efi_boot_services *bs = b->st->boot_services;

	scratch = sim_alloc(b, SCRATCH_BYTES);
	if (!scratch)
		return "sim_fw_bug: no memory for the modelled GetMemoryMap()";
	firmware_get_map = bs->get_memory_map;
	bs->get_memory_map = modelled_get_map;
	/* the table changed: its CRC32 again, as the firmware computes it (UEFI 2.10 section 4.2) */
	bs->hdr.crc32 = 0;
	((crc32_fn)bs->calculate_crc32)(bs, bs->hdr.header_size, &bs->hdr.crc32);
	return NULL;
}

const char *sim_fw_bugs_setup(struct boot_info *b, const struct memmap *m, struct sim_memory *mem)
{
	const char *err = NULL;

	switch (bug) {
	case FW_BUG_NONE:
		return NULL;
	case FW_BUG_PENDING_TAIL:
		return leave_tail_pending(b, m, mem);
	case FW_BUG_SP_KEPT:
		err = reserve_sp(b);
		break;
	default:
		break;
	}
	return err ? err : wrap_get_memory_map(b);
}
