"""Real boots of build/ccktf.efi under QEMU/TCG (about 8 boots, 3-5 s each plus one timeout).

They fail, never skip, when the kernel is missing; --ccktf-skip-boot skips them explicitly.
"""

import re

import pytest

from ccktf.ktap import Status
from ccktf.verdict import Outcome

pytestmark = pytest.mark.boot
# The boot must reach the kernel before this ends, or the test reads a firmware hang: OVMF alone took more
# than 15 s under TCG on a loaded 2-core host (several helpers running boots), so the bound leaves room.
HANG_TIMEOUT = 30


@pytest.fixture(scope="module")
def selftest_listing(ccktf_boot):
    run = ccktf_boot("tests=selftest.* list=1", label="selftest-list", mode="list")
    assert run.verdict.outcome is Outcome.PASSED, run.verdict
    return run.ktap.listing


def test_list_names_suite_dot_test(ccktf_boot):
    run = ccktf_boot("list=1", label="list", mode="list")
    assert run.verdict.outcome is Outcome.PASSED, run.verdict
    assert run.status == 1  # isa-debug-exit: passed (0) * 2 + 1
    assert any(name.startswith("selftest.") for name in run.ktap.listing)
    assert all(name.count(".") == 1 for name in run.ktap.listing)


def test_selftests_pass_and_match_the_listing(ccktf_boot, selftest_listing):
    run = ccktf_boot("tests=selftest.*", label="selftest")
    assert run.verdict.outcome is Outcome.PASSED, f"{run.verdict}\n{run.serial_tail()}"
    assert [t.full_name for t in run.ktap.tests()] == selftest_listing
    assert all(t.status in (Status.PASS, Status.SKIP) for t in run.ktap.tests())
    assert run.ktap.platform and run.ktap.exit.kind == "passed"
    assert run.ktap.firmware_output and run.ktap.kernel_output.startswith("KTAP version 1")
    assert_ktap_line_starts_a_line(run.serial_log.read_bytes())


def assert_ktap_line_starts_a_line(raw: bytes):
    """Linux's KTAP parser (tools/testing/kunit/kunit_parser.py, extract_tap_lines()) takes what precedes
    'KTAP version' on the version line as a prefix and cuts that many characters off every later line;
    OVMF leaves escape codes without a newline. Checked with that parser on raw serial logs: with the
    version line at column 0 its counts equal ccktf's; with OVMF's prefix it reads 0 tests (docs/protocol.md)."""
    version_line = next(line for line in raw.split(b"\n") if b"KTAP version" in line)
    assert version_line.rstrip(b"\r") == b"KTAP version 1", version_line


def test_demo_fail_reports_assertion_diagnostics(ccktf_boot):
    run = ccktf_boot("tests=selftest.* demo_fail=1", label="demo-fail")
    assert run.verdict.outcome is Outcome.FAILED, run.verdict
    assert run.status == 3
    failed = [t for t in run.ktap.tests() if t.status is Status.FAIL]
    assert failed, "demo_fail=1 must make at least one test fail"
    for test in failed:
        assert any("ASSERTION FAILED at " in line for line in test.diagnostics), test
        assert any("expected " in line for line in test.diagnostics), test


def test_page_fault_is_a_crash_with_registers(ccktf_boot):
    run = ccktf_boot("crash=pf", label="crash-pf", timeout=60)
    assert not run.timed_out and run.status == 7
    assert run.verdict.outcome is Outcome.ERROR
    crash = run.ktap.crash
    assert crash.vector == 14 and crash.cr2 == "0x0" and crash.rip
    assert {"rax", "rsp", "r15"} <= set(crash.registers) | set(crash.fields)
    assert any(reason.startswith("kernel crashed: vector 14 (#PF)") for reason in run.verdict.reasons)


def test_hang_is_stopped_by_the_timeout(ccktf_boot):
    run = ccktf_boot("crash=hang", label="hang", timeout=HANG_TIMEOUT)
    assert run.timed_out and run.status is None
    assert run.verdict.reasons[0] == f"timed out after {HANG_TIMEOUT} s: the kernel hung (QEMU killed)"
    assert run.ktap.version_seen, "the kernel should have started before hanging"
    assert "hang" in run.serial_tail()


