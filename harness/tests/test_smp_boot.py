"""Real boots with several vCPUs (QEMU -smp N under TCG): the kernel brings up every application processor
by INIT-SIPI-SIPI on platform none, and says why it does not on the models (docs/protocol.md "CPUs").
Each boot runs only the smp suite (a few seconds)."""

import re

import pytest

from ccktf.ktap import Status
from ccktf.verdict import Outcome

pytestmark = pytest.mark.boot
CPUS_LINE = re.compile(r"^# cpus: online=(\d+) of (\d+) wake=(\S+)(.*)$", re.MULTILINE)
SMP_TESTS = {"smp.every_madt_cpu_checked_in_once", "smp.each_ap_reports_its_own_apic_id",
             "smp.each_ap_on_its_own_stack_gdt_and_tss", "smp.each_ap_runs_work_and_reports_back",
             "smp.posting_to_the_boot_cpu_or_a_missing_cpu_is_refused"}


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
    assert set(results) == SMP_TESTS
    assert all(status is Status.PASS for status in results.values()), results


@pytest.mark.parametrize("platform, wake", [("sim-tdx", "madt-mailbox"), ("sim-snp", "snp-ap-create")])
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
