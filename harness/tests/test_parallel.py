"""Boots side by side stop at once on a signal (ccktf.parallel): the matrix's cells, against fake_qemu.py.
The conformance sweep's configurations: test_conformance_sweep.py."""

import os
import signal
import subprocess
import threading
import time
from pathlib import Path

from ccktf import cli, stopping


def test_ctrl_c_stops_the_matrix_boots_at_once(fake_qemu, fake_kernel, tmp_path, capsys):
    firmware = tmp_path / "OVMF.fd"
    firmware.write_bytes(b"fw")
    fake_qemu.serve("conformance_ovmf", status=3, hang=True)  # every boot hangs until stopped
    timer = threading.Timer(1.5, os.kill, (os.getpid(), signal.SIGTERM))
    timer.start()
    started = time.monotonic()
    code = cli.main(["matrix", "--platforms=sim-snp", "--jobs=2", f"--kernel={fake_kernel}", f"--firmware={firmware}",
                     f"--qemu={fake_qemu.path}", f"--log-dir={tmp_path / 'runs'}", f"--out={tmp_path / 'out'}",
                     "--timeout=60"])
    timer.cancel()
    out = capsys.readouterr()
    assert code == 128 + signal.SIGTERM, out
    assert time.monotonic() - started < 20, out  # not each boot's 60 s timeout
    assert len(fake_qemu.invocations()) == 2  # of nine cells, the seven queued never started
    assert not [p for p in stopping.child_pids() if Path(f"/proc/{p}").exists()]


def test_stop_children_stops_only_the_qemus_the_runner_started():
    """A child of the harness that leads its own session but is no QEMU of the runner's is left alone
    (stop_children() once stopped every such child, found by scanning /proc)."""
    other = subprocess.Popen(["sleep", "30"], start_new_session=True)
    qemu_like = subprocess.Popen(["sleep", "30"], start_new_session=True)
    stopping.track(qemu_like.pid)
    try:
        assert stopping.stop_children() == [qemu_like.pid]
        assert qemu_like.wait(timeout=5) == -signal.SIGTERM
        assert other.poll() is None
    finally:
        stopping.untrack(qemu_like.pid)
        other.kill()
        other.wait()
    assert stopping.running_qemus() == []
