"""Run the kernel under QEMU once: stage the run directory, read the serial line live, enforce the
timeout, keep the logs, parse (``ccktf.ktap``) and judge (``ccktf.verdict``).

Every run gets its own directory under the log directory (default ``build/runs/``)::

    build/runs/20250101-120000-001-selftest/
        cmdline.txt       the QEMU command line (shell-quoted)
        serial.log        the raw serial bytes, written as they arrive
        firmware.log      serial output before "KTAP version 1" (escapes stripped)
        kernel.log        serial output from "KTAP version 1" on (escapes and CRs stripped)
        qemu-stderr.log   QEMU's own messages
        verdict.txt       the verdict and its reasons
        OVMF_VARS.fd, ESP/  per-run firmware variables and ESP (see ccktf.qemu)
"""

from __future__ import annotations

import codecs
import contextlib
import json
import os
import selectors
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

from . import boot_refusal, identity, ktap, qemu, stopping, verdict
from .stopping import Interrupted, deferred, die_with_parent, signals_stop  # noqa: F401 (Interrupted: API)
from .errors import CcktfError
from .firmware import Firmware

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_KERNEL = PROJECT_ROOT / "build" / "ccktf.efi"
DEFAULT_SIGNED_KERNEL = PROJECT_ROOT / "build" / "ccktf.signed.efi"  # make sign (docs/secure-boot.md)
DEFAULT_LOG_DIR = PROJECT_ROOT / "build" / "runs"
DEFAULT_TIMEOUT = 120.0
TAIL_LINES = 30
KILL_GRACE = 2.0


class RunError(CcktfError):
    """The run could not be started (missing kernel, missing QEMU, bad configuration), or its files could not
    be written."""


@dataclass(frozen=True)
class RunOptions:
    """One boot. ``mode`` is ``run`` or ``list`` (it only changes how the verdict reads the stream)."""

    kernel: Path
    firmware: Firmware
    append: str = ""
    profile: str = "tcg"
    memory: str = "512M"
    smp: int = 1
    boot: str = "kernel"
    timeout: float = DEFAULT_TIMEOUT
    log_dir: Path = DEFAULT_LOG_DIR
    label: str = ""
    mode: str = "run"
    qemu: str = qemu.DEFAULT_QEMU
    echo: Optional[Callable[[str], None]] = None  # called with each serial line, escapes stripped
    debug_exit: bool = True  # attach isa-debug-exit (docs/protocol.md "Exit")
    host: Optional[qemu.HostFacts] = None  # a confidential profile's host facts (qemu.choose_launch())
    measured_boot: bool = False  # SNP kernel-hashes=on (qemu.choose_boot())
    boot_note: str = ""  # why this boot mode, when the platform chose it: kept in host.json and shown
    mem_prealloc: bool = False  # --mem-prealloc: QEMU backs all guest RAM before the guest starts
    secure_boot: bool = False  # Secure Boot mode (qemu.choose_secure_boot(), docs/secure-boot.md)
    more_esps: tuple[Path, ...] = ()  # further ESP disks, each with its own image (qemu.more_esp_args())
    initrd: Optional[Path] = None  # -initrd with a -kernel boot (qemu.LaunchConfig.initrd: Linux's initramfs)
    fw_cfg: tuple[tuple[str, str], ...] = ()  # named fw_cfg strings for the firmware (qemu.fw_cfg_args())

    @classmethod
    def launching(cls, launch: qemu.Launch, **fields) -> "RunOptions":
        """Options for a boot launched as ``launch`` (qemu.choose_launch()) says."""
        return cls(profile=launch.profile, firmware=launch.firmware, host=launch.host, boot=launch.boot,
                   measured_boot=launch.measured_boot, boot_note=launch.boot_note, secure_boot=launch.secure_boot,
                   fw_cfg=launch.fw_cfg, **fields)


@dataclass
class ProcessEnd:
    status: Optional[int]  # None when QEMU had to be killed
    timed_out: bool
    seconds: float


@dataclass
class Run:
    """The result of one boot."""

    run_dir: Path
    command_line: str
    ktap: ktap.KtapResult
    status: Optional[int]
    timed_out: bool
    seconds: float
    verdict: verdict.Verdict
    boot_note: str = ""  # RunOptions.boot_note

    @property
    def serial_log(self) -> Path:
        return self.run_dir / "serial.log"

    def serial_tail(self, lines: int = TAIL_LINES) -> str:
        """The last lines of the serial output (kernel output if any, else firmware), escapes stripped."""
        text = self.ktap.kernel_output or self.ktap.firmware_output
        return "\n".join(ktap.strip_escapes(text).rstrip("\n").split("\n")[-lines:])


