/* SPDX-License-Identifier: MIT */
/*
 * The memory a hardware model presents as unaccepted. Real OVMF leaves RAM at or above 4 GiB unaccepted in
 * TDX and SNP guests (OvmfPkg/Library/PlatformInitLib/IntelTdx.c, OvmfPkg/PlatformPei/AmdSev.c); the model
 * does the same by default (sim_unaccepted=above4g), or takes a given size from the top of conventional
 * memory, 2 MiB aligned. The pages are allocated as EfiLoaderData so the firmware never uses them, and
 * the kernel's copies of the memory map then show them as EfiUnacceptedMemoryType.
 */
#include <arch/sim.h>
#include <ccktf/boot.h>
#include <ccktf/format.h>
#include <ccktf/platform.h>
#include <ccktf/string.h>

const char *sim_take_region(struct boot_info *b, struct sim_memory *mem, u64 start, u64 end, bool unreported)
{
	efi_physical_addr_t addr = start;
	efi_status_t s;

	if (mem->count == SIM_MAX_REGIONS)
		return "more than SIM_MAX_REGIONS regions";
	s = b->st->boot_services->allocate_pages(EFI_ALLOCATE_ADDRESS, EFI_LOADER_DATA, (end - start) / EFI_PAGE_SIZE,
						 &addr);
	if (EFI_IS_ERROR(s))
		return "AllocatePages(AllocateAddress) refused conventional memory";
	mem->regions[mem->count++] = (struct sim_region){ start, end, unreported };
	mem->bytes += end - start;
	return NULL;
}

static const char *take_above_4g(struct boot_info *b, const struct memmap *m, struct sim_memory *mem)
{
	const struct efi_memory_descriptor *d;
	const char *err = NULL;

	for_each_memmap_desc(m, i, d) {
		struct range r = memmap_desc_range(d);
		if (d->type == EFI_CONVENTIONAL_MEMORY && r.end > 4 * GiB && !err)
			err = sim_take_region(b, mem, MAX(r.start, 4 * GiB), r.end, false);
	}
	if (!err && !mem->count)
		err = "no memory above 4 GiB: give the guest more than 4 GiB, or sim_unaccepted=SIZE";
	return err;
}

/* From the highest conventional descriptors down, 2 MiB aligned pieces until size is reached. */
static const char *take_size(struct boot_info *b, const struct memmap *m, u64 size, struct sim_memory *mem)
{
	for (u64 i = memmap_count(m); i-- > 0 && mem->bytes < size;) {
		const struct efi_memory_descriptor *d = memmap_desc(m, i);
		struct range r = memmap_desc_range(d);
		u64 lo = ALIGN_UP(r.start, 2 * MiB), hi = ALIGN_DOWN(r.end, 2 * MiB);
		if (d->type != EFI_CONVENTIONAL_MEMORY || hi <= lo)
			continue;
		u64 want = ALIGN_UP(MIN(size - mem->bytes, hi - lo), EFI_PAGE_SIZE);
		const char *err = sim_take_region(b, mem, hi - want, hi, false);
		if (err)
			return err;
	}
	return mem->bytes >= size ? NULL : "not enough conventional memory for sim_unaccepted";
}

const char *sim_reserve_unaccepted(struct boot_info *b, struct sim_memory *out)
{
	struct efi_memmap_snapshot snap = { .desc_size = b->memmap_boot.desc_size };
	const char *err;
	struct memmap m;

	memset(out, 0, sizeof(*out));
	if (EFI_IS_ERROR(efi_read_memmap(b, &snap)))
		return "GetMemoryMap failed";
	m = memmap_view(&snap);
	err = sim_knobs.unaccepted ? take_size(b, &m, sim_knobs.unaccepted, out) : take_above_4g(b, &m, out);
	return err ? err : sim_fw_bugs_setup(b, &m, out);
}

void sim_mark_unaccepted(const struct sim_memory *mem, struct efi_memmap_snapshot *snap)
{
	struct memmap m = memmap_view(snap);
	const struct efi_memory_descriptor *d;

	for_each_memmap_desc(&m, i, d) {
		struct range r = memmap_desc_range(d);
		const struct sim_region *reg = sim_region_of(mem, r.start);
		if (reg && r.end <= reg->end && !reg->unreported)
			((struct efi_memory_descriptor *)d)->type = EFI_UNACCEPTED_MEMORY;
	}
}

const struct sim_region *sim_region_of(const struct sim_memory *mem, u64 addr)
{
	for (unsigned i = 0; i < mem->count; i++)
		if (addr >= mem->regions[i].start && addr < mem->regions[i].end)
			return &mem->regions[i];
	return NULL;
}

static u64 (*stage2_pages)(u64 pages);

void sim_alloc_without_boot_services(u64 (*pages_fn)(u64 pages))
{
	stage2_pages = pages_fn;
}

/* Pages of memory_type from the firmware, or, in a stage entered without boot services (handoff=self's
 * stage 2), from that stage's own early allocator (boot64.c), which keeps them from its later allocations
 * only: no type is recorded there that a later stage would see (stage 2 writes no e820), so such pages
 * serve this stage's own tables (sim_alloc()), never the hardware's state (sim_alloc_hw()). */
static void *alloc_pages(struct boot_info *b, u64 pages, u32 memory_type)
{
	if (b->no_boot_services)
		return stage2_pages ? (void *)(uintptr_t)stage2_pages(pages) : NULL;
	return efi_allocate_pages(b, pages, memory_type);
}

void *sim_alloc(struct boot_info *b, u64 bytes)
{
	u64 pages = ALIGN_UP(bytes, EFI_PAGE_SIZE) / EFI_PAGE_SIZE;
	void *p = alloc_pages(b, pages, EFI_LOADER_DATA);

	if (p)
		memset(p, 0, pages * EFI_PAGE_SIZE);
	return p;
}

/* EfiReservedMemoryType: what efi_to_e820() (Linux do_add_efi_memmap()) hands every later stage as e820
 * reserved, so the state survives handoff=self as the S-EPT/RMP survive a kexec (sim_handoff.h). NULL
 * without boot services: stage 2 adopts the hardware's state, it cannot create any (nothing it allocates
 * is reserved for a later stage). */
void *sim_alloc_hw(struct boot_info *b, u64 bytes)
{
	u64 pages = ALIGN_UP(bytes, EFI_PAGE_SIZE) / EFI_PAGE_SIZE;
	void *p = b->no_boot_services ? NULL : alloc_pages(b, pages, EFI_RESERVED_MEMORY);

	if (p)
		memset(p, 0, pages * EFI_PAGE_SIZE);
	return p;
}

/*
 * platform_ops.page_state under a model: from the model's own state, since before ExitBootServices (where
 * AP-004 asks) no instruction a model answers can run under the firmware's IDT. On hardware the question
 * is asked by accepting the page again (tdx_page_state(), snp_page_state()). A page the guest made shared
 * (the SNP model: a PSC to shared) is SHARED, neither accepted nor pending.
 */
enum cc_page_state sim_page_state(u64 addr, u64 *raw_status)
{
	const struct platform_model_ops *model = platform_current()->model;

	*raw_status = 0;
	if (model->page_shared && model->page_shared(addr))
		return CC_PAGE_SHARED;
	return model->page_accepted(addr) ? CC_PAGE_ACCEPTED : CC_PAGE_PENDING;
}
