/* SPDX-License-Identifier: MIT */
/*
 * Leaving the machine with a verdict (docs/protocol.md): the exit code goes to QEMU's isa-debug-exit
 * device (port 0xf4, QEMU exits with code*2+1); where that device is absent the write is ignored and the
 * kernel shuts down with EFI ResetSystem (UEFI 2.10 section 8.5.1), callable in physical mode after
 * ExitBootServices as long as SetVirtualAddressMap was never called.
 */
#include <arch/cpu.h>
#include <arch/machine.h>
#include <arch/portio.h>
#include <ccktf/exit.h>
#include "efi/efi_api.h"

#define ISA_DEBUG_EXIT_PORT 0xf4

static struct efi_runtime_services *runtime;

void machine_set_runtime_services(struct efi_runtime_services *rt)
{
	runtime = rt;
}

void ccktf_exit(enum ccktf_exit e)
{
	ccktf_print_exit(e);
	outb(ISA_DEBUG_EXIT_PORT, (u8)e);
	if (runtime)
		runtime->reset_system(EFI_RESET_SHUTDOWN, e == CCKTF_EXIT_PASSED ? EFI_SUCCESS : EFI_ERROR_BIT | e, 0,
				      NULL);
	cli();
	for (;;)
		hlt();
}
