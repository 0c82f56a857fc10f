/* SPDX-License-Identifier: MIT */
/* Fixed-width types and small helpers shared by the kernel and the host-side unit tests. */
#ifndef CCKTF_TYPES_H
#define CCKTF_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef unsigned long long u64; /* so that %llx prints it on every LP64 target */
typedef int32_t s32;
typedef long long s64;

#define KiB (1024ull)
#define MiB (1024ull * KiB)
#define GiB (1024ull * MiB)

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ALIGN_DOWN(x, a) ((x) & ~((u64)(a) - 1))
#define ALIGN_UP(x, a) ALIGN_DOWN((x) + (u64)(a) - 1, (a))
#define IS_ALIGNED(x, a) (((x) & ((u64)(a) - 1)) == 0)
/* Each argument is evaluated once, so MIN(f(), n) calls f() once. */
#define MIN(a, b)                           \
	({                                  \
		__auto_type min_a_ = (a);   \
		__auto_type min_b_ = (b);   \
		min_a_ < min_b_ ? min_a_ : min_b_; \
	})
#define MAX(a, b)                           \
	({                                  \
		__auto_type max_a_ = (a);   \
		__auto_type max_b_ = (b);   \
		max_a_ > max_b_ ? max_a_ : max_b_; \
	})

/* x86's cache line (CPUID leaf 1 EBX[15:8], CLFLUSH line size, is 8 x 8 bytes on every part): what several
 * CPUs write lives alone on one, so that one CPU's writes never move another's line (false sharing). */
#define CACHE_LINE_BYTES 64
#define __cacheline_aligned __attribute__((aligned(CACHE_LINE_BYTES)))
#define __packed __attribute__((packed))
#define __noreturn __attribute__((noreturn))
#define __used __attribute__((used))
#define __unused __attribute__((unused))
#define __section(s) __attribute__((section(s)))
#define __printf(f, a) __attribute__((format(printf, f, a)))

#endif
