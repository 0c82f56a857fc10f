/* SPDX-License-Identifier: MIT */
/*
 * Port I/O in a TD: TDG.VP.VMCALL<Instruction.IO> (GHCI; the way Linux's decompressor does it,
 * arch/x86/boot/compressed/tdx.c). R11 = 30 (the VMX exit reason of IN/OUT), R12 size, R13 direction,
 * R14 port, R15 the value written; the VMM returns its status in R10 and the value read in R11.
 */
#include <arch/tdx.h>
#include <arch/tdx_spec.h>

u64 tdx_vmcall(struct tdx_module_args *args)
{
	args->rcx = TDVMCALL_EXPOSE_R10_R15;
	args->r10 = TDVMCALL_STANDARD;
	return tdx_tdcall(TDG_VP_VMCALL, args);
}

bool tdx_io(u16 port, unsigned size, bool write, u32 *value)
{
	struct tdx_module_args args = {
		.r11 = TDVMCALL_IO,
		.r12 = size,
		.r13 = write ? TDVMCALL_IO_WRITE : TDVMCALL_IO_READ,
		.r14 = port,
		.r15 = write ? *value : 0,
	};

	if (tdx_vmcall(&args) != TDX_SUCCESS || args.r10 != TDVMCALL_STATUS_SUCCESS)
		return false;
	if (!write) /* zero-extended by size, whatever the VMM left above it */
		*value = (u32)args.r11 & portio_value_mask(size);
	return true;
}

/* A failed IN reads all ones, as a port nobody decodes does (Linux tdx_io_in() does the same). */
static u32 tdx_portio_in(u16 port, unsigned size)
{
	u32 value = 0;

	return tdx_io(port, size, false, &value) ? value : portio_value_mask(size);
}

static void tdx_portio_out(u16 port, unsigned size, u32 value)
{
	(void)tdx_io(port, size, true, &value);
}

const struct portio_ops tdx_portio = { "tdx-vmcall", tdx_portio_in, tdx_portio_out };
