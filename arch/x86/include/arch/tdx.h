/* SPDX-License-Identifier: MIT */
/*
 * The Intel TDX guest backend (arch/x86/tdx/): TDCALL, detection, TDG.VP.INFO, acceptance through
 * TDG.MEM.PAGE.ACCEPT, port I/O through TDG.VP.VMCALL<Instruction.IO>, the #VE handler. The same code runs
 * on TDX hardware (platform "tdx") and against the TDX module model (platform "sim-tdx",
 * arch/x86/sim/sim_tdx.c), which answers the very same TDCALLs from its #UD hook.
 */
#ifndef ARCH_TDX_H
#define ARCH_TDX_H

#include <arch/portio.h>
#include <ccktf/platform.h>
#include <ccktf/types.h>
#include "mm/accept.h"

/* RCX, RDX, R8-R15, RBX, RSI, RDI in and out of a TDCALL (the order arch/x86/tdx/tdcall.asm relies on). */
struct tdx_module_args {
	u64 rcx, rdx, r8, r9, r10, r11, r12, r13, r14, r15, rbx, rsi, rdi;
};

/* TDCALL with RAX = leaf; returns RAX, the completion status (arch/x86/tdx/tdcall.asm). */
u64 tdx_tdcall(u64 leaf, struct tdx_module_args *args);

/* tdx.c */
struct tdx_td_info {
	unsigned gpaw;	 /* guest physical address width: 48 or 52 */
	u64 shared_bit;	 /* 1 << (gpaw - 1): set in a GPA, the page is shared with the host */
	u64 attributes;	 /* TDX_ATTR_* */
	u32 num_vcpus;
	u32 max_vcpus;
	u32 vcpu_index;
};

bool tdx_cpuid_detect(void);
u64 tdx_vp_info(struct tdx_td_info *info); /* the TDCALL status */
/* The platform ops the sim-tdx platform reuses. */
const char *tdx_setup_after_exit(void);
void tdx_describe(char *buf, size_t size);
void tdx_round_trip(void); /* one TDG.VP.INFO, for the benchmarks */

/* tdx_accept.c */
extern const struct page_acceptor tdx_page_acceptor;
/* What the engine makes of a TDG.MEM.PAGE.ACCEPT status (upper 32 bits compared). */
enum accept_answer tdx_accept_answer(u64 status);
/* One TDG.MEM.PAGE.ACCEPT; returns the raw status. */
u64 tdx_accept_page(u64 gpa, enum accept_level level);
u64 tdx_accept_range(u64 start, u64 size, struct accept_stats *stats);
/* platform_ops.page_state: a 4K TDG.MEM.PAGE.ACCEPT (enum cc_page_state). */
enum cc_page_state tdx_page_state(u64 addr, u64 *raw_status);

/* tdx_io.c */
extern const struct portio_ops tdx_portio;
/* A standard TDG.VP.VMCALL (R10 = 0) exposing R10-R15; returns the TDCALL status, the VMCALL's in args->r10. */
u64 tdx_vmcall(struct tdx_module_args *args);
/* Instruction.IO: true when both the TDCALL and the VMM succeeded; *value is in/out. */
bool tdx_io(u16 port, unsigned size, bool write, u32 *value);

/* tdx_fatal.c: ReportFatalError with a message (up to 64 bytes), halting, and the platform's terminate(). */
void tdx_report_fatal_error(const char *msg);
/* TDG.VP.VMCALL<Instruction.HLT>; returns the TDCALL status, else the VMCALL's. */
u64 tdx_halt(bool irq_disabled);
__noreturn void tdx_terminate(const char *why);

/* tdx_ve.c */
struct tdx_ve_info {
	u32 exit_reason;
	u64 qualification;
	u64 gla;
	u64 gpa;
	u32 insn_len;
	u32 insn_info;
};

u64 tdx_ve_info_get(struct tdx_ve_info *ve); /* TDG.VP.VEINFO.GET; the TDCALL status */
void tdx_ve_install(void);
struct cpu_regs;
/* The #VE hook: IN/OUT and HLT emulated through TDG.VP.VMCALL; false (after a report) for anything else. */
bool tdx_ve_handle(struct cpu_regs *regs);

#endif
