/* SPDX-License-Identifier: MIT */
/*
 * What handoff=self needs from the platform it runs on (docs/bzimage.md "handoff=self"). Platform none has
 * nothing to hand over. A hardware model hands its state over as the hardware would keep it: in reserved
 * pages, named by a private setup_data node (arch/sim.h SIM_SETUP_DATA_TYPE, sim_handoff.h). Real TDX/SNP
 * keep their state themselves, but stage 2's boot-protocol entry does native port I/O before it has a
 * #VE/#VC handler, which kills a real TD or SNP guest: refused. On SNP (the model) stage 1 makes every
 * page it shared private again just before the jump, as Linux does before a kexec (snp_kexec.c).
 */
#include <arch/sim.h>
#include <ccktf/platform.h>
#include <ccktf/string.h>

#include "../snp/snp.h"
#include "boot/boot_params.h"
#include "boot/setup_data.h"
#include "handoff_model.h"

static u64 state_pa, state_bytes;

const char *handoff_platform_refusal(void)
{
	const char *why;

	if (!cc_platform_has(CC_ATTR_HW_MODEL))
		return strcmp(platform_name(), "none") ? "on TDX/SNP hardware stage 2's boot-protocol entry would do port "
							 "I/O before it has a #VE/#VC handler"
						       : NULL;
	if (cc_platform_has(CC_ATTR_SEV_SNP_GUEST) && (why = snp_kexec_refusal()))
		return why;
	if ((why = sim_handoff_state(&state_pa, &state_bytes)))
		return why;
	return NULL;
}

/* The last step before the jump: on SNP every page this guest made shared is private again, its GHCB last
 * (snp_kexec.c, as Linux's snp_kexec_finish()); no port I/O after it. */
void handoff_platform_finish(void)
{
	if (cc_platform_has(CC_ATTR_SEV_SNP_GUEST))
		snp_kexec_finish();
}

bool handoff_model_node(u8 *node)
{
	if (!state_pa)
		return false;
	memset(node, 0, SETUP_DATA_HEADER + SIM_SETUP_DATA_LEN);
	bp_put(node + 8, SIM_SETUP_DATA_TYPE, 4);
	bp_put(node + 12, SIM_SETUP_DATA_LEN, 4);
	bp_put(node + SETUP_DATA_HEADER, state_pa, 8);
	bp_put(node + SETUP_DATA_HEADER + 8, state_bytes, 8);
	return true;
}
