/* SPDX-License-Identifier: MIT */
/*
 * What handoff=linux reads from the bundle the host gives it: the newc cpio reader (kernel/boot/cpio.c)
 * and the setup-header check of the bzImage inside (kernel/boot/bzimage_hdr.c), fed archives and headers
 * written here, good and broken.
 */
#include <stdio.h>
#include <string.h>

#include <ccktf/ktest.h>

#include "boot/boot_params.h"
#include "boot/bzimage_hdr.h"
#include "boot/cpio.h"

KTEST_SUITE(host_handoff_bundle, KTEST_AFTER_EXIT_BOOT_SERVICES, NULL);

#define REG 0100644
#define DIR 0040755

static u8 arc[8192];
static size_t arc_len;

/* One newc member as the harness's writer (harness/ccktf/initramfs.py) lays it out; add_ext() with the
 * magic, nlink and check field given. */
static void add_ext(const char *magic, const char *name, u32 mode, u32 nlink, const void *data, u32 size, u32 check)
{
	u32 namesize = (u32)strlen(name) + 1;
	char head[CPIO_HEADER_SIZE + 1];

	snprintf(head, sizeof(head), "%s%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X", magic, 1u, mode, 0u, 0u,
		 nlink, 0u, size, 0u, 0u, 0u, 0u, namesize, check);
	memcpy(arc + arc_len, head, CPIO_HEADER_SIZE);
	arc_len += CPIO_HEADER_SIZE;
	memcpy(arc + arc_len, name, namesize);
	arc_len += namesize;
	while (arc_len % 4)
		arc[arc_len++] = 0;
	memcpy(arc + arc_len, data, size);
	arc_len += size;
	while (arc_len % 4)
		arc[arc_len++] = 0;
}

static void add(const char *name, u32 mode, const void *data, u32 size)
{
	add_ext("070701", name, mode, 1, data, size, 0);
}

static void start(void)
{
	memset(arc, 0, sizeof(arc));
	arc_len = 0;
}

static void trailer(void)
{
	add("TRAILER!!!", 0, "", 0);
}

KTEST(host_handoff_bundle, cpio_finds_members)
{
	struct cpio_member m;
	char err[CPIO_ERR_MAX];

	start();
	add("boot", DIR, "", 0);
	add("vmlinuz", REG, "kernel", 6);
	add("./initrd", REG, "ramdisk!", 8);
	add("cmdline", REG, "console=ttyS0", 13);
	trailer();
	KASSERT_EQ(t, cpio_find(arc, arc_len, "vmlinuz", &m, err, sizeof(err)), CPIO_FOUND);
	KEXPECT_EQ(t, m.size, 6);
	KEXPECT_TRUE(t, !memcmp(arc + m.offset, "kernel", 6));
	KEXPECT_EQ(t, m.offset % 4, 0);
	KASSERT_EQ(t, cpio_find(arc, arc_len, "initrd", &m, err, sizeof(err)), CPIO_FOUND);
	KEXPECT_TRUE(t, !memcmp(arc + m.offset, "ramdisk!", 8));
	KASSERT_EQ(t, cpio_find(arc, arc_len, "/cmdline", &m, err, sizeof(err)), CPIO_FOUND);
	KEXPECT_EQ(t, m.size, 13);
	KEXPECT_EQ(t, cpio_find(arc, arc_len, "missing", &m, err, sizeof(err)), CPIO_MISSING);
	KEXPECT_STREQ(t, err, "archive: no member 'missing'");
	KEXPECT_EQ(t, cpio_find(arc, arc_len, "boot", &m, err, sizeof(err)), CPIO_BAD);
	KEXPECT_STREQ(t, err, "archive: 'boot' is not a regular file (mode 040755)");
}

