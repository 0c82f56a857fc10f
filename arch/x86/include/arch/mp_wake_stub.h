/* SPDX-License-Identifier: MIT */
/* The wakeup vectors of APs woken through the ACPI mailbox (arch/x86/cpu/mp_wake_stub.asm). */
#ifndef ARCH_MP_WAKE_STUB_H
#define ARCH_MP_WAKE_STUB_H

#include <ccktf/types.h>

#define MP_STUB_MAGIC 0x574d4b43u /* 'CKMW' as nasm's dd stores it */
#define MP_STUB_SLOTS 64
#define MP_STUB_SLOT_CODE 16 /* slot i's WakeupVector: the page + i * 16 */

/* What an AP wrote in its slot's status (0: it never reached its vector). */
enum mp_stub_status { MP_STUB_NOT_SEEN, MP_STUB_ARRIVED, MP_STUB_NOT_ARMED, MP_STUB_LA57_MISMATCH };

struct mp_stub_slot {
	u64 stack, entry, arg;
	volatile u64 status; /* enum mp_stub_status, written by the AP */
};

/* The parameter block at mp_stub_params: the offsets are mp_wake_stub.asm's P_* constants. */
struct mp_stub_header {
	u32 magic;
	u16 size;
	u16 cs, ds;
	u16 gdt_limit;
	u64 gdt_base;
	u16 idt_limit;
	u64 idt_base;
	u16 pad0;
	u32 la57;
	u32 pad1;
	u64 cr3;
	u32 cr0, cr4; /* the kernel's, loaded by the AP (the firmware parks it with its own: TDVF no CR0.WP) */
} __packed;
_Static_assert(sizeof(struct mp_stub_header) == 56, "struct mp_stub_header matches mp_wake_stub.asm");

struct mp_stub_params {
	struct mp_stub_header h;
	struct mp_stub_slot slots[MP_STUB_SLOTS];
};
_Static_assert(sizeof(struct mp_stub_params) == 56 + MP_STUB_SLOTS * 32, "struct mp_stub_params matches mp_wake_stub.asm");

extern const u8 mp_stub_start[], mp_stub_params[], mp_stub_end[];

#endif
