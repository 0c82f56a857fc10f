/* SPDX-License-Identifier: MIT */
/*
 * The firmware's entry into the kernel (called by arch/x86/boot/entry.asm after self-relocation):
 * arguments, what the firmware knows (memory map, configuration tables, identity), TSC calibration, the
 * suites that need boot services, then ExitBootServices and the hand-over to kernel_main().
 */
#include <arch/cpu.h>
#include <arch/uart.h>
#include <ccktf/boot.h>
#include <ccktf/boot_steps.h>
#include <ccktf/console.h>
#include <ccktf/exit.h>
#include <ccktf/format.h>
#include <ccktf/handoff.h>
#include <ccktf/kernel.h>
#include <ccktf/ktest.h>
#include <ccktf/metric.h>
#include <ccktf/platform.h>
#include <ccktf/smp.h>
#include <ccktf/string.h>
#include <ccktf/time.h>
#include <ccktf/unaccepted.h>
#include "efi/acpi_pm.h"

#define KERNEL_STACK_PAGES 16

struct boot_info boot_info;

static __noreturn void fatal(const char *what, efi_status_t s)
{
	printk("# ccktf: FATAL: %s failed with EFI status 0x%llx\n", what, (unsigned long long)s);
	ccktf_exit(CCKTF_EXIT_CRASHED);
}

/*
 * Arguments come from LoadOptions (QEMU -append), or from the arguments file when the kernel was booted
 * from an ESP; both at once is a usage error: which one was meant cannot be known.
 */
static void read_args(struct boot_info *b)
{
	static char from_file[ARGS_TEXT_MAX];
	char err[160];
	bool found;

	if (EFI_IS_ERROR(efi_read_load_options(b, err, sizeof(err))))
		boot_usage_error(err);
	if (EFI_IS_ERROR(efi_read_args_file(b, from_file, &found, err, sizeof(err))))
		boot_usage_error(err);
	if (found && b->args.text[0] && from_file[0]) {
		snprintf(err, sizeof(err), "arguments given twice: in LoadOptions and in %s", ARGS_FILE_NAME_ASCII);
		boot_usage_error(err);
	}
	if (found) {
		printk("# ccktf: args-file=%s\n", ARGS_FILE_NAME_ASCII);
		if (from_file[0])
			memcpy(b->args.text, from_file, sizeof(from_file));
	}
	boot_parse_args(b);
}

static void read_firmware_identity(struct boot_info *b)
{
	const efi_char16_t *v = b->st->firmware_vendor;
	size_t i;

	for (i = 0; v && v[i] && i + 1 < sizeof(b->fw_vendor); i++)
		b->fw_vendor[i] = v[i] >= 0x20 && v[i] < 0x7f ? (char)v[i] : '?';
	b->fw_vendor[i] = '\0';
	b->fw_revision = b->st->firmware_revision;
	b->uefi_revision = b->st->hdr.revision;
	printk("# firmware: vendor=\"%s\" revision=0x%x uefi=%u.%u\n", b->fw_vendor, b->fw_revision,
	       b->uefi_revision >> 16, (b->uefi_revision & 0xffff) / 10);
}

static void stall_us(u64 us)
{
	boot_info.st->boot_services->stall(us);
}

static void calibrate_tsc(struct boot_info *b)
{
	char source[32];

	tsc_calibrate(stall_us, &b->tsc);
	metric_u64("tsc.frequency", b->tsc.measured_hz, "Hz", "source=stall");
	snprintf(source, sizeof(source), "source=%s", b->tsc.cpuid_source);
	if (b->tsc.cpuid_hz)
		metric_u64("tsc.frequency", b->tsc.cpuid_hz, "Hz", source);
	else
		printk("# tsc: CPUID 0x15/0x16 give no frequency on this CPU; only the Stall() measurement\n");
}

static void read_memmap(struct boot_info *b)
{
	efi_status_t s = efi_read_memmap(b, &b->memmap_boot);

	if (EFI_IS_ERROR(s))
		fatal("GetMemoryMap", s);
	memmap_print(&b->memmap_boot);
}

