"""Strict parser for the ccktf serial stream: KTAP version 1 plus ccktf's own diagnostic lines.

The grammar is docs/protocol.md ("Output", "Metric lines", "Checks and evidence", "Listing", "Crash",
"Usage error").
The parser never guesses in the kernel's favour: every deviation from the contract is recorded in
``KtapResult.problems``, and a test that a suite's plan promised but whose result never came (the
stream ended, or the kernel crashed) is reported with status ``error``. Deciding the verdict of a run
is ``ccktf.verdict``'s job; this module only says what the stream contains.
"""

from __future__ import annotations

import enum
import re
import shlex
from dataclasses import dataclass, field
from typing import Iterator, Optional

KTAP_HEADER = "KTAP version 1"
SUITE_INDENT = " " * 4

# protocol.md "Exit": KIND -> code.
EXIT_CODES = {"passed": 0, "failed": 1, "usage-error": 2, "crashed": 3}
# protocol.md "Metric lines": the platform a figure was measured on.
METRIC_PLATFORMS = frozenset({"none", "tdx", "snp", "sim-tdx", "sim-snp"})
METRIC_REQUIRED_KEYS = ("name", "value", "unit", "platform")

# CSI sequences (ESC [ ... final byte) and two-byte escapes (ESC + one char), as OVMF prints them.
_ANSI_ESCAPE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|[@-Z\\-_])")

_NAME = r"[a-z0-9_]+"
_PLAN = re.compile(r"1\.\.(\d+)")
_RESULT = re.compile(rf"(ok|not ok) (\d+) ({_NAME})(?: # (\S+)(?: (.*))?)?")
_SUBTEST = re.compile(rf"# Subtest: ({_NAME})")
_DURATION = re.compile(rf"# duration: ({_NAME}) (\d+) us")
_COUNTS = r"pass:(\d+) fail:(\d+) skip:(\d+) total:(\d+)"
_SUITE_SUMMARY = re.compile(rf"# ({_NAME}): {_COUNTS}")
_TEST_DIAGNOSTIC = re.compile(rf"# ({_NAME}): (.*)")
_CHECK_PREFIX = "# check: "
# spec holds no double quote (the kernel's spec strings never do), which keeps the match linear in the line.
_CHECK = re.compile(rf'# check: name=({_NAME}) id=(\S+) severity=(must|should) spec="([^"]*)" statement="(.*)"')
_EVIDENCE = re.compile(rf"# evidence: ({_NAME}): (.*)")
_LISTING = re.compile(rf"# test: ({_NAME}\.{_NAME})")
_CCKTF = "# ccktf: "
_METRIC = "# metric:"
_ACCEPT_ERROR = "# accept-error:"
_PLATFORM_IDENTITY = "# platform-identity:"
_SECURE_BOOT = "# secure-boot:"
SECURE_BOOT_MODES = ("setup", "user", "audit", "deployed", "unknown")  # protocol.md "Secure Boot state"
_IDENTITY_WORD = re.compile(r"([a-z0-9_]+)=(\S+)")
_EXIT = re.compile(r"exit=(\S+) code=(-?\d+)")
_CRASH = re.compile(r"CRASH vector=(\d+) \(([^)]*)\)(.*)")
_CRASHED_IN = re.compile(rf"crashed in test ({_NAME}\.{_NAME})")
_REGISTERS = re.compile(r"[a-z0-9]+=0x[0-9a-fA-F]+(?: [a-z0-9]+=0x[0-9a-fA-F]+)*")
_TOTALS = re.compile(rf"totals {_COUNTS}")
_ARGS = re.compile(r'args="(.*)"')
_METRIC_NAME = re.compile(r"[a-z0-9_]+(?:\.[a-z0-9_]+)*")
_METRIC_VALUE = re.compile(r"-?\d+(?:\.\d+)?")
_KEY_VALUE = re.compile(r"([a-z0-9_]+)=(\S+)")


class Status(str, enum.Enum):
    """Outcome of one test or suite. ``ERROR`` means the kernel never reported a result."""

    PASS = "pass"
    FAIL = "fail"
    SKIP = "skip"
    ERROR = "error"


@dataclass
class Problem:
    """A deviation from docs/protocol.md; ``line`` counts kernel-output lines from 1 (None: end of stream)."""

    message: str
    line: Optional[int] = None

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


