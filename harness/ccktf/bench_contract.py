"""The benchmark metric contract of docs/benchmarks.md, as data: one ``FigureSpec`` per figure name.

Everything else in the ``bench_*`` modules asks this module what a figure is: its unit, its context keys
(and the values they may take), which direction is better, and whether zero is a legal value. When
docs/benchmarks.md changes, this table changes with it, and nowhere else.

Directions (docs/benchmarks.md "meaning" column): throughput and bandwidth are better higher
(``HIGHER``); latency, ns per page and costs are better lower (``LOWER``); counts are compared as they
are (``EXACT``: any change beyond the tolerance is a regression, whichever way it goes).
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from typing import Optional

BENCH_PREFIX = "bench."
# docs/protocol.md "Metric lines": a figure from a model (sim-*) is a model figure, never a hardware figure.
HARDWARE_PLATFORMS = frozenset({"tdx", "snp"})
# docs/benchmarks.md bench.accept.zero_ratio: "TDX accepts zero the page".
TDX_LIKE_PLATFORMS = frozenset({"tdx", "sim-tdx"})
SNP_LIKE_PLATFORMS = frozenset({"snp", "sim-snp"})
DEFAULT_PLATFORMS = ("sim-tdx", "sim-snp")

STATS = ("min", "median", "p99", "max")
LEVELS = ("4k", "2m")
ZERO_METHODS = ("rep_stosb", "rep_stosq", "movnti", "best")  # "best" repeats the fastest: the reference
_DECIMAL = re.compile(r"[0-9]+")
_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
# bench.strategy.lazy.*: the lazy unit's size (not "unit=", which is every metric line's own field).
LAZY_UNIT_KEY = "lazy_unit"


class Direction(str, enum.Enum):
    HIGHER = "higher"  # higher is better: throughput, bandwidth
    LOWER = "lower"    # lower is better: latency, time per page, cost
    EXACT = "exact"    # counts: any change is a change


@dataclass(frozen=True)
class FigureSpec:
    """One row of the docs/benchmarks.md table.

    ``context`` maps each required context key to the values it may take (``None``: a decimal number of
    bytes). ``nonzero``: a zero value is implausible (a throughput of 0, a latency of 0 ns).
    """

    name: str
    unit: str
    direction: Direction
    context: dict[str, Optional[tuple[str, ...]]] = field(default_factory=dict)
    nonzero: bool = True
    platforms: Optional[frozenset[str]] = None  # printed only on these platforms (None: on every one)
    optional: dict[str, Optional[tuple[str, ...]]] = field(default_factory=dict)  # keys that may appear
    # printed only by a guest with two or more online CPUs (docs/benchmarks.md "Scaling"): a one-vCPU run
    # that printed none of them is complete without them
    multi_cpu: bool = False

    def applies_to(self, platform: str) -> bool:
        return self.platforms is None or platform in self.platforms

    def context_problems(self, context: dict[str, str]) -> list[str]:
        """What is wrong with a record's context keys, against this row of docs/benchmarks.md."""
        problems = []
        for key, allowed in {**self.context, **self.optional}.items():
            value = context.get(key)
            if value is None:
                if key in self.context:
                    problems.append(f"lacks context key {key}=")
            elif allowed == "number":
                if not _NUMBER.fullmatch(value):
                    problems.append(f"context {key}={value} is not a number")
            elif allowed is None and not _DECIMAL.fullmatch(value):
                problems.append(f"context {key}={value} is not a number of bytes")
            elif allowed is not None and value not in allowed:
                problems.append(f"context {key}={value} is not one of {'|'.join(allowed)}")
        unknown = sorted(set(context) - set(self.context) - set(self.optional))
        if unknown:
            problems.append(f"context key(s) {', '.join(unknown)} not in docs/benchmarks.md")
        return problems