static void read_config_tables(struct boot_info *b)
{
	struct memmap map = memmap_view(&b->memmap_boot);

	efi_copy_config_tables(b);
	machine_set_acpi_pm1a_cnt(acpi_pm1a_cnt_port_in(efi_config_table(b->st, EFI_ACPI_20_TABLE_GUID), &map));
	boot_print_config_tables(b);
}

static void setup_platform_before_exit(struct boot_info *b)
{
	kernel_fatal_if("setup before ExitBootServices", platform_current()->setup_before_exit(b));
	kernel_fatal_if("finding unaccepted memory", unaccepted_setup(b));
	unaccepted_print_summary();
}

/* Everything allocated for after ExitBootServices, while allocation is still possible. */
static void prepare_take_over(struct boot_info *b, struct machine_plan *plan)
{
	plan->top = memmap_top(&b->memmap_boot);
	plan->table_pages = paging_pages_needed(plan->top);
	plan->tables = efi_allocate_pages(b, plan->table_pages, EFI_LOADER_DATA);
	plan->stack_pages = KERNEL_STACK_PAGES;
	plan->stack = efi_allocate_pages(b, KERNEL_STACK_PAGES, EFI_LOADER_DATA);
	if (!plan->tables || !plan->stack)
		fatal("AllocatePages for page tables and stack", EFI_OUT_OF_RESOURCES);
	b->memmap.desc_size = b->memmap_boot.desc_size;
	if (EFI_IS_ERROR(efi_read_memmap(b, &b->memmap)))
		fatal("GetMemoryMap", EFI_OUT_OF_RESOURCES);
}

EFIAPI efi_status_t efi_main(efi_handle_t image, struct efi_system_table *st);
EFIAPI efi_status_t efi_main(efi_handle_t image, struct efi_system_table *st)
{
	struct boot_info *b = &boot_info;
	struct machine_plan plan;
	efi_status_t s;

	b->entry_tsc = rdtsc(); /* first: the boot figures count from here (docs/protocol.md) */
	b->image = image;
	b->st = st;
	uart_init();
	console_set_writer(uart_write);
	machine_set_runtime_services(st->runtime_services);
	st->boot_services->set_watchdog_timer(0, 0, 0, NULL); /* the default 5-minute watchdog would reset */
	/* On a line of its own: firmware may leave escape codes without a newline, and Linux's KTAP parser
	 * strips every later line by the column at which it found the version line. */
	printk("\nKTAP version 1\n");
	printk("# ccktf: entry=efi\n");
	read_args(b);
	boot_select_platform(b);
	kernel_list_if_asked(&b->args);
	read_firmware_identity(b);
	efi_read_secure_boot(b);
	read_memmap(b);
	read_config_tables(b);
	calibrate_tsc(b);
	setup_platform_before_exit(b);
	smp_prepare(b); /* the MADT's CPUs; the AP trampoline's pages below 640 KiB */
	handoff_linux_prepare(b); /* handoff=linux: the bundle, read and checked before the tests */
	kernel_run_phase(KTEST_BEFORE_EXIT_BOOT_SERVICES);
	prepare_take_over(b, &plan);
	u64 start = time_now_ns();
	s = efi_exit_boot_services(b);
	b->exit_boot_services_ns = time_now_ns() - start;
	if (EFI_IS_ERROR(s))
		fatal("ExitBootServices", s);
	/* On TDX and SNP the firmware's #VE/#VC handler is no longer ours to use: the UART waits until the
	 * platform's own port I/O works (kernel_main), the output kept meanwhile. */
	if (cc_platform_has(CC_ATTR_GUEST_STATE_PROTECTED))
		console_hold();
	if (platform_current()->adjust_memmap)
		platform_current()->adjust_memmap(&b->memmap);
	unaccepted_record_final(&b->memmap);
	machine_take_over(&plan, kernel_main);
}
