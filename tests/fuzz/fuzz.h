/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the libFuzzer targets in tests/fuzz/: a reader that takes little-endian fields off the
 * fuzzer's input (zeros once it runs out, so every input is a valid, if short, case), and the EFI memory
 * map most targets start from. The input formats are documented per target and produced for the seed
 * corpus by tests/fuzz/gen_corpus.py; keep the two in step.
 */
#ifndef TESTS_FUZZ_FUZZ_H
#define TESTS_FUZZ_FUZZ_H

#include <stdlib.h>
#include <string.h>

#include <ccktf/types.h>
#include "efi/efi_spec.h"
#include "mm/memmap.h"

struct fz {
	const u8 *p;
	size_t n;
};

/* Copies up to size bytes into out, zero-filling what the input no longer has; returns the bytes taken. */
static inline size_t fz_copy(struct fz *in, void *out, size_t size)
{
	size_t take = size < in->n ? size : in->n;

	memcpy(out, in->p, take);
	memset((u8 *)out + take, 0, size - take);
	in->p += take;
	in->n -= take;
	return take;
}

static inline u8 fz_u8(struct fz *in)
{
	u8 v;

	fz_copy(in, &v, sizeof(v));
	return v;
}

static inline u16 fz_u16(struct fz *in)
{
	u16 v;

	fz_copy(in, &v, sizeof(v));
	return v;
}

static inline u32 fz_u32(struct fz *in)
{
	u32 v;

	fz_copy(in, &v, sizeof(v));
	return v;
}

static inline u64 fz_u64(struct fz *in)
{
	u64 v;

	fz_copy(in, &v, sizeof(v));
	return v;
}

/* A malloc'ed copy of the next size bytes (size clamped to what is left); *got says how many. */
static inline void *fz_dup(struct fz *in, size_t size, size_t *got)
{
	void *p;

	size = size < in->n ? size : in->n;
	p = malloc(size ? size : 1);
	if (!p)
		abort();
	fz_copy(in, p, size);
	*got = size;
	return p;
}

/*
 * A raw EFI memory map, as GetMemoryMap hands it over:
 *	u32 desc_size, u32 desc_version, u16 map_size, then map_size bytes of descriptors.
 * The bytes live in a buffer of exactly map_size bytes (8-aligned, as malloc's), so a read past the map is
 * a sanitizer report. desc_size and desc_version are the firmware's word, unchecked.
 */
struct fz_map {
	void *buf;
	struct memmap m;
};

static inline void fz_map_take(struct fz *in, struct fz_map *fm)
{
	u32 desc_size = fz_u32(in), desc_version = fz_u32(in);
	size_t size = fz_u16(in), got;

	fm->buf = fz_dup(in, size, &got);
	fm->m = (struct memmap){ fm->buf, got, desc_size, desc_version };
}

static inline void fz_map_free(struct fz_map *fm)
{
	free(fm->buf);
}

/*
 * Physical memory as the host provides it: up to FZ_PHYS_REGIONS regions, read as u8 count (modulo
 * FZ_PHYS_REGIONS + 1), then per region u64 physical address, u16 length and that many bytes. fz_phys_read()
 * is a reader for the kernel's walks (struct acpi_phys): bytes outside every region are refused.
 */
#define FZ_PHYS_REGIONS 8

struct fz_phys {
	struct {
		u64 pa;
		size_t len;
		u8 *data;
	} r[FZ_PHYS_REGIONS];
	unsigned n;
};

static inline void fz_phys_load(struct fz *in, struct fz_phys *pm)
{
	unsigned regions = fz_u8(in) % (FZ_PHYS_REGIONS + 1);

	for (pm->n = 0; pm->n < regions; pm->n++) {
		pm->r[pm->n].pa = fz_u64(in);
		pm->r[pm->n].data = fz_dup(in, fz_u16(in), &pm->r[pm->n].len);
	}
}

/* The bytes [pa, pa + len) of one region, or NULL. */
static inline const void *fz_phys_read(void *ctx, u64 pa, u64 len)
{
	const struct fz_phys *pm = ctx;

	for (unsigned i = 0; i < pm->n; i++)
		if (pa >= pm->r[i].pa && pa - pm->r[i].pa <= pm->r[i].len && len <= pm->r[i].len - (pa - pm->r[i].pa))
			return pm->r[i].data + (pa - pm->r[i].pa);
	return NULL;
}

static inline void fz_phys_free(struct fz_phys *pm)
{
	for (unsigned i = 0; i < pm->n; i++)
		free(pm->r[i].data);
}

/* The 8-byte alignment the kernel's view needs: the map's buffer comes from malloc. */
_Static_assert(sizeof(struct efi_memory_descriptor) == EFI_MEMORY_DESCRIPTOR_MIN_SIZE, "40-byte descriptor");

#endif