@pytest.mark.parametrize("args, message", [
    ("bogus=1", "unknown key 'bogus'"),
    ("seed=1 seed=2", "key 'seed' given twice"),  # kept the last value silently before
    ("tests=selftest.*,selftset.*", "'selftset.*' selects no test"),  # ran selftest only and passed before
], ids=["unknown", "repeated", "glob-selects-nothing"])
def test_bad_arguments_are_usage_errors(ccktf_boot, args, message):
    run = ccktf_boot(args, label="usage")
    assert run.status == 5 and run.ktap.exit.kind == "usage-error"
    assert run.verdict.outcome is Outcome.ERROR
    assert any(message in line for line in run.ktap.usage_errors), run.ktap.usage_errors


def test_esp_boot_mode_takes_its_arguments_from_the_args_file(ccktf_boot):
    run = ccktf_boot("tests=selftest.* seed=7", label="esp", boot="esp")
    assert run.verdict.outcome is Outcome.PASSED, f"{run.verdict}\n{run.serial_tail()}"
    assert (run.run_dir / "ESP/EFI/BOOT/BOOTX64.EFI").is_file()
    assert "-append" not in run.command_line
    assert_ktap_line_starts_a_line(run.serial_log.read_bytes())
    assert "# ccktf: args-file=\\ccktf.args" in run.ktap.kernel_output
    assert run.ktap.args == "tests=selftest.* seed=7"
    assert {test.full_name.split(".")[0] for test in run.ktap.tests()} == {"selftest"}


# probe=touch_unaccepted touches unaccepted memory on purpose (on hardware it kills a TDX TD with
# SEPT_VE_DISABLE), so it runs only when asked, each in a boot of its own. The models keep pending memory
# not present and answer the #PF as the hardware would (arch/sim.h, "Pending memory that faults on touch").
PROBE_TIMEOUT = 30


@pytest.mark.parametrize("args, caught", [
    ("platform=sim-tdx", "with SEPT_VE_DISABLE set: the TD is terminated (model)"),  # the TD is killed
    ("platform=sim-tdx sim_sept_ve_disable=0", "# tdx: #VE exit_reason=48 (EPT_VIOLATION"),  # the real #VE handler
    ("platform=sim-snp", "#VC exit code 0x404 (page not validated)"),  # the RMP says not validated
], ids=["sim-tdx", "sim-tdx-ve", "sim-snp"])
def test_probe_touch_unaccepted_is_caught(ccktf_boot, args, caught):
    run = ccktf_boot(f"{args} probe=touch_unaccepted", label="probe", memory="6G", timeout=PROBE_TIMEOUT)
    log = run.serial_tail(40)
    assert not run.timed_out and run.status == 7 and run.ktap.exit.kind == "crashed", f"{run.verdict}\n{log}"
    assert "# ccktf: probe: touching unaccepted memory at 0x" in log
    assert caught in log
    assert "was NOT caught" not in log


# Hardware keeps a state per 4 KiB page (TDX S-EPT, SNP RMP) and a page is pending until its accept returns.
# The models' guard once opened a whole 2 MiB for a 4 KiB accept, and the TDX model opened a page before
# zeroing it: both probes read "NOT caught" on that code. Now the guard works at 4 KiB and the TDX model
# zeroes through its own alias (arch/x86/sim/sim_guard.c, tdx_model.c page_accept()).
@pytest.mark.parametrize("platform, probe, smp, caught", [
    ("sim-tdx", "touch_beside_accepted", 1, "with SEPT_VE_DISABLE set: the TD is terminated (model)"),
    ("sim-snp", "touch_beside_accepted", 1, "#VC exit code 0x404 (page not validated)"),
    ("sim-tdx", "touch_during_accept", 2, "with SEPT_VE_DISABLE set: the TD is terminated (model)"),
])
def test_probe_touch_of_a_page_still_pending_at_4k_is_caught(ccktf_boot, platform, probe, smp, caught):
    run = ccktf_boot(f"platform={platform} probe={probe}", label=f"probe-{probe}", memory="6G", smp=smp,
                     timeout=PROBE_TIMEOUT)
    log = run.serial_tail(40)
    assert not run.timed_out and run.status == 7 and run.ktap.exit.kind == "crashed", f"{run.verdict}\n{log}"
    assert "# ccktf: probe: touching " in log and "nothing to probe" not in log, log
    touched = re.search(r"# ccktf: probe: touching .* at (0x[0-9a-f]+) on ", log)
    assert touched, log
    if probe == "touch_during_accept":
        assert f"CPU 1's accept of {touched.group(1)} is held after its checks" in log, log
    else:
        accepted = re.search(r"# ccktf: probe: accepted the 4 KiB page at (0x[0-9a-f]+) alone", log)
        assert accepted and int(touched.group(1), 16) == int(accepted.group(1), 16) + 4096, log
    assert caught in log, log
    if platform == "sim-tdx":  # the model names the GPA it stopped: the one probed
        assert f"access to pending GPA {touched.group(1)} " in log, log
    assert "was NOT caught" not in log, log


