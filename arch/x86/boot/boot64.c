/* SPDX-License-Identifier: MIT */
/*
 * C side of the 64-bit boot-protocol entry (bzimage_entry.asm): reached with interrupts off, on the
 * previous stage's page tables, RSI = boot_params (Documentation/arch/x86/boot.rst "64-bit BOOT
 * PROTOCOL"). Boot services are gone (the previous stage called ExitBootServices), so this entry gathers
 * from what the loader handed over what efi_main() asks the firmware for, and then runs the same steps:
 *   - its own identity map first (boot64_paging.c), so nothing of the loader's stays in use;
 *   - memory from the zero page's e820 table (plus SETUP_E820_EXT nodes), and a memory map synthesized
 *     from it (kernel/boot/e820_memmap.h) in place of the EFI map;
 *   - pages for the kernel's page tables and stack from e820 RAM that neither the image, boot_params, the
 *     command line, setup_data, the initrd nor the EFI runtime map occupies (kernel/boot/e820_alloc.h);
 *   - the EFI system table from efi_info ("EL64"), its NumberOfTableEntries, and the configuration-table
 *     array at the PHYSICAL address SETUP_EFI gives (the system table's pointers are virtual after
 *     SetVirtualAddressMap: Linux arch/x86/platform/efi/quirks.c efi_reuse_config(),
 *     arch/x86/kernel/kexec-bzimage64.c setup_efi_state(), drivers/firmware/efi/efi.c
 *     efi_config_parse_tables());
 *   - the LINUX_EFI_UNACCEPTED_MEM_TABLE among them, by its GUID, its header validated (version 1: Linux
 *     drivers/firmware/efi/unaccepted_memory.c, kernel/mm/unaccepted.c);
 *   - the arguments from the boot_params command line (the same parser as LoadOptions);
 *   - the TSC against the 8254 PIT (arch/x86/cpu/pit.c) in place of Stall().
 * Then the suites that need boot services skip, saying why, and machine_take_over() hands over to
 * kernel_main() as after ExitBootServices.
 *
 * Platform none, or a hardware model whose state the previous stage handed over (handoff=self: a private
 * setup_data node, arch/sim.h SIM_SETUP_DATA_TYPE; a kexec from Linux brings none, so the models are
 * refused then); on real TDX or SNP hardware the native port I/O of this path raises #VE/#VC with no
 * handler installed, so the guest stops without output (docs/bzimage.md). On a platform that accepts
 * memory, the inherited unaccepted table is this stage's bitmap, and what it calls unaccepted is reserved
 * before anything is allocated, as Linux memblock_reserve()s it (drivers/firmware/efi/efi.c
 * reserve_unaccepted()); the early allocations stay below 4 GiB, where OVMF leaves memory accepted by
 * default (OvmfPkg/Library/PlatformInitLib/IntelTdx.c, OvmfPkg/PlatformPei/AmdSev.c), though not always:
 * with sim_unaccepted=SIZE the model's pending memory lies below 4 GiB too (kept out by the reservation
 * alone), and sim_fw_bug=pending-tail leaves pending RAM there that no table names, which is why under a
 * model every page handed out is checked against the model's state (early_pages()). The first bytes of
 * every configuration table are copied before the first allocation (handoff_probe.c), for the handoff suite.
 */
#include <arch/cpu.h>
#include <arch/machine.h>
#include <arch/sim.h>
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
#include <ccktf/unaccepted.h>
#include <ccktf/string.h>
#include <ccktf/time.h>

#include "boot/boot_params.h"
#include "boot/e820_alloc.h"
#include "boot/e820_ext.h"
#include "boot/e820_memmap.h"
#include "boot/efi_handoff.h"
#include "boot/setup_data.h"
#include "efi/acpi_pm.h"
#include "mm/unaccepted.h"
#include "handoff_stage2_alloc.h"
#include "boot64.h"

