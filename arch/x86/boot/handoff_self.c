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
 * Platform none, or a model (sim-tdx, sim-snp) whose state crosses as hardware state would: in reserved
 * pages named by a private setup_data node (handoff_model.c, arch/x86/sim/sim_handoff.h; docs/bzimage.md).
 * One CPU: the APs of an smp boot would be parked in stage 1's memory, which stage 2 reuses. Real TDX/SNP are
 * refused (stage 2's entry does port I/O before it has a #VE/#VC handler).
 */
#include <arch/cpu.h>
#include <ccktf/args.h>
#include <ccktf/boot.h>
#include <ccktf/console.h>
#include <ccktf/exit.h>
#include <ccktf/format.h>
#include <ccktf/platform.h>
#include <ccktf/smp.h>
#include <ccktf/string.h>

#include "boot/boot_params.h"
#include "boot/bzimage_hdr.h"
#include "handoff_lie.h"
#include "handoff_model.h"
#include "handoff_params.h"
#include "handoff_stage2_alloc.h"
#include <ccktf/handoff.h>

#define KERNEL_ALIGNMENT (2 * MiB) /* the header's kernel_alignment (pe_header.asm) */
#define STAGE2_CMDLINE "handoff=stage2"
#define HDR_MAGIC "HdrS"
#define DATA_SNAPSHOT_MAX (64 * 1024)
#define SETUP_EFI_OFFSET 256   /* in the command-line page: the SETUP_EFI node */
#define SETUP_MODEL_OFFSET 512 /* ... and a model's node after it (handoff_model.c) */

extern char __image_base[], __text_start[], __data_start[], __bss_start[], __bss_end[];

static enum handoff_mode mode;
static u8 data_snapshot[DATA_SNAPSHOT_MAX];
static bool snapshot_taken;

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
	else if (!strcmp(v, "linux"))
		mode = HANDOFF_LINUX; /* arch/x86/boot/handoff_linux.c */
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

static const struct arg_key_ext handoff_key = { "handoff", "none|self|linux|stage2", parse_handoff };
static const struct arg_key_ext handoff_reclaim_key = { "handoff_reclaim", "1|0", parse_reclaim };
ARG_KEY_REGISTER(handoff_key);
ARG_KEY_REGISTER(handoff_reclaim_key);

/* The setup header: the image's own (from its header page, which OVMF's PE loader maps with the image), with
 * the fields a loader writes. */
static void fill_header(u8 *bp, u64 cmdline, u64 setup_data)
{
	const u8 *hdr = (const u8 *)__image_base;

	if (!memcmp(hdr + BP_HDR_HEADER, HDR_MAGIC, 4))
		memcpy(bp + BP_HDR_SETUP_START, hdr + BP_HDR_SETUP_START, bzimage_header_end(hdr) - BP_HDR_SETUP_START);
	else
		bp_put(bp + BP_HDR_VERSION, 0x020f, 2);
	bp_put(bp + BP_HDR_TYPE_OF_LOADER, HANDOFF_LOADER_UNDEFINED, 1);
	bp_put(bp + BP_HDR_CMD_LINE_PTR, (u32)cmdline, 4);
	bp_put(bp + BP_EXT_CMD_LINE_PTR, cmdline >> 32, 4);
	bp_put(bp + BP_HDR_CMDLINE_SIZE, strlen((const char *)(uintptr_t)cmdline) + 1, 4);
	bp_put(bp + BP_HDR_SETUP_DATA, setup_data, 8);
}

/* "handoff=stage2", with stage 1's platform when its state crosses (platform_ops.handoff) and its tests= when
 * it gave one: stage 2 runs on the platform stage 1 ran on (a model's state crosses, handoff_model.c) and the
 * same selection. */
static char stage2_line[1024];

/* Writes stage2_line; returns the length the whole line needs (sizeof(stage2_line) or more: it did not fit). */
static size_t stage2_cmdline(void)
{
	const struct kernel_args *a = &boot_info.args;
	size_t size = sizeof(stage2_line), n = (size_t)snprintf(stage2_line, size, "%s", STAGE2_CMDLINE);

	if (n < size && platform_current()->handoff)
		n += (size_t)snprintf(stage2_line + n, size - n, " platform=%s", platform_name());
	if (n < size && handoff_stage2_alloc_bytes())
		n += (size_t)snprintf(stage2_line + n, size - n, " handoff_stage2_alloc=%llu",
				      handoff_stage2_alloc_bytes());
	if (n < size && a->tests && strcmp(a->tests, "*"))
		n += (size_t)snprintf(stage2_line + n, size - n, " tests=%s", a->tests);
	return n;
}

static const char *refusal(void)
{
	const char *why = handoff_platform_refusal();

	if (why || (why = handoff_lie_refusal()))
		return why;
	if (smp_get()->online > 1)
		return "handoff=self needs one CPU: the APs are parked in memory stage 2 reuses";
	if (!snapshot_taken)
		return ".data is larger than the snapshot kept for stage 2";
	if (!boot_info.st)
		return "no EFI system table to hand over";
	/* cut short, stage 2 would run another selection than stage 1 was given, and could pass */
	if (stage2_cmdline() >= SETUP_EFI_OFFSET)
		return "stage 2's command line (handoff=stage2, platform=, tests=) would not fit the 255 bytes kept for "
		       "it: select the tests with fewer or shorter patterns";
	return NULL;
}

void handoff_if_asked(enum ccktf_exit verdict)
{
	struct memmap m = memmap_view(&boot_info.memmap);
	u64 image_bytes = (u64)(__bss_end - __text_start), copy, bp_pa, page;
	struct e820_alloc a;
	u8 *bp;

	if (mode != HANDOFF_SELF)
		return;
	if (!handoff_may_go(verdict, refusal()))
		return;
	handoff_lie_apply(&m); /* handoff_lie= (handoff_lie.c): before the reclaim */
	if (reclaim)
		handoff_reclaim_boot_services(&m);
	handoff_free_init(&a, &m, HANDOFF_CEILING);
	copy = ALIGN_UP(handoff_alloc(&a, image_bytes + KERNEL_ALIGNMENT, "no free memory for the image's copy"),
			KERNEL_ALIGNMENT);
	bp_pa = handoff_alloc(&a, BOOT_PARAMS_SIZE, "no free page for boot_params");
	page = handoff_alloc(&a, HANDOFF_PAGE, "no free page for the command line and setup_data");
	bp = (u8 *)(uintptr_t)bp_pa;
	memset(bp, 0, BOOT_PARAMS_SIZE);
	memset((void *)(uintptr_t)page, 0, HANDOFF_PAGE);
	memcpy((void *)(uintptr_t)page, stage2_line, strlen(stage2_line) + 1); /* fits: refusal() */
	handoff_fill_setup_efi((u8 *)(uintptr_t)(page + SETUP_EFI_OFFSET));
	if (handoff_model_node((u8 *)(uintptr_t)(page + SETUP_MODEL_OFFSET)))
		bp_put((u8 *)(uintptr_t)(page + SETUP_EFI_OFFSET), page + SETUP_MODEL_OFFSET, 8); /* SETUP_EFI's next */
	fill_header(bp, page, page + SETUP_EFI_OFFSET);
	handoff_fill_e820(bp, &m, &a);
	handoff_fill_efi_info(bp, &boot_info.memmap);
	memcpy((void *)(uintptr_t)copy, __text_start, (u64)(__data_start - __text_start));
	memcpy((void *)(uintptr_t)(copy + (u64)(__data_start - __text_start)), data_snapshot,
	       (u64)(__bss_start - __data_start));
	printk("# handoff: stage 1 done; entering a copy at 0x%llx + 0x200 through the 64-bit boot protocol "
	       "(boot_params at 0x%llx, command line \"%s\")\n", copy, bp_pa, (const char *)(uintptr_t)page);
	handoff_platform_finish();
	handoff_enter(copy + HANDOFF_ENTRY_64, bp_pa);
}
