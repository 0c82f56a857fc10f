/* SPDX-License-Identifier: MIT */
/* Single x86-64 instructions as inline functions. Intel SDM vol. 2 for each. */
#ifndef ARCH_CPU_H
#define ARCH_CPU_H

#include <ccktf/types.h>

/* Control register bits: Intel SDM vol. 3A 2.5, "Control Registers" (Figure 2-7). */
#define X86_CR0_PE (1ull << 0)	/* protection enable */
#define X86_CR0_MP (1ull << 1)	/* monitor coprocessor */
#define X86_CR0_ET (1ull << 4)	/* extension type */
#define X86_CR0_NE (1ull << 5)	/* numeric error */
#define X86_CR0_WP (1ull << 16) /* write protect */
#define X86_CR0_PG (1ull << 31) /* paging */
#define X86_CR4_PSE (1ull << 4)	       /* page size extensions */
#define X86_CR4_PAE (1ull << 5)	       /* physical address extension */
#define X86_CR4_MCE (1ull << 6)	       /* machine-check enable */
#define X86_CR4_PGE (1ull << 7)	       /* page global enable */
#define X86_CR4_OSFXSR (1ull << 9)     /* FXSAVE/FXRSTOR and SSE */
#define X86_CR4_OSXMMEXCPT (1ull << 10) /* unmasked SIMD floating-point exceptions */
#define X86_CR4_LA57 (1ull << 12)      /* 57-bit linear addresses, 5-level paging */
/* IA32_EFER: Intel SDM vol. 3A 2.2.1, "Extended Feature Enable Register" (Figure 2-2); vol. 4 Table 2-2. */
#define MSR_EFER 0xc0000080u
#define EFER_LME (1ull << 8)  /* IA-32e mode enable */
#define EFER_NXE (1ull << 11) /* execute-disable bit enable */

struct cpuid_regs {
	u32 eax, ebx, ecx, edx;
};

static inline struct cpuid_regs cpuid_count(u32 leaf, u32 subleaf)
{
	struct cpuid_regs r;

	asm volatile("cpuid" : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx) : "a"(leaf), "c"(subleaf));
	return r;
}

static inline struct cpuid_regs cpuid(u32 leaf)
{
	return cpuid_count(leaf, 0);
}

static inline u64 rdtsc(void)
{
	u32 lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (u64)hi << 32 | lo;
}

static inline u64 rdmsr(u32 msr)
{
	u32 lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return (u64)hi << 32 | lo;
}

static inline void wrmsr(u32 msr, u64 val)
{
	asm volatile("wrmsr" : : "c"(msr), "a"((u32)val), "d"((u32)(val >> 32)) : "memory");
}

#define DEFINE_READ_CR(n)                                        \
	static inline u64 read_cr##n(void)                       \
	{                                                        \
		u64 v;                                           \
		asm volatile("mov %%cr" #n ", %0" : "=r"(v));    \
		return v;                                        \
	}
DEFINE_READ_CR(0)
DEFINE_READ_CR(2)
DEFINE_READ_CR(3)
DEFINE_READ_CR(4)

static inline void write_cr3(u64 v)
{
	asm volatile("mov %0, %%cr3" : : "r"(v) : "memory");
}

static inline void cli(void)
{
	asm volatile("cli" ::: "memory");
}

static inline void hlt(void)
{
	asm volatile("hlt" ::: "memory");
}

static inline void cpu_relax(void)
{
	asm volatile("pause" ::: "memory");
}

#endif
