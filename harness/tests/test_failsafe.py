"""However the harness ends, QEMU is stopped and the run directory keeps what the boot wrote.

Real boots (crash=hang keeps the kernel running) get SIGINT, SIGTERM, SIGHUP, SIGKILL and a closed stdout;
fake QEMUs cover a full disk, an echo that raises, and unwritable log directories.
"""

import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ccktf import runner
from ccktf.runner import RunError

PROJECT = Path(__file__).resolve().parents[2]
KERNEL = PROJECT / "build" / "ccktf.efi"
STARTED_WITHIN = 60.0  # OVMF under TCG on a loaded 2-core machine
STOPPED_WITHIN = 15.0  # KILL_GRACE and some slack: bounded, never a hang


def processes_in(directory: Path) -> list[int]:
    """PIDs whose working directory is inside ``directory`` (QEMU runs in its run directory)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cwd = os.readlink(entry / "cwd")
            except OSError:
                continue
            if cwd.startswith(str(directory)):
                found.append(int(entry.name))
    return found


def wait_for(predicate, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} did not happen within {seconds:g} s")
        time.sleep(0.1)


def kernel_started(log_dir: Path) -> bool:
    return any(b"KTAP version 1" in log.read_bytes() for log in log_dir.glob("*/serial.log"))


def start_hanging_run(log_dir: Path, *extra: str, stdout=subprocess.DEVNULL) -> subprocess.Popen:
    if not KERNEL.is_file():
        pytest.fail(f"{KERNEL} is missing: run 'make' first")
    argv = [sys.executable, "-m", "ccktf", "run", "--kernel", str(KERNEL), "--append", "crash=hang",
            "--timeout", "120", "--log-dir", str(log_dir), *extra]
    env = dict(os.environ, PYTHONPATH=str(PROJECT / "harness"))
    process = subprocess.Popen(argv, env=env, stdout=stdout, stderr=subprocess.PIPE, start_new_session=True)
    wait_for(lambda: kernel_started(log_dir), STARTED_WITHIN, "the kernel starting")
    return process


def assert_nothing_left_and_logs_kept(log_dir: Path, reason: str) -> None:
    wait_for(lambda: not processes_in(log_dir), STOPPED_WITHIN, "QEMU going away")
    (run_dir,) = log_dir.iterdir()
    assert b"KTAP version 1" in (run_dir / "serial.log").read_bytes()
    assert (run_dir / "kernel.log").read_text().startswith("KTAP version 1")
    verdict = (run_dir / "verdict.txt").read_text()
    assert verdict.startswith("ERROR") and reason in verdict, verdict


pytestmark = pytest.mark.boot


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP], ids=lambda s: s.name)
def test_a_signal_stops_qemu_and_keeps_the_logs(tmp_path, sig):
    process = start_hanging_run(tmp_path)
    process.send_signal(sig)
    _, err = process.communicate(timeout=STOPPED_WITHIN)
    assert process.returncode == 128 + sig, err
    assert f"stopped by {sig.name}" in err.decode() and str(tmp_path) in err.decode()
    assert_nothing_left_and_logs_kept(tmp_path, f"stopped by {sig.name}")


def test_a_harness_killed_outright_takes_qemu_with_it(tmp_path):
    """SIGKILL cannot be handled: QEMU's parent-death signal (prctl PR_SET_PDEATHSIG) ends it."""
    process = start_hanging_run(tmp_path)
    process.kill()
    process.wait(timeout=STOPPED_WITHIN)
    wait_for(lambda: not processes_in(tmp_path), STOPPED_WITHIN, "QEMU going away")


def test_a_closed_stdout_stops_qemu_and_keeps_the_logs(tmp_path):
    read_end, write_end = os.pipe()
    process = start_hanging_run(tmp_path, "--verbose", stdout=write_end)
    os.close(write_end)
    os.read(read_end, 1)
    os.close(read_end)  # as `| head -c1` would
    _, err = process.communicate(timeout=STOPPED_WITHIN)
    assert process.returncode == 2, err
    assert "standard output was closed" in err.decode()
    assert_nothing_left_and_logs_kept(tmp_path, "BrokenPipeError")


# -- fake QEMU: no boot needed ---------------------------------------------------------------------------

def test_a_full_disk_stops_qemu_and_says_so(fake_qemu, tmp_path):
    fake_qemu.serve("valid", hang=True)
    with pytest.raises(OSError) as error:
        runner.run_process([sys.executable, fake_qemu.path], tmp_path, Path("/dev/full"), tmp_path / "err.log",
                           timeout=30)
    assert error.value.errno == errno.ENOSPC
    wait_for(lambda: not processes_in(tmp_path), STOPPED_WITHIN, "the fake QEMU going away")


