/* SPDX-License-Identifier: MIT */
/*
 * What handoff=self needs from the platform it runs on (docs/bzimage.md "handoff=self"), asked through its
 * ops table (platform_handoff_ops). A platform without one has nothing to hand over (none). A hardware model
 * hands its state over as the hardware would keep it: in reserved pages, named by a private setup_data node
 * (arch/sim.h SIM_SETUP_DATA_TYPE). Real TDX/SNP keep their state themselves, but stage 2's boot-protocol
 * entry does native port I/O before it has a #VE/#VC handler, which kills a guest whose state is protected:
 * refused. On SNP (the model) stage 1 makes every page it shared private again just before the jump, as
 * Linux does before a kexec (the platform's finish hook).
 */
#include <arch/sim.h>
#include <ccktf/platform.h>
#include <ccktf/string.h>

#include "boot/boot_params.h"
#include "boot/setup_data.h"
#include "handoff_model.h"

static u64 state_pa, state_bytes;

const char *handoff_platform_refusal(void)
{
	const struct platform_handoff_ops *h = platform_current()->handoff;

	if (cc_platform_has(CC_ATTR_GUEST_STATE_PROTECTED) && !cc_platform_has(CC_ATTR_HW_MODEL))
		return "on TDX/SNP hardware stage 2's boot-protocol entry would do port I/O before it has a #VE/#VC "
		       "handler";
	if (!h || !h->save)
		return cc_platform_has(CC_ATTR_HW_MODEL) ? "this model cannot hand its state over to stage 2" : NULL;
	return h->save(&state_pa, &state_bytes);
}

/* The last step before the jump (platform_handoff_ops.finish); no port I/O after it. */
void handoff_platform_finish(void)
{
	const struct platform_handoff_ops *h = platform_current()->handoff;

	if (h && h->finish)
		h->finish();
}

bool handoff_model_node(u8 *node)
{
	if (!state_pa)
		return false;
	setup_data_put(node, SIM_SETUP_DATA_TYPE, SIM_SETUP_DATA_LEN);
	bp_put(node + SETUP_DATA_HEADER, state_pa, 8);
	bp_put(node + SETUP_DATA_HEADER + 8, state_bytes, 8);
	return true;
}
