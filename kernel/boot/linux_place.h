/* SPDX-License-Identifier: MIT */
/*
 * Where handoff=linux puts what it hands Linux (arch/x86/boot/handoff_linux.c), from the final map's free
 * memory, top-down (e820_alloc.h), as Linux's kexec_file_load places the same pieces
 * (arch/x86/kernel/kexec-bzimage64.c bzImage64_load()):
 *   - the kernel: PAGE_ALIGN(init_size) bytes at a kernel_alignment boundary, at or above pref_address, or
 *     above MIN_KERNEL_LOAD when pref_address is lower (kexec's kbuf.buf_min = MIN_KERNEL_LOAD_ADDR, 1 MiB):
 *     Linux's pref_address is LOAD_PHYSICAL_ADDR, below which its decompressor moves its output up to it
 *     (arch/x86/boot/compressed/head_64.S), over memory it does not know is in use;
 *   - the initrd: page-aligned, ending at or below initrd_addr_max + 1 (boot.rst "initrd_addr_max": the
 *     highest address the ramdisk may occupy; kexec's initrd_load_addr max); the only piece that limit binds;
 *   - the command line and the zero page: anywhere below the ceiling.
 * Everything stays below the allocator's ceiling (the caller's mapped memory: HANDOFF_CEILING, 4 GiB). Pure, so that the
 * rules can be tested with free lists no guest has (tests/host/test_linux_place.c).
 */
#ifndef CCKTF_BOOT_LINUX_PLACE_H
#define CCKTF_BOOT_LINUX_PLACE_H

#include "boot/e820_alloc.h"

#define LINUX_MIN_KERNEL_LOAD 0x100000ull /* kexec-bzimage64.c MIN_KERNEL_LOAD_ADDR: 1 MiB */

struct linux_place_in {
	u64 init_size, kernel_alignment, pref_address, initrd_addr_max;
	u64 initrd_size;   /* 0: no initrd */
	u64 cmdline_bytes; /* with its NUL */
};

struct linux_place {
	u64 kernel;  /* kernel_alignment-aligned, PAGE_ALIGN(init_size) bytes */
	u64 initrd;  /* 0 without one */
	u64 cmdline;
	u64 boot_params;
};

/* Fills *out with pages from a (marked used there: the caller may go on allocating from a); NULL, or which
 * piece found no room and why. */
const char *linux_place(struct e820_alloc *a, const struct linux_place_in *in, struct linux_place *out);

#endif
