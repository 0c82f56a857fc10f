/* SPDX-License-Identifier: MIT */
/*
 * A reader of "newc" cpio archives (the format Linux unpacks as an initramfs), for the bundle handoff=linux
 * is given: Linux Documentation/driver-api/early-userspace/buffer-format.rst. Each member is a 110-byte
 * ASCII header (magic "070701", or "070702" with a checksum, then 13 fields of 8 hex digits: ino, mode,
 * uid, gid, nlink, mtime, filesize, devmajor, devminor, rdevmajor, rdevminor, namesize (with its NUL),
 * check), the NUL-terminated name padded so that header + name is a multiple of 4, the data padded to a
 * multiple of 4; the member named "TRAILER!!!" ends the archive. Linux's own reader is init/initramfs.c.
 *
 * With "070702" every regular member's check field must equal the sum of its data bytes (mod 2^32), as Linux
 * checks it (init/initramfs.c do_copy()). The archive comes from the host and is not trusted: every length is checked against the buffer, the walk
 * moves forward by at least one header per member, and a refusal names what is wrong and where.
 */
#ifndef CCKTF_BOOT_CPIO_H
#define CCKTF_BOOT_CPIO_H

#include <ccktf/types.h>

#define CPIO_HEADER_SIZE 110 /* 6 + 13 * 8 */
#define CPIO_NAME_MAX 256    /* longer names are refused (Linux's reader takes up to PATH_MAX) */
#define CPIO_ERR_MAX 160

struct cpio_member {
	char name[CPIO_NAME_MAX];
	u32 mode;
	u32 nlink;
	u64 offset; /* of the data, from the archive's start */
	u64 size;
};

/*
 * The member named name (without a leading "/" or "./"), a regular file (mode S_IFREG) with nlink 1, found
 * once in the archive: returns CPIO_FOUND and fills *out; else CPIO_MISSING (a sound archive without it) or
 * CPIO_BAD (the archive or that member is refused), with the reason in err ("archive: no member 'vmlinuz'",
 * "archive: bad magic at offset 0x...", ...). The whole archive up to its trailer is checked either way.
 */
enum cpio_result { CPIO_FOUND, CPIO_MISSING, CPIO_BAD };
enum cpio_result cpio_find(const u8 *buf, u64 len, const char *name, struct cpio_member *out, char *err,
			   size_t err_size);

#endif
