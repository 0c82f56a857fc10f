/* SPDX-License-Identifier: MIT */
/*
 * Stopping a TD and telling the VMM why, when the console cannot be trusted (before port I/O goes through
 * TDG.VP.VMCALL, a print would raise #VE with no handler: a silent triple fault). TDG.VP.VMCALL
 * <ReportFatalError> (arch/tdx_spec.h), as Linux tdx_panic() does; QEMU reports it as a guest panic with
 * the message. And halting: TDG.VP.VMCALL<Instruction.HLT> (Linux __halt()).
 */
#include <arch/tdx.h>
#include <arch/tdx_spec.h>
#include <ccktf/string.h>

/* The message registers in the GHCI's order. */
static void put_message(struct tdx_module_args *args, const char *msg)
{
	u64 *const regs[TDVMCALL_FATAL_MESSAGE_BYTES / 8] = { &args->r14, &args->r15, &args->rbx, &args->rdi,
							      &args->rsi, &args->r8,  &args->r9,  &args->rdx };
	char text[TDVMCALL_FATAL_MESSAGE_BYTES] = { 0 };
	size_t n = strlen(msg);

	memcpy(text, msg, MIN(n, sizeof(text)));
	for (unsigned i = 0; i < ARRAY_SIZE(regs); i++)
		memcpy(regs[i], text + 8 * i, 8);
}

void tdx_report_fatal_error(const char *msg)
{
	struct tdx_module_args args = { .r10 = TDVMCALL_STANDARD, .r11 = TDVMCALL_REPORT_FATAL_ERROR };

	put_message(&args, msg);
	args.rcx = TDVMCALL_EXPOSE_ALL;
	(void)tdx_tdcall(TDG_VP_VMCALL, &args);
}

u64 tdx_halt(bool irq_disabled)
{
	struct tdx_module_args args = { .r11 = TDVMCALL_HLT, .r12 = irq_disabled ? TDVMCALL_HLT_IRQ_DISABLED : 0 };

	u64 status = tdx_vmcall(&args);

	return status ? status : args.r10;
}

void tdx_terminate(const char *why)
{
	for (;;) {
		tdx_report_fatal_error(why);
		tdx_halt(true);
	}
}