#define KERNEL_STACK_PAGES 16
#define E820_MAX 256 /* the zero page's 128 and SETUP_E820_EXT's */
#define MEMMAP_DESCS E820_MAX
#define NO_BOOT_SERVICES "entered through the 64-bit boot protocol: no EFI boot services"
#define EFI_SYSTAB_FW_REVISION 0x20 /* UEFI 2.10 4.3 on x64: after the header and FirmwareVendor */
#define EFI_TABLE_HEADER_REVISION 0x08

__noreturn void boot64_main(const u8 *boot_params);
extern char __text_start[], __bss_end[];

static struct e820_entry e820[E820_MAX];
static unsigned e820_count;
static struct efi_memory_descriptor memmap_descs[MEMMAP_DESCS];
static struct e820_alloc alloc;
static u64 mapped_top;

/* Firmware memory (system table, configuration tables) may be in any e820 type: anything below the top of
 * the entry's own identity map can be read. */
static const void *mapped_read(void *ctx, u64 pa, u64 len)
{
	(void)ctx;
	return pa && len <= mapped_top && pa <= mapped_top - len ? (const void *)(uintptr_t)pa : NULL;
}

static const struct boot_phys firmware_phys = { mapped_read, NULL };

static const void *mapped_read_at(u64 pa, u64 len)
{
	return mapped_read(NULL, pa, len);
}

static __noreturn void refuse(const char *what, const char *why)
{
	printk("# ccktf: usage error: %s: %s\n", what, why);
	ccktf_exit(CCKTF_EXIT_USAGE_ERROR);
	__builtin_unreachable();
}

/* What the one walk of the setup_data chain keeps: each node's range (the allocator reserves them once it
 * exists), a "type/len" list, the first SETUP_EFI node; SETUP_E820_EXT entries go straight into e820[]. */
struct setup_scan {
	const char *e820_why;
	char list[160];
	size_t used;
	unsigned nodes;
	struct { u64 pa, len; } held[SETUP_DATA_MAX_NODES];
	bool efi_found;
	struct setup_node efi;
	bool model_found; /* a hardware model's state (handoff=self under sim-tdx) */
	struct setup_node model;
};

static struct setup_scan scan;

static bool scan_node(void *ctx, const struct setup_node *node)
{
	struct setup_scan *sc = ctx;
	int n;

	/* SETUP_E820_EXT nodes: the e820 entries beyond the zero page's 128 (kernel/boot/e820_ext.h) */
	sc->e820_why = e820_ext_append(node, e820, &e820_count, E820_MAX);
	if (sc->e820_why)
		return false;
	n = snprintf(sc->list + sc->used, sizeof(sc->list) - sc->used, "%s%u/%u", sc->used ? "," : "",
		     node->type, node->len);
	if (n > 0)
		sc->used = MIN(sc->used + (size_t)n, sizeof(sc->list) - 1);
	sc->held[sc->nodes].pa = node->pa; /* setup_data_walk() stops before SETUP_DATA_MAX_NODES + 1 */
	sc->held[sc->nodes++].len = SETUP_DATA_HEADER + (u64)node->len;
	if (node->type == SETUP_EFI && !sc->efi_found) {
		sc->efi_found = true;
		sc->efi = *node;
	}
	if (node->type == SIM_SETUP_DATA_TYPE && !sc->model_found) {
		sc->model_found = true;
		sc->model = *node;
	}
	return true;
}

/* The zero page's e820 table, then the setup_data chain walked once (readable: inside the zero page's RAM)
 * for SETUP_E820_EXT entries and what read_setup_data() reports. */
