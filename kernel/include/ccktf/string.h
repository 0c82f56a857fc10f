/* SPDX-License-Identifier: MIT */
/* The C string functions the kernel provides (kernel/lib/string.c); on the host, libc provides them. */
#ifndef CCKTF_STRING_H
#define CCKTF_STRING_H

#include <ccktf/types.h>

void *memset(void *dst, int c, size_t n);
void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);

#endif