_LEVEL_SIZE = {"level": LEVELS, "size": None}
# docs/benchmarks.md "Precision": every statistic says how many samples it rests on (samples=N), and a
# percentile read from the histogram rather than from every value says exact=0. Optional here only so
# that results of kernels before them still read; the kernel always prints samples=.
_STAT = {"stat": STATS}
_INEXACT = {"samples": None, "exact": ("0",)}
# Context keys that describe a figure without identifying it: a comparison matches figures without them.
DESCRIPTIVE_KEYS = frozenset({"samples", "exact", "reps", "min", "max", "fallbacks", "attempts"})
# docs/benchmarks.md "Repetitions": a repeated figure (reps=N min=X max=Y, value the median) whose spread
# (max - min) / median exceeds this is unstable: reported, but never called a regression or improvement.
UNSTABLE_SPREAD = 0.25
_REPEATED = {"reps": None, "min": "number", "max": "number"}
# docs/benchmarks.md "Cold and warm memory": memory the host had not backed yet, or had.
_MEMORY = {"memory": ("cold", "warm")}
MODEL_PLATFORMS = frozenset({"sim-tdx", "sim-snp"})
STRATEGIES = ("claim", "stride")  # kernel/mm/accept_parallel.h
_SCALING = {"level": LEVELS, "strategy": STRATEGIES, "cpus": None}
# A p99 needs this many samples; from fewer it is the maximum under another name (the kernel omits it).
P99_MIN_SAMPLES = 100

