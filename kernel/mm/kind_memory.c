/* SPDX-License-Identifier: MIT */
/* Memory as one kind of kernel sees it in the final memory map (kind_memory.h). */
#include "mm/kind_memory.h"

bool kind_memory_usable_type(u32 type, bool accepts)
{
	switch (type) {
	case EFI_LOADER_CODE:
	case EFI_LOADER_DATA:
	case EFI_BOOT_SERVICES_CODE:
	case EFI_BOOT_SERVICES_DATA:
	case EFI_CONVENTIONAL_MEMORY:
		return true;
	case EFI_UNACCEPTED_MEMORY:
		return accepts;
	default:
		return false;
	}
}

void kind_memory_count(const struct memmap *m, bool accepts, struct kind_memory *out)
{
	const struct efi_memory_descriptor *d;

	*out = (struct kind_memory){ 0 };
	for_each_memmap_desc(m, i, d) {
		u64 bytes = range_len(memmap_desc_range(d));
		bool unaccepted = memmap_type_is_unaccepted(d->type);

		if (memmap_type_is_ram(d->type) || unaccepted)
			out->guest += bytes;
		/* Linux setup_e820(): specific-purpose memory is soft-reserved, never general RAM (review) */
		if (kind_memory_usable_type(d->type, accepts) && !(d->attribute & EFI_MEMORY_SP))
			out->usable += bytes;
		if (unaccepted) {
			out->unaccepted += bytes;
			out->lost += accepts ? 0 : bytes;
		}
	}
}