def allocate_run_dir(log_dir: Path, label: str = "") -> Path:
    """A new, unique ``<timestamp>-<counter>[-label]`` directory under ``log_dir``."""
    log_dir.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    suffix = f"-{label}" if label else ""
    for counter in range(1, 1000):
        candidate = log_dir / f"{stamp}-{counter:03d}{suffix}"
        try:
            candidate.mkdir()
            return candidate
        except FileExistsError:
            continue
    raise RunError(f"cannot allocate a run directory in {log_dir}")


def stage(plan: qemu.LaunchPlan) -> None:
    """Copy the files the command line refers to into the run directory (never touch the originals)."""
    for source, destination in plan.staged:
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, destination)
    for destination, text in plan.written:
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_text(text)


def kill_group(process: subprocess.Popen) -> None:
    """SIGTERM QEMU's process group, then SIGKILL if it does not go."""
    for sig, grace in ((signal.SIGTERM, KILL_GRACE), (signal.SIGKILL, None)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=grace)
            return
        except subprocess.TimeoutExpired:
            continue


class _LineEcho:
    """Turns serial chunks into whole lines for ``RunOptions.echo``."""

    def __init__(self, echo: Optional[Callable[[str], None]]):
        self.echo = echo
        self.decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.pending = ""

    def feed(self, chunk: bytes) -> None:
        if self.echo is None:
            return
        self.pending += self.decoder.decode(chunk)
        *lines, self.pending = self.pending.split("\n")
        for line in lines:
            self.echo(ktap.strip_escapes(line))

    def flush(self) -> None:
        if self.echo is not None and self.pending:
            self.echo(ktap.strip_escapes(self.pending))


def run_process(argv: list[str], cwd: Path, serial: Path, stderr: Path, timeout: float,
                echo: Optional[Callable[[str], None]] = None) -> ProcessEnd:
    """Run QEMU with the serial line on its stdout, copying it to ``serial`` live, until EOF or timeout.

    However this ends (EOF, the timeout, a signal, an echo that cannot write, a full disk), QEMU's process
    group is stopped before it returns or raises, within KILL_GRACE seconds of SIGTERM.
    """
    start = time.monotonic()
    deadline = start + timeout
    lines = _LineEcho(echo)
    with open(serial, "wb") as log, open(stderr, "wb") as err:
        process = None
        try:
            with deferred():  # a signal inside Popen would leave a QEMU we hold no handle to
                process = start_qemu(argv, cwd, err)
                stopping.track(process.pid)
            if not copy_serial(process, log, lines, deadline):  # the firmware gave up: stop QEMU (finally)
                return ProcessEnd(None, False, time.monotonic() - start)
            timed_out = not wait_for_exit(process, deadline)
            return ProcessEnd(None if timed_out else process.returncode, timed_out, time.monotonic() - start)
        finally:
            with deferred():  # a second signal must not cut the stopping of QEMU short
                if process is not None:
                    if process.poll() is None:
                        kill_group(process)
                    stopping.untrack(process.pid)
                    process.stdout.close()


def start_qemu(argv: list[str], cwd: Path, err) -> subprocess.Popen:
    try:
        return subprocess.Popen(argv, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err,
                                start_new_session=True, preexec_fn=die_with_parent())
    except OSError as error:
        raise RunError(f"cannot start {argv[0]}: {error} (Debian package: qemu-system-x86)") from error


def copy_serial(process: subprocess.Popen, log, lines: "_LineEcho", deadline: float) -> bool:
    """Copy QEMU's stdout to the log until EOF or the deadline (True), or until the firmware says, before the
    kernel started, that it found nothing it would boot (False: it would wait for a key forever;
    boot_refusal.gave_up)."""
    firmware = bytearray()  # the output before "KTAP version", while there is no kernel output
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        while (remaining := deadline - time.monotonic()) > 0:
            if not selector.select(timeout=remaining):
                continue
            chunk = os.read(process.stdout.fileno(), 65536)
            if not chunk:
                break
            log.write(chunk)
            log.flush()
            lines.feed(chunk)
            if firmware is not None:
                firmware += chunk
                if ktap.KTAP_HEADER.encode() in firmware:
                    firmware = None
                elif boot_refusal.gave_up(firmware.decode("utf-8", errors="replace")):
                    lines.flush()
                    return False
        lines.flush()
    return True


def wait_for_exit(process: subprocess.Popen, deadline: float) -> bool:
    """Wait until the deadline; kill the process group and return False if QEMU is still running."""
    try:
        process.wait(timeout=max(0.0, deadline - time.monotonic()))
        return True
    except subprocess.TimeoutExpired:
        kill_group(process)
        return False


def write_logs(run_dir: Path, parsed: ktap.KtapResult, judged: verdict.Verdict) -> None:
    (run_dir / "firmware.log").write_text(ktap.strip_escapes(parsed.firmware_output))
    (run_dir / "kernel.log").write_text(ktap.strip_escapes(parsed.kernel_output))
    (run_dir / "verdict.txt").write_text(f"{judged}\n")


