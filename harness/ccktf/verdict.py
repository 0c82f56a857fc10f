"""The verdict of one boot: passed, failed or error. Never a false pass.

Inputs are the parsed serial stream (``ccktf.ktap``), QEMU's exit status and whether the runner had to
kill QEMU at the timeout. docs/protocol.md "Exit": the kernel writes its exit code to isa-debug-exit and
QEMU exits with ``code * 2 + 1``; status 0 is a normal shutdown (the kernel's fallback when the device is
absent), where the ``# ccktf: exit=`` line is the only verdict. Anything else is an error.

``passed``  the stream is complete and consistent, QEMU's status agrees, and every test passed or skipped.
``failed``  the same, except that at least one test failed (and the kernel said ``exit=failed``).
``error``   anything else: a timeout, QEMU dying, a crash, a usage error, a truncated or malformed
            stream, an exit line that disagrees with QEMU's status or with the test results.
"""

from __future__ import annotations

import enum
import signal
from dataclasses import dataclass, field
from typing import Optional

from . import boot_refusal
from .ktap import EXIT_CODES, KtapResult, Status, strip_escapes


class Outcome(str, enum.Enum):
    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"


@dataclass
class Verdict:
    outcome: Outcome
    reasons: list[str] = field(default_factory=list)  # empty when passed

    @property
    def passed(self) -> bool:
        return self.outcome is Outcome.PASSED

    def __str__(self) -> str:
        return self.outcome.value.upper() + "".join(f"\n  - {reason}" for reason in self.reasons)


def device_exit_code(status: int) -> Optional[int]:
    """The kernel's exit code from QEMU's status: None for a normal shutdown (status 0).

    Raises ValueError for any status isa-debug-exit cannot produce from a ccktf exit code.
    """
    if status == 0:
        return None
    if status < 0:
        raise ValueError(f"QEMU was killed by signal {signal.Signals(-status).name}")
    code, odd = divmod(status - 1, 2)
    if odd or code not in EXIT_CODES.values():
        raise ValueError(f"QEMU exited with status {status}, which no ccktf exit code produces (QEMU error?)")
    return code


def qemu_reasons(result: KtapResult, status: Optional[int], timed_out: bool, timeout: Optional[float]) -> list[str]:
    """What QEMU's end says is wrong: a timeout, an unexpected status, or a status the exit line contradicts."""
    if timed_out:
        return [f"timed out after {timeout:g} s: the kernel hung (QEMU killed)"]
    if status is None and boot_refusal.gave_up(result.firmware_output) and not result.version_seen:
        return ["QEMU stopped by the harness: the firmware found nothing it would boot"]
    if status is None:
        return ["QEMU did not exit"]
    try:
        code = device_exit_code(status)
    except ValueError as error:
        return [str(error)]
    if code is not None and result.exit is not None and result.exit.code != code:
        return [f"exit line says code={result.exit.code} but QEMU's status {status} means code={code}"]
    return []


def firmware_reasons(result: KtapResult) -> list[str]:
    """OVMF's own exception report (``!!!! X64 Exception Type ...``): the image died before KTAP began; and the
    images the firmware refused to boot (``boot_refusal``: Secure Boot's Security Violation)."""
    return [f"firmware reported a CPU exception: {line.strip(' !')}"
            for line in strip_escapes(result.firmware_output).splitlines() if line.startswith("!!!! X64 Exception")] \
        + boot_refusal.refusal_reasons(result.firmware_output, result.version_seen)


def kernel_reasons(result: KtapResult) -> list[str]:
    """What the kernel itself reported as abnormal: a crash or a usage error."""
    reasons = []
    if result.crash:
        reasons.append(f"kernel crashed: {result.crash.summary()}")
    if result.usage_errors or (result.exit and result.exit.kind == "usage-error"):
        message = "; ".join(result.usage_errors) or "(no message)"
        reasons.append(f"kernel usage error: {message}")
    return reasons


def consistency_reasons(result: KtapResult, mode: str) -> list[str]:
    """Whether the exit line agrees with the results, and whether anything was run or listed at all."""
    counts = result.counts()
    failed = counts[Status.FAIL] + counts[Status.ERROR]
    kind = result.exit.kind if result.exit else None
    if kind == "passed" and failed:
        return [f"exit=passed although {failed} test(s) did not pass"]
    if kind == "failed" and not failed:
        return ["exit=failed although no test failed"]
    if mode == "list" and kind == "passed" and not result.listing:
        return ["the kernel listed no tests (does the --tests selection match anything?)"]
    if mode == "run" and kind == "passed" and not any(True for _ in result.tests()):
        return ["no tests ran (does the --tests selection match anything?)"]
    return []


def secure_boot_reasons(result: KtapResult) -> list[str]:
    """Secure Boot mode asked for a boot with Secure Boot enforced; a kernel that ran says whether it was
    (``# secure-boot:``, protocol.md "Secure Boot state"). Unless it read SecureBoot=1 and SetupMode=0, the
    firmware never checked the image's signature (UEFI 2.10 section 32.3: in Setup Mode, or with SecureBoot 0,
    images are not verified), so a pass would say nothing about Secure Boot: an error, never a pass."""
    if not result.version_seen:
        return []  # the image never ran: the firmware's refusal (or its absence) is judged elsewhere
    state = result.secure_boot
    if not state:
        return ["Secure Boot mode: the kernel printed no '# secure-boot:' line, so nothing shows that the "
                "firmware enforced Secure Boot"]
    secure, setup = state.get("secure_boot"), state.get("setup_mode")
    if secure == "1" and setup == "0":
        return []
    return [f"Secure Boot mode, but the firmware was not enforcing it: the kernel read secure_boot={secure} "
            f"setup_mode={setup} (mode={state.get('mode')}; enforcing needs secure_boot=1 setup_mode=0), so the "
            f"image's signature was never checked (a store without keys enrolled, or firmware without Secure Boot?)"]


def decide(result: KtapResult, status: Optional[int], timed_out: bool = False,
           timeout: Optional[float] = None, mode: str = "run", secure_boot: bool = False) -> Verdict:
    """The verdict of one boot; ``mode`` is ``run`` or ``list`` (``list=1``); ``secure_boot``: the run asked
    for Secure Boot mode, so the kernel must have found it enforced (``secure_boot_reasons``)."""
    reasons = (qemu_reasons(result, status, timed_out, timeout)
               + firmware_reasons(result)
               + (secure_boot_reasons(result) if secure_boot else [])
               + kernel_reasons(result)
               + [f"protocol: {problem}" for problem in result.problems]
               + consistency_reasons(result, mode))
    if reasons:
        return Verdict(Outcome.ERROR, reasons)
    failed = [t.full_name for t in result.tests() if t.status is Status.FAIL]
    if failed:
        return Verdict(Outcome.FAILED, [f"{len(failed)} test(s) failed: {', '.join(failed)}"])
    return Verdict(Outcome.PASSED)
