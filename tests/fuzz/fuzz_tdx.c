/* SPDX-License-Identifier: MIT */
/*
 * Target tdx: the TDX backend (arch/x86/tdx/) against whatever TDCALL returns. The #VE information
 * (TDG.VP.VEINFO.GET: exit reason, qualification, GPA, GLA, instruction length and info) is decoded by
 * tdx_ve_handle(); the VMM's TDG.VP.VMCALL answers (port I/O, HLT) come back in R10/R11;
 * TDG.MEM.PAGE.ACCEPT statuses drive the acceptance engine (tdx_accept.c, kernel/mm/accept.c).
 *
 * Input: u64 rax, u64 rflags, u64 accept start, u16 accept pages, then the script: each TDCALL takes a u8
 * flags byte, then (as flagged) a status and the output registers RCX, RDX, R8, R9, R10, R11. Flags 0 (or
 * the end of the input) is an honest, successful answer.
 * Held to: a handled IN changes only the low size bytes of RAX, any handled #VE moves RIP by the
 * instruction length the module reported, and an unhandled one changes no register.
 */
#include "fuzz.h"

#include <arch/trap.h>

#include "../../arch/x86/tdx/tdx_accept.c"
#include "../../arch/x86/tdx/tdx_cpuid.c"
#include "../../arch/x86/tdx/tdx_fatal.c"
#include "../../arch/x86/tdx/tdx_io.c"
#include "../../arch/x86/tdx/tdx_msr.c"
#include "../../arch/x86/tdx/tdx_ve.c"

static struct fz script;

void trap_set_hook(unsigned vector, trap_hook_fn hook)
{
	(void)vector, (void)hook;
}

void portio_set_ops(const struct portio_ops *ops)
{
	(void)ops;
}

static u64 field(u8 flags, u8 flag, u64 honest)
{
	return flags & flag ? fz_u64(&script) : honest;
}

u64 tdx_tdcall(u64 leaf, struct tdx_module_args *args)
{
	u8 f = fz_u8(&script);
	u64 status = field(f, 1, TDX_SUCCESS);

	switch (leaf) {
	case TDG_VP_VMCALL: /* the VMM: success, and 0xa5 for what an IN reads */
		args->r10 = TDVMCALL_STATUS_SUCCESS;
		args->r11 = 0xa5a5a5a5;
		break;
	}
	args->rcx = field(f, 2, args->rcx);
	args->rdx = field(f, 4, args->rdx);
	args->r8 = field(f, 8, args->r8);
	args->r9 = field(f, 16, args->r9);
	args->r10 = field(f, 32, args->r10);
	args->r11 = field(f, 64, args->r11);
	return status;
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct fz in = { data, size };
	struct cpu_regs regs = { 0 }, before;
	struct tdx_ve_info ve;
	struct accept_stats stats = { 0 };
	struct fz saved;
	u64 start, raw;
	u16 pages;

	regs.rax = fz_u64(&in);
	regs.rflags = fz_u64(&in);
	regs.rip = 0x100000;
	start = ALIGN_DOWN(fz_u64(&in), EFI_PAGE_SIZE) & 0xfffffffffffffull;
	pages = fz_u16(&in) % 2048;
	script = in;

	/* What the handler will read, decoded here first for the checks; the script is then rewound. */
	saved = script;
	(void)tdx_ve_info_get(&ve);
	script = saved;
	before = regs;
	if (tdx_ve_handle(&regs)) {
		u64 mask = portio_value_mask((unsigned)(ve.qualification & TDX_VE_IO_SIZE_MASK) + 1);
		if (regs.rip != before.rip + ve.insn_len)
			abort();
		if (ve.exit_reason == TDX_EXIT_REASON_IO_INSTRUCTION && (regs.rax & ~mask) != (before.rax & ~mask))
			abort();
	} else {
		/* Declined: the registers are as they were, except that a refused RDMSR/WRMSR/CPUID is raised
		 * as #GP(0) (tdx_ve.c raise_gp(), as Linux ve_raise_fault()) and nothing else ever is. */
		bool may_raise = ve.exit_reason == TDX_EXIT_REASON_MSR_READ || ve.exit_reason == TDX_EXIT_REASON_MSR_WRITE ||
				 ve.exit_reason == TDX_EXIT_REASON_CPUID;

		if (may_raise && regs.vector == X86_GP && regs.error_code == 0) {
			before.vector = X86_GP;
			before.error_code = 0;
		}
		if (memcmp(&regs, &before, sizeof(regs)))
			abort();
	}
	(void)tdx_page_state(start, &raw);
	if (tdx_accept_range(start, (u64)pages * EFI_PAGE_SIZE, &stats) > (u64)pages * EFI_PAGE_SIZE)
		abort();
	tdx_report_fatal_error("fuzz: a message longer than the 64 bytes ReportFatalError carries in registers");
	return 0;
}
