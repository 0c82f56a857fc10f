"""Property-based tests (Debian's python3-hypothesis) for what the host parses and decides:

- the KTAP parser (ccktf.ktap): any stream the kernel can print (docs/protocol.md "Output") parses back to
  the same suites, tests, counts and verdict; arbitrary bytes never raise anything but the parser's
  documented errors (``parse`` records problems and never raises; ``parse_metric`` and
  ``parse_accept_error`` raise ValueError) and never hang; a valid stream with any one required line taken
  out is an error, never a pass or a failure (this found the missing final suite result of issue 11);
- the argument builder (ccktf.kargs): built arguments split, as the kernel splits them, into exactly the
  words asked for, and no value or --append word puts a key there twice or becomes a second key;
- the benchmark gate (ccktf.bench_compare): identical results never fail, a figure worse than its
  tolerance is a regression whichever way is better, the judgement is monotone in the value and the
  tolerance, and the directions mirror each other.

Each property keeps to a few dozen examples (the whole module runs in a few seconds); every one was seen
to fail against a deliberately broken copy of the function it tests.
"""

from __future__ import annotations

import dataclasses
import signal
import string
import threading
from contextlib import contextmanager
from typing import Optional

from hypothesis import HealthCheck, assume, given, settings, strategies as st

from ccktf import kargs, ktap
from ccktf.bench_compare import Change, Tolerances, compare, judge
from ccktf.bench_contract import CONTRACT, Direction, direction
from ccktf.bench_records import Record, Results
from ccktf.verdict import Outcome, decide

