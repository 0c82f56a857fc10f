/* SPDX-License-Identifier: MIT */
/* handoff=linux's placement (kernel/boot/linux_place.c) on hand-made free lists: pref_address, the
 * kernel's alignment, initrd_addr_max binding the initrd only, and each refusal. */
#include <ccktf/ktest.h>

#include "boot/linux_place.h"

KTEST_SUITE(host_linux_place, KTEST_AFTER_EXIT_BOOT_SERVICES, NULL);

#define MiB_ 0x100000ull
#define GiB_ 0x40000000ull
#define CEILING (4 * GiB_)

/* Debian 6.1's header: init_size 0x3f98000, 2 MiB alignment, pref_address 16 MiB, initrd_addr_max 2 GiB - 1 */
static struct linux_place_in debian(u64 initrd_size)
{
	return (struct linux_place_in){ 0x3f98000, 2 * MiB_, 16 * MiB_, 0x7fffffff, initrd_size, 2048 };
}

static const char *place(const struct e820_entry *free, unsigned n, const struct linux_place_in *in,
			 struct linux_place *out)
{
	struct e820_alloc a;

	e820_alloc_init(&a, free, n, CEILING);
	return linux_place(&a, in, out);
}

static bool inside(u64 at, u64 size, const struct e820_entry *e)
{
	return at >= e->addr && at + size <= e->addr + e->size;
}

/* 2560 MiB of RAM: the kernel, command line and zero page go above 2 GiB, the initrd below it. */
KTEST(host_linux_place, initrd_addr_max_binds_the_initrd_only)
{
	static const struct e820_entry free[] = { { 1 * MiB_, 2559 * MiB_, E820_TYPE_RAM } };
	struct linux_place_in in = debian(64 * MiB_);
	struct linux_place at;

	KASSERT_TRUE(t, place(free, 1, &in, &at) == NULL);
	KEXPECT_EQ(t, at.kernel % (2 * MiB_), 0);
	KEXPECT_TRUE(t, at.kernel >= 2 * GiB_);
	KEXPECT_TRUE(t, at.kernel + in.init_size <= 2560 * MiB_);
	KEXPECT_TRUE(t, at.cmdline >= 2 * GiB_ && at.boot_params >= 2 * GiB_);
	KEXPECT_EQ(t, at.initrd % 4096, 0);
	KEXPECT_TRUE(t, at.initrd + in.initrd_size <= 0x80000000ull); /* ends at initrd_addr_max + 1 or below */
	KEXPECT_TRUE(t, at.initrd + in.initrd_size > 0x80000000ull - 4096); /* the highest page-aligned fit */
}

/* Only free memory above initrd_addr_max: the initrd has nowhere to go. */
KTEST(host_linux_place, initrd_must_go_below_initrd_addr_max)
{
	static const struct e820_entry free[] = { { 2 * GiB_, 512 * MiB_, E820_TYPE_RAM } };
	struct linux_place_in in = debian(4096);
	struct linux_place at;

	KEXPECT_STREQ(t, place(free, 1, &in, &at), "no free memory for the initrd below initrd_addr_max");
	in.initrd_size = 0; /* without an initrd the same memory serves */
	KASSERT_TRUE(t, place(free, 1, &in, &at) == NULL);
	KEXPECT_EQ(t, at.initrd, 0);
	KEXPECT_TRUE(t, inside(at.kernel, in.init_size, &free[0]));
}

/* Only free block big enough lies below pref_address: refused, as kexec's buf_min refuses it. */
KTEST(host_linux_place, only_free_block_below_pref_address_is_refused)
{
	static const struct e820_entry free[] = { { 1 * MiB_, 14 * MiB_, E820_TYPE_RAM },
						  { 64 * MiB_, 1 * MiB_, E820_TYPE_RAM } }; /* too small */
	struct linux_place_in in = debian(0);
	struct linux_place at;

	in.init_size = 4 * MiB_;
	KEXPECT_STREQ(t, place(free, 2, &in, &at), "the free memory for the kernel lies below its pref_address");
	in.pref_address = 0; /* then 1 MiB is the floor (MIN_KERNEL_LOAD_ADDR): the low block serves */
	KASSERT_TRUE(t, place(free, 2, &in, &at) == NULL);
	KEXPECT_TRUE(t, at.kernel >= LINUX_MIN_KERNEL_LOAD && inside(at.kernel, in.init_size, &free[0]));
	KEXPECT_EQ(t, at.kernel % (2 * MiB_), 0);
}

/* A block that straddles pref_address holds the kernel at an aligned address above it. */
KTEST(host_linux_place, kernel_is_aligned_and_fits_its_block)
{
	static const struct e820_entry free[] = { { 0x100000, 0x5f00000, E820_TYPE_RAM },	/* 1..96 MiB */
						  { 0x7000000, 0x3000, E820_TYPE_RAM } };	/* 3 pages */
	struct linux_place_in in = debian(0x1800);
	struct linux_place at;

	in.init_size = 0x1000001; /* 16 MiB + 1: 4097 pages */
	KASSERT_TRUE(t, place(free, 2, &in, &at) == NULL);
	KEXPECT_EQ(t, at.kernel % (2 * MiB_), 0);
	KEXPECT_TRUE(t, at.kernel >= 16 * MiB_ && inside(at.kernel, 0x1001000, &free[0]));
	/* the other pieces never overlap the kernel */
	KEXPECT_TRUE(t, at.initrd + 0x2000 <= at.kernel || at.initrd >= at.kernel + 0x1001000);
	KEXPECT_TRUE(t, at.boot_params + 4096 <= at.kernel || at.boot_params >= at.kernel + 0x1001000);
	KEXPECT_TRUE(t, at.cmdline + 4096 <= at.kernel || at.cmdline >= at.kernel + 0x1001000);
}

KTEST(host_linux_place, no_room_names_the_piece)
{
	static const struct e820_entry tiny[] = { { 16 * MiB_, 2 * MiB_, E820_TYPE_RAM } };
	struct linux_place_in in = debian(0);
	struct linux_place at;

	KEXPECT_STREQ(t, place(tiny, 1, &in, &at), "no free memory for the kernel's init_size");
	in.init_size = 4096;
	in.kernel_alignment = 4096;
	in.cmdline_bytes = 2 * MiB_; /* the kernel takes a page: no room left for this command line */
	KEXPECT_STREQ(t, place(tiny, 1, &in, &at), "no free page for the command line");
}
