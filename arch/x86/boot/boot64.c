/* SPDX-License-Identifier: MIT */
/*
 * C side of the 64-bit boot-protocol entry (bzimage_entry.asm): reached with interrupts off, on the
 * previous stage's page tables, RSI = boot_params (Documentation/arch/x86/boot.rst "64-bit BOOT
 * PROTOCOL"). Running the tests from here (stage 2 of issue 13: own page tables, e820, efi_info,
 * SETUP_EFI) does not exist yet, so this entry says so, reports what the loader handed over, and leaves
 * with usage-error through isa-debug-exit (arch/x86/exit.c; no platform is set up, so no confidential
 * platform's channel is used: on TDX or SNP hardware the port write raises #VE/#VC with no handler and
 * the guest stops, which is safe, not visible). Only memory inside e820 RAM is read beyond the zero page
 * (boot_params.h, e820_ram_read()): a pointer the loader puts elsewhere is reported, not followed.
 */
#include <arch/uart.h>
#include <ccktf/console.h>
#include <ccktf/exit.h>
#include <ccktf/format.h>

#include "boot/boot_params.h"
#include "boot/setup_data.h"

__noreturn void boot64_main(const u8 *boot_params);

static struct e820_entry e820[E820_MAX_ENTRIES_ZEROPAGE];

struct node_list {
	char text[160];
	size_t used;
};

static bool list_node(void *ctx, const struct setup_node *node)
{
	struct node_list *l = ctx;
	int n = snprintf(l->text + l->used, sizeof(l->text) - l->used, "%s%u/%u", l->used ? "," : "",
			 node->type, node->len);

	if (n > 0)
		l->used = MIN(l->used + (size_t)n, sizeof(l->text) - 1);
	return true;
}

/* "setup_data: nodes=2 (type/len: 9/32,4/96) SETUP_EFI tables=0x... fw_vendor=0x... smbios=0x...", or the
 * reasons a reader refused. */
static void report_setup_data(u64 first, const struct e820_ram *ram)
{
	const struct boot_phys phys = { e820_ram_read, (void *)ram };
	struct node_list list = { "", 0 };
	struct efi_setup efi;
	unsigned nodes;
	const char *why = setup_data_walk(first, &phys, list_node, &list, &nodes);
	const char *efi_why = why ? NULL : setup_data_find_efi(first, &phys, &efi);

	if (why) {
		printk("# ccktf: setup_data: refused after %u node(s): %s\n", nodes, why);
		return;
	}
	if (efi_why)
		printk("# ccktf: setup_data: nodes=%u (type/len: %s); %s\n", nodes, list.text, efi_why);
	else
		printk("# ccktf: setup_data: nodes=%u (type/len: %s) SETUP_EFI tables=0x%llx fw_vendor=0x%llx "
		       "smbios=0x%llx\n", nodes, list.text, efi.tables, efi.fw_vendor, efi.smbios);
}

__noreturn void boot64_main(const u8 *boot_params)
{
	struct boot_params_summary s;
	struct e820_ram ram = { e820, 0 };
	unsigned dropped;
	const char *why;
	char line[256];

	uart_init();
	console_set_writer(uart_write);
	boot_params_summarize(boot_params, &s);
	boot_params_format(&s, line, sizeof(line));
	printk("\n# ccktf: entered through the 64-bit boot protocol (boot_params at 0x%llx); "
	       "running from there is not supported yet (issue 13), no test runs\n",
	       (u64)(uintptr_t)boot_params);
	printk("# ccktf: boot_params: %s\n", line);
	why = boot_params_e820(boot_params, e820, ARRAY_SIZE(e820), &ram.count, &dropped);
	if (why)
		printk("# ccktf: e820: refused: %s (e820_entries=%u)\n", why, ram.count);
	else
		report_setup_data(s.setup_data, &ram);
	ccktf_exit(CCKTF_EXIT_USAGE_ERROR);
}