static void read_e820(const u8 *bp, u64 setup_data)
{
	struct e820_ram ram;
	const struct boot_phys phys = { e820_ram_read, &ram };
	unsigned dropped, nodes;
	const char *why = boot_params_e820(bp, e820, E820_MAX_ENTRIES_ZEROPAGE, &e820_count, &dropped);

	if (why)
		refuse("the zero page's e820 table", why);
	ram = (struct e820_ram){ e820, e820_count };
	scan.list[0] = '\0';
	why = setup_data_walk(setup_data, &phys, scan_node, &scan, &nodes);
	if (why || scan.e820_why)
		refuse("the setup_data chain", why ? why : scan.e820_why);
	printk("# ccktf: e820: %u entries (%u from the zero page)\n", e820_count, ram.count);
	for (unsigned i = 0; i < e820_count; i++)
		printk("#   e820 [0x%llx-0x%llx] type %u\n", e820[i].addr, e820[i].addr + e820[i].size - 1, e820[i].type);
}

/* "setup_data: nodes=2 (type/len: 9/32,4/96) SETUP_EFI tables=0x... fw_vendor=0x... smbios=0x..." from the
 * walk read_e820() made; the SETUP_EFI node into *efi, or false with the reason printed. What the loader put
 * there stays in use: the allocator never hands it out. */
static bool read_setup_data(struct efi_setup *efi)
{
	const char *efi_why = setup_data_efi(scan.efi_found ? &scan.efi : NULL, efi);

	for (unsigned i = 0; i < scan.nodes; i++)
		e820_alloc_reserve(&alloc, scan.held[i].pa, scan.held[i].len);
	if (efi_why) {
		printk("# ccktf: setup_data: nodes=%u (type/len: %s); %s\n", scan.nodes, scan.list, efi_why);
		return false;
	}
	printk("# ccktf: setup_data: nodes=%u (type/len: %s) SETUP_EFI tables=0x%llx fw_vendor=0x%llx "
	       "smbios=0x%llx\n", scan.nodes, scan.list, efi->tables, efi->fw_vendor, efi->smbios);
	return true;
}

/* What the loader says is in use, so the allocator never hands it out (boot.rst "64-bit BOOT PROTOCOL"). */
static void reserve_loader_ranges(const u8 *bp, const struct boot_params_summary *s, const struct efi_info *ei)
{
	u64 image = (u64)(uintptr_t)__text_start;
	u64 initrd = bp_get(bp + BP_HDR_RAMDISK_IMAGE, 4) | bp_get(bp + BP_EXT_RAMDISK_IMAGE, 4) << 32;
	u64 initrd_size = bp_get(bp + BP_HDR_RAMDISK_SIZE, 4) | bp_get(bp + BP_EXT_RAMDISK_SIZE, 4) << 32;

	e820_alloc_init(&alloc, e820, e820_count, mapped_top);
	e820_alloc_reserve(&alloc, image, (u64)(uintptr_t)__bss_end - image);
	e820_alloc_reserve(&alloc, (u64)(uintptr_t)bp, BOOT_PARAMS_SIZE);
	e820_alloc_reserve(&alloc, s->cmd_line_ptr, bp_get(bp + BP_HDR_CMDLINE_SIZE, 4) + 1);
	e820_alloc_reserve(&alloc, initrd, initrd_size);
	if (ei)
		e820_alloc_reserve(&alloc, ei->memmap, ei->memmap_size);
}

static void read_args(struct boot_info *b, const u8 *bp)
{
	struct e820_ram ram = { e820, e820_count };
	const struct boot_phys phys = { e820_ram_read, &ram };
	const char *why = boot_params_cmdline(bp, &phys, (u32)bp_get(bp + BP_HDR_CMDLINE_SIZE, 4), b->args.text,
					      sizeof(b->args.text));

	if (why)
		boot_usage_error(why);
	boot_parse_args(b);
}

/* A model runs only on the state a previous ccktf stage handed over (handoff=self): a kexec from Linux
 * brings none of it. */