@dataclass(frozen=True)
class Check:
    """A conformance check's identity (protocol.md "Checks and evidence"), printed before its result."""

    id: str
    severity: str  # "must" or "should"
    spec: str
    statement: str


@dataclass
class TestResult:
    """One test case of a suite (protocol.md "Output"). ``name`` is None when the kernel never said it."""

    suite: str
    number: int
    name: Optional[str]
    status: Status
    skip_reason: Optional[str] = None
    diagnostics: list[str] = field(default_factory=list)
    duration_us: Optional[int] = None
    check: Optional[Check] = None  # set for conformance checks
    evidence: list[str] = field(default_factory=list)  # "# evidence: NAME: ..." lines, in order

    @property
    def full_name(self) -> str:
        return f"{self.suite}.{self.name if self.name else f'#{self.number}'}"


@dataclass
class Suite:
    """One nested KTAP document (``# Subtest: NAME``) and its top-level result line."""

    name: str
    number: int
    plan: Optional[int] = None
    tests: list[TestResult] = field(default_factory=list)
    status: Optional[Status] = None  # from the top-level result line; None if it never came
    skip_reason: Optional[str] = None
    diagnostics: list[str] = field(default_factory=list)


@dataclass
class Metric:
    """A ``# metric:`` line (protocol.md "Metric lines"), with the suite and test it appeared in."""

    name: str
    value: float
    unit: str
    platform: str
    extra: dict[str, str] = field(default_factory=dict)
    suite: Optional[str] = None
    test: Optional[str] = None


@dataclass
class ExitLine:
    """``# ccktf: exit=KIND code=N``."""

    kind: str
    code: int


@dataclass
class Crash:
    """The ``# ccktf: CRASH ...`` report (protocol.md "Crash")."""

    vector: int
    mnemonic: str
    fields: dict[str, str]
    test: Optional[str] = None  # "suite.name" when the kernel said which test was running
    register_lines: list[str] = field(default_factory=list)

    @property
    def rip(self) -> Optional[str]:
        return self.fields.get("rip")

    @property
    def cr2(self) -> Optional[str]:
        return self.fields.get("cr2")

    @property
    def registers(self) -> dict[str, str]:
        return dict(kv for line in self.register_lines for kv in _KEY_VALUE.findall(line))

    def summary(self) -> str:
        where = f" in test {self.test}" if self.test else ""
        details = " ".join(f"{k}={v}" for k, v in self.fields.items())
        return f"vector {self.vector} ({self.mnemonic}){where}: {details}".rstrip(": ")


@dataclass
class AcceptError:
    """An ``# accept-error:`` line (protocol.md "Acceptance errors"): one failed acceptance, raw status included."""

    fields: dict[str, str]
    line: int

    @property
    def summary(self) -> str:
        f = self.fields
        return (f"{f.get('path', '?')}: {f.get('answer', '?')} at {f.get('addr', '?')} level {f.get('level', '?')}, "
                f"raw status {f.get('status', '?')} ({f.get('reason', '')})")


def parse_accept_error(text: str) -> dict[str, str]:
    """The key=value fields after ``# accept-error:``; values may be double-quoted. ValueError when malformed."""
    fields = {}
    for token in shlex.split(text):
        key, sep, value = token.partition("=")
        if not sep or not key:
            raise ValueError(f"accept-error token {token!r} is not key=value")
        fields[key] = value
    missing = [k for k in ("platform", "path", "addr", "level", "status", "answer") if k not in fields]
    if missing:
        raise ValueError(f"accept-error lacks {', '.join(missing)}")
    return fields


