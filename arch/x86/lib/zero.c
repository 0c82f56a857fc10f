/* SPDX-License-Identifier: MIT */
/*
 * Ways to zero memory, the physical reference the acceptance benchmarks compare against: rep stosb and
 * rep stosq (Intel SDM vol. 1 7.3.9.3, fast-string operation; TCG runs stosb a byte at a time, so stosq
 * matters there) and non-temporal stores (MOVNTI, SDM vol. 2B), which bypass the cache as a TDX module's
 * or a firmware's page clearing may.
 */
#include <arch/zero.h>

void zero_rep_stosb(void *p, u64 bytes)
{
	asm volatile("rep stosb" : "+D"(p), "+c"(bytes) : "a"(0) : "memory");
}

void zero_rep_stosq(void *p, u64 bytes)
{
	u64 quads = bytes / 8;

	asm volatile("rep stosq" : "+D"(p), "+c"(quads) : "a"(0ull) : "memory");
}

void zero_movnti(void *p, u64 bytes)
{
	u64 *q = p;

	for (u64 i = 0; i < bytes / 8; i += 4) {
		asm volatile("movnti %1, 0(%0)\n"
			     "movnti %1, 8(%0)\n"
			     "movnti %1, 16(%0)\n"
			     "movnti %1, 24(%0)\n"
			     :
			     : "r"(q + i), "r"(0ull)
			     : "memory");
	}
	asm volatile("sfence" ::: "memory");
}
