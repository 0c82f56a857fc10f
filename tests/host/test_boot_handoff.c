/* SPDX-License-Identifier: MIT */
/*
 * The readers stage 2 will use after a 64-bit boot-protocol entry (kernel/boot/: boot_params.c e820,
 * efi_info and command line; setup_data.c chain and SETUP_EFI; efi_handoff.c configuration tables), fed
 * what kexec writes (Linux arch/x86/kernel/kexec-bzimage64.c) and what a hostile loader could write
 * instead. Physical memory is a few host buffers; everything else is unreadable.
 */
#include <ccktf/ktest.h>
#include <string.h>

#include "boot/boot_params.h"
#include "boot/efi_handoff.h"
#include "boot/setup_data.h"

KTEST_SUITE(host_boot_handoff, KTEST_AFTER_EXIT_BOOT_SERVICES, NULL);

static u8 page[BOOT_PARAMS_SIZE];

#define REGIONS 4
static struct {
	u64 pa;
	u8 bytes[512];
} mem[REGIONS];

static const void *mem_read(void *ctx, u64 pa, u64 len)
{
	(void)ctx;
	for (unsigned i = 0; i < REGIONS; i++)
		if (mem[i].pa && pa >= mem[i].pa && pa - mem[i].pa <= sizeof(mem[i].bytes) &&
		    len <= sizeof(mem[i].bytes) - (pa - mem[i].pa))
			return mem[i].bytes + (pa - mem[i].pa);
	return NULL;
}

static const struct boot_phys phys = { mem_read, NULL };

static void put(u8 *at, u64 value, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i++)
		at[i] = (u8)(value >> (8 * i));
}

static void reset(void)
{
	memset(page, 0, sizeof(page));
	memset(mem, 0, sizeof(mem));
	mem[0].pa = 0x10000;
	mem[1].pa = 0x7f000000;
	mem[2].pa = 0xfffffffffffffe00ull; /* the last 512 bytes of the address space */
}

static void e820_entry(unsigned i, u64 addr, u64 size, u32 type)
{
	u8 *e = page + BP_E820_TABLE + i * E820_ENTRY_SIZE;

	put(e, addr, 8);
	put(e + 8, size, 8);
	put(e + 16, type, 4);
}

KTEST(host_boot_handoff, e820_as_kexec_writes_it)
{
	struct e820_entry out[8];
	unsigned count, dropped;

	reset();
	page[BP_E820_ENTRIES] = 3;
	e820_entry(0, 0, 0x9fc00, 1);
	e820_entry(1, 0x100000, 0, 1); /* dropped, as Linux drops it */
	e820_entry(2, 0x100000, 0x7ee0000, 1);
	KEXPECT_TRUE(t, boot_params_e820(page, out, 8, &count, &dropped) == NULL);
	KEXPECT_EQ(t, count, 2);
	KEXPECT_EQ(t, dropped, 1);
	KEXPECT_EQ(t, out[1].addr, 0x100000);
	KEXPECT_EQ(t, out[1].size, 0x7ee0000);
	KEXPECT_EQ(t, out[1].type, 1);
}

KTEST(host_boot_handoff, e820_refuses_what_cannot_be_true)
{
	struct e820_entry out[2];
	unsigned count, dropped;

	reset();
	page[BP_E820_ENTRIES] = 129;
	KEXPECT_STREQ(t, boot_params_e820(page, out, 2, &count, &dropped),
		      "e820_entries exceeds the zero page's 128-entry table");
	KEXPECT_EQ(t, count, 129);
	page[BP_E820_ENTRIES] = 1;
	e820_entry(0, 0xfffffffffffff000ull, 0x2000, 1);
	KEXPECT_STREQ(t, boot_params_e820(page, out, 2, &count, &dropped), "an e820 entry wraps past 2^64");
	page[BP_E820_ENTRIES] = 3;
	e820_entry(0, 0, 0x1000, 1);
	e820_entry(1, 0x1000, 0x1000, 2);
	e820_entry(2, 0x2000, 0x1000, 1);
	KEXPECT_STREQ(t, boot_params_e820(page, out, 2, &count, &dropped),
		      "more e820 entries than the caller has room for");
}

