/* SPDX-License-Identifier: MIT */
/*
 * Port I/O for an SEV-ES/SNP guest after ExitBootServices: IN/OUT would raise #VC, so the backend asks
 * the hypervisor directly with the GHCB IOIO exit (GHCB spec 4.1.2, SVM_EXIT_IOIO 0x7B; the EXITINFO1
 * encoding is the SVM IOIO intercept's, APM vol. 2 15.10.2; as edk2 CcExitVcHandler.c IoioExit()).
 * The GHCB protocol offers no port I/O over the MSR protocol, so this needs the registered GHCB page.
 */
#include <arch/portio.h>
#include <arch/snp_spec.h>
#include "snp.h"

static u64 size_bit(unsigned size)
{
	return size == 1 ? IOIO_SZ8 : size == 2 ? IOIO_SZ16 : IOIO_SZ32;
}

static u64 ioio_info1(u16 port, unsigned size, bool in)
{
	return (u64)port << IOIO_PORT_SHIFT | size_bit(size) | IOIO_ADDR64 | (in ? IOIO_TYPE_IN : 0);
}

static u32 ghcb_in(u16 port, unsigned size)
{
	ghcb_clear_valid();
	ghcb_set_field(GHCB_OFF_RAX, 0);
	if (ghcb_call(SVM_EXIT_IOIO, ioio_info1(port, size, true), 0, NULL) || !ghcb_field_valid(GHCB_OFF_RAX))
		return portio_value_mask(size); /* what a read of a floating bus gives */
	return (u32)ghcb_field(GHCB_OFF_RAX) & portio_value_mask(size);
}

static void ghcb_out(u16 port, unsigned size, u32 value)
{
	ghcb_clear_valid();
	ghcb_set_field(GHCB_OFF_RAX, value & portio_value_mask(size));
	ghcb_call(SVM_EXIT_IOIO, ioio_info1(port, size, false), 0, NULL);
}

const struct portio_ops snp_portio = { "ghcb-ioio", ghcb_in, ghcb_out };
