/* SPDX-License-Identifier: MIT */
/* Deliberate faults (crash=...), to prove that a fault is reported with registers, never a hang. */
#include <arch/cpu.h>
#include <arch/machine.h>
#include <ccktf/args.h>

void machine_inject_crash(unsigned kind)
{
	volatile u64 *null = NULL;
	volatile u64 zero = 0;

	switch (kind) {
	case CRASH_PF:
		*null = 0xdead; /* page 0 is not mapped (arch/x86/cpu/paging.c) */
		break;
	case CRASH_UD:
		asm volatile("ud2");
		break;
	case CRASH_GP:
		*(volatile u64 *)0x8000000000000000ull = 0; /* non-canonical */
		break;
	case CRASH_DE:
		asm volatile("divq %1" : : "a"(1ull), "r"((u64)zero), "d"(0ull));
		break;
	case CRASH_HANG:
		cli();
		for (;;)
			hlt();
	}
}