# Small and quick: these run in every `make test`. No example database in the tree (database=None).
FAST = settings(max_examples=40, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
HANG_SECONDS = 2.0


@contextmanager
def time_limit(seconds: float):
    """Raise TimeoutError in the block after ``seconds``: a parser that loops forever fails, not hangs."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum, frame):
        raise TimeoutError(f"took longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# == KTAP ===========================================================================================

# What the kernel prints is printable ASCII (its console and the UART carry nothing else).
PRINTABLE = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7e), max_size=30)
# docs/protocol.md: names are [a-z0-9_]+ except the words that begin ccktf's own line kinds: a diagnostic of
# a test so named ("    # metric: ...", "    # duration: x 1 us") or the summary line of a suite so named
# ("# metric: pass:1 ...") would be read as that kind of line (this property found it).
LINE_KIND_WORDS = {"ccktf", "metric", "check", "evidence", "duration"}
NAME = st.from_regex(r"[a-z0-9_]{1,10}", fullmatch=True).filter(lambda name: name not in LINE_KIND_WORDS)
CHECK_TEXT = PRINTABLE.filter(lambda text: '"' not in text)  # spec="..." statement="..." are quote-delimited
METRIC_VALUE = st.from_regex(r"-?[0-9]{1,6}(\.[0-9]{1,3})?", fullmatch=True)


@dataclasses.dataclass
class CaseSpec:
    name: str
    status: ktap.Status
    reason: str = ""  # skip reason
    diagnostics: list[str] = dataclasses.field(default_factory=list)
    duration: Optional[int] = None
    check: Optional[ktap.Check] = None
    evidence: list[str] = dataclasses.field(default_factory=list)
    metrics: list[tuple[str, str]] = dataclasses.field(default_factory=list)  # (name, value)


@dataclasses.dataclass
class SuiteSpec:
    name: str
    tests: list[CaseSpec]

    @property
    def status(self) -> ktap.Status:
        if any(t.status is ktap.Status.FAIL for t in self.tests):
            return ktap.Status.FAIL
        if self.tests and all(t.status is ktap.Status.SKIP for t in self.tests):
            return ktap.Status.SKIP
        return ktap.Status.PASS


checks = st.builds(ktap.Check, st.from_regex(r"[A-Z]{2}-[0-9]{3}", fullmatch=True),
                   st.sampled_from(["must", "should"]), CHECK_TEXT, CHECK_TEXT)


@st.composite
def case_specs(draw, name: str) -> CaseSpec:
    status = draw(st.sampled_from(list(ktap.Status)[:3]))  # pass, fail, skip: what the kernel reports
    return CaseSpec(name, status, draw(PRINTABLE) if status is ktap.Status.SKIP else "",
                    draw(st.lists(PRINTABLE, max_size=2)), draw(st.none() | st.integers(0, 10**9)),
                    draw(st.none() | checks), draw(st.lists(PRINTABLE, max_size=2)),
                    draw(st.lists(st.tuples(st.from_regex(r"[a-z]{1,5}(\.[a-z0-9_]{1,5}){0,2}", fullmatch=True),
                                            METRIC_VALUE), max_size=1)))


@st.composite
def suite_specs(draw, name: str) -> SuiteSpec:
    names = draw(st.lists(NAME, min_size=1, max_size=4, unique=True))
    return SuiteSpec(name, [draw(case_specs(test)) for test in names])


@st.composite
def runs(draw) -> list[SuiteSpec]:
    names = draw(st.lists(NAME, min_size=1, max_size=3, unique=True))
    return [draw(suite_specs(name)) for name in names]


REQUIRED = {"version", "plan", "suite-version", "subtest", "suite-plan", "result", "suite-result", "exit"}


def render(suites: list[SuiteSpec]) -> list[tuple[str, str]]:
    """The stream the kernel prints for ``suites`` (docs/protocol.md "Output"), as (line kind, line)."""
    out = [("version", ktap.KTAP_HEADER), ("args", '# ccktf: args="tests=*"'),
           ("header", "# ccktf: version=0.1.0 platform=none"), ("plan", f"1..{len(suites)}")]
    totals = dict(pass_=0, fail=0, skip=0)
    for number, suite in enumerate(suites, 1):
        out += [("suite-version", "    " + ktap.KTAP_HEADER), ("subtest", f"    # Subtest: {suite.name}"),
                ("suite-plan", f"    1..{len(suite.tests)}")]
        for index, test in enumerate(suite.tests, 1):
            if test.check:
                c = test.check
                out.append(("check", f'    # check: name={test.name} id={c.id} severity={c.severity} '
                                     f'spec="{c.spec}" statement="{c.statement}"'))
            out += [("evidence", f"    # evidence: {test.name}: {line}") for line in test.evidence]
            out += [("diagnostic", f"    # {test.name}: {line}") for line in test.diagnostics]
            out += [("metric", f"    # metric: name={name} value={value} unit=ns platform=none")
                    for name, value in test.metrics]
            if test.duration is not None:
                out.append(("duration", f"    # duration: {test.name} {test.duration} us"))
            ok = "not ok" if test.status is ktap.Status.FAIL else "ok"
            skip = f" # SKIP {test.reason}" if test.status is ktap.Status.SKIP else ""
            out.append(("result", f"    {ok} {index} {test.name}{skip}"))
        counts = {s: sum(t.status is s for t in suite.tests) for s in ktap.Status}
        out.append(("summary", f"# {suite.name}: pass:{counts[ktap.Status.PASS]} fail:{counts[ktap.Status.FAIL]} "
                               f"skip:{counts[ktap.Status.SKIP]} total:{len(suite.tests)}"))
        totals["pass_"] += counts[ktap.Status.PASS]
        totals["fail"] += counts[ktap.Status.FAIL]
        totals["skip"] += counts[ktap.Status.SKIP]
        ok = "not ok" if suite.status is ktap.Status.FAIL else "ok"
        skip = " # SKIP all tests skipped" if suite.status is ktap.Status.SKIP else ""
        out.append(("suite-result", f"{ok} {number} {suite.name}{skip}"))
    out.append(("totals", f"# ccktf: totals pass:{totals['pass_']} fail:{totals['fail']} skip:{totals['skip']} "
                          f"total:{sum(totals.values())}"))
    kind, code = ("failed", 1) if totals["fail"] else ("passed", 0)
    out.append(("exit", f"# ccktf: exit={kind} code={code}"))
    return out


def text_of(lines: list[tuple[str, str]], firmware: str = "") -> str:
    return firmware + "\n".join(line for _, line in lines) + "\n"


def qemu_status(suites: list[SuiteSpec]) -> int:
    """isa-debug-exit: QEMU exits with code * 2 + 1."""
    failed = any(t.status is ktap.Status.FAIL for s in suites for t in s.tests)
    return 3 if failed else 1


# OVMF's noise before the kernel's first line: escapes, text, no newline at the end.
FIRMWARE = st.lists(st.sampled_from(["\x1b[2J", "\x1b[0m", "\x1b[1;1H", "\x1bc", "\r\n", "BdsDxe: loading "])
                    | st.text(st.sampled_from(string.printable), max_size=20), max_size=6).map("".join) \
    .filter(lambda text: ktap.KTAP_HEADER not in text)


@FAST
@given(suites=runs(), firmware=FIRMWARE, newline=st.booleans())
def test_any_stream_the_kernel_prints_round_trips(suites, firmware, newline):
    text = text_of(render(suites), firmware + ("\n" if newline and firmware else ""))
    with time_limit(HANG_SECONDS):
        result = ktap.parse(text)
    assert result.problems == []
    assert result.firmware_output == firmware + ("\n" if newline and firmware else "")
    assert [(s.name, s.status) for s in result.suites] == [(s.name, s.status) for s in suites]
    for parsed, spec in zip(result.suites, suites):
        assert [(t.name, t.status, t.diagnostics, t.duration_us, t.check, t.evidence) for t in parsed.tests] == \
               [(t.name, t.status, t.diagnostics, t.duration, t.check, t.evidence) for t in spec.tests]
        assert [t.skip_reason for t in parsed.tests] == \
               [t.reason if t.status is ktap.Status.SKIP else None for t in spec.tests]
    expected = {status: sum(t.status is status for s in suites for t in s.tests) for status in ktap.Status}
    assert result.counts() == expected
    assert result.totals == {"pass": expected[ktap.Status.PASS], "fail": expected[ktap.Status.FAIL],
                             "skip": expected[ktap.Status.SKIP], "total": sum(expected.values())}
    assert [(m.name, m.suite, m.test) for m in result.metrics] == \
           [(name, s.name, t.name) for s in suites for t in s.tests for name, _ in t.metrics]
    outcome = decide(result, qemu_status(suites)).outcome
    assert outcome is (Outcome.FAILED if expected[ktap.Status.FAIL] else Outcome.PASSED)


def final_suite_result(lines: list[tuple[str, str]]) -> int:
    return max(i for i, (kind, _) in enumerate(lines) if kind == "suite-result")


@FAST
@given(suites=runs(), data=st.data())
def test_a_stream_missing_a_required_line_is_never_trusted(suites, data):
    lines = render(suites)
    required = [i for i, (kind, _) in enumerate(lines) if kind in REQUIRED]
    dropped = data.draw(st.sampled_from(required), label="dropped line")
    result = ktap.parse(text_of(lines[:dropped] + lines[dropped + 1:]))
    verdict = decide(result, qemu_status(suites))
    assert verdict.outcome is Outcome.ERROR, f"without {lines[dropped][1]!r}: {verdict}"


def test_missing_final_suite_result_is_not_trusted():
    """The case the property above finds on the parser before issue 11: every planned test reported, the
    final suite's result line lost, and the run passed."""
    suites = [SuiteSpec("selftest", [CaseSpec("passes", ktap.Status.PASS)]),
              SuiteSpec("efi", [CaseSpec("memmap", ktap.Status.PASS)])]
    lines = render(suites)
    del lines[final_suite_result(lines)]
    assert decide(ktap.parse(text_of(lines)), 1).outcome is Outcome.ERROR


# Lines that look like the protocol's, for garbage that reaches deep into the parser.
PROTOCOL_LIKE = st.sampled_from([
    "KTAP version 1", "1..2", "1..0", "1..99999999999999999999", "ok 1 a", "not ok 2 b", "ok 1 a # SKIP why",
    "ok 1 a # TODO x", "not ok 1 a # SKIP", "# Subtest: a", "# Subtest: b", "# a: pass:1 fail:0 skip:0 total:1",
    "# duration: a 12 us", "# a: ASSERTION FAILED at x.c:1", "# check: name=a id=X-1 severity=must spec=\"s\" "
    'statement="t"', "# check: name=a", "# evidence: a: seen", "# metric: name=a.b value=1 unit=ns platform=none",
    "# metric: name=a value=x", "# metric:", "# accept-error: platform=none path=a addr=0x1 level=4k status=0x1 "
    'answer="failed"', '# accept-error: "unbalanced', "# ccktf: exit=passed code=0", "# ccktf: exit=failed code=1",
    "# ccktf: exit=crashed code=3", "# ccktf: exit=bogus code=-1", "# ccktf: CRASH vector=14 (#PF) error=0x2 rip=0x1",
    "# ccktf: crashed in test a.b", "# ccktf: rax=0x0 rbx=0x1", "# ccktf: usage error: unknown key 'x'",
    "# ccktf: totals pass:1 fail:0 skip:0 total:1", '# ccktf: args="x"', "# ccktf: version=1 platform=none",
    "# test: a.b", "# platform-identity: platform=tdx tdx_module=1.5", "\x1b[2J", "\r", "",
])
GARBAGE_LINE = st.tuples(st.sampled_from(["", "    ", "        ", " ", "\t"]),
                         st.one_of(PROTOCOL_LIKE, PROTOCOL_LIKE, PROTOCOL_LIKE, st.text(max_size=40))).map("".join)
QEMU_STATUSES = st.sampled_from([None, 0, 1, 2, 3, 5, 7, 9, 255, -9, -15, -1000])


def parse_bounded(text: str) -> ktap.KtapResult:
    with time_limit(HANG_SECONDS):
        result = ktap.parse(text)
    assert isinstance(result, ktap.KtapResult)
    return result


@FAST
@given(text=st.text(max_size=400))
def test_arbitrary_text_never_raises_and_is_a_problem_without_a_version_line(text):
    result = parse_bounded(text)
    if ktap.KTAP_HEADER not in text:
        assert result.problems and not result.version_seen


@settings(FAST, max_examples=120)
@given(lines=st.lists(GARBAGE_LINE, max_size=30), status=QEMU_STATUSES, timed_out=st.booleans(),
       mode=st.sampled_from(["run", "list"]))
def test_protocol_like_garbage_never_raises_or_hangs(lines, status, timed_out, mode):
    text = ktap.KTAP_HEADER + "\n" + "\n".join(lines)  # (without the version line: the test above)
    result = parse_bounded(text)
    verdict = decide(result, status, timed_out, 1.0, mode)  # the verdict never raises either
    if verdict.outcome is Outcome.PASSED:
        assert result.exit is not None and result.exit.kind == "passed" and not result.problems


@FAST
@given(text=st.text(max_size=200))
def test_metric_and_accept_error_lines_raise_only_value_error(text):
    for parse_line in (ktap.parse_metric, ktap.parse_accept_error):
        with time_limit(HANG_SECONDS):
            try:
                parse_line(text)
            except ValueError:
                pass


def test_a_long_hostile_check_line_does_not_stall_the_parser():
    """Found while checking that the parser never hangs: the check-line pattern spec="(.*)" statement="(.*)"
    backtracked quadratically, so this 112 KB line took 5 s and a 450 KB one over a minute."""
    line = '    # check: name=t id=X severity=must spec="' + '" statement="' * 8000 + "x"
    with time_limit(1.0):
        ktap.parse(f"KTAP version 1\n1..1\n    KTAP version 1\n    # Subtest: s\n    1..1\n{line}\n")


# == kernel arguments ===============================================================================

def kernel_words(append: str) -> list[str]:
    """The kernel's reading (kernel/efi/efi_boot.c, kernel/args.c): printable ASCII only, else a usage error
    (None here); words separated by spaces and tabs."""
    if any(not 0x20 <= ord(c) <= 0x7e for c in append):
        return None
    return append.replace("\t", " ").split()


WORD_CHARS = st.characters(min_codepoint=0x21, max_codepoint=0x7e)  # printable ASCII without the space
GLOB = st.text(WORD_CHARS.filter(lambda c: c != ","), min_size=1, max_size=12)
WORD = st.text(WORD_CHARS, min_size=1, max_size=12)
SEPARATOR = st.sampled_from([" ", "  ", "\t", " \t "])
# Mostly printable ASCII with many separators (what the kernel's word splitter sees), sometimes anything.
ANY_VALUE = st.one_of(*[st.text(st.sampled_from(" =,") | st.characters(min_codepoint=0x20, max_codepoint=0x7e),
                                max_size=12)] * 3, st.text(max_size=12))


OWN_KEYS = ("tests", "platform", "list")
APPEND_KEY = st.from_regex(r"[a-z_]{1,8}", fullmatch=True).filter(lambda key: key not in OWN_KEYS)


@FAST
@given(tests=st.none() | st.lists(GLOB, min_size=1, max_size=4), platform=st.none() | WORD,
       list_only=st.booleans(), extra=st.dictionaries(APPEND_KEY, WORD, max_size=4),
       separators=st.lists(SEPARATOR, min_size=5, max_size=5))
def test_built_args_split_into_the_same_words(tests, platform, list_only, extra, separators):
    appended = [f"{key}={value}" for key, value in extra.items()]
    append = kargs.kernel_args(tests, platform, list_only, extra="".join(
        sep + word for sep, word in zip(separators, appended)))
    expected = ([f"tests={','.join(tests)}"] if tests else []) + ([f"platform={platform}"] if platform else []) \
        + (["list=1"] if list_only else []) + appended
    assert kernel_words(append) == expected
    if tests:
        assert kargs.split_globs(expected[0][len("tests="):]) == tests  # the same syntax as --tests


# --append words as a user (or a script) may write them: keys the harness sets too, repeats, no "=".
APPEND_WORD = st.one_of(st.tuples(st.sampled_from(OWN_KEYS + ("seed", "seed", "bench")), st.just("="), WORD).map("".join),
                        WORD, st.tuples(APPEND_KEY, st.just("="), WORD).map("".join))


@settings(FAST, max_examples=100)
@given(tests=st.none() | st.lists(ANY_VALUE, min_size=1, max_size=3), platform=st.none() | ANY_VALUE,
       list_only=st.booleans(), extra=st.lists(APPEND_WORD, max_size=3))
def test_no_value_becomes_a_second_key(tests, platform, list_only, extra):
    """Whatever the globs, the platform and --append hold, the kernel sees each key once and the harness's
    own keys first, one word each; or the builder refuses."""
    try:
        append = kargs.kernel_args(tests, platform, list_only, extra=" ".join(extra))
    except ValueError:
        return
    words = kernel_words(append)
    if words is None:
        return  # not printable ASCII: the kernel refuses the whole string (a usage error, never a new key)
    keys = [word.partition("=")[0] for word in words]
    own = (["tests"] if tests else []) + (["platform"] if platform else []) + (["list"] if list_only else [])
    assert keys[:len(own)] == own
    assert len(set(keys)) == len(keys), f"a key twice in {append!r}"


# == benchmark gate =================================================================================

FINITE = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False)
SIZE = st.floats(min_value=1e-3, max_value=1e9, allow_nan=False, allow_infinity=False)
TOLERANCE = st.just(0.0) | st.floats(min_value=0.01, max_value=500)
DIRECTIONS = st.sampled_from([Direction.HIGHER, Direction.LOWER])
RANK = {Change.IMPROVED: 0, Change.HELD: 1, Change.REGRESSED: 2}  # worse is higher