static void efi_info(const char *sig, u64 systab, u64 memmap, u32 size, u32 desc)
{
	u8 *efi = page + BP_EFI_INFO;

	memcpy(efi, sig, 4);
	put(efi + EFI_INFO_SYSTAB, systab, 4);
	put(efi + EFI_INFO_SYSTAB_HI, systab >> 32, 4);
	put(efi + EFI_INFO_MEMMAP, memmap, 4);
	put(efi + EFI_INFO_MEMMAP_HI, memmap >> 32, 4);
	put(efi + EFI_INFO_MEMMAP_SIZE, size, 4);
	put(efi + EFI_INFO_MEMDESC_SIZE, desc, 4);
	put(efi + EFI_INFO_MEMDESC_VERSION, 1, 4);
}

KTEST(host_boot_handoff, efi_info_as_kexec_writes_it)
{
	struct efi_info e;

	reset();
	efi_info("EL64", 0x17f9e1018ull, 0x7e000000, 48 * 6, 48);
	KEXPECT_TRUE(t, boot_params_efi_info(page, &e) == NULL);
	KEXPECT_EQ(t, e.systab, 0x17f9e1018ull);
	KEXPECT_EQ(t, e.memmap, 0x7e000000);
	KEXPECT_EQ(t, e.memmap_size, 288);
	KEXPECT_EQ(t, e.memdesc_size, 48);
	efi_info("EL64", 0x7f9e1018, 0, 0, 0); /* no runtime map: allowed */
	KEXPECT_TRUE(t, boot_params_efi_info(page, &e) == NULL);
}

KTEST(host_boot_handoff, efi_info_refusals)
{
	struct efi_info e;

	reset();
	KEXPECT_STREQ(t, boot_params_efi_info(page, &e),
		      "no efi_info (a BIOS boot, or a loader that did not see XLF_EFI_KEXEC)");
	efi_info("EL32", 0x7f9e1018, 0, 0, 0);
	KEXPECT_STREQ(t, boot_params_efi_info(page, &e),
		      "efi_info is from a 32-bit loader (EL32); ccktf needs a 64-bit firmware");
	efi_info("XL64", 0x7f9e1018, 0, 0, 0);
	KEXPECT_STREQ(t, boot_params_efi_info(page, &e), "efi_info carries an unknown loader signature");
	efi_info("EL64", 0, 0, 0, 0);
	KEXPECT_STREQ(t, boot_params_efi_info(page, &e), "efi_info names no system table");
	efi_info("EL64", 0x1000, 0x7e000000, 36 * 2, 36);
	KEXPECT_STREQ(t, boot_params_efi_info(page, &e),
		      "efi_info's descriptor size is below 40 bytes or not a multiple of 8");
	efi_info("EL64", 0x1000, 0x7e000000, 44 * 2, 44);
	KEXPECT_STREQ(t, boot_params_efi_info(page, &e),
		      "efi_info's descriptor size is below 40 bytes or not a multiple of 8");
	efi_info("EL64", 0x1000, 0x7e000000, 100, 48);
	KEXPECT_STREQ(t, boot_params_efi_info(page, &e), "efi_info's memory map is not a whole number of descriptors");
	efi_info("EL64", 0x1000, 0xffffffffffffffc0ull, 96, 48);
	KEXPECT_STREQ(t, boot_params_efi_info(page, &e), "efi_info's memory map is at 0 or wraps past 2^64");
}

static void cmdline_at(u64 pa)
{
	put(page + BP_HDR_CMD_LINE_PTR, pa, 4);
	put(page + BP_EXT_CMD_LINE_PTR, pa >> 32, 4);
}