static void select_platform(struct boot_info *b)
{
	boot_select_platform(b);
	if (cc_platform_has(CC_ATTR_HW_MODEL) && !scan.model_found)
		refuse(platform_name(), "the 64-bit boot-protocol entry runs a model only on the state a previous ccktf "
				        "stage handed over (handoff=self); a kexec from Linux brings none");
	if (!cc_platform_has(CC_ATTR_HW_MODEL) && cc_platform_has(CC_ATTR_GUEST_STATE_PROTECTED))
		refuse(platform_name(), "the 64-bit boot-protocol entry does not run on TDX/SNP hardware: this path's "
				        "port I/O would need #VE/#VC handlers");
	if (platform_current()->accept_range)
		alloc.ceiling = MIN(alloc.ceiling, 4 * GiB);
}

/*
 * Under a model, what the allocator hands out must be accepted memory: e820 RAM may still be pending (a
 * previous stage that handed over no table, or left pending memory outside it: sim_fw_bug=pending-tail), and
 * before the model attaches nothing here would fault on it, where on hardware the first write ends the
 * guest (TDX with SEPT_VE_DISABLE; otherwise a #VE/#VC with no handler yet). So every page handed out is
 * asked of the model (platform_ops.page_state, from the state it adopted): pages handed out while it
 * adopted (its own tables) right after the adoption, later ones at once; a pending page ends the boot as
 * the guest would end (crashed), naming it. On hardware page_state would accept the page: not asked.
 */
struct early_grant {
	u64 pa, pages;
};
static struct early_grant grants[32];
static unsigned grant_count;
static bool model_state_adopted;

static void check_accepted(u64 pa, u64 pages)
{
	u64 raw;

	for (u64 page = pa; page < pa + pages * EFI_PAGE_SIZE; page += EFI_PAGE_SIZE) {
		enum cc_page_state st = platform_current()->page_state(page, &raw);
		if (st != CC_PAGE_PENDING && st != CC_PAGE_UNKNOWN)
			continue;
		printk("# ccktf: %s: the early allocator handed out [0x%llx-0x%llx), whose page 0x%llx the model holds "
		       "%s (raw status 0x%llx): e820 RAM no table calls unaccepted; on hardware the first write there "
		       "ends the guest: ended\n", platform_name(), pa, pa + pages * EFI_PAGE_SIZE, page,
		       st == CC_PAGE_PENDING ? "pending" : "of unknown state", raw);
		ccktf_exit(CCKTF_EXIT_CRASHED);
	}
}

static u64 early_pages(u64 pages)
{
	u64 pa = e820_alloc_pages(&alloc, pages);

	if (!pa || !cc_platform_has(CC_ATTR_HW_MODEL) || !platform_current()->page_state)
		return pa;
	if (model_state_adopted)
		check_accepted(pa, pages);
	else if (grant_count < ARRAY_SIZE(grants))
		grants[grant_count++] = (struct early_grant){ pa, pages };
	else
		refuse("the early allocator", "more grants before the model's state is adopted than it keeps to check");
	return pa;
}

static bool e820_ram_overlaps(void *ctx, u64 start, u64 end)
{
	(void)ctx;
	for (unsigned i = 0; i < e820_count; i++)
		if (e820[i].type == E820_TYPE_RAM && start < e820[i].addr + e820[i].size && e820[i].addr < end)
			return true;
	return false;
}

static const void *read_phys(u64 pa, u64 bytes)
{
	return mapped_read(NULL, pa, bytes);
}

/* The model takes its state over (platform_handoff_ops.adopt), after what is unaccepted is reserved: what it
 * allocates for itself comes from this stage's allocator. The platform checks what the node names before it
 * adopts it: this stage trusts no address the previous stage names. */
static void adopt_model(void)
{
	const struct handoff_stage2 env = { read_phys, e820_ram_overlaps, early_pages };
	const struct platform_handoff_ops *h = platform_current()->handoff;
	const char *why;

	if (!cc_platform_has(CC_ATTR_HW_MODEL))
		return;
	if (scan.model.len != SIM_SETUP_DATA_LEN)
		refuse("the model's setup_data node", "wrong length");
	if (!h || !h->adopt)
		refuse(platform_name(), "this model cannot take its state over from a previous stage");
	why = h->adopt(bp_get(scan.model.data, 8), bp_get(scan.model.data + 8, 8), &env);
	if (why)
		refuse("the model's state from the previous stage", why);
	model_state_adopted = true;
	for (unsigned i = 0; i < grant_count; i++)
		check_accepted(grants[i].pa, grants[i].pages);
	printk("# ccktf: %s: the model's state taken over from the previous stage (setup_data type 0x%x)\n",
	       platform_name(), SIM_SETUP_DATA_TYPE);
}

