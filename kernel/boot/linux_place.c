/* SPDX-License-Identifier: MIT */
/* Placement of the kernel, initrd, command line and zero page for handoff=linux (linux_place.h). */
#include <ccktf/string.h>

#include "boot/e820_alloc.h"
#include "boot/linux_place.h"

#define PAGE 4096ull

static u64 pages(u64 bytes)
{
	return ALIGN_UP(bytes, PAGE) / PAGE;
}

/* The highest free kernel_alignment boundary with init_size bytes: over-allocating by alignment - PAGE
 * leaves an aligned start inside the block (the block starts page-aligned). */
static const char *place_kernel(struct e820_alloc *a, const struct linux_place_in *in, u64 *out)
{
	u64 size = ALIGN_UP(in->init_size, PAGE), align = in->kernel_alignment;
	u64 at = e820_alloc_pages(a, pages(size + align - PAGE));

	if (!at)
		return "no free memory for the kernel's init_size";
	*out = ALIGN_UP(at, align);
	if (*out < MAX(in->pref_address, LINUX_MIN_KERNEL_LOAD))
		return "the free memory for the kernel lies below its pref_address";
	return NULL;
}

/* Below initrd_addr_max + 1 as well as the ceiling; the allocator's ceiling is put back afterwards. */
static const char *place_initrd(struct e820_alloc *a, const struct linux_place_in *in, u64 *out)
{
	u64 ceiling = a->ceiling;

	*out = 0;
	if (!in->initrd_size)
		return NULL;
	a->ceiling = MIN(ceiling, in->initrd_addr_max + 1);
	*out = e820_alloc_pages(a, pages(in->initrd_size));
	a->ceiling = ceiling;
	return *out ? NULL : "no free memory for the initrd below initrd_addr_max";
}

const char *linux_place(struct e820_alloc *a, const struct linux_place_in *in, struct linux_place *out)
{
	const char *why;

	memset(out, 0, sizeof(*out));
	if ((why = place_kernel(a, in, &out->kernel)) || (why = place_initrd(a, in, &out->initrd)))
		return why;
	if (!(out->cmdline = e820_alloc_pages(a, pages(in->cmdline_bytes))))
		return "no free page for the command line";
	if (!(out->boot_params = e820_alloc_pages(a, pages(BOOT_PARAMS_SIZE))))
		return "no free page for boot_params";
	return NULL;
}