KTEST(host_boot_handoff, command_line)
{
	char buf[64];

	reset();
	KEXPECT_TRUE(t, boot_params_cmdline(page, &phys, 2047, buf, sizeof(buf)) == NULL);
	KEXPECT_STREQ(t, buf, "");
	strcpy((char *)mem[1].bytes + 0x10, "tests=efi.* seed=7");
	cmdline_at(0x7f000010);
	KEXPECT_TRUE(t, boot_params_cmdline(page, &phys, 2047, buf, sizeof(buf)) == NULL);
	KEXPECT_STREQ(t, buf, "tests=efi.* seed=7");
	/* cmdline_size 18 allows exactly these 18 characters and the NUL; 17 does not */
	KEXPECT_TRUE(t, boot_params_cmdline(page, &phys, 18, buf, sizeof(buf)) == NULL);
	KEXPECT_STREQ(t, boot_params_cmdline(page, &phys, 17, buf, sizeof(buf)),
		      "the command line has no NUL within cmdline_size + 1 bytes");
	KEXPECT_STREQ(t, boot_params_cmdline(page, &phys, 2047, buf, 10),
		      "the command line does not fit the caller's buffer");
	memset(mem[1].bytes, 'x', sizeof(mem[1].bytes)); /* runs off the end of readable memory */
	KEXPECT_STREQ(t, boot_params_cmdline(page, &phys, 2047, buf, sizeof(buf)), "the command line cannot be read");
	cmdline_at(0x123400000ull);
	KEXPECT_STREQ(t, boot_params_cmdline(page, &phys, 2047, buf, sizeof(buf)), "the command line cannot be read");
}

/* A setup_data node at region r, offset off. */
static u64 node(unsigned r, unsigned off, u64 next, u32 type, u32 len)
{
	u8 *h = mem[r].bytes + off;

	put(h, next, 8);
	put(h + 8, type, 4);
	put(h + 12, len, 4);
	return mem[r].pa + off;
}

static u64 efi_node(unsigned r, unsigned off, u64 next, u64 tables)
{
	u64 pa = node(r, off, next, SETUP_EFI, EFI_SETUP_DATA_SIZE);

	put(mem[r].bytes + off + SETUP_DATA_HEADER + EFI_SETUP_FW_VENDOR, 0x7f9e2000, 8);
	put(mem[r].bytes + off + SETUP_DATA_HEADER + EFI_SETUP_TABLES, tables, 8);
	put(mem[r].bytes + off + SETUP_DATA_HEADER + EFI_SETUP_SMBIOS, 0x7f8e0000, 8);
	return pa;
}

KTEST(host_boot_handoff, setup_data_chain_finds_setup_efi)
{
	struct efi_setup e;
	u64 first, efi;

	reset();
	/* as kexec_file_load builds it: RNG seed, then EFI (in another region), then the end */
	efi = efi_node(1, 0x40, 0, 0x7f000200);
	first = node(0, 0x20, efi, SETUP_RNG_SEED, 32);
	KEXPECT_TRUE(t, setup_data_find_efi(first, &phys, &e) == NULL);
	KEXPECT_EQ(t, e.tables, 0x7f000200);
	KEXPECT_EQ(t, e.fw_vendor, 0x7f9e2000);
	KEXPECT_EQ(t, e.smbios, 0x7f8e0000);
	KEXPECT_EQ(t, e.len, EFI_SETUP_DATA_SIZE);
	KEXPECT_STREQ(t, setup_data_find_efi(0, &phys, &e), "no SETUP_EFI node in the setup_data chain");
	node(1, 0x40, 0, SETUP_EFI, 16);
	KEXPECT_STREQ(t, setup_data_find_efi(first, &phys, &e),
		      "the SETUP_EFI node is shorter than struct efi_setup_data's fields");
	efi_node(1, 0x40, 0, 0);
	KEXPECT_STREQ(t, setup_data_find_efi(first, &phys, &e),
		      "the SETUP_EFI node names no configuration-table array");
}

