"""Each firmware-bug check FAILS on a reproduction of its bug and PASSES on the same modelled firmware without
it (issue 14: "Each new check is shown to fail on a reproduction of its bug"): the models' ``sim_fw_bug=``
knob (arch/x86/sim/sim_fw_bugs.c cites the edk2 fix each value reverts). The host tests
(tests/host/test_conform_fw_bugs.c) show each rule failing on a fake firmware; these show the checks, as
booted, failing on a modelled one.

Small guests (1G, or the odd sizes the bug needs), only the check under test: about 4 s a boot on an idle
core. FB-002, FB-005 and FB-006 have no knob (docs/conformance.md "Reproductions" says why).
"""

import re

import pytest

from ccktf.ktap import Status

pytestmark = [pytest.mark.boot]

FB001 = "conformance_boot_services.fb_memmap_size_counts_unaccepted"
FB003 = "conformance.fb_sp_never_unaccepted"
FB004 = "conformance.fb_nothing_pending_unreported"

# The last MiB of a 2813M or 2815M guest is all firmware runtime memory under Debian's OVMF (RuntimeData and
# ACPI NVS), which the model never holds pending (sim_fw_bugs.c): 2812M + 1984K leaves a tail of 1984 KiB whose
# lower part is conventional memory the firmware has not used.
ODD = "2881472K"

CASES = [
    # (check, platform, memory, sim_fw_bug, expected result, why)
    (FB004, "sim-tdx", ODD, "pending-tail", Status.FAIL, "TDVF before edk2 PR 11525: the tail pending"),
    (FB004, "sim-snp", ODD, "pending-tail", Status.FAIL, "the same tail, on the SNP model's RMP"),
    # the SNP firmware's own accepting (PEI's pre-validation, AcceptAllMemory() at ExitBootServices) covers
    # only the ranges it tracks: it must not undo the tail it lost (snp_model.c firmware_accept_all())
    (FB004, "sim-snp", ODD, "pending-tail sim_fw=deployed", Status.FAIL, "deployed firmware validates in PEI"),
    (FB004, "sim-snp", ODD, "pending-tail allow_unaccepted=0", Status.FAIL, "near-future: accept-all at EBS"),
    (FB004, "sim-tdx", "2813M", "pending-tail", Status.PASS, "the last MiB is all firmware memory: not applied"),
    (FB004, "sim-tdx", "2813M", "none", Status.PASS, "the fixed firmware accepts the tail"),
    (FB004, "sim-tdx", "2G", "pending-tail", Status.PASS, "a 2 MiB aligned size has no tail to leave"),
    (FB001, "sim-tdx", "1G", "memmap-size", Status.FAIL, "GetMemoryMap before edk2 f80a406aa9"),
    (FB001, "sim-snp", "1G", "memmap-size-fixed", Status.PASS, "the same map with the fix"),
    (FB001, "sim-tdx", "1G", "none", Status.SKIP, "no type 15 in the plain OVMF underneath: nothing to count"),
    (FB003, "sim-tdx", "1G", "sp-unaccepted", Status.FAIL, "specific-purpose memory made unaccepted"),
    (FB003, "sim-tdx", "1G", "sp-kept", Status.PASS, "specific-purpose memory kept as such"),
]


@pytest.mark.parametrize("check, platform, memory, bug, expected, why", CASES,
                         ids=[f"{c[0].split('.')[1][:14]}-{c[1]}-{c[2]}-{c[3]}" for c in CASES])
def test_check_fails_on_its_bug_and_passes_without(ccktf_boot, check, platform, memory, bug, expected, why):
    run = ccktf_boot(f"platform={platform} tests={check} conformance=1 sim_unaccepted=256M sim_fw_bug={bug}",
                     label=f"fw-bug-{bug}", memory=memory)
    result = run.ktap.find(check)
    context = f"{why}: {run.verdict}\nserial log: {run.serial_log}\n{run.serial_tail()}"
    assert result is not None and run.ktap.exit is not None, context
    assert run.ktap.exit.kind in ("passed", "failed"), context  # a finding, never a crash
    assert result.status is expected, f"{check} with sim_fw_bug={bug} on {platform} {memory}: {result.status}; {context}"
    if expected is Status.FAIL:
        assert result.evidence, context  # the failure says what it saw
    if bug == "pending-tail" and memory == "2813M":
        assert "sim_fw_bug=pending-tail NOT applied" in run.serial_log.read_text(), context  # said, not silent
    elif expected is Status.FAIL:
        assert "NOT applied" not in run.serial_log.read_text(), context  # the failure is the reproduction's
    if check == FB004 and expected is Status.FAIL:
        # the pending pages lie in the last MiB below the guest's odd top of RAM, and are only the pages the
        # firmware had free (taken as LoaderData), never its runtime or ACPI memory
        top = int(memory[:-1]) * 2**10
        tail = top // 2**21 * 2**21
        assert f"[{tail:#x}, {top:#x}) left pending and unreported" in run.serial_log.read_text(), context
        pending = [(m.group(1), int(m.group(2), 16)) for line in result.evidence
                   if (m := re.search(r"descriptor \d+: (\S+) ([0-9a-f]{16})-", line))]
        assert pending and all(tail <= start < top for _, start in pending), context
        assert {kind for kind, _ in pending} == {"LoaderData"}, context


@pytest.mark.parametrize("platform, caught", [
    ("sim-tdx", "with SEPT_VE_DISABLE set: the TD is terminated (model)"),
    ("sim-snp", "#VC exit code 0x404 (page not validated)"),
])
def test_a_touch_of_the_pending_tail_is_caught_at_4k(ccktf_boot, platform, caught):
    """The tail pending-tail leaves is less than a 2 MiB page: the models' guard must still fault a touch of
    it (sim_guard.c, at 4 KiB), as hardware stops a touch of any pending page (kernel/probe.c)."""
    run = ccktf_boot(f"platform={platform} sim_unaccepted=256M sim_fw_bug=pending-tail probe=touch_pending_ram",
                     label="probe-tail", memory=ODD, timeout=60)
    log = run.serial_tail(40)
    assert not run.timed_out and run.ktap.exit is not None and run.ktap.exit.kind == "crashed", f"{run.verdict}\n{log}"
    assert "# ccktf: probe: touching pending RAM the map reports as usable at 0xafc" in log, log
    assert caught in log and "NOT caught" not in log, log
