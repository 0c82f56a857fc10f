"""Real boots with several vCPUs (QEMU -smp N under TCG): the kernel brings up every application processor
by INIT-SIPI-SIPI on platform none, through the ACPI MADT Multiprocessor Wakeup mailbox on sim-tdx (whose
model parks the APs as TDVF does), and says why it does not where it cannot (docs/protocol.md "CPUs").
Each boot runs only the smp suites (a few seconds)."""

import re

import pytest

from ccktf.ktap import Status
from ccktf.verdict import Outcome

pytestmark = pytest.mark.boot
CPUS_LINE = re.compile(r"^# cpus: online=(\d+) of (\d+) wake=(\S+)(.*)$", re.MULTILINE)
SMP_TESTS = {"smp.every_madt_cpu_checked_in_once", "smp.each_ap_reports_its_own_apic_id",
             "smp.each_ap_on_its_own_stack_gdt_and_tss", "smp.each_ap_runs_work_and_reports_back",
             "smp.posting_to_the_boot_cpu_or_a_missing_cpu_is_refused"}
MAILBOX_TESTS = {"smp_mailbox.each_online_ap_was_woken_once", "smp_mailbox.no_init_or_startup_ipi_was_sent",
                 "smp_mailbox.tdg_vp_info_vcpus_match_the_madt",
                 "smp_mailbox.the_model_firmware_answered_each_ap_once"}
PROBE_LINE = re.compile(r"^# cpus: madt-mailbox probe: apic_id=(\d+) reserved_nonzero=(\S+) second_wake=(\S+)",
                        re.MULTILINE)


def cpus_line(run):
    match = CPUS_LINE.search(run.ktap.kernel_output)
    assert match, f"no '# cpus:' line\n{run.serial_tail(40)}"
    return int(match.group(1)), int(match.group(2)), match.group(3), match.group(4)


@pytest.mark.parametrize("smp", [2, 4])
def test_every_cpu_comes_up_by_init_sipi_sipi(ccktf_boot, smp):
    run = ccktf_boot("platform=none tests=smp*", label=f"smp{smp}", smp=smp)
    assert run.verdict.outcome is Outcome.PASSED, f"{run.verdict}\n{run.serial_tail(40)}"
    online, total, wake, rest = cpus_line(run)
    assert (online, total, wake) == (smp, smp, "init-sipi-sipi"), rest
    assert "boot_apic_id=0" in rest and "trampoline=0x" in rest
    assert "did not come up" not in run.ktap.kernel_output
    results = {t.full_name: t.status for t in run.ktap.tests()}
    assert {name for name in results if name.startswith("smp.")} == SMP_TESTS
    assert all(results[name] is Status.PASS for name in SMP_TESTS), results
    assert all(results[name] is Status.SKIP for name in MAILBOX_TESTS), results


@pytest.mark.parametrize("smp", [2, 4])
def test_every_cpu_comes_up_through_the_madt_mailbox_on_sim_tdx(ccktf_boot, smp):
    """The kernel's TDX path against the model of TDVF: each AP woken once through the mailbox, no INIT or
    STARTUP IPI from the kernel, TDG.VP.INFO agreeing with the MADT; mailbox_probe=1 shows that the modelled
    firmware refuses what TDVF refuses (a nonzero Reserved field, a second wake of one AP): this test fails
    if the model ever answers either."""
    run = ccktf_boot("platform=sim-tdx tests=smp* mailbox_probe=1", label=f"smp{smp}-sim-tdx", smp=smp,
                     memory="6G")
    assert run.verdict.outcome is Outcome.PASSED, f"{run.verdict}\n{run.serial_tail(40)}"
    online, total, wake, rest = cpus_line(run)
    assert (online, total, wake) == (smp, smp, "madt-mailbox"), rest
    assert "did not come up" not in run.ktap.kernel_output
    assert "TDG.VP.INFO reports" not in run.ktap.kernel_output
    assert "# cpus: madt-mailbox: mailbox=0x" in run.ktap.kernel_output
    probe = PROBE_LINE.search(run.ktap.kernel_output)
    assert probe, run.serial_tail(40)
    assert probe.group(2, 3) == ("unanswered", "unanswered"), probe.group(0)
    results = {t.full_name: t.status for t in run.ktap.tests()}
    assert all(results.get(name) is Status.PASS for name in SMP_TESTS | MAILBOX_TESTS), results


def test_a_mailbox_ap_that_never_checks_in_is_reported(ccktf_boot):
    """smp_stall=1 on sim-tdx: the firmware took the Wakeup and APIC ID 1 reached its vector, then stopped
    before its check-in; it is named, with how far it got, and APIC ID 2 still comes up."""
    run = ccktf_boot("platform=sim-tdx tests=smp* smp_stall=1", label="smp-stall-sim-tdx", smp=3, memory="6G")
    assert run.verdict.outcome is Outcome.FAILED, f"{run.verdict}\n{run.serial_tail(40)}"
    out = run.ktap.kernel_output
    assert "# cpus: apic_id=1 did not come up: no check-in within 2000 ms of its madt-mailbox request" in out, \
        run.serial_tail(40)
    assert "# cpus: apic_id=1: madt-mailbox: reached its wakeup vector (stub status 1)" in out, run.serial_tail(40)
    assert cpus_line(run)[:3] == (2, 3, "madt-mailbox")
    results = {t.full_name: t.status for t in run.ktap.tests()}
    assert results["smp.every_madt_cpu_checked_in_once"] is Status.FAIL, results
    assert results["smp_mailbox.no_init_or_startup_ipi_was_sent"] is Status.PASS, results


@pytest.mark.parametrize("platform, wake", [("sim-snp", "snp-ap-create")])
def test_models_skip_bring_up_with_the_reason(ccktf_boot, platform, wake):
    run = ccktf_boot(f"platform={platform} tests=smp*", label=f"smp-{platform}", smp=2, memory="6G")
    assert run.verdict.outcome is Outcome.PASSED, f"{run.verdict}\n{run.serial_tail(40)}"
    assert cpus_line(run)[:3] == (1, 2, wake)
    assert "# cpus: no AP started: " in run.ktap.kernel_output
    assert all(t.status is Status.SKIP for t in run.ktap.tests())
    assert all(wake in (t.skip_reason or "") for t in run.ktap.tests()), [t.skip_reason for t in run.ktap.tests()]


def test_a_cpu_that_never_checks_in_is_reported_and_the_boot_goes_on(ccktf_boot):
    """smp_stall=1: APIC ID 1 stops before its check-in. The boot CPU gives up on it after the bounded wait,
    names it, starts the next one, and the smp suite reports the missing CPU as a failure."""
    run = ccktf_boot("platform=none tests=smp* smp_stall=1", label="smp-stall", smp=3)
    assert run.verdict.outcome is Outcome.FAILED, f"{run.verdict}\n{run.serial_tail(40)}"
    assert ("# cpus: apic_id=1 did not come up: no check-in within 2000 ms of its init-sipi-sipi request"
            in run.ktap.kernel_output), run.serial_tail(40)
    assert "apic_id=2 did not come up" not in run.ktap.kernel_output
    assert cpus_line(run)[:3] == (2, 3, "init-sipi-sipi")
    results = {t.full_name: t.status for t in run.ktap.tests()}
    assert results["smp.every_madt_cpu_checked_in_once"] is Status.FAIL, results
    assert results["smp.each_ap_runs_work_and_reports_back"] is Status.PASS, results
