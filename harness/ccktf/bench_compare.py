"""Compare two benchmark results (``results.json``, schema in ``ccktf.bench_records``).

Figures match by (name, platform, context) (``Record.key``). The platform is part of the key, so a
model figure (``sim-tdx``) is never compared with a hardware figure (``tdx``): two results without a
platform in common are refused outright (``BenchError``).

Direction (``ccktf.bench_contract``, from docs/benchmarks.md): for ``HIGHER`` figures (throughput,
bandwidth) a drop of more than the tolerance is a regression; for ``LOWER`` figures (latency, ns per page,
cost) a rise is; ``EXACT`` figures (counts) that change by more than their tolerance are "changed", which
fails like a regression. Counts are exact (tolerance 0) unless a per-figure tolerance names them.

Tolerances are percentages of the baseline value: ``--default-tolerance PCT`` (default 10) for every
figure, ``--tolerance PATTERN=PCT`` for figures whose name matches the glob ``PATTERN`` (exact names win
over globs, later globs over earlier ones), or a JSON file ``{"PATTERN": PCT, ..., "default": PCT}``.

Outcome: ``failed`` when any figure regressed, changed or went missing from the current results.
A repeated figure (``reps= min= max=``) whose spread exceeds ``bench_contract.UNSTABLE_SPREAD`` in either
result is ``unstable``: listed, never a regression or an improvement, and not a failure.
"""

from __future__ import annotations

import enum
import fnmatch
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Optional

from .bench_contract import Direction, direction
from .platforms import is_model
from .bench_records import BenchError, Record, Results
from .report import table

DEFAULT_TOLERANCE = 10.0  # percent


class Change(str, enum.Enum):
    REGRESSED = "regressed"
    CHANGED = "changed"      # an EXACT figure (count) or the unit changed
    MISSING = "missing"      # in the baseline, not in the current results
    IMPROVED = "improved"
    NEW = "new"              # in the current results only (not a failure)
    UNSTABLE = "unstable"    # either side's repetitions spread too far to tell (not a failure)
    HELD = "held"


FAILING = frozenset({Change.REGRESSED, Change.CHANGED, Change.MISSING})
_ORDER = list(Change)


@dataclass
class Tolerances:
    """Per-figure tolerances in percent (see the module docstring for the matching rules)."""

    default: float = DEFAULT_TOLERANCE
    patterns: dict[str, float] = field(default_factory=dict)

    def percent(self, name: str, how: Direction) -> float:
        """The tolerance of figure ``name``: exact name, else the last matching glob, else the default."""
        if name in self.patterns:
            return self.patterns[name]
        matching = [pct for pattern, pct in self.patterns.items() if fnmatch.fnmatchcase(name, pattern)]
        if matching:
            return matching[-1]
        return 0.0 if how is Direction.EXACT else self.default


def parse_percent(text: str, what: str) -> float:
    """``"15"`` or ``"15%"`` -> 15.0; negative or non-numeric is a ValueError naming ``what``."""
    try:
        value = float(str(text).rstrip("%"))
    except ValueError:
        raise ValueError(f"{what}: {text!r} is not a percentage") from None
    if value < 0:
        raise ValueError(f"{what}: tolerance {text!r} is negative")
    return value


def parse_tolerance(text: str) -> tuple[str, float]:
    """``"bench.accept.*=15"`` -> ``("bench.accept.*", 15.0)``."""
    pattern, sep, pct = text.rpartition("=")
    if not sep or not pattern:
        raise ValueError(f"--tolerance {text!r}: expected NAME=PCT, e.g. bench.accept.latency=20")
    return pattern, parse_percent(pct, f"--tolerance {text!r}")


def load_tolerance_file(path: Path, tolerances: Tolerances) -> Tolerances:
    """Merge a JSON tolerance file (``{"PATTERN": PCT, "default": PCT}``) into ``tolerances``."""
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise BenchError(f"tolerance file {path}: {error}") from error
    if not isinstance(data, dict):
        raise BenchError(f"tolerance file {path}: expected an object of NAME: PCT")
    patterns = dict(tolerances.patterns)
    default = tolerances.default
    for name, pct in data.items():
        value = parse_percent(pct, f"tolerance file {path}, {name}")
        if name == "default":
            default = value
        else:
            patterns[name] = value
    return Tolerances(default, patterns)


@dataclass
class Row:
    """One figure's comparison."""

    name: str
    platform: str
    context: str
    unit: str
    baseline: Optional[float]
    current: Optional[float]
    direction: Direction
    tolerance: float  # percent
    change: Change
    note: str = ""

    @property
    def delta_percent(self) -> Optional[float]:
        if self.baseline is None or self.current is None or self.baseline == 0:
            return None
        return (self.current - self.baseline) / abs(self.baseline) * 100.0


@dataclass
class Comparison:
    rows: list[Row]
    notes: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return any(row.change in FAILING for row in self.rows) or any(n.startswith("FAIL") for n in self.notes)

    def count(self, change: Change) -> int:
        return sum(row.change is change for row in self.rows)


