/* SPDX-License-Identifier: MIT */
/* The setup-header check before a 64-bit boot-protocol load (bzimage_hdr.h). */
#include <ccktf/format.h>
#include <ccktf/string.h>

#include "boot/boot_params.h"
#include "boot/bzimage_hdr.h"

#define BZ_JUMP_OPCODE 0xeb

static bool refuse(char *err, size_t err_size, const char *field, u64 found, const char *need)
{
	snprintf(err, err_size, "%s is 0x%llx: %s", field, (unsigned long long)found, need);
	return false;
}

static bool power_of_two(u64 v)
{
	return v && !(v & (v - 1));
}

/* The fields before the version check: enough to know it is a boot-protocol image at all. */
u64 bzimage_header_end(const u8 *img)
{
	return BP_HDR_JUMP + 2 + img[BP_HDR_JUMP + 1];
}

static bool check_magic(const u8 *img, u64 len, char *err, size_t err_size)
{
	if (len < BZ_MIN_LEN)
		return refuse(err, err_size, "length", len, "a bzImage is at least two sectors (1024 bytes)");
	if (bp_get(img + BP_HDR_BOOT_FLAG, 2) != BZ_BOOT_FLAG_MAGIC)
		return refuse(err, err_size, "boot_flag (0x1fe)", bp_get(img + BP_HDR_BOOT_FLAG, 2),
			      "needs 0xaa55 (boot.rst \"boot_flag\")");
	if (memcmp(img + BP_HDR_HEADER, "HdrS", 4))
		return refuse(err, err_size, "header (0x202)", bp_get(img + BP_HDR_HEADER, 4),
			      "needs \"HdrS\" (0x53726448; boot.rst \"header\")");
	if (bp_get(img + BP_HDR_VERSION, 2) < BZ_MIN_VERSION)
		return refuse(err, err_size, "version (0x206)", bp_get(img + BP_HDR_VERSION, 2),
			      "needs >= 0x020c, protocol 2.12, for xloadflags (boot.rst \"xloadflags\")");
	/* boot.rst "jump": a short jump, whose rel8 is signed: 0x80..0xff jumps backwards, not past the header */
	if (img[BP_HDR_JUMP] != BZ_JUMP_OPCODE || img[BP_HDR_JUMP + 1] >= 0x80 ||
	    bzimage_header_end(img) < BZ_HEADER_MIN_END)
		return refuse(err, err_size, "jump (0x200)", bp_get(img + BP_HDR_JUMP, 2),
			      "needs EB rel8 (0..0x7f) with the header through init_size (0x264) (boot.rst \"jump\")");
	return true;
}

static bool check_load(const u8 *img, u64 len, struct bzimage_info *o, char *err, size_t err_size)
{
	if (!(img[BP_HDR_LOADFLAGS] & BZ_LOADED_HIGH))
		return refuse(err, err_size, "loadflags (0x211)", img[BP_HDR_LOADFLAGS],
			      "needs LOADED_HIGH: a zImage is not a bzImage (boot.rst \"loadflags\")");
	if (!(o->xloadflags & BZ_XLF_KERNEL_64))
		return refuse(err, err_size, "xloadflags (0x236)", o->xloadflags,
			      "needs XLF_KERNEL_64, the 64-bit entry (boot.rst \"xloadflags\")");
	if (!img[BP_HDR_RELOCATABLE])
		return refuse(err, err_size, "relocatable_kernel (0x234)", 0,
			      "needs nonzero: the image goes where free memory is (boot.rst \"relocatable_kernel\")");
	if (!power_of_two(o->kernel_alignment) || o->kernel_alignment < BZ_ALIGN_MIN ||
	    o->kernel_alignment > BZ_ALIGN_MAX)
		return refuse(err, err_size, "kernel_alignment (0x230)", o->kernel_alignment,
			      "needs a power of two from 4 KiB to 16 MiB (boot.rst \"kernel_alignment\")");
	if (o->initrd_addr_max < BZ_INITRD_ADDR_MAX_MIN)
		return refuse(err, err_size, "initrd_addr_max (0x22c)", o->initrd_addr_max,
			      "needs at least 0x100000: ccktf places nothing in the first MiB (boot.rst \"initrd_addr_max\")");
	if (o->kern16 >= len)
		return refuse(err, err_size, "setup_sects (0x1f1)", img[BP_HDR_SETUP_SECTS],
			      "the protected-mode part at (setup_sects + 1) * 512 starts past the file's end");
	if (o->init_size < o->pm_size)
		return refuse(err, err_size, "init_size (0x260)", o->init_size,
			      "needs at least the protected-mode part's bytes (boot.rst \"init_size\")");
	if (!o->cmdline_size)
		return refuse(err, err_size, "cmdline_size (0x238)", 0, "needs room for a command line");
	return true;
}

bool bzimage_check(const u8 *img, u64 len, struct bzimage_info *out, char *err, size_t err_size)
{
	struct bzimage_info o;
	u8 sects;

	if (!check_magic(img, len, err, err_size))
		return false;
	sects = img[BP_HDR_SETUP_SECTS] ? img[BP_HDR_SETUP_SECTS] : 4; /* boot.rst "setup_sects": 0 means 4 */
	o.kern16 = ((u64)sects + 1) * 512;
	o.pm_size = o.kern16 < len ? len - o.kern16 : 0;
	o.header_end = bzimage_header_end(img);
	o.version = (u16)bp_get(img + BP_HDR_VERSION, 2);
	o.xloadflags = (u16)bp_get(img + BP_HDR_XLOADFLAGS, 2);
	o.kernel_alignment = (u32)bp_get(img + BP_HDR_KERNEL_ALIGNMENT, 4);
	o.init_size = (u32)bp_get(img + BP_HDR_INIT_SIZE, 4);
	o.initrd_addr_max = (u32)bp_get(img + BP_HDR_INITRD_ADDR_MAX, 4);
	o.cmdline_size = (u32)bp_get(img + BP_HDR_CMDLINE_SIZE, 4);
	o.pref_address = bp_get(img + BP_HDR_PREF_ADDRESS, 8);
	if (!check_load(img, len, &o, err, err_size))
		return false;
	*out = o;
	return true;
}
