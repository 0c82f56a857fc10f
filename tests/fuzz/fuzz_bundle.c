/* SPDX-License-Identifier: MIT */
/*
 * What handoff=linux reads from the host before it loads anything: the bundle, a newc cpio archive
 * (kernel/boot/cpio.c), and the setup header of the bzImage inside it (kernel/boot/bzimage_hdr.c).
 * Input: the bytes are the archive (members vmlinuz, initrd, cmdline are looked up) and, as well, an image
 * given to the header check directly (a cpio-wrapped image is slow for the fuzzer to reach). Properties:
 * a found member lies inside the archive, its data 4-byte aligned, and is a regular file; a refusal is a
 * NUL-terminated "archive: ..." message; an image that passes has its protected-mode part inside the file,
 * init_size covering it, kernel_alignment a power of two in [4 KiB, 16 MiB], the 64-bit entry flag and a
 * header that reaches init_size.
 */
#include "fuzz.h"
#include <ccktf/format.h>
#include "boot/bzimage_hdr.h"
#include "boot/cpio.h"

static const char *const names[] = { "vmlinuz", "initrd", "cmdline", "/vmlinuz" };

static void check_image(const u8 *img, u64 len)
{
	struct bzimage_info b;
	char err[200];

	if (!bzimage_check(img, len, &b, err, sizeof(err))) {
		if (!memchr(err, '\0', sizeof(err)) || !err[0])
			abort();
		return;
	}
	if (b.kern16 >= len || b.pm_size != len - b.kern16 || b.init_size < b.pm_size)
		abort();
	if (b.kernel_alignment < 0x1000 || b.kernel_alignment > 0x1000000 ||
	    (b.kernel_alignment & (b.kernel_alignment - 1)))
		abort();
	if (!(b.xloadflags & BZ_XLF_KERNEL_64) || b.version < BZ_MIN_VERSION || b.header_end < BZ_HEADER_MIN_END ||
	    b.header_end > len)
		abort();
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);
int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	for (unsigned i = 0; i < ARRAY_SIZE(names); i++) {
		struct cpio_member m;
		char err[CPIO_ERR_MAX];

		if (cpio_find(data, size, names[i], &m, err, sizeof(err)) != CPIO_FOUND) {
			if (!memchr(err, '\0', sizeof(err)) || strncmp(err, "archive: ", 9))
				abort();
			continue;
		}
		if (m.offset > size || m.size > size - m.offset || m.offset % 4 || (m.mode & 0170000) != 0100000)
			abort();
		if (i == 0)
			check_image(data + m.offset, m.size);
	}
	check_image(data, size);
	return 0;
}
