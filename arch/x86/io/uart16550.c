/* SPDX-License-Identifier: MIT */
/*
 * 16550 UART on COM1, 115200 8N1, polled. Register map: National Semiconductor PC16550D datasheet.
 * Speed: the line status is polled only when the 16-byte transmit FIFO may be full, i.e. once per 16
 * bytes (THRE set means the whole FIFO is empty), not before every byte; each poll is a port read, which
 * costs a VM exit in a confidential guest.
 */
#include <arch/portio.h>
#include <arch/uart.h>

#define COM1 0x3f8
#define UART_THR 0 /* transmit holding (DLAB=0) */
#define UART_DLL 0 /* divisor latch low (DLAB=1) */
#define UART_IER 1
#define UART_DLH 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_LSR_THRE 0x20
#define UART_FIFO_SIZE 16
#define UART_POLL_LIMIT 1000000 /* never hang on a missing or wedged UART */

static unsigned fifo_room;

void uart_init(void)
{
	outb(COM1 + UART_IER, 0x00);
	outb(COM1 + UART_LCR, 0x80); /* DLAB on */
	outb(COM1 + UART_DLL, 0x01); /* 115200 = 115200 / 1 */
	outb(COM1 + UART_DLH, 0x00);
	outb(COM1 + UART_LCR, 0x03); /* 8N1, DLAB off */
	outb(COM1 + UART_FCR, 0xc7); /* enable and clear FIFOs */
	outb(COM1 + UART_MCR, 0x03); /* DTR, RTS */
	fifo_room = 0;
}

static void wait_fifo_empty(void)
{
	for (unsigned i = 0; i < UART_POLL_LIMIT; i++)
		if (inb(COM1 + UART_LSR) & UART_LSR_THRE)
			break;
	fifo_room = UART_FIFO_SIZE;
}

static void uart_putc(char c)
{
	if (!fifo_room)
		wait_fifo_empty();
	outb(COM1 + UART_THR, (u8)c);
	fifo_room--;
}

void uart_write(const char *s, size_t n)
{
	for (; n; n--, s++) {
		if (*s == '\n')
			uart_putc('\r');
		uart_putc(*s);
	}
}