# A failure before the platform's port I/O works (on TDX and SNP the UART would raise #VE/#VC with no
# handler: a silent triple fault) must end through the platform's own channel and say what failed; the
# output printed meanwhile is not lost. The models make native port I/O fault there as hardware does.
@pytest.mark.parametrize("platform, channel", [
    ("sim-tdx", 'the TD reported a fatal error (TDG.VP.VMCALL<ReportFatalError>): "ccktf: setup after ExitBootServices'),
    ("sim-snp", "the guest asked to terminate (GHCB termination request): reason set 1, code 0"),
])
def test_early_failure_ends_through_the_platform_channel(ccktf_boot, platform, channel):
    run = ccktf_boot(f"platform={platform} sim_fail=setup", label="early-fail", memory="6G", timeout=60)
    log = run.serial_tail(30)
    assert not run.timed_out and run.status == 7 and run.ktap.exit.kind == "crashed", f"{run.verdict}\n{log}"
    assert channel in log
    assert "dies here, silently" not in log
    assert f"# ccktf: FATAL: platform {platform}: setup after ExitBootServices failed" in log


# Without isa-debug-exit the kernel powers the machine off itself. On TDX and SNP it must not call the
# firmware's ResetSystem() (native port I/O there: #VE/#VC after the verdict); the models unmap the
# firmware's runtime code, so such a call would crash here. ACPI PM1a through the platform's port I/O.
@pytest.mark.parametrize("platform, memory", [("none", "512M"), ("sim-tdx", "6G"), ("sim-snp", "6G")])
def test_exit_without_debug_exit_powers_off(ccktf_boot, platform, memory):
    run = ccktf_boot(f"platform={platform} tests=selftest.*", label="no-debug-exit", memory=memory,
                     debug_exit=False, timeout=60)
    log = run.serial_tail(20)
    assert not run.timed_out and run.status == 0, f"{run.verdict}\n{log}"
    assert run.ktap.exit.kind == "passed" and run.ktap.crash is None, log
    assert "CRASH" not in log and "MODEL:" not in log


# AP-004: what the firmware promises for EDKII_MEMORY_ACCEPT_PROTOCOL.AcceptMemory() is the acceptance, not a
# new memory type: OVMF's TdxDxe and AmdSevDxe leave the map alone, and so do the models' firmware.
@pytest.mark.parametrize("platform", ["sim-tdx", "sim-snp"])
def test_accept_protocol_check_holds_against_ovmf_behaviour(ccktf_boot, platform):
    run = ccktf_boot(f"platform={platform} conformance=1 tests=conformance_boot_services.ap_accept_protocol_accepts",
                     label="ap-004", memory="6G", timeout=60)
    assert run.verdict.outcome is Outcome.PASSED, f"{run.verdict}\n{run.serial_tail(30)}"
    test = run.ktap.find("conformance_boot_services.ap_accept_protocol_accepts")
    assert test.status is Status.PASS, test
    assert any("the map now calls" in line and "Unaccepted" in line for line in test.evidence), test.evidence
    assert sum("accepted (raw status" in line for line in test.evidence) == 3, test.evidence
