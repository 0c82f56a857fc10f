/* SPDX-License-Identifier: MIT */
/* Reading a memory-map snapshot for diagnostics and for sizing the kernel's page tables. */
#include <ccktf/boot.h>
#include <ccktf/console.h>
#include <ccktf/kernel.h>

void memmap_print(const struct efi_memmap_snapshot *m)
{
	struct memmap view = memmap_view(m);
	const struct efi_memory_descriptor *d;

	printk("# memmap: %llu bytes, descriptor size %llu, version %u\n", (unsigned long long)m->map_size,
	       (unsigned long long)m->desc_size, m->desc_version);
	for_each_memmap_desc(&view, i, d)
		printk("#   %016llx-%016llx %-16s attr=0x%llx\n", (unsigned long long)d->phys_start,
		       (unsigned long long)(d->phys_start + d->num_pages * EFI_PAGE_SIZE),
		       efi_memory_type_name(d->type), (unsigned long long)d->attribute);
}

static bool is_io(u32 type)
{
	return type == EFI_MEMORY_MAPPED_IO || type == EFI_MEMORY_MAPPED_IO_PORT_SPACE;
}

/*
 * The end of the highest memory that is not MMIO, at least 4 GiB (the MMIO hole lies below it), and at most
 * PAGING_MAX_TOP: the kernel's four-level tables cannot map beyond, and a descriptor there (or one whose end
 * passes 2^64, clamped to U64_MAX) must not make the identity map wrap to nothing.
 */
u64 memmap_top(const struct efi_memmap_snapshot *m)
{
	struct memmap view = memmap_view(m);
	const struct efi_memory_descriptor *d;
	u64 top = 4 * GiB;

	for_each_memmap_desc(&view, i, d)
		if (!is_io(d->type))
			top = MAX(top, MIN(memmap_desc_range(d).end, PAGING_MAX_TOP));
	return top;
}
