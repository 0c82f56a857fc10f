/* SPDX-License-Identifier: MIT */
/*
 * handoff=self (issue 13): after its tests, stage 1 enters a copy of itself through the 64-bit boot
 * protocol as Linux's kexec_file_load would (arch/x86/kernel/kexec-bzimage64.c bzImage64_load() and
 * setup_boot_parameters(): a zero page with the image's setup header, e820 from the memory map, efi_info,
 * a SETUP_EFI node, the command line; entry at load address + 0x200 with RSI = boot_params, interrupts
 * off, on an identity map: Documentation/arch/x86/boot.rst "64-bit BOOT PROTOCOL"):
 *   - the copy goes to free EfiConventionalMemory of the final map, aligned to kernel_alignment (2 MiB);
 *   - e820 from the final map (kernel/boot/efi_to_e820.h), efi_info "EL64" with the system table (physical:
 *     ccktf never calls SetVirtualAddressMap) and the final map, SETUP_EFI with the configuration-table
 *     array, FirmwareVendor and SMBIOS (arch/x86/include/asm/efi.h struct efi_setup_data);
 *   - type_of_loader 0xff ("undefined": boot.rst "type_of_loader"), as no registered loader ID is ccktf's;
 *   - the command line "handoff=stage2".
 * .data is the image's as it was when the arguments were read (a snapshot, handoff_snapshot()), so stage
 * 2 does not inherit what stage 1's tests changed; .bss the entry zeroes; the relocations it re-applies
 * write absolute values (entry.asm apply_relocations), so re-applying them at another address is sound.
 * Platform none only, on one CPU: stage 2 refuses the models (their state lives in stage 1's memory), and
 * the APs of an smp boot would be parked in stage 1's memory, which stage 2 reuses.
 */
#include <arch/cpu.h>
#include <ccktf/args.h>
#include <ccktf/boot.h>
#include <ccktf/boot_steps.h>
#include <ccktf/console.h>
#include <ccktf/exit.h>
#include <ccktf/format.h>
#include <ccktf/platform.h>
#include <ccktf/smp.h>
#include <ccktf/string.h>

#include "boot/boot_params.h"
#include "boot/e820_alloc.h"
#include "boot/efi_to_e820.h"
#include "boot/setup_data.h"
#include <ccktf/handoff.h>

#define PAGE 4096ull
#define KERNEL_ALIGNMENT (2 * MiB) /* the header's kernel_alignment (pe_header.asm) */
#define ENTRY_64 0x200
#define HANDOFF_CEILING (4 * GiB) /* stage 2's own first map covers 4 GiB even without 1 GiB pages */
#define LOADER_UNDEFINED 0xff
#define STAGE2_CMDLINE "handoff=stage2"
#define BP_HDR_SETUP_START 0x1f1
#define BP_HDR_KERNEL_ALIGNMENT 0x230
#define HDR_MAGIC "HdrS"
#define DATA_SNAPSHOT_MAX (64 * 1024)

extern char __image_base[], __text_start[], __data_start[], __bss_start[], __bss_end[];

static enum handoff_mode mode;
static u8 data_snapshot[DATA_SNAPSHOT_MAX];
static bool snapshot_taken;
static struct e820_entry free_ram[256];
static struct e820_entry e820[E820_MAX_ENTRIES_ZEROPAGE];

enum handoff_mode handoff_mode(void)
{
	return mode;
}

static void handoff_snapshot(void)
{
	u64 len = (u64)(__bss_start - __data_start);

	if (len <= sizeof(data_snapshot)) {
		memcpy(data_snapshot, __data_start, len);
		snapshot_taken = true;
	}
}

static bool parse_handoff(const char *v)
{
	if (!strcmp(v, "none"))
		mode = HANDOFF_NONE;
	else if (!strcmp(v, "self"))
		mode = HANDOFF_SELF;
	else if (!strcmp(v, "stage2"))
		mode = HANDOFF_STAGE2;
	else
		return false;
	if (mode == HANDOFF_SELF)
		handoff_snapshot(); /* as early as the arguments are known: before the tests change .data */
	return true;
}

static bool reclaim = true;

static bool parse_reclaim(const char *v)
{
	return args_parse_flag(v, &reclaim);
}

static const struct arg_key_ext handoff_key = { "handoff", "none|self|stage2", parse_handoff };
static const struct arg_key_ext handoff_reclaim_key = { "handoff_reclaim", "1|0", parse_reclaim };
ARG_KEY_REGISTER(handoff_key);
ARG_KEY_REGISTER(handoff_reclaim_key);

