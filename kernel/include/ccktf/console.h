/* SPDX-License-Identifier: MIT */
/* The console: where printk goes. The kernel registers the serial port; the host tests register stdout. */
#ifndef CCKTF_CONSOLE_H
#define CCKTF_CONSOLE_H

#include <ccktf/types.h>
#include <stdarg.h>

typedef void (*console_write_fn)(const char *s, size_t n);

/* Returns the previous writer, so that a caller can capture output for a while and restore it. */
console_write_fn console_set_writer(console_write_fn write);
void console_write(const char *s, size_t n);
int vprintk(const char *fmt, va_list ap);
int printk(const char *fmt, ...) __printf(1, 2);

#endif