def test_an_echo_that_raises_stops_qemu_at_once(fake_qemu, tmp_path):
    fake_qemu.serve("valid", hang=True)

    def echo(line):
        raise RuntimeError("echo failed")

    start = time.monotonic()
    with pytest.raises(RuntimeError, match="echo failed"):
        runner.run_process([sys.executable, fake_qemu.path], tmp_path, tmp_path / "serial.log",
                           tmp_path / "err.log", timeout=60, echo=echo)
    assert time.monotonic() - start < STOPPED_WITHIN
    wait_for(lambda: not processes_in(tmp_path), STOPPED_WITHIN, "the fake QEMU going away")


def test_a_failure_mid_run_keeps_the_logs_and_the_reason(fake_qemu, fake_run_options, monkeypatch):
    fake_qemu.serve("valid", hang=True)

    def echo(line):
        raise RuntimeError("echo failed")

    options = runner.RunOptions(**{**fake_run_options.__dict__, "echo": echo})
    with pytest.raises(RuntimeError) as error:
        runner.run(options)
    (run_dir,) = options.log_dir.iterdir()
    assert "the harness failed: RuntimeError: echo failed" in (run_dir / "verdict.txt").read_text()
    assert (run_dir / "kernel.log").read_text().startswith("KTAP version 1")
    assert any(str(run_dir) in note for note in error.value.__notes__)


@pytest.mark.parametrize("make_log_dir", [
    lambda tmp: tmp / "file" / "runs",      # a path through a regular file
    lambda tmp: Path("/proc/ccktf/runs"),   # a directory that cannot be created
], ids=["through-a-file", "uncreatable"])
def test_an_unusable_log_directory_is_a_one_line_error(ccktf, fake_qemu, tmp_path, make_log_dir):
    (tmp_path / "file").write_text("not a directory")
    fake_qemu.serve("valid", status=1)
    status, out, err = ccktf("run", "--log-dir", str(make_log_dir(tmp_path)))
    assert status == 2
    assert err.startswith("ccktf: error: cannot write ") and len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in out + err


def test_a_read_only_log_directory_is_a_one_line_error(ccktf, fake_qemu, tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root writes into read-only directories; the other log-directory cases still run")
    log_dir = tmp_path / "ro"
    log_dir.mkdir(mode=0o500)
    fake_qemu.serve("valid", status=1)
    status, _, err = ccktf("run", "--log-dir", str(log_dir))
    assert status == 2 and err.startswith("ccktf: error: cannot write ")


PYTEST_SESSION = '''
from pathlib import Path
from ccktf import runner
from ccktf.firmware import Firmware

HERE = Path(__file__).parent


def boot(label):
    runner.run(runner.RunOptions(kernel=HERE / "k.efi", firmware=Firmware(HERE / "CODE.fd", HERE / "VARS.fd"),
                                 qemu="{qemu}", log_dir=HERE / "runs", timeout=60, label=label))


def test_one():
    boot("one")


def test_two():
    boot("two")
'''


def test_sigterm_ends_a_pytest_session_not_just_one_test(fake_qemu, tmp_path):
    """pytest turns any exception but KeyboardInterrupt into one failed test and goes on: a CI cancel would
    only have killed the current boot, and the next test booted again."""
    fake_qemu.serve("valid", hang=True)
    for name in ("k.efi", "CODE.fd", "VARS.fd"):
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "test_session.py").write_text(PYTEST_SESSION.replace("{qemu}", fake_qemu.path))
    env = dict(os.environ, PYTHONPATH=str(PROJECT / "harness"))
    session = subprocess.Popen([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
                                str(tmp_path / "test_session.py")], cwd=tmp_path, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    runs = tmp_path / "runs"
    wait_for(lambda: runs.is_dir() and kernel_started(runs), STARTED_WITHIN, "the first boot starting")
    session.send_signal(signal.SIGTERM)
    out, _ = session.communicate(timeout=STOPPED_WITHIN)
    assert session.returncode != 0, out.decode()
    assert [d.name.split("-")[-1] for d in runs.iterdir()] == ["one"], out.decode()  # test_two never booted
    wait_for(lambda: not processes_in(tmp_path), STOPPED_WITHIN, "the fake QEMU going away")
    (run_dir,) = runs.iterdir()
    assert "stopped by SIGTERM" in (run_dir / "verdict.txt").read_text()
