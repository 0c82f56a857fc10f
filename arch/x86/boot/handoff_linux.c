/* SPDX-License-Identifier: MIT */
/*
 * handoff=linux (issue 13): stage 1 boots a Linux bzImage through the 64-bit boot protocol after its tests,
 * as a boot loader that has left EFI does (Documentation/arch/x86/boot.rst "64-bit BOOT PROTOCOL" and
 * "LOADING THE REST OF THE KERNEL"; the loaders read: Linux arch/x86/kernel/kexec-bzimage64.c
 * bzImage64_load(), kexec-tools kexec/arch/i386/kexec-bzImage64.c, GRUB grub-core/loader/i386/linux.c).
 *
 * Before ExitBootServices (handoff_linux_prepare()): the host's bundle, a newc cpio archive given as
 * QEMU's -initrd, is read through the Linux initrd media device path (kernel/efi/efi_initrd_media.c); its
 * members "vmlinuz" (required), "initrd" and "cmdline" (optional) are found (kernel/boot/cpio.c) and the
 * bzImage's setup header checked (kernel/boot/bzimage_hdr.c). Anything wrong is refused there, before the
 * tests run, as a usage error naming it; so are Secure Boot on or unknown (ccktf does not verify vmlinuz's
 * signature) and 5-level paging with an image that lacks XLF_5LEVEL.
 *
 * After the tests pass (handoff_linux_if_asked()), from free EfiConventionalMemory of the final map below
 * 4 GiB, top-down (handoff_params.c; placed by kernel/boot/linux_place.c):
 *   - the protected-mode part (file offset (setup_sects + 1) * 512) at a kernel_alignment-aligned address
 *     at or above pref_address with init_size bytes, the rest zeroed (kexec's segment memsz =
 *     PAGE_ALIGN(init_size));
 *   - the initrd, page-aligned (kexec's buf_align = PAGE_SIZE), ending at or below initrd_addr_max + 1 (the
 *     only piece that limit binds), in ramdisk_image/size and their ext_ halves;
 *   - the zero page: the image's setup header [0x1f1, 0x202 + byte 0x201) (bzImage64_load() copies the
 *     same), type_of_loader 0xff, cmd_line_ptr (+ ext), secure_boot as Linux's stub sets it
 *     (linux_secureboot.h), e820 from the final map, and efi_info "EL64" with
 *     the system table and the final map, but no SETUP_EFI node: that node tells Linux a previous kernel
 *     already called SetVirtualAddressMap and to reuse its mappings (arch/x86/platform/efi/efi.c
 *     kexec_enter_virtual_mode()); ccktf never calls it, so Linux is handed EFI as its own EFI stub hands it
 *     over (drivers/firmware/efi/libstub/x86-stub.c exit_boot_func(): efi_info and the map, no SETUP_EFI
 *     node; the stub may add others: SETUP_PCI, SETUP_E820_EXT, Apple properties) and calls
 *     SetVirtualAddressMap itself. acpi_rsdp_addr (2.14) stays 0, as after Linux's own stub:
 *     Linux finds the RSDP through the EFI configuration tables (kexec fills it in from those tables);
 *   - a GDT with boot.rst's __BOOT_CS (0x10, flat 64-bit code) and __BOOT_DS (0x18, flat data), CS = 0x10,
 *     DS/ES/SS = 0x18, interrupts off, RSI = the zero page, entry at load address + 0x200, on stage 1's
 *     identity map (it maps all of memory).
 * Platform none on one CPU: the APs would be parked in memory Linux reuses; and a model cannot run under
 * Linux, which does not know it: the memory the model holds pending would be plain RAM to Linux.
 */
#include <arch/cpu.h>
#include <ccktf/args.h>
#include <ccktf/boot.h>
#include <ccktf/console.h>
#include <ccktf/exit.h>
#include <ccktf/format.h>
#include <ccktf/handoff.h>
#include <ccktf/platform.h>
#include <ccktf/smp.h>
#include <ccktf/string.h>

#include "boot/boot_params.h"
#include "boot/bzimage_hdr.h"
#include "boot/cpio.h"
#include "boot/linux_place.h"
#include "boot/linux_secureboot.h"
#include "efi/efi_initrd_media.h"
#include "handoff_params.h"

