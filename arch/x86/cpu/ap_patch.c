/* SPDX-License-Identifier: MIT */
/*
 * The trampoline's patch-up: the blob (ap_trampoline.asm) runs at whatever page below 640 KiB the firmware
 * gave, and its real- and protected-mode code addresses its GDT and its far jumps by physical address, so
 * each of those three fields is assembled as an offset in the blob and rebased here. Pure (no CPU
 * access): tests/host/test_ap_patch.c.
 */
#include <ccktf/string.h>
#include <arch/ap_boot.h>

static bool inside(u32 offset, size_t blob_size)
{
	return offset < blob_size;
}

const char *ap_tramp_install(void *page, u64 base, const void *blob, size_t blob_size, size_t params_offset,
			     const struct ap_tramp_setup *s)
{
	struct ap_tramp_params p;

	if (!base || base % AP_TRAMP_PAGE)
		return "the trampoline page is page 0 or not page-aligned";
	if (base + AP_TRAMP_PAGE > AP_TRAMP_LIMIT)
		return "the trampoline page is not below 640 KiB (a STARTUP IPI reaches only the first MiB)";
	if (blob_size > AP_TRAMP_PAGE || params_offset % 8 || params_offset + sizeof(p) > blob_size)
		return "the trampoline blob does not fit a page, or its parameter block lies outside it";
	memcpy(&p, (const u8 *)blob + params_offset, sizeof(p));
	if (p.magic != AP_TRAMP_MAGIC || p.size != sizeof(p))
		return "the trampoline's parameter block does not match struct ap_tramp_params";
	if (!inside(p.gdt_base, blob_size) || p.gdt_base + p.gdt_limit + 1ull > blob_size ||
	    !inside(p.pm32_offset, blob_size) || !inside(p.lm64_offset, blob_size))
		return "an address in the trampoline points outside the blob";
	if (!s->cr3_low || s->cr3_low % AP_TRAMP_PAGE || s->cr3_low >= 4 * GiB || !s->cr3)
		return "the trampoline's PML4 is not a page below 4 GiB";
	p.gdt_base += (u32)base;
	p.pm32_offset += (u32)base;
	p.lm64_offset += (u32)base;
	p.cr3_low = (u32)s->cr3_low;
	p.cr0 = s->cr0;
	p.cr4 = s->cr4;
	p.efer = s->efer;
	p.cr3 = s->cr3;
	p.stack = p.entry = p.arg = 0;
	memcpy(page, blob, blob_size);
	memcpy((u8 *)page + params_offset, &p, sizeof(p));
	return NULL;
}

void ap_tramp_set_cpu(void *page, size_t params_offset, u64 stack, u64 entry, u64 arg)
{
	struct ap_tramp_params *p = (void *)((u8 *)page + params_offset);

	p->stack = stack;
	p->entry = entry;
	p->arg = arg;
}
