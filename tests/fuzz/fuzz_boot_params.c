/* SPDX-License-Identifier: MIT */
/*
 * Target boot_params: what a boot loader of the 64-bit boot protocol hands over (issue 13, stage 2): the
 * zero page (kernel/boot/boot_params.c: headline fields, e820 table, efi_info, command line), the
 * setup_data chain and its SETUP_EFI node (setup_data.c), and the configuration-table array they lead to
 * (efi_handoff.c). A loader is the previous stage (a kexec-ing kernel, a host-controlled one) and is not
 * trusted.
 *
 * Input: 4096 bytes of zero page, u32 cmdline_size, then the physical memory model of fuzz.h (u8 regions,
 * then per region u64 pa, u16 len, len bytes), which holds the command line, the setup_data nodes, the
 * system table and the configuration tables, then u64 pa and u64 len for the 64-bit entry's e820 RAM
 * reader. The chain starts at the page's hdr.setup_data.
 *
 * Held to: every e820 entry kept is nonzero and does not wrap, at most 128; e820_ram_read() lends exactly
 * the ranges inside one RAM entry (against 128-bit arithmetic); a command line is shorter than
 * the buffer and cmdline_size and holds no NUL; every setup_data node's data is readable in full (ASan
 * reads all of it); the table array holds count * 24 readable bytes, count <= 1024; and the formatter runs
 * on the summary.
 */
#include "fuzz.h"
#include "boot/boot_params.h"
#include "boot/efi_handoff.h"
#include "boot/setup_data.h"

static volatile u8 sink;

static void touch(const u8 *p, u64 len)
{
	for (u64 i = 0; i < len; i++)
		sink ^= p[i];
}

static bool visit(void *ctx, const struct setup_node *node)
{
	(*(unsigned *)ctx)++;
	touch(node->data, node->len);
	return true;
}

/* e820_ram_read()'s answer against 128-bit arithmetic: lent exactly when [pa, pa + len) lies in one RAM
 * entry (pa != 0). */
static void check_ram_reader(const struct e820_entry *e, unsigned count, u64 pa, u64 len)
{
	struct e820_ram ram = { e, count };
	bool inside = false;

	for (unsigned i = 0; i < count && pa; i++)
		inside |= e[i].type == E820_TYPE_RAM && pa >= e[i].addr &&
			  (unsigned __int128)pa + len <= (unsigned __int128)e[i].addr + e[i].size;
	if ((e820_ram_read(&ram, pa, len) != NULL) != inside)
		abort();
}

static void check_e820(const u8 *bp, u64 pa, u64 len)
{
	struct e820_entry out[E820_MAX_ENTRIES_ZEROPAGE];
	unsigned count, dropped;

	if (boot_params_e820(bp, out, E820_MAX_ENTRIES_ZEROPAGE, &count, &dropped))
		return;
	if (count + dropped > E820_MAX_ENTRIES_ZEROPAGE)
		abort();
	for (unsigned i = 0; i < count; i++)
		if (!out[i].size || out[i].addr + out[i].size < out[i].addr)
			abort();
	check_ram_reader(out, count, pa, len);
	if (count) /* and at the edges of an entry the input names */
		check_ram_reader(out, count, out[pa % count].addr + len % 64, out[pa % count].size - len % 64);
}

static void check_cmdline(const u8 *bp, const struct boot_phys *phys, u32 max)
{
	char line[2049];

	if (boot_params_cmdline(bp, phys, max, line, sizeof(line)))
		return;
	if (strlen(line) >= sizeof(line) || strlen(line) > max)
		abort();
}

static void check_efi(const u8 *bp, const struct boot_phys *phys, u64 first)
{
	struct efi_info info;
	struct efi_setup setup;
	const u8 *array;
	u32 count;

	if (boot_params_efi_info(bp, &info) || setup_data_find_efi(first, phys, &setup))
		return;
	if (efi_handoff_config_tables(info.systab, setup.tables, phys, &array, &count))
		return;
	if (count > EFI_CONFIG_TABLES_MAX)
		abort();
	touch(array, (u64)count * EFI_CONFIG_TABLE_SIZE);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct fz in = { data, size };
	u8 *bp = malloc(BOOT_PARAMS_SIZE);
	struct boot_params_summary s;
	struct fz_phys pm;
	struct boot_phys phys = { fz_phys_read, &pm };
	unsigned nodes = 0, visited = 0;
	char line[256];
	u64 probe_pa, probe_len;
	u32 max;

	if (!bp)
		abort();
	fz_copy(&in, bp, BOOT_PARAMS_SIZE);
	max = fz_u32(&in) % 4096;
	fz_phys_load(&in, &pm);
	probe_pa = fz_u64(&in);
	probe_len = fz_u64(&in);

	boot_params_summarize(bp, &s);
	boot_params_format(&s, line, sizeof(line));
	check_e820(bp, probe_pa, probe_len);
	check_cmdline(bp, &phys, max);
	(void)setup_data_walk(s.setup_data, &phys, visit, &visited, &nodes);
	if (nodes > SETUP_DATA_MAX_NODES || visited > nodes)
		abort();
	check_efi(bp, &phys, s.setup_data);

	fz_phys_free(&pm);
	free(bp);
	return 0;
}
