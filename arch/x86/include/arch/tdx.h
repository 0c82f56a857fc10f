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
	u64 commands_available; /* R10: TDX_VP_INFO_R10_SYS_RD (module 1.5+) */
};

bool tdx_cpuid_detect(void);
u64 tdx_vp_info(struct tdx_td_info *info); /* the TDCALL status */
/* The platform ops the sim-tdx platform reuses. */
const char *tdx_setup_after_exit(void);
void tdx_describe(char *buf, size_t size);
void tdx_round_trip(void); /* one TDG.VP.INFO, for the benchmarks */

/*
 * What a TD can read of its TDX module (tdx_identity.c, pure; the TDCALLs in tdx.c). Each field is read with
 * TDG.SYS.RD and keeps its raw status: a module without the leaf (1.0) or a field a TD may not read leaves
 * the status, never a value (docs/abi.md "Intel TDX guest").
 */
enum tdx_id_field {
	TDX_ID_MAJOR,
	TDX_ID_MINOR,
	TDX_ID_UPDATE,
	TDX_ID_INTERNAL,
	TDX_ID_BUILD_NUM,
	TDX_ID_BUILD_DATE,
	TDX_ID_VENDOR_ID,
	TDX_ID_SYS_ATTRIBUTES,
	TDX_ID_FEATURES0,
	TDX_ID_FIELDS,
};

struct tdx_id_field_desc {
	u64 field_id; /* TDX_MD_* */
	const char *key;
	bool hex; /* printed 0x..., else decimal */
};
extern const struct tdx_id_field_desc tdx_id_fields[TDX_ID_FIELDS];

struct tdx_module_identity {
	u64 vp_info_status; /* TDG.VP.INFO; when not TDX_SUCCESS, sys_rd_available says nothing */
	bool sys_rd_available; /* TDG.VP.INFO R10 bit 0 (module 1.5+) */
	u64 status[TDX_ID_FIELDS]; /* raw TDG.SYS.RD status */
	u64 value[TDX_ID_FIELDS];  /* R8, meaningful where status is TDX_SUCCESS */
};

/* The identity words of docs/protocol.md "Platform identity" (module=... tdx_*=...). */
void tdx_identity_format(const struct tdx_module_identity *id, char *buf, size_t size);
/* tdx.c: one TDG.SYS.RD; returns the status, *value = R8, *next = RDX (either may be NULL). */
u64 tdx_sys_rd(u64 field_id, u64 *value, u64 *next);
void tdx_identity_read(struct tdx_module_identity *id);
/* platform_ops.identify for tdx and sim-tdx. */
void tdx_identify(char *buf, size_t size);

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

/* tdx_msr.c: Instruction.RDMSR / WRMSR; return the TDCALL status, else the VMCALL's (R10). */
u64 tdx_msr_read(u32 msr, u64 *value);
u64 tdx_msr_write(u32 msr, u64 value);
/* tdx_cpuid.c: Instruction.CPUID; out = EAX, EBX, ECX, EDX. Returns the TDCALL status, else the VMCALL's. */
u64 tdx_cpuid(u32 leaf, u32 subleaf, u32 out[4]);

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
