/* SPDX-License-Identifier: MIT */
#include <ccktf/console.h>
#include <ccktf/format.h>

#define PRINTK_LINE_MAX 512

static console_write_fn console_writer;

console_write_fn console_set_writer(console_write_fn write)
{
	console_write_fn previous = console_writer;

	console_writer = write;
	return previous;
}

void console_write(const char *s, size_t n)
{
	if (console_writer)
		console_writer(s, n);
}

/* Formats into a stack buffer, so printk is safe to call from an exception handler. */
int vprintk(const char *fmt, va_list ap)
{
	char line[PRINTK_LINE_MAX];
	int n = vsnprintf(line, sizeof(line), fmt, ap);

	console_write(line, MIN((size_t)n, sizeof(line) - 1));
	return n;
}

int printk(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintk(fmt, ap);
	va_end(ap);
	return n;
}
