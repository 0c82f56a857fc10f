"""``python3 -m ccktf`` against fake_qemu.py: exit statuses and the human summary."""

import pytest

from ccktf import cli


def test_passing_run_prints_suites_and_exits_0(ccktf, fake_qemu):
    fake_qemu.serve("valid", status=1)
    status, out, _ = ccktf("run", "--tests", "selftest.*,efi", "--platform", "none", "--append", "seed=7")
    assert status == 0
    assert "selftest  2     0     1     0      3" in out
    assert "verdict: PASSED" in out and "serial log: " in out
    assert fake_qemu.invocations()[0][-1] == "tests=selftest.*,efi platform=none seed=7"


def test_failing_run_shows_diagnostics_and_exits_1(ccktf, fake_qemu):
    fake_qemu.serve("failing", status=3)
    status, out, _ = ccktf("run")
    assert status == 1
    assert "FAIL selftest.assert_fails\n    ASSERTION FAILED at tests/selftest/selftest.c:42" in out


def test_metrics_table(ccktf, fake_qemu):
    fake_qemu.serve("metrics", status=1)
    status, out, _ = ccktf("run")
    assert status == 0
    assert "accept.throughput.2m  15.625      MiB/s  sim-tdx   level=2m size=4096  bench.accept_throughput" in out
    assert "platform: sim-tdx" in out


def test_crash_exits_2_with_serial_tail(ccktf, fake_qemu):
    fake_qemu.serve("crashed", status=7)
    status, out, _ = ccktf("run")
    assert status == 2
    assert "kernel crashed: vector 14 (#PF)" in out and "serial tail" in out and "# ccktf: r13=0xc" in out


def test_list_prints_the_tests(ccktf, fake_qemu):
    fake_qemu.serve("listing", status=1)
    status, out, _ = ccktf("list", "--tests", "selftest")
    assert status == 0
    assert out.splitlines()[:3] == ["selftest.assert_eq_passes", "selftest.skip_with_reason",
                                    "efi.memmap_descriptor_size"]
    assert fake_qemu.invocations()[0][-1] == "tests=selftest list=1"


def test_verbose_streams_the_serial_line(ccktf, fake_qemu):
    fake_qemu.serve("valid", status=1)
    status, out, _ = ccktf("run", "--verbose")
    assert status == 0 and "| # ccktf: exit=passed code=0" in out


@pytest.mark.parametrize("args, message", [
    (["run", "--profile", "tdx"], "cannot launch a tdx guest on this host"),
    (["run", "--platform", "snp"], "cannot launch a snp guest on this host"),
    (["run", "--platform", "tdx", "--profile", "tcg"], "platform=tdx runs only in a TDX guest (profile tdx)"),
    (["run", "--platform", "sim-tdx", "--profile", "snp"], "platform=sim-tdx does not belong there"),
    (["run", "--memory", "huge"], "not a size like 512M or 6G"),
])
def test_configuration_errors_exit_2_with_a_message(ccktf, fake_qemu, args, message):
    fake_qemu.serve("valid", status=1)
    status, out, err = ccktf(*args)
    assert status == 2 and message in err
    assert fake_qemu.invocations() == []


def test_missing_kernel_exits_2_naming_make(ccktf, fake_qemu, fake_kernel):
    fake_kernel.unlink()
    status, _, err = ccktf("run")
    assert status == 2 and f"kernel image {fake_kernel} not found: build it with 'make'" in err
    assert fake_qemu.invocations() == []


def test_summary_shows_what_the_boot_found(ccktf, fake_qemu):
    """A real sim-tdx boot (fixtures/bench_sim_tdx.ktap): firmware, platform and unaccepted memory, not the map."""
    fake_qemu.serve("bench_sim_tdx", status=1)
    status, out, _ = ccktf("run")
    assert status == 0
    assert 'firmware: vendor="EDK II"' in out
    assert "platform: sim-tdx: MODEL of the TDX module" in out
    assert "unaccepted: table at " in out and "built and installed" in out
    assert "Conventional" not in out  # the memory-map lines stay in the serial log
