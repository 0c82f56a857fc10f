/* SPDX-License-Identifier: MIT */
/*
 * The "sim-tdx" platform: the real TDX backend (arch/x86/tdx/) against the TDX module model
 * (tdx_model.c). The kernel executes real TDCALLs; TCG raises #UD for them and the model answers. So the
 * acceptance, the VMCALL port I/O after ExitBootServices and the #VE hook are the real backend's code.
 *
 * The one thing the model cannot take over is detection: TCG executes CPUID itself, so leaf 0x21 never
 * says "IntelTDX    " here. sim-tdx is therefore chosen by name only (platform=sim-tdx, never auto), and
 * its detect() says yes without asking the CPU.
 */
#include <arch/tdx.h>
#include <ccktf/boot.h>
#include <ccktf/format.h>
#include <ccktf/handoff.h>
#include <ccktf/platform.h>
#include <ccktf/string.h>
#include "sim_handoff.h"
#include "tdvf_mp.h"
#include "tdx_model.h"

static struct sim_memory memory;
static bool adopted; /* handoff=self's stage 2: the state came from stage 1 (sim_handoff.h) */

static bool sim_tdx_detect(void)
{
	return true;
}

static const char *sim_tdx_setup_before_exit(struct boot_info *b)
{
	const char *err = sim_reserve_unaccepted(b, &memory);

	if (!err)
		err = tdx_model_init(b, &memory);
	if (!err && handoff_mode() == HANDOFF_SELF)
		err = sim_handoff_offer(b, tdx_model_handoff_save);
	return err ? err : tdvf_mp_install(b); /* TDVF's MADT wakeup mailbox (tdvf_mp.c) */
}

/* Stage 2 of handoff=self: the regions and the module's state as stage 1 left them; no firmware (it is
 * gone), no APs (stage 2 runs on one CPU). */
const char *sim_tdx_handoff_adopt(const struct sim_handoff *h)
{
	sim_handoff_regions(h, &memory);
	adopted = true;
	return tdx_model_adopt(h, &memory);
}

static void sim_tdx_adjust_memmap(struct efi_memmap_snapshot *m)
{
	sim_mark_unaccepted(&memory, m);
}

/* The model first: the real backend's setup already issues TDCALLs (TDG.VP.INFO). The APs are parked in
 * TDVF's mailbox loop before the kernel's bring-up (tdvf_mp.c says why only now). */
static const char *sim_tdx_setup_after_exit(void)
{
	const char *err;

	tdx_model_attach();
	if (!adopted && (err = tdvf_mp_park()))
		return err;
	return tdx_setup_after_exit();
}

static void sim_tdx_describe(char *buf, size_t size)
{
	char td[120];

	tdx_describe(td, sizeof(td));
	snprintf(buf, size, "MODEL of the TDX module (no TDX hardware): %s; %llu MiB pending, host maps %s; "
			    "%llu TDCALLs served",
		 td, memory.bytes / MiB, sim_host_map_name(), tdx_model_tdcalls_served());
}

/* handoff=self: the module's state crosses in reserved pages (sim_handoff.h); nothing to undo before the jump. */
static const struct platform_handoff_ops sim_tdx_handoff = {
	.save = sim_handoff_state,
	.adopt = sim_handoff_adopt,
};

static const struct platform_ops sim_tdx_platform = {
	.name = "sim-tdx",
	.auto_priority = -1,
	.detect = sim_tdx_detect,
	.setup_before_exit = sim_tdx_setup_before_exit,
	.adjust_memmap = sim_tdx_adjust_memmap,
	.setup_after_exit = sim_tdx_setup_after_exit,
	.describe = sim_tdx_describe,
	.identify = tdx_identify,
	.accept_range = tdx_accept_range,
	.page_state = sim_page_state,
	.round_trip = tdx_round_trip,
	.terminate = tdx_terminate,
	.attrs = CC_ATTR_BIT(CC_ATTR_TDX_GUEST) | CC_ATTR_BIT(CC_ATTR_ACCEPT_ZEROES) |
		 CC_ATTR_BIT(CC_ATTR_GUEST_STATE_PROTECTED) | CC_ATTR_BIT(CC_ATTR_HW_MODEL),
	.model = &tdx_model_ops,
	.cpu_wake = CPU_WAKE_MADT_MAILBOX,
	.handoff = &sim_tdx_handoff,
};
PLATFORM_REGISTER(sim_tdx_platform);