static __noreturn void fail(const char *why)
{
	printk("# handoff: FATAL: %s\n", why);
	ccktf_exit(CCKTF_EXIT_CRASHED);
	__builtin_unreachable();
}

/* Free memory: the final map's EfiConventionalMemory, as e820 RAM for the allocator. */
static void find_free(struct e820_alloc *a, const struct memmap *m)
{
	const struct efi_memory_descriptor *d;
	unsigned n = 0;

	for_each_memmap_desc(m, i, d)
		if (d->type == EFI_CONVENTIONAL_MEMORY && n < ARRAY_SIZE(free_ram))
			free_ram[n++] = (struct e820_entry){ d->phys_start, d->num_pages * PAGE, E820_TYPE_RAM };
	e820_alloc_init(a, free_ram, n, HANDOFF_CEILING);
}

static u64 alloc_or_fail(struct e820_alloc *a, u64 bytes, const char *what)
{
	u64 pa = e820_alloc_pages(a, ALIGN_UP(bytes, PAGE) / PAGE);

	if (!pa)
		fail(what);
	return pa;
}

/* The setup header: the image's own (from its header page, which OVMF's PE loader maps with the image), with
 * the fields a loader writes. */
static void fill_header(u8 *bp, u64 cmdline, u64 setup_data)
{
	const u8 *hdr = (const u8 *)__image_base;

	if (!memcmp(hdr + BP_HDR_VERSION - 4, HDR_MAGIC, 4)) /* "HdrS" at 0x202 */
		memcpy(bp + BP_HDR_SETUP_START, hdr + BP_HDR_SETUP_START, 0x202 + hdr[0x201] - BP_HDR_SETUP_START);
	else
		bp_put(bp + BP_HDR_VERSION, 0x020f, 2);
	bp_put(bp + BP_HDR_TYPE_OF_LOADER, LOADER_UNDEFINED, 1);
	bp_put(bp + BP_HDR_CMD_LINE_PTR, (u32)cmdline, 4);
	bp_put(bp + BP_EXT_CMD_LINE_PTR, cmdline >> 32, 4);
	bp_put(bp + BP_HDR_CMDLINE_SIZE, sizeof(STAGE2_CMDLINE), 4);
	bp_put(bp + BP_HDR_SETUP_DATA, setup_data, 8);
}

static void fill_e820(u8 *bp, const struct memmap *m)
{
	unsigned n;
	const char *why = efi_to_e820(m, e820, ARRAY_SIZE(e820), &n);

	if (why)
		fail(why);
	bp_put(bp + BP_E820_ENTRIES, n, 1);
	for (unsigned i = 0; i < n; i++) {
		bp_put(bp + BP_E820_TABLE + i * E820_ENTRY_SIZE, e820[i].addr, 8);
		bp_put(bp + BP_E820_TABLE + i * E820_ENTRY_SIZE + 8, e820[i].size, 8);
		bp_put(bp + BP_E820_TABLE + i * E820_ENTRY_SIZE + 16, e820[i].type, 4);
	}
	printk("# handoff: e820 from the final memory map: %u entries\n", n);
}

static void fill_efi_info(u8 *bp, const struct efi_memmap_snapshot *final)
{
	u64 st = (u64)(uintptr_t)boot_info.st, map = (u64)(uintptr_t)final->buf;
	u8 *ei = bp + BP_EFI_INFO;

	memcpy(ei + EFI_INFO_LOADER_SIGNATURE, EFI64_LOADER_SIGNATURE, 4);
	bp_put(ei + EFI_INFO_SYSTAB, (u32)st, 4);
	bp_put(ei + EFI_INFO_SYSTAB_HI, st >> 32, 4);
	bp_put(ei + EFI_INFO_MEMDESC_SIZE, final->desc_size, 4);
	bp_put(ei + EFI_INFO_MEMDESC_VERSION, final->desc_version, 4);
	bp_put(ei + EFI_INFO_MEMMAP, (u32)map, 4);
	bp_put(ei + EFI_INFO_MEMMAP_HI, map >> 32, 4);
	bp_put(ei + EFI_INFO_MEMMAP_SIZE, final->map_size, 4);
}

static u64 smbios_table(void)
{
	return (u64)(uintptr_t)boot_config_table(&boot_info, (efi_guid_t)EFI_SMBIOS_TABLE_GUID);
}

