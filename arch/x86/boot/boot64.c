/* SPDX-License-Identifier: MIT */
/*
 * C side of the 64-bit boot-protocol entry (bzimage_entry.asm): reached with interrupts off, on the
 * previous stage's page tables, RSI = boot_params (Documentation/arch/x86/boot.rst "64-bit BOOT
 * PROTOCOL"). Running the tests from here (stage 2 of issue 13: own page tables, e820, efi_info,
 * SETUP_EFI) does not exist yet, so this entry says so, reports what the loader handed over, and leaves
 * with usage-error through isa-debug-exit (arch/x86/exit.c; no platform is set up, so no confidential
 * platform's channel is used: on TDX or SNP hardware the port write raises #VE/#VC with no handler and
 * the guest stops, which is safe, not visible).
 */
#include <arch/uart.h>
#include <ccktf/console.h>
#include <ccktf/exit.h>

#include "boot/boot_params.h"

__noreturn void boot64_main(const u8 *boot_params);

__noreturn void boot64_main(const u8 *boot_params)
{
	struct boot_params_summary s;
	char line[256];

	uart_init();
	console_set_writer(uart_write);
	boot_params_summarize(boot_params, &s);
	boot_params_format(&s, line, sizeof(line));
	printk("\n# ccktf: entered through the 64-bit boot protocol (boot_params at 0x%llx); "
	       "running from there is not supported yet (issue 13), no test runs\n",
	       (u64)(uintptr_t)boot_params);
	printk("# ccktf: boot_params: %s\n", line);
	ccktf_exit(CCKTF_EXIT_USAGE_ERROR);
}
