"""The runner against fake_qemu.py: live serial capture, logs, timeouts and exit statuses, without QEMU."""

import dataclasses
import time
from pathlib import Path

import pytest

from ccktf import runner
from ccktf.runner import RunError
from ccktf.verdict import Outcome


def run_with(options, **overrides) -> runner.Run:
    return runner.run(dataclasses.replace(options, **overrides))


def test_passing_run_keeps_all_logs(fake_qemu, fake_run_options):
    fake_qemu.serve("firmware_noise", status=1)
    run = run_with(fake_run_options, append="tests=selftest.*", label="demo")
    assert run.verdict.outcome is Outcome.PASSED, run.verdict
    assert run.status == 1 and not run.timed_out
    assert run.run_dir.parent == fake_run_options.log_dir and run.run_dir.name.endswith("-demo")
    files = {p.name for p in run.run_dir.iterdir()}
    assert {"serial.log", "firmware.log", "kernel.log", "cmdline.txt", "qemu-stderr.log", "verdict.txt",
            "OVMF_VARS.fd"} <= files
    assert "BdsDxe: starting Boot0001" in (run.run_dir / "firmware.log").read_text()
    kernel_log = (run.run_dir / "kernel.log").read_text()
    assert kernel_log.startswith("KTAP version 1\n") and "\x1b" not in kernel_log and "\r" not in kernel_log
    assert b"\x1b[2J" in run.serial_log.read_bytes()  # the raw capture is kept as it came
    assert "-append 'tests=selftest.*'" in (run.run_dir / "cmdline.txt").read_text()
    assert (run.run_dir / "OVMF_VARS.fd").read_bytes() == b"vars"
    assert fake_qemu.invocations()[0][-1] == "tests=selftest.*"


def test_each_run_gets_its_own_directory(fake_qemu, fake_run_options):
    fake_qemu.serve("valid", status=1)
    first, second = run_with(fake_run_options), run_with(fake_run_options)
    assert first.run_dir != second.run_dir


def test_hang_is_stopped_by_the_timeout_with_the_serial_tail(fake_qemu, fake_run_options):
    fake_qemu.serve("truncated", hang=True)
    start = time.monotonic()
    run = run_with(fake_run_options, timeout=1.5)
    assert time.monotonic() - start < 6
    assert run.timed_out and run.status is None
    assert run.verdict.outcome is Outcome.ERROR
    assert run.verdict.reasons[0] == "timed out after 1.5 s: the kernel hung (QEMU killed)"
    assert run.serial_tail().endswith("# logs_and_passes: about to do something slow")
    assert "1 of 3 tests reported" in str(run.verdict)


@pytest.mark.parametrize("fixture, status, outcome", [
    ("failing", 3, Outcome.FAILED),
    ("crashed", 7, Outcome.ERROR),
    ("valid", 3, Outcome.ERROR),      # exit line and QEMU disagree
    ("valid", 0, Outcome.PASSED),     # shutdown fallback: the exit line decides
    ("truncated", 1, Outcome.ERROR),  # QEMU went away mid-stream
])
def test_exit_statuses(fake_qemu, fake_run_options, fixture, status, outcome):
    fake_qemu.serve(fixture, status=status)
    assert run_with(fake_run_options).verdict.outcome is outcome


def test_qemu_error_output_is_shown(fake_qemu, fake_run_options, tmp_path):
    wrapper = tmp_path / "qemu-fails"
    wrapper.write_text("#!/bin/sh\necho 'qemu-system-x86_64: -drive foo: Could not open' >&2\nexit 1\n")
    wrapper.chmod(0o755)
    run = run_with(fake_run_options, qemu=str(wrapper))
    assert run.verdict.outcome is Outcome.ERROR
    assert "QEMU said: qemu-system-x86_64: -drive foo: Could not open" in run.verdict.reasons


def test_live_echo_gets_clean_lines(fake_qemu, fake_run_options):
    fake_qemu.serve("firmware_noise", status=1)
    lines = []
    run_with(fake_run_options, echo=lines.append)
    assert "KTAP version 1" in lines and "# ccktf: exit=passed code=0" in lines
    assert not any("\x1b" in line or "\r" in line for line in lines)


def test_missing_kernel_is_a_clear_error(fake_run_options, tmp_path):
    with pytest.raises(RunError, match="kernel image .*missing.efi not found: build it with 'make'"):
        run_with(fake_run_options, kernel=tmp_path / "missing.efi")


def test_missing_qemu_is_a_clear_error(fake_run_options, tmp_path):
    with pytest.raises(RunError, match="cannot start .*no-such-qemu"):
        run_with(fake_run_options, qemu=str(tmp_path / "no-such-qemu"))



def test_relative_kernel_path_reaches_qemu_absolute(fake_qemu, fake_run_options, monkeypatch):
    """QEMU runs in the run directory, so a relative --kernel must be resolved before it is passed on."""
    fake_qemu.serve("firmware_noise", status=1)
    kernel = fake_run_options.kernel.resolve()
    monkeypatch.chdir(kernel.parent)
    run = run_with(fake_run_options, kernel=Path(kernel.name))
    assert str(kernel) in fake_qemu.invocations()[0], run.command_line


def test_an_initrd_reaches_qemu_after_the_kernel_absolute(fake_qemu, fake_run_options, monkeypatch):
    """RunOptions.initrd (Linux's initramfs when Linux kexecs ccktf) is passed on as -initrd, resolved."""
    fake_qemu.serve("firmware_noise", status=1)
    initrd = fake_run_options.kernel.resolve().parent / "initrd.cpio"
    initrd.write_bytes(b"070701")
    monkeypatch.chdir(initrd.parent)
    run_with(fake_run_options, initrd=Path(initrd.name))
    argv = fake_qemu.invocations()[0]
    assert argv[argv.index("-initrd") + 1] == str(initrd), argv
    assert argv.index("-kernel") < argv.index("-initrd"), argv