/* handoff_stage2_alloc=SIZE: as a larger kernel's early allocations, checked as every other (early_pages()) */
static void take_stage2_alloc(void)
{
	u64 bytes = handoff_stage2_alloc_bytes(), pa;

	if (!bytes)
		return;
	pa = early_pages(ALIGN_UP(bytes, EFI_PAGE_SIZE) / EFI_PAGE_SIZE);
	if (!pa)
		refuse("handoff_stage2_alloc", "the early allocator has no free range that large below its ceiling");
	printk("# ccktf: handoff_stage2_alloc: [0x%llx-0x%llx) from the early allocator\n", pa,
	       pa + ALIGN_UP(bytes, EFI_PAGE_SIZE));
}

/* "# firmware:" as efi_main prints it, FirmwareVendor read at SETUP_EFI's physical fw_vendor. */
static void read_firmware_identity(struct boot_info *b, u64 systab, u64 fw_vendor)
{
	const u8 *st = mapped_read(NULL, systab, EFI_SYSTAB_MIN_SIZE);
	size_t i = 0;

	for (const u8 *c; i + 1 < sizeof(b->fw_vendor) && (c = mapped_read(NULL, fw_vendor + 2 * i, 2)); i++) {
		u16 ch = (u16)bp_get(c, 2);
		if (!ch)
			break;
		b->fw_vendor[i] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
	}
	b->fw_vendor[i] = '\0';
	b->fw_revision = st ? (u32)bp_get(st + EFI_SYSTAB_FW_REVISION, 4) : 0;
	b->uefi_revision = st ? (u32)bp_get(st + EFI_TABLE_HEADER_REVISION, 4) : 0;
	printk("# firmware: vendor=\"%s\" revision=0x%x uefi=%u.%u\n", b->fw_vendor, b->fw_revision,
	       b->uefi_revision >> 16, (b->uefi_revision & 0xffff) / 10);
}

static void read_efi(struct boot_info *b, const struct efi_info *ei, bool have_setup_efi,
		     const struct efi_setup *efi)
{
	const u8 *array;
	u32 count;
	const char *why;

	if (!ei || !have_setup_efi) {
		printk("# config tables: none (%s)\n", !ei ? "no usable efi_info" : "no SETUP_EFI setup_data");
		return;
	}
	why = efi_handoff_config_tables(ei->systab, efi->tables, &firmware_phys, &array, &count);
	if (why) {
		printk("# config tables: none (refused: %s)\n", why);
		return;
	}
	boot_set_config_tables(b, array, count);
	/* a table the previous stage reclaimed lies in e820 RAM now: keep at least its first page, so ccktf's own
	 * allocations do not overwrite what the tests read (its size is not known from the array) */
	for (u64 i = 0; i < b->config_table_count; i++)
		e820_alloc_reserve(&alloc, ALIGN_DOWN((u64)(uintptr_t)b->config_tables[i].table, 4096), 4096);
	read_firmware_identity(b, ei->systab, efi->fw_vendor);
	boot_print_config_tables(b);
}

/* The table and every run of units it calls unaccepted: never handed out (reserve_unaccepted()). */
static void reserve_unaccepted(const struct efi_unaccepted_memory *t, u64 pa)
{
	u64 first, end, from = 0, runs = 0;
	bool ok = e820_alloc_reserve(&alloc, pa, UNACCEPTED_HEADER_SIZE + t->size);

	while (ok && unaccepted_next_run(t, from, unaccepted_units(t), &first, &end)) {
		ok = e820_alloc_reserve(&alloc, unaccepted_unit_range(t, first).start, (end - first) * t->unit_size);
		from = end;
		runs++;
	}
	if (!ok)
		refuse("the inherited unaccepted table", "more runs of unaccepted units than the early allocator can "
							 "keep out of its way");
	printk("# unaccepted: reserved the table and %llu run(s) of unaccepted units from early allocations\n", runs);
}