#define DEFAULT_CMDLINE "console=ttyS0"
#define CMDLINE_MAX 2048
#define BOOT_CS 0x10 /* boot.rst "64-bit BOOT PROTOCOL": __BOOT_CS */
#define BOOT_DS 0x18 /* __BOOT_DS */
#define OVMF_INITRD_WORD "initrd" /* OVMF appends " initrd=initrd" to LoadOptions when -initrd is given */

/* SDM vol. 3A 3.4.5: flat 64-bit code (L=1, P, DPL 0, execute/read) and flat data (G, D/B, P, read/write),
 * Linux's own values (arch/x86/boot/compressed/head_64.S gdt64). 0x08 is a code segment too, so that
 * ccktf's interrupt gates (selector 0x08) stay valid if anything faults before Linux loads its IDT. */
#define GDT_CODE64 0x00af9a000000ffffull
#define GDT_DATA 0x00cf92000000ffffull
static const u64 linux_gdt[4] __attribute__((aligned(16))) = { 0, GDT_CODE64, GDT_CODE64, GDT_DATA };

static struct {
	const u8 *image, *initrd;
	u64 image_size, initrd_size;
	struct bzimage_info hdr;
	char cmdline[CMDLINE_MAX];
	u8 secure_boot; /* boot_params.secure_boot: enum efi_secureboot_mode (linux_secureboot.h) */
	bool ready;
} bundle;

/* "initrd=initrd": the word OVMF's X86QemuLoadImageLib QemuLoadKernelImage() appends to a -kernel image's
 * LoadOptions when -initrd is given (for EFI-stub kernels' file-system initrd loading). ccktf reads the
 * -initrd file through the initrd media device path instead; the word carries nothing else. */
static bool parse_initrd(const char *v)
{
	return !strcmp(v, OVMF_INITRD_WORD);
}

static const struct arg_key_ext initrd_key = { "initrd", OVMF_INITRD_WORD " (OVMF adds it for -initrd)",
					       parse_initrd };
ARG_KEY_REGISTER(initrd_key);

static __noreturn void refuse(const char *fmt, const char *what, const char *why)
{
	printk("# handoff: refused: ");
	printk(fmt, what, why);
	printk("\n");
	ccktf_exit(CCKTF_EXIT_USAGE_ERROR);
	__builtin_unreachable();
}

static const struct cpio_member *member(const u8 *buf, u64 len, const char *name, bool required)
{
	static struct cpio_member m;
	char err[CPIO_ERR_MAX];
	enum cpio_result r = cpio_find(buf, len, name, &m, err, sizeof(err));

	if (r == CPIO_FOUND)
		return &m;
	if (r == CPIO_MISSING && !required)
		return NULL;
	refuse("handoff=linux: the bundle (-initrd) %s: %s", "is not usable", err);
	return NULL;
}

/* The optional "cmdline" member, or DEFAULT_CMDLINE without one: printable ASCII, trailing whitespace dropped,
 * within the image's cmdline_size (boot.rst "cmdline_size": the longest command line without its NUL). */
