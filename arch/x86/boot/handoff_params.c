/* SPDX-License-Identifier: MIT */
/*
 * What every hand-off ccktf makes puts in the next stage's hands, as Linux's kexec_file_load does
 * (arch/x86/kernel/kexec-bzimage64.c setup_boot_parameters(), setup_efi_state()): e820 from the final memory
 * map, efi_info with the system table and that map, a SETUP_EFI node with the configuration-table array,
 * FirmwareVendor and SMBIOS; and the memory it takes for them, from the final map's conventional memory.
 */
#include <arch/cpu.h>
#include <ccktf/boot_steps.h>
#include <ccktf/console.h>
#include <ccktf/exit.h>
#include <ccktf/format.h>
#include <ccktf/handoff.h>
#include <ccktf/string.h>

#include "boot/boot_params.h"
#include "boot/e820_write.h"
#include "boot/efi_to_e820.h"
#include "boot/setup_data.h"
#include "handoff_params.h"

static struct e820_entry free_ram[256];
/* the zero page's 128 and up to 384 more in a SETUP_E820_EXT node (two pages), as Linux's stub adds them */
#define HANDOFF_E820_MAX 512
static struct e820_entry e820[HANDOFF_E820_MAX];
static unsigned e820_count;

__noreturn void handoff_fail(const char *why)
{
	printk("# handoff: FATAL: %s\n", why);
	ccktf_exit(CCKTF_EXIT_CRASHED);
	__builtin_unreachable();
}

bool handoff_may_go(enum ccktf_exit verdict, const char *why)
{
	if (why) {
		printk("# handoff: refused: %s\n", why);
		ccktf_exit(CCKTF_EXIT_USAGE_ERROR);
	}
	if (verdict != CCKTF_EXIT_PASSED) {
		printk("# handoff: stage 1 did not pass: no hand-off\n");
		return false;
	}
	return true;
}

void handoff_free_init(struct e820_alloc *a, const struct memmap *m, u64 ceiling)
{
	const struct efi_memory_descriptor *d;
	unsigned n = 0;

	for_each_memmap_desc(m, i, d)
		if (d->type == EFI_CONVENTIONAL_MEMORY && n < ARRAY_SIZE(free_ram))
			free_ram[n++] = (struct e820_entry){ d->phys_start, d->num_pages * HANDOFF_PAGE, E820_TYPE_RAM };
	e820_alloc_init(a, free_ram, n, ceiling);
}

u64 handoff_alloc(struct e820_alloc *a, u64 bytes, const char *what)
{
	u64 pa = e820_alloc_pages(a, ALIGN_UP(bytes, HANDOFF_PAGE) / HANDOFF_PAGE);

	if (!pa)
		handoff_fail(what);
	return pa;
}

void handoff_fill_e820(u8 *bp, const struct memmap *m, struct e820_alloc *a)
{
	const char *why = efi_to_e820(m, e820, ARRAY_SIZE(e820), &e820_count);
	u64 ext_bytes = e820_ext_node_bytes(e820_count), ext = 0;

	if (why)
		handoff_fail(why);
	if (ext_bytes)
		ext = handoff_alloc(a, ext_bytes, "no free memory for the SETUP_E820_EXT node");
	e820_write(bp, e820, e820_count, (u8 *)(uintptr_t)ext);
	printk("# handoff: e820 from the final memory map: %u entries", e820_count);
	if (ext)
		printk(" (%u in the zero page, %u in a SETUP_E820_EXT node at 0x%llx)", E820_MAX_ENTRIES_ZEROPAGE,
		       e820_count - E820_MAX_ENTRIES_ZEROPAGE, ext);
	printk("\n");
}

const struct e820_entry *handoff_e820(unsigned *n)
{
	*n = e820_count;
	return e820;
}

void handoff_fill_efi_info(u8 *bp, const struct efi_memmap_snapshot *final)
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
void handoff_fill_setup_efi(u8 *node)
{
	const struct efi_system_table *st = boot_info.st;

	setup_data_put(node, SETUP_EFI, EFI_SETUP_DATA_SIZE);
	bp_put(node + SETUP_DATA_HEADER + EFI_SETUP_FW_VENDOR, (u64)(uintptr_t)st->firmware_vendor, 8);
	bp_put(node + SETUP_DATA_HEADER + EFI_SETUP_TABLES, (u64)(uintptr_t)st->configuration_table, 8);
	bp_put(node + SETUP_DATA_HEADER + EFI_SETUP_SMBIOS, smbios_table(), 8);
}

/*
 * What an OS does to boot-services memory once ExitBootServices returned (UEFI 2.10 section 7.2: it is the
 * OS's "for use by the OS" then; Linux frees it in efi_free_boot_services()): reclaimed and reused, here
 * filled with HANDOFF_RECLAIM_BYTE, so the next stage can tell which configuration tables were left there
 * (tests/handoff/handoff.c). ccktf's own memory is loader code/data, and what a copy needs is conventional.
 */
u64 handoff_reclaim_boot_services(const struct memmap *m)
{
	const struct efi_memory_descriptor *d;
	u64 bytes = 0;

	for_each_memmap_desc(m, i, d)
		if (d->type == EFI_BOOT_SERVICES_CODE || d->type == EFI_BOOT_SERVICES_DATA) {
			memset((void *)(uintptr_t)d->phys_start, HANDOFF_RECLAIM_BYTE, d->num_pages * HANDOFF_PAGE);
			bytes += d->num_pages * HANDOFF_PAGE;
		}
	printk("# handoff: reclaimed %llu KiB of boot-services memory (filled with 0x%02x, as an OS reuses it)\n",
	       bytes / 1024, HANDOFF_RECLAIM_BYTE);
	return bytes;
}

__noreturn void handoff_enter(u64 entry, u64 bp_pa)
{
	cli();
	asm volatile("jmp *%0" : : "r"(entry), "S"(bp_pa) : "memory");
	__builtin_unreachable();
}
