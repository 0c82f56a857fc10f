/* SPDX-License-Identifier: MIT */
#include <arch/portio.h>

static u32 native_in_op(u16 port, unsigned size)
{
	return native_in(port, size);
}

static void native_out_op(u16 port, unsigned size, u32 value)
{
	native_out(port, size, value);
}

const struct portio_ops portio_native = { "native", native_in_op, native_out_op };

static const struct portio_ops *portio = &portio_native;

void portio_set_ops(const struct portio_ops *ops)
{
	portio = ops;
}

const struct portio_ops *portio_get_ops(void)
{
	return portio;
}

u8 inb(u16 port)
{
	return (u8)portio->in(port, 1);
}

void outb(u16 port, u8 value)
{
	portio->out(port, 1, value);
}

u16 inw(u16 port)
{
	return (u16)portio->in(port, 2);
}

void outw(u16 port, u16 value)
{
	portio->out(port, 2, value);
}

u32 inl(u16 port)
{
	return portio->in(port, 4);
}

void outl(u16 port, u32 value)
{
	portio->out(port, 4, value);
}