@dataclass
class KtapResult:
    """Everything the serial stream said, and every way in which it broke the contract."""

    firmware_output: str = ""
    kernel_output: str = ""
    version_seen: bool = False
    header: dict[str, str] = field(default_factory=dict)  # from "# ccktf: version=... platform=..."
    args: Optional[str] = None
    plan: Optional[int] = None
    suites: list[Suite] = field(default_factory=list)
    metrics: list[Metric] = field(default_factory=list)
    accept_errors: list[AcceptError] = field(default_factory=list)
    platform_identity: dict[str, str] = field(default_factory=dict)  # "# platform-identity:" (protocol.md)
    secure_boot: dict[str, str] = field(default_factory=dict)  # "# secure-boot:" (protocol.md "Secure Boot state")
    diagnostics: list[str] = field(default_factory=list)
    listing: list[str] = field(default_factory=list)
    totals: Optional[dict[str, int]] = None
    usage_errors: list[str] = field(default_factory=list)
    exit: Optional[ExitLine] = None
    crash: Optional[Crash] = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def platform(self) -> Optional[str]:
        return self.header.get("platform")

    def tests(self) -> Iterator[TestResult]:
        for suite in self.suites:
            yield from suite.tests

    def find(self, full_name: str) -> Optional[TestResult]:
        return next((t for t in self.tests() if t.name and t.full_name == full_name), None)

    def counts(self) -> dict[Status, int]:
        counts = {status: 0 for status in Status}
        for test in self.tests():
            counts[test.status] += 1
        return counts


def strip_escapes(text: str) -> str:
    """Remove ANSI escape sequences and carriage returns (OVMF's console output on serial)."""
    return _ANSI_ESCAPE.sub("", text).replace("\r", "")


def split_firmware(raw: str) -> tuple[str, str]:
    """Split serial output at the first ``KTAP version 1``: (firmware output, kernel output).

    protocol.md: "Anything on the serial line before it is firmware output". The firmware's last
    line need not end in a newline, so the marker may share a line with firmware text or escapes.
    Without a marker, everything is firmware output.
    """
    index = raw.find(KTAP_HEADER)
    if index < 0:
        return raw, ""
    return raw[:index], raw[index:]


def parse(raw: str) -> KtapResult:
    """Parse a complete serial capture (firmware noise included) into a KtapResult."""
    firmware, kernel = split_firmware(raw)
    parser = _Parser(KtapResult(firmware_output=firmware, kernel_output=kernel))
    if not kernel:
        parser.problem(None, f"no '{KTAP_HEADER}' line: the kernel never started or printed nothing")
        return parser.result
    parser.result.version_seen = True
    lines = strip_escapes(kernel).split("\n")
    for number, line in enumerate(lines[1:], start=2):
        parser.feed(number, line)
    parser.finish()
    return parser.result


def parse_metric(text: str) -> Metric:
    """Parse the part of a metric line after ``# metric:``; raises ValueError naming what is wrong."""
    pairs: dict[str, str] = {}
    for token in text.split():
        match = _KEY_VALUE.fullmatch(token)
        if not match:
            raise ValueError(f"metric token {token!r} is not key=value")
        key, value = match.groups()
        if key in pairs:
            raise ValueError(f"metric key {key!r} repeated")
        pairs[key] = value
    missing = [key for key in METRIC_REQUIRED_KEYS if key not in pairs]
    if missing:
        raise ValueError(f"metric lacks {', '.join(missing)}")
    if not _METRIC_NAME.fullmatch(pairs["name"]):
        raise ValueError(f"metric name {pairs['name']!r} is not dotted lower case")
    if not _METRIC_VALUE.fullmatch(pairs["value"]):
        raise ValueError(f"metric value {pairs['value']!r} is not a decimal number")
    if pairs["platform"] not in METRIC_PLATFORMS:
        raise ValueError(f"metric platform {pairs['platform']!r} is not one of {sorted(METRIC_PLATFORMS)}")
    extra = {k: v for k, v in pairs.items() if k not in METRIC_REQUIRED_KEYS}
    return Metric(pairs["name"], float(pairs["value"]), pairs["unit"], pairs["platform"], extra)


def _counts(match: re.Match) -> dict[str, int]:
    return dict(zip(("pass", "fail", "skip", "total"), map(int, match.groups()[-4:])))


def _suite_counts(suite: Suite) -> dict[str, int]:
    counts = {"pass": 0, "fail": 0, "skip": 0, "total": len(suite.tests)}
    for test in suite.tests:
        counts["fail" if test.status in (Status.FAIL, Status.ERROR) else test.status.value] += 1
    return counts


def _expected_suite_status(suite: Suite) -> Status:
    if any(t.status in (Status.FAIL, Status.ERROR) for t in suite.tests):
        return Status.FAIL
    if suite.tests and all(t.status is Status.SKIP for t in suite.tests):
        return Status.SKIP
    return Status.PASS