def run(options: RunOptions) -> Run:
    """Boot once and judge the result.

    Raises RunError (or another CcktfError) when it cannot start or cannot write its run directory, and
    re-raises whatever stopped a boot (Interrupted, KeyboardInterrupt, a closed stdout) once QEMU is stopped
    and the run directory holds serial.log, kernel.log and a verdict.txt that says why.
    """
    if not options.kernel.is_file():
        build = "make sign" if options.secure_boot else "make"
        raise RunError(f"kernel image {options.kernel} not found: build it with '{build}' (or pass --kernel)")
    if options.timeout <= 0:
        raise RunError(f"timeout must be positive, not {options.timeout}")
    # QEMU runs in the run directory: every path it is given must be absolute.
    config = qemu.LaunchConfig(kernel=options.kernel.resolve(), firmware=options.firmware,
                               profile=qemu.lookup_profile(options.profile), append=options.append,
                               memory=options.memory, smp=options.smp, boot=options.boot, qemu=options.qemu,
                               debug_exit=options.debug_exit, host=options.host,
                               measured_boot=options.measured_boot, mem_prealloc=options.mem_prealloc,
                               secure_boot=options.secure_boot,
                               more_esps=tuple(p.resolve() for p in options.more_esps),
                               initrd=options.initrd.resolve() if options.initrd is not None else None,
                               fw_cfg=options.fw_cfg)
    with file_errors("the run directory"):
        run_dir = allocate_run_dir(options.log_dir, options.label)
        plan = qemu.build_launch(config, run_dir)
        (run_dir / "cmdline.txt").write_text(plan.command_line + "\n")
        host = identity.host_identity(options.qemu, options.firmware, options.profile)
        host["boot"] = {"mode": options.boot, "measured": options.measured_boot, "note": options.boot_note,
                        "secure_boot": options.secure_boot}
        (run_dir / "host.json").write_text(json.dumps(host, indent=2) + "\n")
        stage(plan)
    start = time.monotonic()
    try:
        with signals_stop(), file_errors(f"{run_dir}"):
            end = run_process(plan.argv, run_dir, run_dir / "serial.log", run_dir / "qemu-stderr.log",
                              options.timeout, options.echo)
    except BaseException as stop:
        keep_what_is_there(run_dir, stop, time.monotonic() - start)
        stop.add_note(f"what the boot wrote is in {run_dir}")
        raise
    with file_errors(f"{run_dir}"):
        parsed = ktap.parse((run_dir / "serial.log").read_bytes().decode("utf-8", errors="replace"))
        judged = verdict.decide(parsed, end.status, end.timed_out, options.timeout, options.mode,
                                 secure_boot=options.secure_boot)
        judged.reasons.extend(qemu_stderr_reasons(run_dir, judged))
        write_logs(run_dir, parsed, judged)
    return Run(run_dir, plan.command_line, parsed, end.status, end.timed_out, end.seconds, judged,
               options.boot_note)


@contextlib.contextmanager
def file_errors(what: str):
    """A file-system error (unwritable directory, full disk) as a one-line RunError naming the file."""
    try:
        yield
    except BrokenPipeError:
        raise  # our own stdout closed (| head): not a file of the run
    except OSError as error:
        where = error.filename or what
        raise RunError(f"cannot write {where}: {error.strerror or error}") from error


def keep_what_is_there(run_dir: Path, stop: BaseException, seconds: float) -> None:
    """After a boot was stopped (QEMU is already stopped): kernel.log, firmware.log and a verdict.txt
    saying why, from the serial bytes that arrived. Best effort: on a full disk there may be no room."""
    if isinstance(stop, (Interrupted, RunError)):
        why = str(stop)
    elif isinstance(stop, KeyboardInterrupt):
        why = "stopped by SIGINT"
    else:
        why = f"the harness failed: {type(stop).__name__}: {stop}"
    try:
        serial = (run_dir / "serial.log").read_bytes().decode("utf-8", errors="replace")
        parsed = ktap.parse(serial)
        judged = verdict.Verdict(verdict.Outcome.ERROR, [f"{why} after {seconds:.1f} s; QEMU was stopped"])
        write_logs(run_dir, parsed, judged)
    except OSError:
        pass


def qemu_stderr_reasons(run_dir: Path, judged: verdict.Verdict) -> list[str]:
    """QEMU's own complaints, worth showing when the run went wrong."""
    text = (run_dir / "qemu-stderr.log").read_text(errors="replace").strip()
    if judged.outcome is not verdict.Outcome.ERROR or not text:
        return []
    return [f"QEMU said: {line}" for line in text.splitlines()[-5:]]
