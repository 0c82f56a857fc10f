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
/*
 * Holding: output is kept in memory until console_release() writes it out (for the stretch where writing
 * the port would fault). console_held_tail() copies the last bytes kept, NUL-terminated, for a platform's
 * termination message.
 */
void console_hold(void);
void console_release(void);
bool console_held(void);
size_t console_held_tail(char *buf, size_t size);
int vprintk(const char *fmt, va_list ap);
int printk(const char *fmt, ...) __printf(1, 2);

#endif