KTEST(host_handoff_bundle, cpio_refusals_name_what_and_where)
{
	struct cpio_member m;
	char err[CPIO_ERR_MAX];

	start();
	add("vmlinuz", REG, "kernel", 6);
	KEXPECT_EQ(t, cpio_find(arc, arc_len, "vmlinuz", &m, err, sizeof(err)), CPIO_BAD);
	KEXPECT_STREQ(t, err, "archive: truncated header (no TRAILER!!! member) at offset 0x80");
	trailer();
	KEXPECT_EQ(t, cpio_find(arc, 0x80 + CPIO_HEADER_SIZE + 5, "vmlinuz", &m, err, sizeof(err)), CPIO_BAD);
	KEXPECT_STREQ(t, err, "archive: name past the end at offset 0x80");
	arc[0] = 'X';
	KEXPECT_EQ(t, cpio_find(arc, arc_len, "vmlinuz", &m, err, sizeof(err)), CPIO_BAD);
	KEXPECT_STREQ(t, err, "archive: bad magic (not a newc cpio archive) at offset 0x0");
	arc[0] = '0';
	arc[6 + 8 * 6] = 'g'; /* filesize */
	KEXPECT_EQ(t, cpio_find(arc, arc_len, "vmlinuz", &m, err, sizeof(err)), CPIO_BAD);
	KEXPECT_STREQ(t, err, "archive: header field not 8 hex digits at offset 0x36");
	memcpy(arc + 6 + 8 * 6, "00100000", 8); /* 1 MiB of data in a small archive */
	KEXPECT_EQ(t, cpio_find(arc, arc_len, "vmlinuz", &m, err, sizeof(err)), CPIO_BAD);
	KEXPECT_STREQ(t, err, "archive: member data past the end at offset 0x0");
	memcpy(arc + 6 + 8 * 6, "00000006", 8);
	memcpy(arc + 6 + 8 * 11, "00000004", 8); /* namesize cuts "vmlinuz" short: no NUL there */
	KEXPECT_EQ(t, cpio_find(arc, arc_len, "vmlinuz", &m, err, sizeof(err)), CPIO_BAD);
	KEXPECT_STREQ(t, err, "archive: name not NUL-terminated at its namesize at offset 0x0");
	memcpy(arc + 6 + 8 * 11, "00000000", 8);
	KEXPECT_EQ(t, cpio_find(arc, arc_len, "vmlinuz", &m, err, sizeof(err)), CPIO_BAD);
	KEXPECT_STREQ(t, err, "archive: name size out of range (2..256) at offset 0x0");
	KEXPECT_EQ(t, cpio_find(arc, 0, "vmlinuz", &m, err, sizeof(err)), CPIO_BAD);
	KEXPECT_STREQ(t, err, "archive: truncated header (no TRAILER!!! member) at offset 0x0");
}

KTEST(host_handoff_bundle, cpio_refuses_a_member_named_twice)
{
	struct cpio_member m;
	char err[CPIO_ERR_MAX];

	start();
	add("vmlinuz", REG, "one", 3);
	add("/vmlinuz", REG, "two", 3);
	trailer();
	KEXPECT_EQ(t, cpio_find(arc, arc_len, "vmlinuz", &m, err, sizeof(err)), CPIO_BAD);
	KEXPECT_STREQ(t, err, "archive: member named twice at offset 0x7c");
}

/* "070702": the check field is the sum of the data's bytes (init/initramfs.c do_copy() "bad data checksum") */
KTEST(host_handoff_bundle, cpio_070702_checksum_is_verified)
{
	struct cpio_member m;
	char err[CPIO_ERR_MAX];
	u32 sum = 'k' + 'e' + 'r' + 'n' + 'e' + 'l';

	start();
	add_ext("070702", "boot", DIR, 2, "", 0, 0);
	add_ext("070702", "vmlinuz", REG, 1, "kernel", 6, sum);
	trailer();
	KASSERT_EQ(t, cpio_find(arc, arc_len, "vmlinuz", &m, err, sizeof(err)), CPIO_FOUND);
	KEXPECT_EQ(t, m.size, 6);
	start();
	add_ext("070702", "vmlinuz", REG, 1, "kernel", 6, sum + 1);
	trailer();
	KEXPECT_EQ(t, cpio_find(arc, arc_len, "vmlinuz", &m, err, sizeof(err)), CPIO_BAD);
	KEXPECT_STREQ(t, err, "archive: 070702 checksum does not match the data (Linux init/initramfs.c: \"bad data "
			      "checksum\") at offset 0x0");
	start(); /* a bad checksum on another member refuses the archive too, as Linux's unpacking fails */
	add_ext("070702", "initrd", REG, 1, "x", 1, 0);
	add_ext("070702", "vmlinuz", REG, 1, "kernel", 6, sum);
	trailer();
	KEXPECT_EQ(t, cpio_find(arc, arc_len, "vmlinuz", &m, err, sizeof(err)), CPIO_BAD);
}

