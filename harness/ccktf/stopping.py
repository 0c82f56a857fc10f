"""How the harness stops while QEMU runs: signals, and QEMU's death with its parent.

While a boot runs (``signals_stop()``, main thread only: only there can Python handle signals), SIGINT,
SIGTERM and SIGHUP raise ``Interrupted``. Inside ``deferred()`` (starting QEMU, stopping it) a signal is
only recorded and raised when the block ends, so that cleanup is never cut short halfway: a second ^C
cannot leave QEMU running.

``Interrupted`` is a KeyboardInterrupt: pytest lets KeyboardInterrupt end the whole session (it turns any
other exception, BaseException included, into one failed test and goes on to boot the next), and the CLI
exits with 128 + the signal's number.

``stop_children()`` stops, from the main thread, the QEMUs that other threads started (a sweep's boots run in
worker threads, where no signal arrives): the runner registers each QEMU it starts (``track()``) until it has
stopped it, and each runs in a session of its own, so its process group is its pid. Only those are stopped,
never another child of the harness.

``die_with_parent()`` makes QEMU get SIGKILL when the harness dies, even by SIGKILL (Linux prctl(2)
PR_SET_PDEATHSIG). QEMU runs in a session of its own, so that a terminal's ^C reaches only the harness,
which then stops QEMU in order; without this a harness killed outright would leave QEMU under init. The
signal is tied to the thread that started QEMU: call ``runner.run()`` from a thread that outlives the boot
(the main thread, as the CLI and pytest-xdist workers do).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import threading
from typing import Callable, Optional

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
PR_SET_PDEATHSIG = 1  # Linux prctl(2)

try:  # looked up here, not in the forked child, which must only make the call
    _prctl: Optional[Callable[..., int]] = ctypes.CDLL(None, use_errno=True).prctl
except (OSError, AttributeError):
    _prctl = None


class Interrupted(KeyboardInterrupt):
    """A signal told the harness to stop while a boot ran. The run directory still gets its logs."""

    def __init__(self, signum: int):
        self.signum = signum
        super().__init__(f"stopped by {signal.Signals(signum).name}")


class _Stopper:
    def __init__(self) -> None:
        self.active = False
        self.defer = 0
        self.pending: Optional[int] = None

    def handler(self, signum: int, frame) -> None:
        if self.defer:
            self.pending = self.pending or signum
            return
        raise Interrupted(signum)


_STOPPER = _Stopper()


@contextlib.contextmanager
def signals_stop():
    """While the block runs (a boot), the stop signals raise Interrupted; the handlers before are restored."""
    if threading.current_thread() is not threading.main_thread() or _STOPPER.active:
        yield
        return
    previous = {sig: signal.signal(sig, _STOPPER.handler) for sig in STOP_SIGNALS}
    _STOPPER.active, _STOPPER.pending = True, None
    try:
        yield
    finally:
        _STOPPER.active = False
        for sig, old in previous.items():
            signal.signal(sig, old)


@contextlib.contextmanager
def deferred():
    """A block no stop signal interrupts; a signal that came meanwhile is raised when it ends."""
    _STOPPER.defer += 1
    try:
        yield
    finally:
        _STOPPER.defer -= 1
    if not _STOPPER.defer and _STOPPER.pending:
        signum, _STOPPER.pending = _STOPPER.pending, None
        raise Interrupted(signum)


def die_with_parent() -> Callable[[], None]:
    """A preexec_fn for QEMU: SIGKILL when the harness dies; exits at once if it already died."""
    parent = os.getpid()

    def arm() -> None:
        if _prctl is not None:
            _prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:  # the harness died before the signal was armed
            os._exit(1)
    return arm


_QEMUS: set[int] = set()  # QEMUs the runner started and has not stopped yet
_QEMUS_LOCK = threading.Lock()


def track(pid: int) -> None:
    """The runner started QEMU ``pid`` (its own process group); stop_children() may stop it."""
    with _QEMUS_LOCK:
        _QEMUS.add(pid)


def untrack(pid: int) -> None:
    """The runner has stopped QEMU ``pid`` and reaped it."""
    with _QEMUS_LOCK:
        _QEMUS.discard(pid)


def running_qemus() -> list[int]:
    with _QEMUS_LOCK:
        return sorted(_QEMUS)


def child_pids() -> list[int]:
    """This process's children (Linux /proc: field 4 of /proc/PID/stat is the parent's pid)."""
    me, found = os.getpid(), []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = open(f"/proc/{entry}/stat").read()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == me:
            found.append(int(entry))
    return found


def stop_children(sig: int = signal.SIGTERM) -> list[int]:
    """Sends ``sig`` to the process group of every QEMU the runner started and has not stopped (track());
    the thread that started it then sees QEMU end and stops it in order (runner)."""
    stopped = []
    for pid in running_qemus():
        try:
            os.killpg(pid, sig)
            stopped.append(pid)
        except ProcessLookupError:
            continue
    return stopped
