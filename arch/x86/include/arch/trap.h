/* SPDX-License-Identifier: MIT */
/*
 * Exceptions after ExitBootServices. Every vector 0-31 has a handler. A vector can carry a hook that
 * platforms and hardware models install (#VE for TDX, #VC for SNP, #UD for the models that answer for
 * TDCALL/PVALIDATE/VMGEXIT under TCG). An instruction listed in the exception table (ASM_EXTABLE) resumes
 * at its fixup instead, which is how the *_safe accessors return the vector they raised (as in
 * kvm-unit-tests). Anything else is a crash: registers are printed and the kernel exits "crashed".
 */
#ifndef ARCH_TRAP_H
#define ARCH_TRAP_H

#include <ccktf/types.h>

/* Saved by arch/x86/cpu/trap_entry.asm; the order is the push order, reversed. */
struct cpu_regs {
	u64 r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector, error_code;
	u64 rip, cs, rflags, rsp, ss; /* the hardware frame */
};

/* Intel SDM vol. 3A, table 6-1; #VE is 20, #CP 21, AMD's #VC 29. */
enum x86_vector {
	X86_DE = 0, X86_DB = 1, X86_NMI = 2, X86_BP = 3, X86_OF = 4, X86_BR = 5, X86_UD = 6, X86_NM = 7,
	X86_DF = 8, X86_TS = 10, X86_NP = 11, X86_SS = 12, X86_GP = 13, X86_PF = 14, X86_MF = 16,
	X86_AC = 17, X86_MC = 18, X86_XM = 19, X86_VE = 20, X86_CP = 21, X86_HV = 28, X86_VC = 29,
	X86_SX = 30, X86_VECTORS = 32,
};

/* Returns true when it handled the exception (execution resumes at regs->rip). */
typedef bool (*trap_hook_fn)(struct cpu_regs *regs);

void trap_init(void);
void trap_set_hook(unsigned vector, trap_hook_fn hook);
/* The hook installed for vector, or NULL: lets a model deliver a different exception (#PF -> #VC). */
trap_hook_fn trap_hook(unsigned vector);
const char *trap_vector_name(unsigned vector);

/*
 * The vector the last ASM_EXTABLE-covered instruction raised, or -1; reading it resets it.
 * Use: exception_vector_reset(); asm("1: insn\n2:\n" ASM_EXTABLE("1b", "2b")); return exception_vector();
 */
void exception_vector_reset(void);
int exception_vector(void);

#define ASM_EXTABLE(insn, fixup)                        \
	".pushsection ex_table, \"a\"\n"                \
	".balign 4\n"                                   \
	".long " insn " - .\n"                          \
	".long " fixup " - .\n"                         \
	".popsection\n"

int rdmsr_safe(u32 msr, u64 *value);
int wrmsr_safe(u32 msr, u64 value);

/* Loads the kernel's GDT and TSS (arch/x86/cpu/gdt.c); the TSS gives #DF, NMI and #MC their own stack. */
void gdt_init(void);
/* One CPU's GDT (null, code 0x08, data 0x10, TSS 0x18 in two slots) and its 104-byte 64-bit TSS. */
struct cpu_gdt {
	u64 gdt[5];
	u64 tss[13];
} __attribute__((aligned(16)));
/* Builds g and loads it on this CPU (LGDT, segments, LTR), with ist_top as its IST1 stack (application
 * processors: arch/x86/cpu/smp.c; the boot CPU's is gdt_init()'s). */
void gdt_load_cpu(struct cpu_gdt *g, void *ist_top);

#endif
