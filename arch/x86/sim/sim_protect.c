/* SPDX-License-Identifier: MIT */
/*
 * What a TDX or SNP guest cannot do after ExitBootServices, made as unforgiving under the models as on the
 * hardware (TCG would let it all pass):
 *
 *  - Native port I/O. On hardware IN/OUT raise #VE (TDX: exit reason 30, Linux handle_io()) or #VC (SNP:
 *    exit code 0x7B, GHCB spec 4.1.2); with no handler for that vector the guest is lost, silently (a
 *    triple fault). sim_protect_install() puts a port-I/O backend in place that delivers exactly that
 *    exception to the platform's hook, and stops the run, loudly, where the hardware would have died.
 *    The backend the platform installs once its setup works (TDG.VP.VMCALL, GHCB IOIO) replaces it.
 *  - The firmware's runtime code. OVMF's ResetSystem() and the other runtime services do native port I/O
 *    (OvmfPkg/Library/ResetSystemLib), which the kernel does not emulate for firmware code: on hardware
 *    calling them ends in #VC/#VE. The models unmap RuntimeServicesCode, so a call faults here too.
 */
#include <arch/machine.h>
#include <arch/portio.h>
#include <arch/sim.h>
#include <ccktf/boot.h>
#include <ccktf/console.h>
#include <ccktf/exit.h>


static sim_io_trap_fn io_trap;
static const char *model_name;

void sim_stop(const char *what, u64 value)
{
	portio_set_ops(&portio_native); /* the model prints as the host would: natively */
	console_release();
	printk("\n# %s: MODEL: %s (0x%llx)\n", model_name ? model_name : "sim", what, value);
	if (!ccktf_exit_printed())
		ccktf_print_exit(CCKTF_EXIT_CRASHED);
	native_out(QEMU_DEBUG_EXIT_PORT, 1, CCKTF_EXIT_CRASHED);
	for (;;)
		asm volatile("cli; hlt");
}

static u32 trapped_in(u16 port, unsigned size)
{
	u32 value = 0;

	if (!io_trap(port, size, true, &value))
		sim_stop("native IN after ExitBootServices and no handler took the exception: on hardware the guest "
			 "dies here, silently (port)",
			 port);
	return value;
}

static void trapped_out(u16 port, unsigned size, u32 value)
{
	if (!io_trap(port, size, false, &value))
		sim_stop("native OUT after ExitBootServices and no handler took the exception: on hardware the guest "
			 "dies here, silently (port)",
			 port);
}

static const struct portio_ops trapping_portio = { "model: IN/OUT raise #VE/#VC", trapped_in, trapped_out };

static void unmap_runtime_code(void)
{
	struct memmap m = memmap_view(&boot_info.memmap);
	const struct efi_memory_descriptor *d;

	for_each_memmap_desc(&m, i, d)
		if (d->type == EFI_RUNTIME_SERVICES_CODE)
			for (u64 a = d->phys_start; a < memmap_desc_range(d).end; a += EFI_PAGE_SIZE)
				paging_set_page_flags(a, 0, PAGING_PRESENT);
}

void sim_protect_install(const char *name, sim_io_trap_fn trap)
{
	model_name = name;
	io_trap = trap;
	portio_set_ops(&trapping_portio);
	unmap_runtime_code();
}
