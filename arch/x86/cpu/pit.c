/* SPDX-License-Identifier: MIT */
/*
 * A delay from the 8254 PIT's channel 2, for TSC calibration when no firmware Stall() exists (the 64-bit
 * boot-protocol entry: boot services are gone). The same sequence as Linux arch/x86/kernel/tsc.c
 * pit_calibrate_tsc(): gate channel 2 on and the speaker off through port 0x61 (bit 0 GATE2, bit 1 speaker
 * data), program mode 0 "interrupt on terminal count" with a 16-bit count (control word 0xb0 to port 0x43:
 * channel 2, lobyte/hibyte, mode 0, binary; Intel 82C54 datasheet), and wait for OUT2, read back as bit 5 of
 * port 0x61, to go high. The input clock is 1.193182 MHz (PIT_TICK_RATE, include/linux/timex.h).
 * Native port I/O: only for platforms without a #VE/#VC (the caller's business).
 */
#include <arch/machine.h>
#include <arch/portio.h>

#define PIT_TICK_RATE 1193182ull
#define PIT_CH2 0x42
#define PIT_MODE 0x43
#define PIT_CH2_MODE0_LOHI 0xb0
#define PORT_B 0x61
#define PORT_B_GATE2 0x01
#define PORT_B_SPEAKER 0x02
#define PORT_B_OUT2 0x20
#define PIT_MAX_COUNT 0xffffu
#define PIT_WAIT_SPINS 100000000u /* bounds a wait on a PIT that never counts: a short delay, never a hang */

static bool pit_count_down(u32 ticks)
{
	outb(PORT_B, (u8)((inb(PORT_B) & ~PORT_B_SPEAKER) | PORT_B_GATE2));
	outb(PIT_MODE, PIT_CH2_MODE0_LOHI);
	outb(PIT_CH2, (u8)ticks);
	outb(PIT_CH2, (u8)(ticks >> 8));
	for (u32 spins = 0; spins < PIT_WAIT_SPINS; spins++)
		if (inb(PORT_B) & PORT_B_OUT2)
			return true;
	return false;
}

bool pit_delay_us(u64 us)
{
	u64 ticks = us * PIT_TICK_RATE / 1000000;

	while (ticks) {
		u32 now = (u32)(ticks > PIT_MAX_COUNT ? PIT_MAX_COUNT : ticks);

		if (!pit_count_down(now))
			return false;
		ticks -= now;
	}
	return true;
}