/* The inherited LINUX_EFI_UNACCEPTED_MEM_TABLE, found by its GUID, its header checked, reserved; on a
 * platform that accepts memory it is this stage's bitmap (a previous stage's, as unaccepted_setup() reuses
 * one), on platform none it is reported, not used. */
static void adopt_unaccepted(const struct boot_info *b)
{
	u64 pa = (u64)(uintptr_t)boot_config_table(b, (efi_guid_t)LINUX_EFI_UNACCEPTED_MEM_TABLE_GUID);
	struct efi_unaccepted_memory *t = pa ? (void *)(uintptr_t)mapped_read(NULL, pa, UNACCEPTED_HEADER_SIZE) : NULL;
	struct mm_error e;

	mm_error_clear(&e);
	if (!pa)
		printk("# unaccepted: no LINUX_EFI_UNACCEPTED_MEM_TABLE among the configuration tables\n");
	else if (!t)
		printk("# unaccepted: FINDING: the table at 0x%llx cannot be read\n", pa);
	else if (!unaccepted_header_ok(t, &e) || !mapped_read(NULL, pa, UNACCEPTED_HEADER_SIZE + t->size))
		printk("# unaccepted: FINDING: the inherited table at 0x%llx is not valid: %s\n", pa,
		       e.msg[0] ? e.msg : "its bitmap cannot be read");
	else {
		printk("# unaccepted: inherited table at 0x%llx: version %u, unit %u KiB, base 0x%llx, %llu bitmap "
		       "byte(s)\n", pa, t->version, t->unit_size / 1024, t->phys_base, t->size);
		reserve_unaccepted(t, pa);
		if (platform_current()->accept_range) {
			unaccepted.table = t;
			unaccepted.reused = true;
			unaccepted.final_recorded = true;
			printk("# unaccepted: the inherited table is this stage's bitmap: %llu of %llu units unaccepted\n",
			       unaccepted_count_set(t), unaccepted_units(t));
		}
	}
}

static void synthesize_memmap(struct boot_info *b)
{
	unsigned n;
	const char *why = e820_to_memmap(e820, e820_count, memmap_descs, MEMMAP_DESCS, &n);

	if (why)
		refuse("the e820 table", why);
	b->memmap = (struct efi_memmap_snapshot){ .buf = memmap_descs, .capacity = sizeof(memmap_descs),
						  .map_size = n * sizeof(memmap_descs[0]),
						  .desc_size = sizeof(memmap_descs[0]),
						  .desc_version = EFI_MEMORY_DESCRIPTOR_VERSION };
	b->memmap_boot = b->memmap;
	printk("# ccktf: memory map: %u descriptor(s) synthesized from e820 (no EFI memory map after "
	       "ExitBootServices)\n", n);
}

static void pit_delay(u64 us)
{
	pit_delay_us(us);
}

static void calibrate_tsc(struct boot_info *b)
{
	tsc_calibrate(pit_delay, &b->tsc);
	metric_u64("tsc.frequency", b->tsc.measured_hz, "Hz", "source=pit");
}

