"""Plausibility of benchmark figures against docs/benchmarks.md: ``check_plausible(records) -> problems``.

Checks (each problem is one human-readable string naming the figure):

- every record names a platform (docs/protocol.md "Metric lines": ``platform=`` on every line);
- every ``bench.*`` name is in docs/benchmarks.md, with the unit and context keys it gives;
- a figure that must not be zero (throughput, bandwidth, latency, ratio, calls) is positive;
- a repeated figure (``reps= min= max=``) lies within its repetitions' min and max (it is their median);
- no figure appears twice (same name, platform and context), since the comparison could not match it;
- every name of the contract appears at least once per platform (``require_all=True``, the default);
- on TDX-like platforms (``tdx``, ``sim-tdx``) acceptance zeroes the page, so acceptance throughput may not
  exceed the warm ``method=best`` zeroing bandwidth by more than ``margin`` (default 10 %), and
  a warm ``bench.accept.zero_ratio`` may not exceed 1 + ``margin`` (docs/benchmarks.md ``zero_ratio``), each
  judged by its lowest repetition when repeated (one repetition slowed by a busy host is noise, not evidence);
  a ``memory=cold`` ratio is not bounded (its reference is one unrepeated pass over memory whose first touch
  costs the host a different amount at each moment);
- on every platform, ``bench.accept.zero_ratio`` is what docs/benchmarks.md defines: the acceptance throughput
  of the same level and size divided by the fastest zeroing bandwidth, ``method=best`` (within the 3-decimal rounding
  of the metric line and ``RATIO_SLACK``).
"""

from __future__ import annotations

from collections import Counter
from typing import Iterable, Sequence

from .bench_contract import CONTRACT, P99_MIN_SAMPLES, TDX_LIKE_PLATFORMS, is_bench_figure
from .bench_records import Record

DEFAULT_MARGIN = 0.10
RATIO_SLACK = 0.02      # relative, on top of the 0.001 (+ rounding) that three printed decimals lose
RATIO_ROUNDING = 0.0015
ZERO_REFERENCE = ("bench.zero.bandwidth", "method", "best")  # docs/benchmarks.md: the guest's fastest zeroing


def _label(record: Record) -> str:
    context = record.describe_context()
    return f"{record.platform or '(no platform)'} {record.name}" + (f" [{context}]" if context else "")


def _repetition_range(record: Record) -> tuple[float | None, float | None]:
    """(min, max) of a repeated figure's repetitions, or (None, None) (not repeated, or not numbers:
    the contract check reports those)."""
    try:
        return float(record.context["min"]), float(record.context["max"])
    except (KeyError, ValueError):
        return None, None


def record_problems(record: Record) -> list[str]:
    """What is wrong with one record on its own (platform, name, unit, context, zero)."""
    if not record.platform:
        return [f"{_label(record)}: no platform"]
    if not record.unit:
        return [f"{_label(record)}: no unit"]
    if not is_bench_figure(record.name):
        return []
    spec = CONTRACT.get(record.name)
    if spec is None:
        return [f"{_label(record)}: figure not in docs/benchmarks.md"]
    problems = []
    if record.unit != spec.unit:
        problems.append(f"{_label(record)}: unit {record.unit}, docs/benchmarks.md says {spec.unit}")
    problems += [f"{_label(record)}: {problem}" for problem in spec.context_problems(record.context)]
    if spec.nonzero and record.value <= 0:
        problems.append(f"{_label(record)}: value {record.value:g} must be positive")
    if not spec.nonzero and spec.unit == "count" and record.value < 0:
        problems.append(f"{_label(record)}: a count cannot be negative ({record.value:g})")
    low, high = _repetition_range(record)
    if low is not None and not low <= record.value <= high:
        problems.append(f"{_label(record)}: median {record.value:g} of its repetitions is outside their "
                        f"min {low} .. max {high} (docs/benchmarks.md \"Repetitions\")")
    samples = record.context.get("samples")
    if record.context.get("stat") == "p99" and samples is not None and samples.isdigit() \
            and int(samples) < P99_MIN_SAMPLES:
        problems.append(f"{_label(record)}: a p99 from {samples} samples is the maximum under another name "
                        f"(docs/benchmarks.md: at least {P99_MIN_SAMPLES})")
    return problems


def duplicate_problems(records: Sequence[Record]) -> list[str]:
    counts = Counter(record.key for record in records)
    return [f"{_label(record)}: printed {counts[record.key]} times" for record in
            {record.key: record for record in records if counts[record.key] > 1}.values()]