static void read_cmdline(const u8 *buf, const struct cpio_member *m)
{
	const u8 *s = m ? buf + m->offset : (const u8 *)DEFAULT_CMDLINE;
	u64 n = m ? m->size : sizeof(DEFAULT_CMDLINE) - 1;

	while (n && (s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\r'))
		n--;
	if (m && !n) {
		s = (const u8 *)DEFAULT_CMDLINE;
		n = sizeof(DEFAULT_CMDLINE) - 1;
	}
	if (n >= sizeof(bundle.cmdline) || n > bundle.hdr.cmdline_size)
		refuse("handoff=linux: %s: %s", m ? "cmdline" : "the default command line",
		       "longer than the image's cmdline_size or 2047 bytes");
	for (u64 i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			refuse("handoff=linux: %s: %s", "cmdline", "not printable ASCII on one line");
	memcpy(bundle.cmdline, s, n);
	bundle.cmdline[n] = '\0';
}

void handoff_linux_prepare(struct boot_info *b)
{
	const struct cpio_member *m;
	char err[200];
	u8 *buf;
	u64 len;
	efi_status_t s;

	if (handoff_mode() != HANDOFF_LINUX)
		return;
	/* a platform that accepts memory holds some pending, which Linux here would take for plain RAM */
	if (platform_current()->accept_range)
		refuse("handoff=linux runs on platform none only: %s %s", platform_name(),
		       "cannot run under Linux, which would take the memory it holds pending for plain RAM");
	/* ccktf does not verify vmlinuz's signature: under Secure Boot it would boot an unverified kernel */
	bundle.secure_boot = linux_secureboot_mode(&b->secure_boot);
	if (bundle.secure_boot != LINUX_SECUREBOOT_DISABLED)
		refuse("handoff=linux: Secure Boot is %s: %s",
		       bundle.secure_boot == LINUX_SECUREBOOT_ENABLED ? "on (SecureBoot=1, SetupMode=0)"
								  : "in an unknown state (SecureBoot unreadable)",
		       "ccktf does not verify vmlinuz's signature, so it boots Linux only with Secure Boot off");
	s = efi_load_initrd_media(b, &buf, &len, err, sizeof(err));
	if (EFI_IS_ERROR(s))
		refuse("handoff=linux: no bundle: %s (%s)", err,
		       s == EFI_NOT_FOUND ? "give it as QEMU's -initrd: a newc cpio archive with vmlinuz, initrd, cmdline"
					  : "the firmware's initrd media device path");
	m = member(buf, len, "vmlinuz", true);
	bundle.image = buf + m->offset;
	bundle.image_size = m->size;
	if (!bzimage_check(bundle.image, bundle.image_size, &bundle.hdr, err, sizeof(err)))
		refuse("handoff=linux: %s: %s", "vmlinuz is not a bzImage this loader can enter", err);
	/* kexec-bzimage64.c bzImage64_probe(): an image without XLF_5LEVEL cannot be entered with 5-level
	 * paging on, and paging cannot be turned from 5 to 4 levels with paging on (SDM vol. 3A 4.1.1); the
	 * firmware's CR4.LA57 is the one stage 1 hands off with (it stays in long mode throughout) */
	if ((read_cr4() & X86_CR4_LA57) && !(bundle.hdr.xloadflags & BZ_XLF_5LEVEL))
		refuse("handoff=linux: %s: %s", "5-level paging is on",
		       "vmlinuz lacks XLF_5LEVEL (xloadflags bit 5) to be entered so");
	if ((m = member(buf, len, "initrd", false))) {
		bundle.initrd = buf + m->offset;
		bundle.initrd_size = m->size;
	}
	read_cmdline(buf, member(buf, len, "cmdline", false));
	printk("# handoff: linux: bundle of %llu bytes at 0x%llx: vmlinuz %llu bytes (protocol %u.%02u, "
	       "init_size 0x%x, kernel_alignment 0x%x), initrd %llu bytes, command line \"%s\"\n", len,
	       (u64)(uintptr_t)buf, bundle.image_size, bundle.hdr.version >> 8, bundle.hdr.version & 0xff,
	       bundle.hdr.init_size, bundle.hdr.kernel_alignment, bundle.initrd_size, bundle.cmdline);
	printk("# handoff: linux: Secure Boot off: boot_params.secure_boot %u (%s)\n", bundle.secure_boot,
	       "efi_secureboot_mode_disabled, as Linux's EFI stub sets it");
	bundle.ready = true;
}

/* The zero page: the image's setup header, the loader's fields, e820 (beyond 128 entries with a
 * SETUP_E820_EXT node, the only setup_data) and efi_info; screen_info and alt_mem_k stay zero (a serial
 * console; Linux sizes memory from e820). */
static void fill_zero_page(u8 *bp, u64 cmdline, u64 initrd, const struct memmap *m, struct e820_alloc *a)
{
	memset(bp, 0, BOOT_PARAMS_SIZE);
	memcpy(bp + BP_HDR_SETUP_START, bundle.image + BP_HDR_SETUP_START, bundle.hdr.header_end - BP_HDR_SETUP_START);
	bp_put(bp + BP_HDR_TYPE_OF_LOADER, HANDOFF_LOADER_UNDEFINED, 1);
	bp_put(bp + BP_HDR_CMD_LINE_PTR, (u32)cmdline, 4);
	bp_put(bp + BP_EXT_CMD_LINE_PTR, cmdline >> 32, 4);
	bp_put(bp + BP_HDR_RAMDISK_IMAGE, (u32)initrd, 4);
	bp_put(bp + BP_EXT_RAMDISK_IMAGE, initrd >> 32, 4);
	bp_put(bp + BP_HDR_RAMDISK_SIZE, (u32)bundle.initrd_size, 4);
	bp_put(bp + BP_EXT_RAMDISK_SIZE, bundle.initrd_size >> 32, 4);
	bp_put(bp + BP_SECURE_BOOT, bundle.secure_boot, 1); /* as Linux's stub: efi_main() */
	handoff_fill_e820(bp, m, a);
	handoff_fill_efi_info(bp, &boot_info.memmap);
}

static void print_e820(void)
{
	unsigned n;
	const struct e820_entry *e = handoff_e820(&n);

	for (unsigned i = 0; i < n; i++)
		printk("# handoff: e820 [0x%llx-0x%llx] type %u\n", e[i].addr, e[i].addr + e[i].size - 1, e[i].type);
}

/* boot.rst's segments, then the entry: lretq pops RIP, then CS. */
static __noreturn void enter_linux(u64 entry, u64 bp_pa)
{
	struct {
		u16 limit;
		u64 base;
	} __attribute__((packed)) gdtr = { sizeof(linux_gdt) - 1, (u64)(uintptr_t)linux_gdt };

	cli();
	asm volatile("lgdt %[gdtr]\n\t"
		     "movl %[ds], %%eax\n\t"
		     "movl %%eax, %%ds\n\t"
		     "movl %%eax, %%es\n\t"
		     "movl %%eax, %%ss\n\t"
		     "pushq %[cs]\n\t"
		     "pushq %[entry]\n\t"
		     "lretq"
		     :
		     : [gdtr] "m"(gdtr), [ds] "i"(BOOT_DS), [cs] "i"(BOOT_CS), [entry] "r"(entry), "S"(bp_pa)
		     : "rax", "memory");
	__builtin_unreachable();
}

static const char *refusal(void)
{
	if (smp_get()->online > 1)
		return "handoff=linux needs one CPU: the APs are parked in memory Linux reuses";
	if (!bundle.ready || !boot_info.st)
		return "handoff=linux: no bundle was read before ExitBootServices";
	return NULL;
}

void handoff_linux_if_asked(enum ccktf_exit verdict)
{
	struct memmap m = memmap_view(&boot_info.memmap);
	const struct bzimage_info *h = &bundle.hdr;
	struct linux_place_in in = { h->init_size, h->kernel_alignment, h->pref_address, h->initrd_addr_max,
				     bundle.initrd_size, sizeof(bundle.cmdline) };
	struct linux_place at;
	struct e820_alloc a;
	const char *why;

	if (handoff_mode() != HANDOFF_LINUX)
		return;
	if (!handoff_may_go(verdict, refusal()))
		return;
	handoff_free_init(&a, &m, HANDOFF_CEILING);
	if ((why = linux_place(&a, &in, &at)))
		handoff_fail(why);
	memcpy((void *)(uintptr_t)at.kernel, bundle.image + h->kern16, h->pm_size);
	memset((void *)(uintptr_t)(at.kernel + h->pm_size), 0, ALIGN_UP((u64)h->init_size, HANDOFF_PAGE) - h->pm_size);
	if (bundle.initrd_size)
		memcpy((void *)(uintptr_t)at.initrd, bundle.initrd, bundle.initrd_size);
	memcpy((void *)(uintptr_t)at.cmdline, bundle.cmdline, sizeof(bundle.cmdline));
	fill_zero_page((u8 *)(uintptr_t)at.boot_params, at.cmdline, at.initrd, &m, &a);
	print_e820();
	printk("# handoff: linux: efi_info EL64 system table 0x%llx, memory map 0x%llx (%llu bytes)\n",
	       (u64)(uintptr_t)boot_info.st, (u64)(uintptr_t)boot_info.memmap.buf, (u64)boot_info.memmap.map_size);
	printk("# handoff: linux: entering Linux at 0x%llx + 0x200 through the 64-bit boot protocol (boot_params at "
	       "0x%llx, initrd at 0x%llx, %llu bytes, command line \"%s\")\n", at.kernel, at.boot_params, at.initrd,
	       bundle.initrd_size, bundle.cmdline);
	enter_linux(at.kernel + HANDOFF_ENTRY_64, at.boot_params);
}
