/* SPDX-License-Identifier: MIT */
/*
 * The setup header of a bzImage another stage is about to load (handoff=linux), checked before anything is
 * copied: Linux Documentation/arch/x86/boot.rst ("The real-mode kernel header", "Details of header
 * fields", "64-bit BOOT PROTOCOL") and what arch/x86/kernel/kexec-bzimage64.c bzImage64_probe() and
 * bzImage64_load() require of an image they enter at load address + 0x200. The image comes from the host:
 * each refusal names the field, the value found and what is needed.
 */
#ifndef CCKTF_BOOT_BZIMAGE_HDR_H
#define CCKTF_BOOT_BZIMAGE_HDR_H

#include <ccktf/types.h>

#include "boot_params.h"

/* The header's offsets are boot_params.h's BP_HDR_* (the setup header sits at 0x1f1 of both the file and
 * boot_params). */
#define BZ_HEADER_MIN_END 0x264	   /* through init_size: what a 2.12 header holds at least */
#define BZ_MIN_LEN 1024		   /* kexec-bzimage64.c: "kernel should be at least two sectors long" */
#define BZ_BOOT_FLAG_MAGIC 0xaa55
#define BZ_MIN_VERSION 0x020c	   /* 2.12: xloadflags, hence XLF_KERNEL_64 */
#define BZ_LOADED_HIGH 0x01	   /* loadflags bit 0: a bzImage */
#define BZ_XLF_KERNEL_64 0x0001	   /* xloadflags bit 0: the 64-bit entry at load + 0x200 */
#define BZ_XLF_5LEVEL 0x0020	   /* xloadflags bit 5: may be entered with 5-level paging on */
/* kernel_alignment: the upper bound is arch/x86/Kconfig PHYSICAL_ALIGN's X86_64 range (0x200000 0x1000000);
 * the lower bound is ccktf's own choice, a page (its allocator's unit), below Kconfig's 2 MiB minimum so that
 * an image built with a smaller alignment than Linux allows is not refused for it alone. */
#define BZ_ALIGN_MIN 0x1000
#define BZ_ALIGN_MAX 0x1000000	   /* 16 MiB */
#define BZ_INITRD_ADDR_MAX_MIN 0x100000 /* ccktf's allocator never hands out the first MiB (e820_alloc.h) */

struct bzimage_info {
	u64 kern16;		/* file offset of the protected-mode part: (setup_sects + 1) * 512 */
	u64 pm_size;		/* its bytes: file length - kern16 */
	u64 header_end;		/* 0x202 + the jump's rel8: the setup header is [0x1f1, header_end) */
	u64 pref_address;
	u32 kernel_alignment, init_size, initrd_addr_max, cmdline_size;
	u16 version, xloadflags;
};

/* Where the setup header of img (at least BP_HDR_JUMP + 2 bytes) ends: 0x202 + the jump's rel8 (boot.rst
 * "jump"); bzimage_check() refuses a header whose jump is not a short forward one. */
u64 bzimage_header_end(const u8 *img);

/* True when img (len bytes) is a bzImage this loader can enter through the 64-bit boot protocol, with
 * *out filled; false with "FIELD: what was found, what is needed (source)" in err. */
bool bzimage_check(const u8 *img, u64 len, struct bzimage_info *out, char *err, size_t err_size);

#endif