static void plan_take_over(struct boot_info *b, struct machine_plan *plan)
{
	plan->top = memmap_top(&b->memmap);
	plan->table_pages = paging_pages_needed(plan->top);
	plan->tables = (void *)(uintptr_t)early_pages(plan->table_pages);
	plan->stack_pages = KERNEL_STACK_PAGES;
	plan->stack = (void *)(uintptr_t)early_pages(KERNEL_STACK_PAGES);
	if (!plan->tables || !plan->stack) {
		printk("# ccktf: FATAL: no e820 RAM free for %llu page-table and %u stack pages below 0x%llx\n",
		       plan->table_pages, KERNEL_STACK_PAGES, mapped_top);
		ccktf_exit(CCKTF_EXIT_CRASHED);
	}
	printk("# ccktf: page tables at 0x%llx (%llu pages), stack at 0x%llx, from e820 RAM\n",
	       (u64)(uintptr_t)plan->tables, plan->table_pages, (u64)(uintptr_t)plan->stack);
}

/* The first lines of the document: how ccktf was entered and what the loader handed over; a load address
 * the entry's own identity map does not cover is refused. */
static void announce_entry(const u8 *bp, struct boot_params_summary *s)
{
	char line[256];

	printk("\nKTAP version 1\n");
	boot_params_summarize(bp, s);
	printk("# ccktf: entry=boot-protocol loader=0x%02x protocol=%u.%02u boot_params=0x%llx image=0x%llx "
	       "paging=%u-level\n", s->type_of_loader, s->version >> 8, s->version & 0xff, (u64)(uintptr_t)bp,
	       (u64)(uintptr_t)__text_start, boot64_paging_la57() ? 5 : 4);
	boot_params_format(s, line, sizeof(line));
	printk("# ccktf: boot_params: %s\n", line);
	if ((u64)(uintptr_t)__bss_end > boot64_paging_top() || (u64)(uintptr_t)bp >= boot64_paging_top())
		refuse("the load address", "the image or boot_params lies above what the entry's own identity map "
					   "covers (4 GiB, or 512 GiB with 1 GiB pages)");
}

/* The ACPI PM1a control port, for powering off without the firmware (kernel/efi/acpi_pm.h). */
static void find_acpi_pm(struct boot_info *b)
{
	struct memmap map = memmap_view(&b->memmap);

	machine_set_acpi_pm1a_cnt(acpi_pm1a_cnt_port_in(boot_config_table(b, (efi_guid_t)EFI_ACPI_20_TABLE_GUID), &map));
}

__noreturn void boot64_main(const u8 *bp)
{
	struct boot_info *b = &boot_info;
	struct boot_params_summary s;
	struct efi_info ei_store, *ei = &ei_store;
	struct efi_setup efi;
	struct machine_plan plan;

	b->entry_tsc = rdtsc();
	b->no_boot_services = NO_BOOT_SERVICES;
	uart_init();
	console_set_writer(uart_write);
	announce_entry(bp, &s);
	mapped_top = boot64_paging_switch();
	read_e820(bp, s.setup_data);
	if (boot_params_efi_info(bp, ei))
		ei = NULL;
	reserve_loader_ranges(bp, &s, ei);
	bool have_setup_efi = read_setup_data(&efi);
	read_args(b, bp);
	select_platform(b);
	kernel_list_if_asked(&b->args);
	read_efi(b, ei, have_setup_efi, &efi);
	handoff_probe_take(b, mapped_read_at); /* before the first allocation: what the previous stage left */
	synthesize_memmap(b);
	find_acpi_pm(b);
	calibrate_tsc(b);
	adopt_unaccepted(b);
	adopt_model();
	take_stage2_alloc();
	smp_prepare_none(NO_BOOT_SERVICES " to allocate the APs' pages from, so one CPU only");
	ktest_skip_phase(KTEST_BEFORE_EXIT_BOOT_SERVICES, NO_BOOT_SERVICES);
	kernel_run_phase(KTEST_BEFORE_EXIT_BOOT_SERVICES);
	plan_take_over(b, &plan);
	/* As efi_main() after ExitBootServices: on TDX and SNP (here their models) native port I/O raises
	 * #VE/#VC, so the UART waits until the platform's own port I/O works (kernel_main). */
	if (cc_platform_has(CC_ATTR_GUEST_STATE_PROTECTED))
		console_hold();
	machine_take_over(&plan, kernel_main);
}