/* newc hard links carry the data in the last copy only (buffer-format.rst): a linked member is refused. */
KTEST(host_handoff_bundle, cpio_refuses_a_hard_linked_member)
{
	struct cpio_member m;
	char err[CPIO_ERR_MAX];

	start();
	add_ext("070701", "vmlinuz", REG, 2, "", 0, 0);
	add_ext("070701", "other", REG, 2, "kernel", 6, 0);
	trailer();
	KEXPECT_EQ(t, cpio_find(arc, arc_len, "vmlinuz", &m, err, sizeof(err)), CPIO_BAD);
	KEXPECT_STREQ(t, err, "archive: 'vmlinuz' is a hard link (nlink 2): its data may be in another member");
	KEXPECT_EQ(t, cpio_find(arc, arc_len, "other", &m, err, sizeof(err)), CPIO_BAD);
}

/* A header shaped like Debian's 6.1 vmlinuz (measured: setup_sects 0x27, protocol 2.15, jump EB 6A,
 * kernel_alignment 2 MiB, relocatable, xloadflags 0x7f, init_size 0x3f98000). */
static u8 img[0x8000];

static void good_image(void)
{
	memset(img, 0, sizeof(img));
	img[BP_HDR_SETUP_SECTS] = 0x27;
	bp_put(img + BP_HDR_BOOT_FLAG, 0xaa55, 2);
	img[BP_HDR_JUMP] = 0xeb;
	img[BP_HDR_JUMP + 1] = 0x6a;
	memcpy(img + BP_HDR_HEADER, "HdrS", 4);
	bp_put(img + BP_HDR_VERSION, 0x020f, 2);
	img[BP_HDR_LOADFLAGS] = BZ_LOADED_HIGH;
	bp_put(img + BP_HDR_INITRD_ADDR_MAX, 0x7fffffff, 4);
	bp_put(img + BP_HDR_KERNEL_ALIGNMENT, 0x200000, 4);
	img[BP_HDR_RELOCATABLE] = 1;
	bp_put(img + BP_HDR_XLOADFLAGS, 0x7f, 2);
	bp_put(img + BP_HDR_CMDLINE_SIZE, 2047, 4);
	bp_put(img + BP_HDR_PREF_ADDRESS, 0x1000000, 8);
	bp_put(img + BP_HDR_INIT_SIZE, 0x3f98000, 4);
}

KTEST(host_handoff_bundle, bzimage_like_debian_passes)
{
	struct bzimage_info b;
	char err[160];

	good_image();
	KASSERT_TRUE(t, bzimage_check(img, sizeof(img), &b, err, sizeof(err)));
	KEXPECT_EQ(t, b.kern16, 0x5000);
	KEXPECT_EQ(t, b.pm_size, sizeof(img) - 0x5000);
	KEXPECT_EQ(t, b.header_end, 0x26c);
	KEXPECT_EQ(t, b.kernel_alignment, 0x200000);
	KEXPECT_EQ(t, b.init_size, 0x3f98000);
	KEXPECT_EQ(t, b.initrd_addr_max, 0x7fffffff);
	KEXPECT_EQ(t, b.version, 0x020f);
	img[BP_HDR_SETUP_SECTS] = 0; /* boot.rst: 0 means 4 */
	KASSERT_TRUE(t, bzimage_check(img, sizeof(img), &b, err, sizeof(err)));
	KEXPECT_EQ(t, b.kern16, 0xa00);
}