@FAST
@given(baseline=SIZE, sign=st.sampled_from([1, -1]), how=DIRECTIONS, tolerance=TOLERANCE,
       excess=st.floats(min_value=0.1, max_value=1000))
def test_worse_beyond_the_tolerance_is_a_regression(baseline, sign, how, tolerance, excess):
    baseline *= sign
    step = abs(baseline) * (tolerance + excess) / 100
    current = baseline - step if how is Direction.HIGHER else baseline + step  # slower / less throughput
    assert judge(baseline, current, how, tolerance) is Change.REGRESSED
    better = baseline + step if how is Direction.HIGHER else baseline - step
    assert judge(baseline, better, how, tolerance) is Change.IMPROVED
    assert judge(baseline, current, Direction.EXACT, tolerance) is Change.CHANGED


@FAST
@given(baseline=FINITE, how=st.sampled_from(list(Direction)), tolerance=TOLERANCE,
       fraction=st.floats(min_value=0, max_value=0.99), sign=st.sampled_from([1, -1]))
def test_within_the_tolerance_holds(baseline, how, tolerance, fraction, sign):
    current = baseline + sign * abs(baseline) * tolerance * fraction / 100
    assert judge(baseline, current, how, tolerance) is Change.HELD
    assert judge(baseline, baseline, how, tolerance) is Change.HELD


