/* SPDX-License-Identifier: MIT */
/*
 * Memory as one kind of kernel sees it in the final EFI memory map (issue 14's matrix; kernel/mm/
 * kind_memory.c). "Usable" follows what Linux's EFI stub turns into E820 RAM after ExitBootServices
 * (drivers/firmware/efi/libstub/x86-stub.c, setup_e820()): loader code and
 * data, boot-services code and data, conventional memory; EfiUnacceptedMemoryType too, but only for a
 * kernel that accepts memory (an unenlightened kernel skips the type it does not know: reserved to it).
 */
#ifndef CCKTF_MM_KIND_MEMORY_H
#define CCKTF_MM_KIND_MEMORY_H

#include <ccktf/types.h>
#include "mm/memmap.h"

struct kind_memory {
	u64 guest;	/* RAM the map reports: memmap_type_is_ram() and unaccepted */
	u64 usable;	/* what this kind of kernel can use as RAM */
	u64 unaccepted; /* EfiUnacceptedMemoryType */
	u64 lost;	/* unaccepted memory this kind cannot use (it treats it as reserved) */
};

/* Is a descriptor of this type RAM the kernel may use at boot (accepts: the kernel accepts memory)? */
bool kind_memory_usable_type(u32 type, bool accepts);
void kind_memory_count(const struct memmap *m, bool accepts, struct kind_memory *out);

#endif
