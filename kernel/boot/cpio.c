/* SPDX-License-Identifier: MIT */
/* The newc cpio reader (cpio.h): buffer-format.rst, Linux init/initramfs.c. */
#include <ccktf/format.h>
#include <ccktf/string.h>

#include "boot/cpio.h"

#define CPIO_FIELDS 13
#define F_MODE 1
#define F_NLINK 4
#define F_FILESIZE 6
#define F_NAMESIZE 11
#define F_CHECK 12
#define MAGIC_NEWC "070701"
#define MAGIC_CRC "070702" /* the same with a checksum: the low 32 bits of the sum of the data's bytes */
#define S_IFMT 0170000	/* POSIX <sys/stat.h> file type bits, as the mode field carries them */
#define S_IFREG 0100000
#define TRAILER "TRAILER!!!"

static u64 pad4(u64 n)
{
	return (4 - (n & 3)) & 3;
}

static bool hex8(const u8 *p, u32 *out)
{
	u32 v = 0;

	for (unsigned i = 0; i < 8; i++) {
		u8 c = p[i];
		u32 d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return false;
		v = v << 4 | d;
	}
	*out = v;
	return true;
}

/*
 * A leading "./" or "/" is dropped before names are compared, so that "vmlinuz", "/vmlinuz" and "./vmlinuz"
 * (cpio writers differ) name one member. Linux's reader does not strip them (init/initramfs.c do_name()
 * uses the name as given); it unpacks relative to its root "/", where these all name the same file.
 */
static const char *strip_prefix(const char *s)
{
	while (s[0] == '.' && s[1] == '/')
		s += 2;
	while (s[0] == '/')
		s++;
	return s;
}

/* init/initramfs.c: with "070702" each data byte is added to a u32 (xwrite()), compared in do_copy() */
static u32 checksum(const u8 *p, u64 n)
{
	u32 sum = 0;

	for (u64 i = 0; i < n; i++)
		sum += p[i];
	return sum;
}

struct walk {
	const u8 *buf;
	u64 len, off;
	char *err;
	size_t err_size;
};

static bool refuse(struct walk *w, const char *what, u64 at)
{
	snprintf(w->err, w->err_size, "archive: %s at offset 0x%llx", what, (unsigned long long)at);
	return false;
}

/* One member's header and name at w->off; on success w->off is the data's offset. */
static bool read_header(struct walk *w, struct cpio_member *m)
{
	const u8 *h = w->buf + w->off;
	u32 f[CPIO_FIELDS];
	u64 start = w->off, name_end;

	if (w->len - w->off < CPIO_HEADER_SIZE)
		return refuse(w, "truncated header (no TRAILER!!! member)", start);
	if (memcmp(h, MAGIC_NEWC, 6) && memcmp(h, MAGIC_CRC, 6))
		return refuse(w, "bad magic (not a newc cpio archive)", start);
	for (unsigned i = 0; i < CPIO_FIELDS; i++)
		if (!hex8(h + 6 + 8 * i, &f[i]))
			return refuse(w, "header field not 8 hex digits", start + 6 + 8 * i);
	if (f[F_NAMESIZE] < 2 || f[F_NAMESIZE] > CPIO_NAME_MAX)
		return refuse(w, "name size out of range (2..256)", start);
	name_end = start + CPIO_HEADER_SIZE + f[F_NAMESIZE];
	if (name_end > w->len)
		return refuse(w, "name past the end", start);
	for (u32 i = 0; i < f[F_NAMESIZE]; i++)
		if ((h[CPIO_HEADER_SIZE + i] == '\0') != (i == f[F_NAMESIZE] - 1))
			return refuse(w, "name not NUL-terminated at its namesize", start);
	memcpy(m->name, h + CPIO_HEADER_SIZE, f[F_NAMESIZE]);
	m->mode = f[F_MODE];
	m->nlink = f[F_NLINK];
	m->size = f[F_FILESIZE];
	w->off = name_end + pad4(CPIO_HEADER_SIZE + f[F_NAMESIZE]);
	if (w->off > w->len || w->len - w->off < m->size)
		return refuse(w, "member data past the end", start);
	m->offset = w->off;
	/* do_copy() checks regular files' data only */
	if (!memcmp(h, MAGIC_CRC, 6) && (m->mode & S_IFMT) == S_IFREG &&
	    checksum(w->buf + m->offset, m->size) != f[F_CHECK])
		return refuse(w, "070702 checksum does not match the data (Linux init/initramfs.c: \"bad data checksum\")",
			      start);
	return true;
}

enum cpio_result cpio_find(const u8 *buf, u64 len, const char *name, struct cpio_member *out, char *err,
			   size_t err_size)
{
	struct walk w = { buf, len, 0, err, err_size };
	struct cpio_member m;
	bool found = false;

	name = strip_prefix(name);
	for (;;) {
		u64 at = w.off;

		if (!read_header(&w, &m))
			return CPIO_BAD;
		if (!strcmp(m.name, TRAILER))
			break;
		if (!strcmp(strip_prefix(m.name), name)) {
			if (found) {
				refuse(&w, "member named twice", at);
				return CPIO_BAD;
			}
			if ((m.mode & S_IFMT) != S_IFREG) {
				snprintf(err, err_size, "archive: '%s' is not a regular file (mode 0%o)", name, m.mode);
				return CPIO_BAD;
			}
			/* newc hard links: every copy but the last has filesize 0; the data rides on the last
			 * (buffer-format.rst; init/initramfs.c maybe_link()) */
			if (m.nlink > 1) {
				snprintf(err, err_size, "archive: '%s' is a hard link (nlink %u): its data may be "
					 "in another member", name, m.nlink);
				return CPIO_BAD;
			}
			*out = m;
			found = true;
		}
		w.off = m.offset + m.size;
		w.off += pad4(w.off);
		if (w.off > len)
			w.off = len; /* the last member's padding may be cut: the trailer check then refuses */
	}
	if (!found)
		snprintf(err, err_size, "archive: no member '%s'", name);
	return found ? CPIO_FOUND : CPIO_MISSING;
}
