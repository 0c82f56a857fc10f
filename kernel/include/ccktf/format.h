/* SPDX-License-Identifier: MIT */
/*
 * printf-style formatting (kernel/lib/format.c), standard names and semantics so that code shared with the
 * host-side unit tests compiles against libc there. Supported: %d %i %u %x %X %o %c %s %p %%, flags '-' '0',
 * a field width (number or '*'), precision for %s, and the length modifiers hh h l ll z j t.
 * No floating point: the kernel never enables it.
 */
#ifndef CCKTF_FORMAT_H
#define CCKTF_FORMAT_H

#include <ccktf/types.h>
#include <stdarg.h>

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

#endif