def judge(baseline: float, current: float, how: Direction, tolerance_percent: float) -> Change:
    """Regressed / improved / changed / held, for one pair of values (docs/benchmarks.md directions)."""
    scale = abs(baseline)
    allowed = scale * tolerance_percent / 100.0
    delta = current - baseline
    if how is Direction.EXACT:
        return Change.CHANGED if abs(delta) > allowed else Change.HELD
    if abs(delta) <= allowed:  # a zero baseline allows no change at all
        return Change.HELD
    better = delta > 0 if how is Direction.HIGHER else delta < 0
    return Change.IMPROVED if better else Change.REGRESSED


def beyond_noise(b: Record, c: Record, how: Direction, tolerance_percent: float) -> Optional[Change]:
    """REGRESSED or IMPROVED when every repetition of one side is worse than every repetition of the other,
    beyond the tolerance: then no spread can explain the change. None otherwise."""
    (b_low, b_high), (c_low, c_high) = (r.repetitions or (r.value, r.value) for r in (b, c))
    k = tolerance_percent / 100.0
    if how is Direction.HIGHER:
        if c_high < b_low * (1 - k):
            return Change.REGRESSED
        if c_low > b_high * (1 + k):
            return Change.IMPROVED
    elif how is Direction.LOWER:
        if c_low > b_high * (1 + k):
            return Change.REGRESSED
        if c_high < b_low * (1 - k):
            return Change.IMPROVED
    return None


def compare_records(baseline: Iterable[Record], current: Iterable[Record], tolerances: Tolerances) -> list[Row]:
    """One Row per figure in either set, matched by (name, platform, context)."""
    base = {record.key: record for record in baseline}
    cur = {record.key: record for record in current}
    rows = []
    for key in list(base) + [key for key in cur if key not in base]:
        b, c = base.get(key), cur.get(key)
        ref = b or c
        how = direction(ref.name, ref.unit)
        pct = tolerances.percent(ref.name, how)
        row = Row(ref.name, ref.platform, ref.describe_context(), ref.unit, b and b.value, c and c.value, how, pct,
                  Change.HELD)
        if c is None:
            row.change = Change.MISSING
        elif b is None:
            row.change = Change.NEW
        elif b.unit != c.unit:
            row.change, row.note = Change.CHANGED, f"unit {b.unit} -> {c.unit}"
        else:
            row.change = judge(b.value, c.value, how, pct)
            unstable = [f"{side} spread {r.spread:.0%}" for side, r in (("baseline", b), ("current", c))
                        if r.unstable]
            if unstable and row.change in (Change.REGRESSED, Change.IMPROVED, Change.HELD):
                # docs/benchmarks.md "Repetitions": an unstable figure is neither a regression nor an
                # improvement on its median alone; only when the two sides' repetitions do not even overlap
                # (beyond the tolerance) is the change real whatever the spread
                clear = beyond_noise(b, c, how, pct)
                if clear:
                    row.change, row.note = clear, ", ".join(unstable) + "; every repetition beyond the other side's"
                else:
                    row.change, row.note = Change.UNSTABLE, ", ".join(unstable)
        rows.append(row)
    rows.sort(key=lambda row: _ORDER.index(row.change))
    return rows


def compare(baseline: Results, current: Results, tolerances: Optional[Tolerances] = None) -> Comparison:
    """Compare two results documents; refuses (BenchError) when they have no platform in common."""
    tolerances = tolerances or Tolerances()
    base_platforms = {record.platform for record in baseline.records}
    cur_platforms = {record.platform for record in current.records}
    if base_platforms and cur_platforms and not base_platforms & cur_platforms:
        kinds = {p: "model" if is_model(p) else "hardware" for p in base_platforms | cur_platforms}
        raise BenchError(
            f"no platform in common: baseline has {', '.join(f'{p} ({kinds[p]})' for p in sorted(base_platforms))}, "
            f"current has {', '.join(f'{p} ({kinds[p]})' for p in sorted(cur_platforms))}; figures of different "
            f"platforms are never compared (a model figure is not a hardware figure)")
    notes = []
    if not current.complete:
        notes.append("FAIL: the current results are flagged failed: " + "; ".join(current.problems or ["(no reason)"]))
    if not baseline.complete:
        notes.append("warning: the baseline results are flagged failed: " + "; ".join(baseline.problems or ["?"]))
    return Comparison(compare_records(baseline.records, current.records, tolerances), notes)


def _number(value: Optional[float]) -> str:
    return "-" if value is None else f"{value:.6g}"


def format_comparison(comparison: Comparison, show_all: bool = False) -> str:
    """The table printed by ``bench-compare``: every change (and held figures with ``show_all``), a tally."""
    shown = [row for row in comparison.rows if show_all or row.change is not Change.HELD]
    lines = []
    if shown:
        rows = [[row.change.value.upper(), row.name, row.platform, row.context, _number(row.baseline),
                 _number(row.current), row.unit,
                 "-" if row.delta_percent is None else f"{row.delta_percent:+.1f}%",
                 f"{row.direction.value} +/-{row.tolerance:g}%", row.note] for row in shown]
        lines += table(rows, ["change", "figure", "platform", "context", "baseline", "current", "unit", "delta",
                              "better/tolerance", "note"])
    tally = ", ".join(f"{comparison.count(change)} {change.value}" for change in Change)
    lines += [*comparison.notes, f"{len(comparison.rows)} figures: {tally}",
              "result: " + ("FAILED (regressed, changed or missing figures)" if comparison.failed else "all held")]
    return "\n".join(lines)
