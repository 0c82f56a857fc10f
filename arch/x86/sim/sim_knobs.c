/* SPDX-License-Identifier: MIT */
/*
 * The hardware models' boot arguments, owned here rather than by the core (ccktf/args.h,
 * ARG_KEY_REGISTER). Defaults follow what real hosts do today:
 *
 *  - sim_host_map=4k: upstream KVM maps private guest memory with 4 KiB pages. TDX: the S-EPT level is
 *    capped at 4K (Linux arch/x86/kvm/vmx/tdx.c, tdx_gmem_private_max_mapping_level(); the TD huge-page
 *    series is not merged), so every 2M TDG.MEM.PAGE.ACCEPT answers PAGE_SIZE_MISMATCH and falls back to
 *    512 4K accepts. SNP: guest_memfd hands out order-0 folios (virt/kvm/guest_memfd.c; no huge pages
 *    upstream), so the RMP entries are 4K and a 2M PVALIDATE answers FAIL_SIZEMISMATCH. A host with huge
 *    pages stays an option: sim_host_map=2m. Every model result says which one was modelled.
 *  - sim_unaccepted=above4g: OVMF leaves RAM above 4 GiB unaccepted (OvmfPkg/PlatformPei/AmdSev.c,
 *    OvmfPkg/Library/PlatformInitLib/IntelTdx.c).
 *  - sim_sept_ve_disable=1: a production TD (Linux tdx_early_init() refuses one without it unless
 *    debugging).
 *  - sim_fail=none: sim_fail=setup makes the modelled host refuse the platform's first step after
 *    ExitBootServices (SNP: GHCB GPA registration, answered with an all-ones GFN as GHCB spec 2.3.2 says;
 *    TDX: TDG.VP.INFO), to show that a failure before the console works ends through the platform's own
 *    channel and says what failed.
 *  - sim_tdx_module=1.5: the TDX model is a 1.5 module (release 1.5.06) with TDG.SYS.RD, as current TDX
 *    hosts run (tdx_model_sys.c); 1.0 models a module without the leaf (TDG.VP.INFO R10 = 0, leaf 11 an
 *    invalid RAX), to show what a TD then reports.
 *  - sim_fw: the firmware kind (sim_firmware.c, with the edk2 source of each): deployed, near-future or
 *    far-future on the SNP model, tdvf on the TDX model; unset, the platform's firmware as OVMF ships it
 *    today (SNP: near-future, AmdSevDxe; TDX: TDVF). A kind the model's platform never had is refused at
 *    setup, never quietly replaced.
 */
#include <arch/sim.h>
#include <ccktf/args.h>
#include <ccktf/string.h>

struct sim_knobs sim_knobs = { .unaccepted = 0, .host_4k = true, .sept_ve_disable = true };

static bool parse_unaccepted(const char *v)
{
	if (!strcmp(v, "above4g")) {
		sim_knobs.unaccepted = 0;
		return true;
	}
	return args_parse_size(v, &sim_knobs.unaccepted) && sim_knobs.unaccepted >= 4096 &&
	       sim_knobs.unaccepted % 4096 == 0;
}

static bool parse_host_map(const char *v)
{
	if (strcmp(v, "2m") && strcmp(v, "4k"))
		return false;
	sim_knobs.host_4k = v[0] == '4';
	return true;
}

static bool parse_sept_ve_disable(const char *v)
{
	return args_parse_flag(v, &sim_knobs.sept_ve_disable);
}

static bool parse_fail(const char *v)
{
	if (strcmp(v, "none") && strcmp(v, "setup"))
		return false;
	sim_knobs.fail_setup = v[0] == 's';
	return true;
}

static bool parse_tdx_module(const char *v)
{
	if (strcmp(v, "1.5") && strcmp(v, "1.0"))
		return false;
	sim_knobs.tdx_module_1_0 = v[2] == '0';
	return true;
}

static bool parse_fw(const char *v)
{
	static const char *const names[] = { [SIM_FW_DEPLOYED] = "deployed", [SIM_FW_NEAR_FUTURE] = "near-future",
					     [SIM_FW_FAR_FUTURE] = "far-future", [SIM_FW_TDVF] = "tdvf" };

	for (unsigned i = SIM_FW_DEPLOYED; i < ARRAY_SIZE(names); i++)
		if (!strcmp(v, names[i])) {
			sim_knobs.fw = (enum sim_fw_kind)i;
			return true;
		}
	return false;
}

static const struct arg_key_ext sim_fw_key = { "sim_fw", "deployed|near-future|far-future|tdvf", parse_fw };
static const struct arg_key_ext sim_tdx_module_key = { "sim_tdx_module", "1.5|1.0", parse_tdx_module };
static const struct arg_key_ext sim_fail_key = { "sim_fail", "none|setup", parse_fail };
static const struct arg_key_ext sim_unaccepted_key = { "sim_unaccepted", "above4g|SIZE (4K multiple, suffix K/M/G)",
						       parse_unaccepted };
static const struct arg_key_ext sim_host_map_key = { "sim_host_map", "4k|2m", parse_host_map };
static const struct arg_key_ext sim_sept_ve_disable_key = { "sim_sept_ve_disable", "0|1", parse_sept_ve_disable };
ARG_KEY_REGISTER(sim_unaccepted_key);
ARG_KEY_REGISTER(sim_host_map_key);
ARG_KEY_REGISTER(sim_sept_ve_disable_key);
ARG_KEY_REGISTER(sim_fail_key);
ARG_KEY_REGISTER(sim_tdx_module_key);
ARG_KEY_REGISTER(sim_fw_key);

const char *sim_host_map_name(void)
{
	return sim_knobs.host_4k ? "4K (as upstream KVM)" : "2M (a huge-page host)";
}