@FAST
@given(baseline=FINITE, a=FINITE, b=FINITE, how=DIRECTIONS, tolerance=TOLERANCE)
def test_judgement_is_monotone_in_the_value(baseline, a, b, how, tolerance):
    low, high = sorted((a, b))
    worse, better = (low, high) if how is Direction.HIGHER else (high, low)
    assert RANK[judge(baseline, worse, how, tolerance)] >= RANK[judge(baseline, better, how, tolerance)]


@FAST
@given(baseline=FINITE, current=FINITE, how=st.sampled_from(list(Direction)), t1=TOLERANCE, t2=TOLERANCE)
def test_a_wider_tolerance_never_makes_a_change(baseline, current, how, t1, t2):
    narrow, wide = sorted((t1, t2))
    if judge(baseline, current, how, narrow) is Change.HELD:
        assert judge(baseline, current, how, wide) is Change.HELD
    if judge(baseline, current, how, wide) is not Change.HELD:
        assert judge(baseline, current, how, narrow) is judge(baseline, current, how, wide)


@FAST
@given(baseline=FINITE, current=FINITE, tolerance=TOLERANCE)
def test_the_two_directions_mirror_each_other(baseline, current, tolerance):
    higher = judge(baseline, current, Direction.HIGHER, tolerance)
    lower = judge(baseline, current, Direction.LOWER, tolerance)
    mirror = {Change.REGRESSED: Change.IMPROVED, Change.IMPROVED: Change.REGRESSED, Change.HELD: Change.HELD}
    assert lower is mirror[higher]
    assert judge(baseline, current, Direction.EXACT, tolerance) is (Change.HELD if higher is Change.HELD
                                                                  else Change.CHANGED)