class _Parser:
    """Line-by-line state machine; one instance per stream."""

    def __init__(self, result: KtapResult):
        self.result = result
        self.suite: Optional[Suite] = None  # the suite whose top-level result line has not come yet
        self.pending_diagnostics: dict[str, list[str]] = {}
        self.pending_durations: dict[str, int] = {}
        self.pending_checks: dict[str, Check] = {}
        self.pending_evidence: dict[str, list[str]] = {}
        self.pending_metrics: list[Metric] = []
        self.last_named: Optional[str] = None  # the last test name a diagnostic mentioned
        self.identity_seen = False
        self.exit_line: Optional[int] = None

    def problem(self, line: Optional[int], message: str) -> None:
        self.result.problems.append(Problem(message, line))

    # -- dispatch -------------------------------------------------------------------------------

    def feed(self, number: int, line: str) -> None:
        if not line.strip():
            return
        if self.exit_line is not None:
            self.problem(number, f"output after the exit line: {line.strip()!r}")
            return
        body = line.lstrip(" ")
        if body.startswith(_CCKTF):  # crash reports may interrupt a suite at any depth
            self.ccktf_line(number, body[len(_CCKTF):])
        elif body.startswith(_METRIC):
            self.metric_line(number, body[len(_METRIC):])
        elif body.startswith(_ACCEPT_ERROR):
            self.accept_error_line(number, body[len(_ACCEPT_ERROR):])
        elif line.startswith(SUITE_INDENT):
            self.suite_line(number, line[len(SUITE_INDENT):])
        elif line.startswith(" "):
            self.problem(number, f"unexpected indentation: {line!r}")
        else:
            self.top_line(number, line)

    def accept_error_line(self, number: int, text: str) -> None:
        try:
            self.result.accept_errors.append(AcceptError(parse_accept_error(text), number))
        except ValueError as error:
            self.problem(number, f"malformed accept-error line: {error}")

    # -- top level --------------------------------------------------------------------------------

    def top_line(self, number: int, line: str) -> None:
        if match := _PLAN.fullmatch(line):
            self.top_plan(number, int(match.group(1)))
        elif match := _RESULT.fullmatch(line):
            self.suite_result(number, match)
        elif match := _LISTING.fullmatch(line):
            self.listing_line(number, match.group(1))
        elif match := _SUITE_SUMMARY.fullmatch(line):
            self.suite_summary(number, match)
        elif line.startswith(_PLATFORM_IDENTITY):
            self.platform_identity(number, line[len(_PLATFORM_IDENTITY):])
            self.result.diagnostics.append(line)
        elif line.startswith(_SECURE_BOOT):
            self.secure_boot_line(number, line[len(_SECURE_BOOT):])
            self.result.diagnostics.append(line)
        elif line.startswith("#"):
            self.result.diagnostics.append(line)
        else:
            self.problem(number, f"not a KTAP line: {line!r}")

    def key_values(self, number: int, text: str, what: str) -> Optional[dict[str, str]]:
        """The key=value words of a platform-identity or secure-boot line, in order, each key once; None (with
        the problem reported) at the first word that is not a new key=value."""
        fields: dict[str, str] = {}
        for word in text.split():
            match = _IDENTITY_WORD.fullmatch(word)
            if not match or match.group(1) in fields:
                self.problem(number, f"{what} word {word!r} is not a new key=value")
                return None
            fields[match.group(1)] = match.group(2)
        return fields

    def platform_identity(self, number: int, text: str) -> None:
        """protocol.md "Platform identity": key=value words, platform and source first; the platform is the
        header's, and the source says what the platform is (a model's values are never hardware's)."""
        if self.identity_seen:
            self.problem(number, "second platform-identity line")
            return
        self.identity_seen = True
        fields = self.key_values(number, text, "platform-identity")
        if fields is None:
            return
        if list(fields)[:2] != ["platform", "source"] or fields["source"] not in ("hardware", "model", "none"):
            self.problem(number, "platform-identity must start with platform= and source=hardware|model|none")
            return
        platform, source = fields["platform"], fields["source"]
        if platform != self.result.platform:
            self.problem(number, f"platform-identity names platform {platform}, the header {self.result.platform}")
        expected = "none" if platform == "none" else "model" if platform.startswith("sim-") else "hardware"
        if source != expected:
            self.problem(number, f"platform-identity source={source} for platform {platform} (must be {expected})")
        self.result.platform_identity = fields

    def secure_boot_line(self, number: int, text: str) -> None:
        """protocol.md "Secure Boot state": once, key=value words, mode= first and one of SECURE_BOOT_MODES."""
        if self.result.secure_boot:
            self.problem(number, "second secure-boot line")
            return
        fields = self.key_values(number, text, "secure-boot")
        if fields is None:
            return
        if not fields or next(iter(fields)) != "mode" or fields["mode"] not in SECURE_BOOT_MODES:
            self.problem(number, f"secure-boot must start with mode={'|'.join(SECURE_BOOT_MODES)}")
            return
        self.result.secure_boot = fields

    def top_plan(self, number: int, count: int) -> None:
        if self.result.plan is not None:
            self.problem(number, "second top-level plan")
        elif self.result.suites:
            self.problem(number, "top-level plan after the first suite")
        self.result.plan = count

    def listing_line(self, number: int, name: str) -> None:
        if name in self.result.listing:
            self.problem(number, f"test {name} listed twice")
        self.result.listing.append(name)

    def suite_summary(self, number: int, match: re.Match) -> None:
        suite = self.result.suites[-1] if self.result.suites else None
        if suite is None or suite.name != match.group(1):
            self.problem(number, f"summary for suite {match.group(1)}, which is not the current suite")
        elif _counts(match) != _suite_counts(suite):
            self.problem(number, f"suite {suite.name} summary {_counts(match)} != results {_suite_counts(suite)}")

    def suite_result(self, number: int, match: re.Match) -> None:
        ok, index, name, directive, reason = match.groups()
        suite = self.suite
        if suite is None or suite.name != name:
            self.problem(number, f"result for suite {name}, which is not running")
            return
        if int(index) != suite.number:
            self.problem(number, f"suite {name} numbered {index}, expected {suite.number}")
        status = self.result_status(number, ok, directive)
        self.close_suite(number, f"suite {name} reported before its plan was complete")
        suite.status = status
        suite.skip_reason = reason if status is Status.SKIP else None
        expected = _expected_suite_status(suite)
        if status is not expected:
            self.problem(number, f"suite {name} reported {status.value} but its tests say {expected.value}")

    def result_status(self, number: int, ok: str, directive: Optional[str]) -> Status:
        if directive is not None and directive != "SKIP":
            self.problem(number, f"unknown directive # {directive}")
        if directive == "SKIP":
            if ok != "ok":
                self.problem(number, "'not ok' with a SKIP directive")
            return Status.SKIP
        return Status.PASS if ok == "ok" else Status.FAIL

    # -- inside a suite -------------------------------------------------------------------------

    def suite_line(self, number: int, line: str) -> None:
        if line == KTAP_HEADER:
            self.open_suite(number)
        elif self.suite is None:
            self.problem(number, f"indented line outside a suite: {line!r}")
        elif match := _SUBTEST.fullmatch(line):
            self.subtest_line(number, match.group(1))
        elif match := _PLAN.fullmatch(line):
            self.suite_plan(number, int(match.group(1)))
        elif match := _RESULT.fullmatch(line):
            self.test_result(number, match)
        elif match := _DURATION.fullmatch(line):
            self.duration_line(number, match.group(1), int(match.group(2)))
        elif line.startswith(_CHECK_PREFIX):
            self.check_line(number, line)
        elif match := _EVIDENCE.fullmatch(line):
            self.pending_evidence.setdefault(match.group(1), []).append(match.group(2))
            self.last_named = match.group(1)
        elif match := _TEST_DIAGNOSTIC.fullmatch(line):
            self.pending_diagnostics.setdefault(match.group(1), []).append(match.group(2))
            self.last_named = match.group(1)
        elif line.startswith("#"):
            self.suite.diagnostics.append(line)
        else:
            self.problem(number, f"not a KTAP line: {line!r}")

    def duration_line(self, number: int, name: str, micros: int) -> None:
        if name in self.pending_durations:
            self.problem(number, f"second duration line for test {name}")
        if any(t.name == name for t in self.suite.tests):
            self.problem(number, f"duration for test {name}, which already reported its result")
        self.pending_durations[name] = micros

    def check_line(self, number: int, line: str) -> None:
        match = _CHECK.fullmatch(line)
        if not match:
            self.problem(number, f"malformed check line: {line!r}")
            return
        name, check_id, severity, spec, statement = match.groups()
        if name in self.pending_checks:
            self.problem(number, f"second check line for test {name}")
        self.pending_checks[name] = Check(check_id, severity, spec, statement)
        self.last_named = name

    def open_suite(self, number: int) -> None:
        if self.suite is not None:
            self.problem(number, f"suite {self.suite.name} has no result line")
            self.close_suite(number, f"suite {self.suite.name} ended before its plan was complete")
        if self.result.plan is None:
            self.problem(number, "suite before the top-level plan")
        suite = Suite(name="", number=len(self.result.suites) + 1)
        self.result.suites.append(suite)
        self.suite = suite

    def subtest_line(self, number: int, name: str) -> None:
        if self.suite.name:
            self.problem(number, f"second '# Subtest:' line in suite {self.suite.name}")
        self.suite.name = name

    def suite_plan(self, number: int, count: int) -> None:
        if not self.suite.name:
            self.problem(number, "suite plan before its '# Subtest:' line")
        if self.suite.plan is not None or self.suite.tests:
            self.problem(number, f"misplaced plan in suite {self.suite.name}")
        self.suite.plan = count

    def test_result(self, number: int, match: re.Match) -> None:
        ok, index, name, directive, reason = match.groups()
        suite = self.suite
        expected_number = len(suite.tests) + 1
        if suite.plan is None:
            self.problem(number, f"test {name} before the plan of suite {suite.name}")
        elif expected_number > suite.plan:
            self.problem(number, f"test {name} beyond the plan 1..{suite.plan} of suite {suite.name}")
        if int(index) != expected_number:
            self.problem(number, f"test {name} numbered {index}, expected {expected_number}")
        status = self.result_status(number, ok, directive)
        if any(t.name == name for t in suite.tests):
            self.problem(number, f"test {name} reported twice in suite {suite.name}")
        for other in [n for n in self.pending_durations if n != name]:
            # The kernel prints a test's duration right before its result: another name means one of the two
            # lines was garbled, or a test renamed itself.
            self.problem(number, f"duration for test {other}, but the next result names {name}")
            del self.pending_durations[other]
        test = TestResult(
            suite=suite.name,
            number=int(index),
            name=name,
            status=status,
            skip_reason=(reason or "") if status is Status.SKIP else None,
            diagnostics=self.pending_diagnostics.pop(name, []),
            duration_us=self.pending_durations.pop(name, None),
            check=self.pending_checks.pop(name, None),
            evidence=self.pending_evidence.pop(name, []),
        )
        suite.tests.append(test)
        self.claim_metrics(name)

    def claim_metrics(self, test_name: Optional[str]) -> None:
        for metric in self.pending_metrics:
            metric.test = test_name
        self.pending_metrics = []

    def close_suite(self, number: Optional[int], message: str) -> None:
        """Finish the running suite; plan slots without a result become ``error`` tests."""
        suite = self.suite
        self.suite = None
        missing = (suite.plan or 0) - len(suite.tests)
        if suite.plan is None:
            self.problem(number, f"suite {suite.name or '(unnamed)'} has no plan")
        elif missing > 0:
            self.problem(number, f"{message}: {len(suite.tests)} of {suite.plan} tests reported")
            self.add_unreported(suite, missing)
        for name, lines in self.pending_diagnostics.items():
            suite.diagnostics.extend(f"{name}: {line}" for line in lines)
        for name in self.pending_checks:
            self.problem(number, f"check line for test {name}, which never reported a result")
        for name in self.pending_durations:
            self.problem(number, f"duration for test {name}, which never reported a result")
        self.pending_diagnostics = {}
        self.pending_durations = {}
        self.pending_checks = {}
        self.pending_evidence = {}
        self.pending_metrics = []

    def add_unreported(self, suite: Suite, missing: int) -> None:
        running = self.running_test_name(suite)
        crash = self.result.crash
        cause = f"the kernel crashed ({crash.summary()})" if crash else "the stream ended"
        first = len(suite.tests) + 1
        for number in range(first, first + missing):
            name = running if number == first else None
            reason = (f"no result: {cause} while this test was running" if number == first
                      else f"no result: never ran, {cause} earlier")
            diagnostics = self.pending_diagnostics.pop(name, []) if name else []
            check = self.pending_checks.pop(name, None) if name else None
            evidence = self.pending_evidence.pop(name, []) if name else []
            suite.tests.append(TestResult(suite.name, number, name, Status.ERROR,
                                          diagnostics=diagnostics + [reason], check=check, evidence=evidence))
        self.claim_metrics(running)

    def running_test_name(self, suite: Suite) -> Optional[str]:
        """Best knowledge of which test was running: the crash report, else its last diagnostic."""
        crash = self.result.crash
        if crash and crash.test and crash.test.startswith(f"{suite.name}."):
            return crash.test.split(".", 1)[1]
        reported = {t.name for t in suite.tests}
        return self.last_named if self.last_named and self.last_named not in reported else None

    # -- ccktf and metric lines -----------------------------------------------------------------

    def ccktf_line(self, number: int, text: str) -> None:
        if match := _EXIT.fullmatch(text):
            self.exit(number, match.group(1), int(match.group(2)))
        elif match := _CRASH.fullmatch(text):
            self.crash(number, match)
        elif self.result.crash and (match := _CRASHED_IN.fullmatch(text)):
            self.result.crash.test = match.group(1)
        elif self.result.crash and _REGISTERS.fullmatch(text):
            self.result.crash.register_lines.append(text)
        elif text.startswith("usage error: "):
            self.result.usage_errors.append(text[len("usage error: "):])
        elif match := _TOTALS.fullmatch(text):
            self.result.totals = _counts(match)
        elif match := _ARGS.fullmatch(text):
            self.result.args = match.group(1)
        elif text.startswith("version="):
            self.result.header.update(_KEY_VALUE.findall(text))
        else:
            self.result.diagnostics.append(_CCKTF + text)

    def crash(self, number: int, match: re.Match) -> None:
        if self.result.crash is not None:
            self.problem(number, "second CRASH report")
        fields = dict(_KEY_VALUE.findall(match.group(3)))
        self.result.crash = Crash(int(match.group(1)), match.group(2), fields)

    def exit(self, number: int, kind: str, code: int) -> None:
        self.exit_line = number
        self.result.exit = ExitLine(kind, code)
        if kind not in EXIT_CODES:
            self.problem(number, f"unknown exit kind {kind!r}")
        elif EXIT_CODES[kind] != code:
            self.problem(number, f"exit={kind} must have code={EXIT_CODES[kind]}, not {code}")

    def metric_line(self, number: int, text: str) -> None:
        try:
            metric = parse_metric(text)
        except ValueError as error:
            self.problem(number, f"malformed metric line: {error}")
            return
        if self.suite is not None:
            metric.suite = self.suite.name
            self.pending_metrics.append(metric)
        self.result.metrics.append(metric)

    # -- end of stream --------------------------------------------------------------------------

    def finish(self) -> None:
        result = self.result
        ended = "the kernel crashed" if result.crash else "the stream ended"
        if self.suite is not None:
            # Even when every planned test reported: the suite's own result line never came.
            self.problem(None, f"suite {self.suite.name or '(unnamed)'} has no result line: {ended} inside it")
            self.close_suite(None, f"{ended} inside suite {self.suite.name}")
            result.suites[-1].status = Status.ERROR
        usage_error = result.exit is not None and result.exit.kind == "usage-error"
        if result.plan is None and not usage_error:
            self.problem(None, "no top-level plan (1..N)")
        elif result.plan is not None and len(result.suites) != result.plan:
            self.problem(None, f"top-level plan 1..{result.plan} but {len(result.suites)} suites reported")
        if result.exit is None:
            self.problem(None, f"no '# ccktf: exit=' line: {ended} before the kernel finished")
        self.check_totals()

    def check_totals(self) -> None:
        totals = self.result.totals
        if totals is None:
            return
        actual = {"pass": 0, "fail": 0, "skip": 0, "total": 0}
        for suite in self.result.suites:
            for key, value in _suite_counts(suite).items():
                actual[key] += value
        if totals != actual:
            self.problem(None, f"totals line {totals} != results {actual}")