static bool count_nodes(void *ctx, const struct setup_node *n)
{
	(void)n;
	(*(unsigned *)ctx)++;
	return true;
}

KTEST(host_boot_handoff, setup_data_chain_refusals)
{
	unsigned nodes, visited = 0;
	u64 a, b;

	reset();
	a = node(0, 0x00, 0x10040, SETUP_RNG_SEED, 8);
	b = node(0, 0x40, a, SETUP_RNG_SEED, 8); /* a -> b -> a */
	KEXPECT_STREQ(t, setup_data_walk(a, &phys, count_nodes, &visited, &nodes), "the setup_data chain loops");
	KEXPECT_EQ(t, nodes, 2);
	KEXPECT_EQ(t, visited, 2);
	node(0, 0x40, 0x5000, SETUP_RNG_SEED, 8); /* b -> nowhere */
	KEXPECT_STREQ(t, setup_data_walk(a, &phys, count_nodes, &visited, &nodes),
		      "a setup_data header cannot be read");
	node(0, 0x40, 0, SETUP_RNG_SEED, 4096); /* b's data runs past readable memory */
	KEXPECT_STREQ(t, setup_data_walk(b, &phys, count_nodes, &visited, &nodes),
		      "a setup_data node's data cannot be read");
	node(2, 0x1e0, 0, SETUP_RNG_SEED, 0x100); /* its data: 0x100 bytes from 2^64 - 16 */
	KEXPECT_STREQ(t, setup_data_walk(0xffffffffffffffe0ull, &phys, count_nodes, &visited, &nodes),
		      "a setup_data node wraps past 2^64");
	KEXPECT_STREQ(t, setup_data_walk(0xfffffffffffffff8ull, &phys, count_nodes, &visited, &nodes),
		      "a setup_data header cannot be read"); /* the header itself would wrap */
	/* a ring of 32 nodes: 0x10000 + 16 * i, each pointing to the next */
	for (unsigned i = 0; i < 32; i++)
		node(0, 16 * i, 0x10000 + 16 * ((i + 1) % 32), SETUP_RNG_SEED, 0);
	KEXPECT_STREQ(t, setup_data_walk(0x10000, &phys, count_nodes, &visited, &nodes), "the setup_data chain loops");
	KEXPECT_EQ(t, nodes, 32);
}

static u64 systab(unsigned r, unsigned off, u64 sig, u32 header_size, u64 n)
{
	u8 *st = mem[r].bytes + off;

	put(st, sig, 8);
	put(st + EFI_TABLE_HEADER_SIZE_OFFSET, header_size, 4);
	put(st + EFI_SYSTAB_NR_TABLES, n, 8);
	return mem[r].pa + off;
}

KTEST(host_boot_handoff, configuration_tables_through_setup_efi)
{
	const u8 *array;
	u32 count;
	u64 st;

	reset();
	st = systab(1, 0x100, EFI_SYSTEM_TABLE_SIGNATURE, 0x78, 3);
	mem[0].bytes[0x80] = 0xaa; /* the first GUID's first byte */
	KEXPECT_TRUE(t, efi_handoff_config_tables(st, 0x10080, &phys, &array, &count) == NULL);
	KEXPECT_EQ(t, count, 3);
	KEXPECT_EQ(t, array[0], 0xaa);
	KEXPECT_STREQ(t, efi_handoff_config_tables(st, 0x101c0, &phys, &array, &count),
		      "the configuration-table array cannot be read"); /* 0x1c0 + 72 > 512 */
	KEXPECT_STREQ(t, efi_handoff_config_tables(st, 0, &phys, &array, &count),
		      "the configuration-table array cannot be read");
	KEXPECT_STREQ(t, efi_handoff_config_tables(0x5000, 0x10080, &phys, &array, &count),
		      "the EFI system table cannot be read");
	systab(1, 0x100, 0x1234, 0x78, 3);
	KEXPECT_STREQ(t, efi_handoff_config_tables(st, 0x10080, &phys, &array, &count),
		      "the EFI system table's signature is not \"IBI SYST\"");
	systab(1, 0x100, EFI_SYSTEM_TABLE_SIGNATURE, 0x60, 3);
	KEXPECT_STREQ(t, efi_handoff_config_tables(st, 0x10080, &phys, &array, &count),
		      "the EFI system table's HeaderSize stops short of ConfigurationTable");
	systab(1, 0x100, EFI_SYSTEM_TABLE_SIGNATURE, 0x78, 1025);
	KEXPECT_STREQ(t, efi_handoff_config_tables(st, 0x10080, &phys, &array, &count),
		      "the EFI system table claims more than 1024 configuration tables");
	systab(1, 0x100, EFI_SYSTEM_TABLE_SIGNATURE, 0x78, 0);
	KEXPECT_TRUE(t, efi_handoff_config_tables(st, 0, &phys, &array, &count) == NULL);
	KEXPECT_EQ(t, count, 0);
}

