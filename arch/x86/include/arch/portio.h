/* SPDX-License-Identifier: MIT */
/*
 * Port I/O behind one small interface. The native backend executes in/out; a TDX guest after
 * ExitBootServices must use TDG.VP.VMCALL<Instruction.IO>, an SEV-ES/SNP guest the GHCB IOIO exit.
 * A platform installs its backend with portio_set_ops(); drivers (the UART, debug-exit) only call these.
 */
#ifndef ARCH_PORTIO_H
#define ARCH_PORTIO_H

#include <ccktf/types.h>

struct portio_ops {
	const char *name;
	u32 (*in)(u16 port, unsigned size);           /* size: 1, 2 or 4 bytes */
	void (*out)(u16 port, unsigned size, u32 value);
};

extern const struct portio_ops portio_native;

/* QEMU's isa-debug-exit device as ccktf attaches it (iobase=0xf4): a write of v ends QEMU with v * 2 + 1. */
#define QEMU_DEBUG_EXIT_PORT 0xf4

/* The bits an access of size bytes (1, 2, 4) carries: what IN returns, what OUT sends. */
static inline u32 portio_value_mask(unsigned size)
{
	return size >= 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
}

void portio_set_ops(const struct portio_ops *ops);
const struct portio_ops *portio_get_ops(void);

u8 inb(u16 port);
void outb(u16 port, u8 value);
u16 inw(u16 port);
void outw(u16 port, u16 value);
u32 inl(u16 port);
void outl(u16 port, u32 value);

/* The raw instructions, for backends and models that must really execute them. */
static inline u32 native_in(u16 port, unsigned size)
{
	u32 v = 0;

	/* "+a": inb and inw write only AL / AX, the rest of EAX must read as the zero it started as. */
	if (size == 1)
		asm volatile("inb %w1, %b0" : "+a"(v) : "Nd"(port));
	else if (size == 2)
		asm volatile("inw %w1, %w0" : "+a"(v) : "Nd"(port));
	else
		asm volatile("inl %w1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void native_out(u16 port, unsigned size, u32 v)
{
	if (size == 1)
		asm volatile("outb %b0, %w1" : : "a"(v), "Nd"(port));
	else if (size == 2)
		asm volatile("outw %w0, %w1" : : "a"(v), "Nd"(port));
	else
		asm volatile("outl %0, %w1" : : "a"(v), "Nd"(port));
}

#endif