/* struct setup_data { next, type, len } + struct efi_setup_data { fw_vendor, __unused, tables, smbios, ... } */
static void fill_setup_efi(u8 *node)
{
	const struct efi_system_table *st = boot_info.st;

	memset(node, 0, SETUP_DATA_HEADER + EFI_SETUP_DATA_SIZE);
	bp_put(node + 8, SETUP_EFI, 4);
	bp_put(node + 12, EFI_SETUP_DATA_SIZE, 4);
	bp_put(node + SETUP_DATA_HEADER + EFI_SETUP_FW_VENDOR, (u64)(uintptr_t)st->firmware_vendor, 8);
	bp_put(node + SETUP_DATA_HEADER + EFI_SETUP_TABLES, (u64)(uintptr_t)st->configuration_table, 8);
	bp_put(node + SETUP_DATA_HEADER + EFI_SETUP_SMBIOS, smbios_table(), 8);
}

/*
 * What an OS does to boot-services memory once ExitBootServices returned (UEFI 2.10 section 7.2: it is the
 * OS's "for use by the OS" then; Linux frees it in efi_free_boot_services()): reclaimed and reused, here
 * filled with HANDOFF_RECLAIM_BYTE, so stage 2 can tell which configuration tables were left there
 * (tests/handoff/handoff.c). ccktf's own memory is loader code/data, and what the copy needs is conventional.
 */
static void reclaim_boot_services(const struct memmap *m)
{
	const struct efi_memory_descriptor *d;
	u64 bytes = 0;

	for_each_memmap_desc(m, i, d)
		if (d->type == EFI_BOOT_SERVICES_CODE || d->type == EFI_BOOT_SERVICES_DATA) {
			memset((void *)(uintptr_t)d->phys_start, HANDOFF_RECLAIM_BYTE, d->num_pages * PAGE);
			bytes += d->num_pages * PAGE;
		}
	printk("# handoff: reclaimed %llu KiB of boot-services memory (filled with 0x%02x, as an OS reuses it)\n",
	       bytes / 1024, HANDOFF_RECLAIM_BYTE);
}

static const char *refusal(void)
{
	if (strcmp(platform_name(), "none"))
		return "handoff=self runs on platform none only: stage 2 cannot inherit a model's state";
	if (smp_get()->online > 1)
		return "handoff=self needs one CPU: the APs are parked in memory stage 2 reuses";
	if (!snapshot_taken)
		return ".data is larger than the snapshot kept for stage 2";
	if (!boot_info.st)
		return "no EFI system table to hand over";
	return NULL;
}

void handoff_if_asked(enum ccktf_exit verdict)
{
	struct memmap m = memmap_view(&boot_info.memmap);
	u64 image_bytes = (u64)(__bss_end - __text_start), copy, bp_pa, page;
	struct e820_alloc a;
	const char *why;
	u8 *bp;

	if (mode != HANDOFF_SELF)
		return;
	if ((why = refusal())) {
		printk("# handoff: refused: %s\n", why);
		ccktf_exit(CCKTF_EXIT_USAGE_ERROR);
	}
	if (verdict != CCKTF_EXIT_PASSED) {
		printk("# handoff: stage 1 did not pass: no hand-off\n");
		return;
	}
	if (reclaim)
		reclaim_boot_services(&m);
	find_free(&a, &m);
	copy = ALIGN_UP(alloc_or_fail(&a, image_bytes + KERNEL_ALIGNMENT, "no free memory for the image's copy"),
			KERNEL_ALIGNMENT);
	bp_pa = alloc_or_fail(&a, BOOT_PARAMS_SIZE, "no free page for boot_params");
	page = alloc_or_fail(&a, PAGE, "no free page for the command line and setup_data");
	bp = (u8 *)(uintptr_t)bp_pa;
	memset(bp, 0, BOOT_PARAMS_SIZE);
	memset((void *)(uintptr_t)page, 0, PAGE);
	memcpy((void *)(uintptr_t)page, STAGE2_CMDLINE, sizeof(STAGE2_CMDLINE));
	fill_setup_efi((u8 *)(uintptr_t)(page + 256));
	fill_header(bp, page, page + 256);
	fill_e820(bp, &m);
	fill_efi_info(bp, &boot_info.memmap);
	memcpy((void *)(uintptr_t)copy, __text_start, (u64)(__data_start - __text_start));
	memcpy((void *)(uintptr_t)(copy + (u64)(__data_start - __text_start)), data_snapshot,
	       (u64)(__bss_start - __data_start));
	printk("# handoff: stage 1 done; entering a copy at 0x%llx + 0x200 through the 64-bit boot protocol "
	       "(boot_params at 0x%llx, command line \"%s\")\n", copy, bp_pa, STAGE2_CMDLINE);
	cli();
	asm volatile("jmp *%0" : : "r"(copy + ENTRY_64), "S"(bp_pa) : "memory");
	__builtin_unreachable();
}
