/* SPDX-License-Identifier: MIT */
#include <ccktf/console.h>
#include <ccktf/format.h>

#define PRINTK_LINE_MAX 512
#define HELD_BYTES 4096
#define TAIL_BYTES 256

static console_write_fn console_writer;

/*
 * While the console is held (a confidential guest between ExitBootServices and the platform's own port
 * I/O, where writing the UART would raise #VE/#VC with no handler), output is kept here and written out,
 * in order, once the console is released. What does not fit is counted, never silently dropped.
 */
static struct {
	bool held;
	char buf[HELD_BYTES];
	size_t used;
	u64 dropped;
	char tail[TAIL_BYTES]; /* the latest bytes, whatever fitted: what failed last */
	u64 tail_total;
} held;

void console_hold(void)
{
	held.held = true;
}

bool console_held(void)
{
	return held.held;
}

void console_release(void)
{
	char note[96];
	int n;

	if (!held.held)
		return;
	held.held = false;
	console_write(held.buf, held.used);
	if (held.dropped) {
		n = snprintf(note, sizeof(note), "# console: %llu byte(s) did not fit while it was held\n",
			     (unsigned long long)held.dropped);
		console_write(note, (size_t)n);
	}
	held.used = 0;
	held.dropped = 0;
	held.tail_total = 0;
}

size_t console_held_tail(char *buf, size_t size)
{
	size_t n = (size_t)MIN(held.tail_total, (u64)(size ? size - 1 : 0));

	n = MIN(n, (size_t)TAIL_BYTES);
	if (size) {
		for (size_t i = 0; i < n; i++)
			buf[i] = held.tail[(held.tail_total - n + i) % TAIL_BYTES];
		buf[n] = '\0';
	}
	return n;
}

static void keep(const char *s, size_t n)
{
	size_t room = HELD_BYTES - held.used, take = MIN(n, room);

	for (size_t i = 0; i < take; i++)
		held.buf[held.used + i] = s[i];
	held.used += take;
	held.dropped += n - take;
	for (size_t i = 0; i < n; i++)
		held.tail[held.tail_total++ % TAIL_BYTES] = s[i];
}

console_write_fn console_set_writer(console_write_fn write)
{
	console_write_fn previous = console_writer;

	console_writer = write;
	return previous;
}

void console_write(const char *s, size_t n)
{
	if (held.held)
		keep(s, n);
	else if (console_writer)
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