PLATFORMS = st.sampled_from(sorted(ktap.METRIC_PLATFORMS))
records = st.builds(
    Record,
    name=st.sampled_from(sorted(CONTRACT)) | st.from_regex(r"bench\.[a-z]{1,6}", fullmatch=True),
    value=st.just(0.0) | SIZE | SIZE.map(lambda v: -v),  # what a metric line's decimal can say unit=st.sampled_from(["MiB/s", "ns", "count", "ratio", "us"]), platform=PLATFORMS,
    context=st.dictionaries(st.sampled_from(["level", "size", "stat"]), st.sampled_from(["4k", "2m", "4096", "p99"]),
                            max_size=2))


def results(recs) -> Results:
    return Results(records=list(recs), host={})


@FAST
@given(recs=st.lists(records, min_size=1, max_size=12), tolerance=TOLERANCE)
def test_identical_results_never_regress(recs, tolerance):
    comparison = compare(results(recs), results(dataclasses.replace(r) for r in recs), Tolerances(tolerance))
    assert not comparison.failed
    assert {row.change for row in comparison.rows} == {Change.HELD}


@FAST
@given(recs=st.lists(records, min_size=1, max_size=12, unique_by=lambda r: r.key), data=st.data())
def test_a_figure_worse_than_its_tolerance_fails_the_gate_and_only_it_changes(recs, data):
    victim = data.draw(st.sampled_from(recs), label="worsened figure")
    assume(victim.value != 0)  # a zero baseline has no percentage: covered by judge's properties
    how = direction(victim.name, victim.unit)
    factor = 1 + data.draw(st.floats(min_value=0.2, max_value=10), label="excess over 10%")
    step = abs(victim.value) * 0.10 * factor
    worse = victim.value + (step if how is Direction.LOWER else -step)  # EXACT: any change beyond tolerance
    current = [dataclasses.replace(r, value=worse) if r is victim else r for r in recs]
    comparison = compare(results(recs), results(current), Tolerances(10.0))
    assert comparison.failed
    changed = [row for row in comparison.rows if row.change is not Change.HELD]
    assert [(row.name, row.platform, row.context) for row in changed] == \
           [(victim.name, victim.platform, victim.describe_context())]
    assert changed[0].change is (Change.CHANGED if how is Direction.EXACT else Change.REGRESSED)


@FAST
@given(recs=st.lists(records, min_size=2, max_size=12, unique_by=lambda r: r.key), data=st.data())
def test_a_missing_figure_fails_and_a_new_one_does_not(recs, data):
    gone = data.draw(st.sampled_from(recs), label="missing figure")
    remaining = [r for r in recs if r is not gone]
    assert compare(results(recs), results(remaining)).failed
    assert not compare(results(remaining), results(recs)).failed