def completeness_problems(records: Sequence[Record]) -> list[str]:
    """Every docs/benchmarks.md figure at least once per platform that printed any bench figure."""
    problems = []
    for platform in dict.fromkeys(record.platform for record in records if record.platform):
        names = {record.name for record in records if record.platform == platform}
        multi_cpu = any(CONTRACT[name].multi_cpu for name in names if name in CONTRACT)
        problems += [f"{platform} {name}: missing (docs/benchmarks.md lists it)"
                     for name, spec in CONTRACT.items() if spec.applies_to(platform) and name not in names
                     and (multi_cpu or not spec.multi_cpu)]
    return problems


def _lowest(record: Record) -> float:
    """A repeated figure's lowest repetition, else its value."""
    low, _ = _repetition_range(record)
    return low if low is not None else record.value


def zeroing_problems(records: Sequence[Record], margin: float = DEFAULT_MARGIN) -> list[str]:
    """TDX-like platforms: acceptance (which zeroes the page) cannot beat the fastest zeroing by > margin."""
    problems = []
    for platform in sorted(TDX_LIKE_PLATFORMS):
        mine = [record for record in records if record.platform == platform]
        name, key, method = ZERO_REFERENCE
        zeroing = [r.value for r in mine if r.name == name and r.context.get(key) == method]
        if not mine or not zeroing:
            if any(r.name == "bench.accept.throughput" for r in mine):
                problems.append(f"{platform} {name} [{key}={method}]: missing, cannot bound acceptance throughput")
            continue
        limit = zeroing[0] * (1 + margin)
        for record in mine:
            # A repeated figure is judged by its lowest repetition: a model that does not zero is above the
            # bound in every repetition, while one repetition slowed by a busy host is noise, not evidence.
            low = _lowest(record)
            if record.name == "bench.accept.throughput" and low > limit:
                problems.append(f"{_label(record)}: {record.value:g} MiB/s exceeds the {method} zeroing bandwidth "
                                f"{zeroing[0]:g} MiB/s by more than {margin:.0%} (accepting zeroes the page)")
            # Only a warm ratio: its reference (method=best) is repeated like the acceptance it divides. The
            # cold reference is one pass at the suite's start, and the host's first touch it includes varies
            # from moment to moment (docs/benchmarks.md "Cold and warm memory"); the throughput bound above
            # still holds cold acceptance to the warm zeroing it cannot beat.
            if record.name == "bench.accept.zero_ratio" and record.context.get("memory", "warm") != "cold" \
                    and low > 1 + margin:
                problems.append(f"{_label(record)}: ratio {record.value:g} (lowest repetition {low:g}) > "
                                f"{1 + margin:g} (accepting zeroes the page)")
    return problems


def _zero_reference(records: Sequence[Record], platform: str, memory: str = "warm") -> float | None:
    """The zeroing a ratio is defined against: method=best (warm memory), or the memory=cold line."""
    name, key, method = ZERO_REFERENCE
    if memory == "cold":
        return next((r.value for r in records if r.platform == platform and r.name == name
                     and r.context.get("memory") == "cold"), None)
    return next((r.value for r in records if r.platform == platform and r.name == name
                 and r.context.get(key) == method and "memory" not in r.context), None)


def ratio_problems(records: Sequence[Record]) -> list[str]:
    """``zero_ratio`` must equal throughput / zeroing bandwidth on memory of the same temperature
    (docs/benchmarks.md "Cold and warm memory"), within rounding. A throughput without memory= met cold
    memory (accept_by_request_size)."""
    throughput = {(r.platform, r.context.get("level"), r.context.get("size"), r.context.get("memory", "cold")): r.value
                  for r in records if r.name == "bench.accept.throughput"}
    problems = []
    for record in records:
        if record.name != "bench.accept.zero_ratio":
            continue
        memory = record.context.get("memory", "warm")
        reference = _zero_reference(records, record.platform, memory)
        accepted = throughput.get((record.platform, record.context.get("level"), record.context.get("size"), memory))
        if not reference or accepted is None:
            continue
        expected = accepted / reference
        if abs(record.value - expected) > RATIO_ROUNDING + RATIO_SLACK * expected:
            problems.append(f"{_label(record)}: ratio {record.value:g}, but throughput {accepted:g} / {memory} zeroing "
                            f"{reference:g} MiB/s = {expected:.3f} (docs/benchmarks.md: against zeroing on memory "
                            f"as {memory})")
    return problems


def check_plausible(records: Iterable[Record], margin: float = DEFAULT_MARGIN,
                    require_all: bool = True) -> list[str]:
    """Every problem with a run's figures (empty: plausible). See the module docstring for the checks."""
    records = list(records)
    problems = [problem for record in records for problem in record_problems(record)]
    problems += duplicate_problems(records)
    bench = [record for record in records if is_bench_figure(record.name)]
    if not bench:
        problems.append("no bench.* figures at all (was the kernel run with tests=bench bench=short|full?)")
    elif require_all:
        problems += completeness_problems(bench)
    problems += zeroing_problems(bench, margin)
    problems += ratio_problems(bench)
    return problems
