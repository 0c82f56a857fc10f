/* SPDX-License-Identifier: MIT */
/*
 * The application processors' trampoline (arch/x86/cpu/ap_trampoline.asm) and its patch-up
 * (arch/x86/cpu/ap_patch.c, pure: tests/host/test_ap_patch.c runs it on the host).
 */
#ifndef ARCH_AP_BOOT_H
#define ARCH_AP_BOOT_H

#include <ccktf/types.h>

#define AP_TRAMP_MAGIC 0x50414b43u /* 'CKAP' as nasm's dd 'CKAP' stores it */
#define AP_TRAMP_PAGE 4096u
/*
 * Where the trampoline page may lie: a STARTUP IPI's vector VV starts the AP at physical 0xVV000, so the
 * page is below 1 MiB; above 640 KiB lie the legacy video memory and the ROMs (not RAM), and page 0 is
 * the kernel's null guard (not mapped).
 */
#define AP_TRAMP_LIMIT 0xa0000u

/* The parameter block at ap_trampoline_params: the offsets are ap_trampoline.asm's P_* constants. */
struct ap_tramp_params {
	u32 magic;
	u16 size;	   /* sizeof(struct ap_tramp_params), as the blob was assembled */
	u16 gdt_limit;	   /* LGDT operand: limit, then the 32-bit base */
	u32 gdt_base;	   /* assembled as an offset in the blob; patched to a physical address */
	u32 pm32_offset;   /* far pointer to the 32-bit code: patched */
	u16 pm32_selector;
	u16 reserved0;
	u32 lm64_offset;   /* far pointer to the 64-bit code: patched */
	u16 lm64_selector;
	u16 reserved1;
	u32 cr3_low;	   /* a PML4 below 4 GiB, loaded from 32-bit code */
	u32 cr0, cr4, efer; /* CR0 and CR4 loaded as they are; EFER bits OR-ed in */
	u32 reserved2;
	u64 cr3;	   /* the kernel's own, loaded in 64-bit mode */
	u64 stack;	   /* per AP: its stack top (16-byte aligned) */
	u64 entry;	   /* per AP: where it goes, entry(arg) */
	u64 arg;
} __packed;
_Static_assert(sizeof(struct ap_tramp_params) == 80, "struct ap_tramp_params matches ap_trampoline.asm");

/* What every AP loads on its way (the BSP's state, chosen by smp.c). */
struct ap_tramp_setup {
	u64 cr3_low, cr3;
	u32 cr0, cr4, efer;
};

/*
 * Copies the blob [blob, blob + blob_size) into page (whose physical address is base; the kernel's
 * identity map makes them equal, a host test's do not), with its parameter block at params_offset, and
 * rebases every address in it onto base. Returns NULL, or why the page or the blob cannot be used (then the
 * page may hold a partial copy, never started).
 */
const char *ap_tramp_install(void *page, u64 base, const void *blob, size_t blob_size, size_t params_offset,
			     const struct ap_tramp_setup *s);
/* The per-AP fields, written before that AP's STARTUP IPI. */
void ap_tramp_set_cpu(void *page, size_t params_offset, u64 stack, u64 entry, u64 arg);
/* The STARTUP IPI's vector for a page at base (SDM vol. 3A 11.6.1: the page number, bits 19:12). */
static inline u8 ap_tramp_sipi_vector(u64 base)
{
	return (u8)(base >> 12);
}

/* arch/x86/cpu/ap_start.c: starting an AP by INIT-SIPI-SIPI through the trampoline (kernel only). */
struct boot_info;
#define AP_TRAMP_RESERVE_PAGES 3 /* the blob, the low PML4, and one spare in case the first is page 0 */
/* Low pages below AP_TRAMP_LIMIT of memory_type (AllocatePages), never page 0: *base is the first usable. */
bool ap_tramp_reserve(struct boot_info *b, u32 memory_type, u64 *base);
/* Copies the PML4 at pml4 to the page after base (s->cr3_low) and installs the blob at base with s. */
const char *ap_tramp_prepare(u64 base, u64 pml4, struct ap_tramp_setup *s);
/* Sends one IPI (delivery mode and vector in icr; the sender adds what its APIC needs); false: not sent. */
typedef bool (*ap_ipi_send_fn)(u32 apic_id, u32 icr);
enum ap_ipi_result { AP_IPI_SENT, AP_IPI_INIT_REFUSED, AP_IPI_STARTUP_REFUSED };
/* INIT, 10 ms, STARTUP, 200 us, STARTUP, 200 us (SDM vol. 3A 9.4.4); stops at the first IPI not sent. */
enum ap_ipi_result ap_init_sipi_sipi(u32 apic_id, u8 vector, ap_ipi_send_fn send);

/* The blob itself (ap_trampoline.asm). */
extern const u8 ap_trampoline_start[], ap_trampoline_params[], ap_trampoline_end[];

#endif
