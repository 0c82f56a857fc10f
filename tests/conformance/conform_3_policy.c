/* SPDX-License-Identifier: MIT */
/*
 * Acceptance policy (AP-*, docs/conformance.md): what the firmware leaves unaccepted for the OS, per
 * platform and per the OS's choice (allow_unaccepted=). Each rule is about one kind of firmware; on any
 * other platform it skips and says why. Sources (docs/abi.md): edk2
 * OvmfPkg/AmdSevDxe/AmdSevDxe.c (accept-all at ExitBootServices unless AllowUnacceptedMemory() was called),
 * OvmfPkg/PlatformPei/AmdSev.c and OvmfPkg/Library/PlatformInitLib/IntelTdx.c (what stays unaccepted).
 */
#include <ccktf/format.h>
#include <ccktf/platform.h>
#include "conformance/conform_util.h"

#define AMD_SEV_DXE "edk2 OvmfPkg/AmdSevDxe/AmdSevDxe.c; Linux drivers/firmware/efi/libstub/x86-stub.c"

static bool has_ram_above_4g(struct ktest *t)
{
	struct memmap boot = memmap_view(&boot_info.memmap_boot);
	u64 above = conform_ram_above(&boot, CONFORM_4G);

	ktest_evidence(t, "%llu MiB of RAM at or above 4 GiB in the early map", above / MiB);
	return above != 0;
}

static void map_unaccepted_evidence(struct ktest *t, const struct memmap *m)
{
	ktest_evidence(t, "final map after %u ExitBootServices attempt(s): %llu MiB unaccepted",
		       boot_info.exit_boot_services_attempts, conform_bytes_of_type(m, EFI_UNACCEPTED_MEMORY) / MiB);
}

KTEST_CHECK(conformance, ap_snp_allowed_stays_unaccepted, "AP-001", KTEST_MUST, AMD_SEV_DXE,
	    "SEV-SNP firmware told AllowUnacceptedMemory() leaves unaccepted memory unaccepted across ExitBootServices")
{
	struct memmap m = conform_final_map();
	const char *why = conform_not_firmware_of(CC_ATTR_SEV_SNP_GUEST, "SEV-SNP");

	if (why)
		KTEST_SKIP(t, "%s", why);
	if (!boot_info.args.allow_unaccepted)
		KTEST_SKIP(t, "allow_unaccepted=0: AllowUnacceptedMemory() not called (AP-002 covers it)");
	if (!has_ram_above_4g(t))
		KTEST_SKIP(t, "no RAM above 4 GiB: OVMF accepts everything below 4 GiB (give the guest more)");
	map_unaccepted_evidence(t, &m);
	KEXPECT_GT(t, conform_bytes_of_type(&m, EFI_UNACCEPTED_MEMORY), 0);
}

KTEST_CHECK(conformance, ap_snp_not_allowed_accepts_all, "AP-002", KTEST_MUST, AMD_SEV_DXE,
	    "without AllowUnacceptedMemory(), SEV-SNP firmware accepts all memory at ExitBootServices")
{
	struct memmap m = conform_final_map();
	const char *why = conform_not_firmware_of(CC_ATTR_SEV_SNP_GUEST, "SEV-SNP");
	struct conform_evidence ev;

	if (why)
		KTEST_SKIP(t, "%s", why);
	if (boot_info.args.allow_unaccepted)
		KTEST_SKIP(t, "allow_unaccepted=1: AllowUnacceptedMemory() was called (AP-001 covers it)");
	map_unaccepted_evidence(t, &m);
	conform_evidence_init(&ev, t, NULL);
	conform_unaccepted_below(&m, U64_MAX, &ev.finding); /* any unaccepted memory at all */
	conform_expect_held(&ev, "unaccepted memory left after ExitBootServices");
}

KTEST_CHECK(conformance, ap_tdx_high_memory_unaccepted, "AP-003", KTEST_SHOULD,
	    "edk2 OvmfPkg/Library/PlatformInitLib/IntelTdx.c (memory below 4 GiB accepted early, the rest lazily)",
	    "TDX firmware leaves RAM above 4 GiB unaccepted for the OS (no conventional memory above 4 GiB)")
{
	struct memmap boot = memmap_view(&boot_info.memmap_boot);
	const char *why = conform_not_firmware_of(CC_ATTR_TDX_GUEST, "TDX");
	struct conform_evidence ev;

	if (why)
		KTEST_SKIP(t, "%s", why);
	if (!has_ram_above_4g(t))
		KTEST_SKIP(t, "no RAM above 4 GiB in this guest (give it more than 4 GiB)");
	conform_evidence_init(&ev, t, NULL);
	conform_conventional_above(&boot, CONFORM_4G, &ev.finding);
	conform_expect_held(&ev, "conventional (accepted) memory above 4 GiB in the early map");
}
