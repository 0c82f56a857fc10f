"""Fixtures for the harness's own tests: a fake QEMU, fake firmware and a fake kernel image."""

from dataclasses import dataclass
from pathlib import Path

import pytest

from ccktf import cli, linux_guest
from ccktf.debian import DebianError
from ccktf.firmware import Firmware
from ccktf.runner import RunOptions

HERE = Path(__file__).parent
FIXTURES = HERE / "fixtures"
FAKE_QEMU = HERE / "fake_qemu.py"


@dataclass
class FakeQemu:
    """Configures fake_qemu.py through the environment; see its docstring."""

    monkeypatch: pytest.MonkeyPatch
    tmp_path: Path
    path: str = str(FAKE_QEMU)

    def serve(self, stream: str, status: int = 0, hang: bool = False) -> None:
        """``stream``: a fixture name (fixtures/NAME.ktap) or literal text."""
        fixture = FIXTURES / f"{stream}.ktap"
        if not fixture.is_file():
            fixture = self.tmp_path / "stream.ktap"
            fixture.write_text(stream)
        self.monkeypatch.setenv("FAKE_QEMU_STREAM", str(fixture))
        self.monkeypatch.setenv("FAKE_QEMU_STATUS", str(status))
        if hang:
            self.monkeypatch.setenv("FAKE_QEMU_HANG", "1")

    def serve_by_args(self, streams: Path) -> None:
        self.monkeypatch.setenv("FAKE_QEMU_STREAMS", str(streams))

    @property
    def argv_file(self) -> Path:
        return self.tmp_path / "fake-qemu-argv.txt"

    def invocations(self) -> list[list[str]]:
        if not self.argv_file.exists():
            return []
        text = self.argv_file.read_text()
        return [chunk.strip("\n").split("\n") for chunk in text.split("--\n") if chunk.strip()]


@pytest.fixture(scope="session")
def debian_linux() -> linux_guest.DebianLinux:
    """Debian's own kernel, busybox and kexec-tools (ccktf.linux_guest.fetch(), cached in build/debian/);
    skips, saying why, when they cannot be had (no network or apt sources)."""
    try:
        return linux_guest.fetch()
    except DebianError as error:
        pytest.skip(f"Debian's kernel, busybox or kexec-tools cannot be had here: {error}")


@pytest.fixture
def fake_qemu(monkeypatch, tmp_path) -> FakeQemu:
    fake = FakeQemu(monkeypatch, tmp_path)
    monkeypatch.setenv("FAKE_QEMU_ARGV", str(fake.argv_file))
    return fake


@pytest.fixture
def fake_firmware(tmp_path) -> Firmware:
    code, vars_template = tmp_path / "CODE.fd", tmp_path / "VARS.fd"
    code.write_bytes(b"code")
    vars_template.write_bytes(b"vars")
    return Firmware(code, vars_template, "test")


@pytest.fixture
def fake_kernel(tmp_path) -> Path:
    kernel = tmp_path / "ccktf.efi"
    kernel.write_bytes(b"MZ fake")
    return kernel


@pytest.fixture
def fake_run_options(fake_qemu, fake_firmware, fake_kernel, tmp_path) -> RunOptions:
    return RunOptions(kernel=fake_kernel, firmware=fake_firmware, qemu=fake_qemu.path, log_dir=tmp_path / "runs",
                      timeout=10)


@pytest.fixture
def ccktf(fake_qemu, fake_kernel, tmp_path, capsys):
    """Runs the CLI in-process; returns (exit status, stdout, stderr)."""
    firmware = tmp_path / "OVMF.fd"
    firmware.write_bytes(b"fw")

    def run(*args):
        # The defaults come first, so that a test's own options (a later --log-dir) win.
        status = cli.main([args[0], f"--kernel={fake_kernel}", f"--firmware={firmware}", f"--qemu={fake_qemu.path}",
                           f"--log-dir={tmp_path / 'runs'}", "--timeout=10", *args[1:]])
        out, err = capsys.readouterr()
        return status, out, err
    return run