/* Each broken field is refused by name. */
KTEST(host_handoff_bundle, bzimage_refusals_name_the_field)
{
	static const struct {
		unsigned off, bytes;
		u64 value;
		const char *err;
	} cases[] = {
		{ BP_HDR_BOOT_FLAG, 2, 0x1234, "boot_flag (0x1fe) is 0x1234: needs 0xaa55 (boot.rst \"boot_flag\")" },
		{ BP_HDR_HEADER, 4, 0x58585858, "header (0x202) is 0x58585858: needs \"HdrS\" (0x53726448; boot.rst \"header\")" },
		{ BP_HDR_VERSION, 2, 0x020b, "version (0x206) is 0x20b: needs >= 0x020c, protocol 2.12, for xloadflags (boot.rst \"xloadflags\")" },
		{ BP_HDR_JUMP + 1, 1, 0x20, "jump (0x200) is 0x20eb: needs EB rel8 (0..0x7f) with the header through init_size (0x264) (boot.rst \"jump\")" },
		/* rel8 is signed: 0x90 jumps back 0x70 bytes, not to 0x292 */
		{ BP_HDR_JUMP + 1, 1, 0x90, "jump (0x200) is 0x90eb: needs EB rel8 (0..0x7f) with the header through init_size (0x264) (boot.rst \"jump\")" },
		{ BP_HDR_INITRD_ADDR_MAX, 4, 0xfffff, "initrd_addr_max (0x22c) is 0xfffff: needs at least 0x100000: ccktf places nothing in the first MiB (boot.rst \"initrd_addr_max\")" },
		{ BP_HDR_LOADFLAGS, 1, 0, "loadflags (0x211) is 0x0: needs LOADED_HIGH: a zImage is not a bzImage (boot.rst \"loadflags\")" },
		{ BP_HDR_XLOADFLAGS, 2, 0x7e, "xloadflags (0x236) is 0x7e: needs XLF_KERNEL_64, the 64-bit entry (boot.rst \"xloadflags\")" },
		{ BP_HDR_RELOCATABLE, 1, 0, "relocatable_kernel (0x234) is 0x0: needs nonzero: the image goes where free memory is (boot.rst \"relocatable_kernel\")" },
		{ BP_HDR_KERNEL_ALIGNMENT, 4, 0x300000, "kernel_alignment (0x230) is 0x300000: needs a power of two from 4 KiB to 16 MiB (boot.rst \"kernel_alignment\")" },
		{ BP_HDR_KERNEL_ALIGNMENT, 4, 0x800, "kernel_alignment (0x230) is 0x800: needs a power of two from 4 KiB to 16 MiB (boot.rst \"kernel_alignment\")" },
		{ BP_HDR_SETUP_SECTS, 1, 0x40, "setup_sects (0x1f1) is 0x40: the protected-mode part at (setup_sects + 1) * 512 starts past the file's end" },
		{ BP_HDR_INIT_SIZE, 4, 0x1000, "init_size (0x260) is 0x1000: needs at least the protected-mode part's bytes (boot.rst \"init_size\")" },
		{ BP_HDR_CMDLINE_SIZE, 4, 0, "cmdline_size (0x238) is 0x0: needs room for a command line" },
	};
	struct bzimage_info b;
	char err[200];

	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		good_image();
		bp_put(img + cases[i].off, cases[i].value, cases[i].bytes);
		KEXPECT_FALSE(t, bzimage_check(img, sizeof(img), &b, err, sizeof(err)));
		KEXPECT_STREQ(t, err, cases[i].err);
	}
	good_image();
	KEXPECT_FALSE(t, bzimage_check(img, 1000, &b, err, sizeof(err)));
	KEXPECT_STREQ(t, err, "length is 0x3e8: a bzImage is at least two sectors (1024 bytes)");
}