/* Endless distinct nodes: the header at any pa says next = pa + 16, type SETUP_RNG_SEED, len 0. */
static const void *ladder_read(void *ctx, u64 pa, u64 len)
{
	static u8 header[SETUP_DATA_HEADER];

	(void)ctx;
	if (len > SETUP_DATA_HEADER)
		return NULL;
	put(header, pa + 16, 8);
	put(header + 8, SETUP_RNG_SEED, 4);
	put(header + 12, 0, 4);
	return header;
}

KTEST(host_boot_handoff, setup_data_chain_is_bounded)
{
	const struct boot_phys ladder = { ladder_read, NULL };
	unsigned nodes, visited = 0;

	KEXPECT_STREQ(t, setup_data_walk(0x1000, &ladder, count_nodes, &visited, &nodes),
		      "the setup_data chain is longer than 256 nodes");
	KEXPECT_EQ(t, nodes, SETUP_DATA_MAX_NODES);
	KEXPECT_EQ(t, visited, SETUP_DATA_MAX_NODES);
}

/* The 64-bit entry's reader: bytes inside one e820 RAM entry, nothing else (the pointer is never
 * dereferenced here: these addresses are not the host's). */
KTEST(host_boot_handoff, e820_ram_reader_lends_only_ram)
{
	const struct e820_entry map[] = {
		{ 0, 0x9fc00, E820_TYPE_RAM },
		{ 0xf0000, 0x10000, 2 },
		{ 0x100000, 0x7ef00000, E820_TYPE_RAM },
	};
	struct e820_ram ram = { map, ARRAY_SIZE(map) };

	KEXPECT_TRUE(t, e820_ram_read(&ram, 0x1000, 16) == (const void *)0x1000);
	KEXPECT_TRUE(t, e820_ram_read(&ram, 0x9fbf0, 16) == (const void *)0x9fbf0); /* ends at the entry's end */
	KEXPECT_TRUE(t, e820_ram_read(&ram, 0x9fbf8, 16) == NULL);		     /* runs past it */
	KEXPECT_TRUE(t, e820_ram_read(&ram, 0xf0000, 16) == NULL);		     /* reserved */
	KEXPECT_TRUE(t, e820_ram_read(&ram, 0x9fc00, 0x100) == NULL);		     /* the hole */
	KEXPECT_TRUE(t, e820_ram_read(&ram, 0, 16) == NULL);			     /* address 0 */
	KEXPECT_TRUE(t, e820_ram_read(&ram, 0x1000, ~0ull) == NULL);		     /* wraps */
	KEXPECT_TRUE(t, e820_ram_read(&ram, 0x100000, 0x7ef00000) == (const void *)0x100000);
	KEXPECT_TRUE(t, e820_ram_read(&ram, 0x100000, 0x7ef00001) == NULL);
}