CONTRACT: dict[str, FigureSpec] = {spec.name: spec for spec in (
    FigureSpec("bench.zero.bandwidth", "MiB/s", Direction.HIGHER, {"method": ZERO_METHODS},
               optional={**_REPEATED, **_MEMORY}),
    FigureSpec("bench.zero.latency", "ns", Direction.LOWER,
               {"size": None, "stat": ("median",), "method": ZERO_METHODS}, optional=_INEXACT),
    # stat=median: the median of the repetitions' medians (reps= min= max=); min, p99, max over every call
    FigureSpec("bench.round_trip.latency", "ns", Direction.LOWER, dict(_STAT), optional={**_INEXACT, **_REPEATED}),
    FigureSpec("bench.accept.throughput", "MiB/s", Direction.HIGHER, dict(_LEVEL_SIZE),
               optional={**_REPEATED, **_MEMORY}),
    FigureSpec("bench.accept.ns_per_page", "ns", Direction.LOWER, dict(_LEVEL_SIZE)),
    FigureSpec("bench.accept.latency", "ns", Direction.LOWER, {**_LEVEL_SIZE, **_STAT},
               optional={**_INEXACT, **_MEMORY}),
    # accept throughput / zeroing bandwidth on memory of the same temperature; printed where a model
    # measured cold zeroing (no cold reference on hardware)
    FigureSpec("bench.accept.zero_ratio", "ratio", Direction.HIGHER, {**_LEVEL_SIZE, **_MEMORY},
               optional=_REPEATED, platforms=MODEL_PLATFORMS),
    # the host's first touch of 2 MiB on its own (models: platform_model_ops.host_back); 0 when pre-allocated
    FigureSpec("bench.host.first_touch", "ns", Direction.LOWER, {"size": None, "stat": ("min", "median", "max")},
               nonzero=False, optional=_INEXACT, platforms=MODEL_PLATFORMS),
    # the host's mapping level (4096 or 2097152) from the 2M accepts' SIZE_MISMATCH fallbacks
    FigureSpec("bench.host.map_level", "bytes", Direction.EXACT, {"fallbacks": None, "attempts": None}),
    # SEV-SNP sweeps: PSC batch size (entries per request) and the coherency reads on/off
    FigureSpec("bench.snp.psc.throughput", "MiB/s", Direction.HIGHER,
               {"batch": None, "entry": ("4k",), **_MEMORY}, optional=_REPEATED, platforms=SNP_LIKE_PLATFORMS),
    FigureSpec("bench.snp.psc.exits", "count", Direction.EXACT, {"batch": None, "entry": ("4k",), **_MEMORY},
               platforms=SNP_LIKE_PLATFORMS),
    FigureSpec("bench.snp.coherency.throughput", "MiB/s", Direction.HIGHER, {"evict": ("on", "off"), **_MEMORY},
               optional=_REPEATED, platforms=SNP_LIKE_PLATFORMS),
    FigureSpec("bench.snp.coherency.pages", "count", Direction.EXACT, {"evict": ("on", "off"), **_MEMORY},
               nonzero=False, platforms=SNP_LIKE_PLATFORMS),
    # median latency minus the time to zero: may legitimately be zero or negative
    FigureSpec("bench.accept.fixed_cost", "ns", Direction.LOWER, {"level": LEVELS}, nonzero=False,
               optional=_REPEATED),
    FigureSpec("bench.accept.calls", "count", Direction.EXACT, dict(_LEVEL_SIZE)),
    FigureSpec("bench.accept.fallbacks", "count", Direction.EXACT, dict(_LEVEL_SIZE), nonzero=False),
    FigureSpec("bench.accept.retries", "count", Direction.EXACT, dict(_LEVEL_SIZE), nonzero=False),
    # SEV-SNP only: the cache-coherency mitigation inside the timed requests (zero when COHERENCY_SFW_NO)
    FigureSpec("bench.accept.coherency_ns", "ns", Direction.LOWER, dict(_LEVEL_SIZE), nonzero=False,
               platforms=SNP_LIKE_PLATFORMS),
    FigureSpec("bench.accept.coherency_pages", "count", Direction.EXACT, dict(_LEVEL_SIZE), nonzero=False,
               platforms=SNP_LIKE_PLATFORMS),
    # Scaling with CPUs (docs/benchmarks.md "Scaling"): one eager job on cpus= CPUs, by strategy=
    FigureSpec("bench.scaling.throughput", "MiB/s", Direction.HIGHER, dict(_SCALING), optional=_REPEATED,
               multi_cpu=True),
    # paired: each repetition on cpus= CPUs over the same repetition on one (interleaved in time)
    FigureSpec("bench.scaling.speedup", "ratio", Direction.HIGHER, dict(_SCALING), optional=_REPEATED,
               multi_cpu=True),
    FigureSpec("bench.scaling.efficiency", "ratio", Direction.HIGHER, dict(_SCALING), optional=_REPEATED,
               multi_cpu=True),
    # a CPU's share of the job's bytes over the job's time: 0 is legal (stride: a CPU with no chunk)
    FigureSpec("bench.scaling.per_cpu", "MiB/s", Direction.HIGHER, {**_SCALING, "cpu": None}, nonzero=False,
               multi_cpu=True),
    # time outside the platform per claimed batch: cursor, lock, accepting list, bitmap; may round to 0
    FigureSpec("bench.scaling.outside_platform", "ns", Direction.LOWER, dict(_SCALING), nonzero=False, multi_cpu=True),
    # the last worker's start after the first's, after smp_util's start barrier, inside the job's time
    FigureSpec("bench.scaling.start_skew", "ns", Direction.LOWER, dict(_SCALING), nonzero=False, multi_cpu=True),
    # the host's own parallelism during the run: pure computation on 1 and cpus= CPUs
    FigureSpec("bench.scaling.control_speedup", "ratio", Direction.HIGHER, {"cpus": None}, optional=_REPEATED,
               multi_cpu=True),
    # a 4 KiB accept on the boot CPU while the other CPUs are idle (HLT) or busy (spinning)
    FigureSpec("bench.scaling.latency", "ns", Direction.LOWER,
               {"level": ("4k",), "size": None, "others": ("idle", "busy"), "cpus": None, "stat": ("median", "p99")},
               optional={**_INEXACT, **_REPEATED}, multi_cpu=True),
    FigureSpec("bench.strategy.eager.throughput", "MiB/s", Direction.HIGHER, optional=_REPEATED),
    FigureSpec("bench.strategy.lazy.first_touch", "ns", Direction.LOWER, {LAZY_UNIT_KEY: None, **_STAT},
               optional={**_INEXACT, **_REPEATED}),
    FigureSpec("bench.strategy.lazy.second_touch", "ns", Direction.LOWER,
               {LAZY_UNIT_KEY: None, "stat": ("median",)}, optional={**_INEXACT, **_REPEATED}),
    # once per boot: ExitBootServices cannot be repeated inside one boot (no reps=); cpus= since 2026-11-30
    FigureSpec("bench.strategy.firmware.exit_boot_services", "ns", Direction.LOWER,
               {"allow_unaccepted": ("0", "1")}, optional={"cpus": None}),
)}

# Units whose direction is known when a figure is not in the contract (e.g. a newer kernel's figure).
_UNIT_DIRECTIONS = {"MiB/s": Direction.HIGHER, "GiB/s": Direction.HIGHER, "ns": Direction.LOWER,
                    "us": Direction.LOWER, "ms": Direction.LOWER, "count": Direction.EXACT}


def is_bench_figure(name: str) -> bool:
    """A figure of the bench suite (docs/benchmarks.md), as opposed to a boot metric like tsc.frequency."""
    return name.startswith(BENCH_PREFIX)


def direction(name: str, unit: str) -> Direction:
    """Which way is better for ``name``: from the contract, else guessed from the unit, else EXACT."""
    spec = CONTRACT.get(name)
    if spec is not None:
        return spec.direction
    return _UNIT_DIRECTIONS.get(unit, Direction.EXACT)

