"""Benchmark records: the ``# metric: name=bench.*`` lines of a run, as JSON (``results.json``).

Schema ``ccktf-bench-results/1`` (one document per ``python3 -m ccktf bench`` invocation)::

    {
      "schema": "ccktf-bench-results/1",
      "status": "complete" | "failed",        # failed: a boot did not pass, or the figures are implausible
      "problems": ["sim-snp: boot ERROR: ..."],  # why it failed (empty when complete)
      "created": "2025-01-01T12:00:00Z",       # UTC, when the document was written
      "host": {"cpu": "AMD EPYC ...",          # /proc/cpuinfo "model name" (null when unknown)
               "cpu_family": "25", "cpu_model": "17", "cpu_stepping": "1", "microcode": "0xa101148",
               "kernel": "6.12.0", "qemu": "QEMU emulator version 9.2.0 ...",  # ccktf.identity: what
               "harness_version": "0.1.0"},   #   traces the figures to the machine (missing when unreadable)
      "runs": [                                # one boot per platform, in the order they ran
        {"platform": "sim-tdx",                # as requested (platform=) and as the kernel reported it
         "is_model": true,                     # sim-*: figures from a hardware model under TCG, not hardware
         "qemu_profile": "tcg", "memory": "6G", "smp": 1,
         "ccktf_version": "0.1.0",             # the kernel's "# ccktf: version=" line (null if absent)
         "platform_identity": {"platform": "sim-tdx", "source": "model", "module": "1.5", ...},
                                               # the kernel's "# platform-identity:" words ({} if absent)
         "kernel_args": "tests=bench platform=sim-tdx bench=full",
         "bench_mode": "full" | "short" | null,
         "started": "2025-01-01T11:50:00Z", "seconds": 412.5,
         "verdict": "passed" | "failed" | "error", "reasons": [],
         "run_dir": "build/runs/...",
         "boot_metrics": [Record, ...]}        # non-bench metrics of that boot (tsc.frequency, accept.*)
      ],
      "records": [                             # one per bench figure (docs/benchmarks.md table)
        {"name": "bench.accept.throughput", "value": 812.5, "unit": "MiB/s",
         "platform": "sim-tdx", "is_model": true,
         "context": {"level": "2m", "size": "2097152"},   # every key=value after platform=, as printed
         "test": "bench.accept_by_request_size_2m",  # suite.test the line appeared in (null at top level)
         "spread": 0.12, "unstable": false}    # repeated figures only (context reps=, min=, max=):
                                               #   (max - min) / median, and whether it exceeds 0.25
      ]
    }

A record's identity is (name, platform, context): ``Record.key``. Context values stay strings, exactly as
the kernel printed them, so that keys match byte for byte across runs. Every record names its platform and
says whether it is a model figure; the run metadata for that platform is the ``runs`` entry with the same
``platform``.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable, Optional

from . import __version__
from .bench_contract import DESCRIPTIVE_KEYS, UNSTABLE_SPREAD, is_bench_figure
from .platforms import is_model
from .errors import CcktfError
from .ktap import KtapResult, Metric

SCHEMA = "ccktf-bench-results/1"
STATUS_COMPLETE = "complete"
STATUS_FAILED = "failed"
RECORD_FIELDS = ("name", "value", "unit", "platform", "is_model", "context")


class BenchError(CcktfError):
    """A results file that cannot be read or does not follow the schema, or a benchmark that cannot run."""


@dataclass(frozen=True)
class Record:
    """One figure: a ``# metric:`` line (docs/protocol.md "Metric lines") of a bench run."""

    name: str
    value: float
    unit: str
    platform: str
    context: dict[str, str] = field(default_factory=dict)
    test: Optional[str] = None

    @property
    def is_model(self) -> bool:
        return is_model(self.platform)

    @property
    def key(self) -> tuple[str, str, tuple[tuple[str, str], ...]]:
        """(name, platform, sorted context): what the comparison matches figures by. Descriptive keys
        (``samples=``, ``exact=``: how a statistic was computed) are left out, so that a figure still
        matches its baseline when the number of samples behind it changed."""
        return self.name, self.platform, tuple(sorted((k, v) for k, v in self.context.items()
                                                      if k not in DESCRIPTIVE_KEYS))

    @property
    def repetitions(self) -> Optional[tuple[float, float]]:
        """(min, max) of a repeated figure's repetitions (context min=, max=), else None."""
        try:
            return float(self.context["min"]), float(self.context["max"])
        except (KeyError, ValueError):
            return None

    @property
    def spread(self) -> Optional[float]:
        """(max - min) / median of a repeated figure (context reps=, min=, max=; value the median), else None."""
        if self.repetitions is None:
            return None
        low, high = self.repetitions
        if high == low:  # every repetition alike (a fixed cost of 0 ns in each, say): perfectly stable
            return 0.0
        return (high - low) / abs(self.value) if self.value else float("inf")

    @property
    def unstable(self) -> bool:
        """docs/benchmarks.md "Repetitions": its repetitions spread by more than UNSTABLE_SPREAD."""
        spread = self.spread
        return spread is not None and spread > UNSTABLE_SPREAD

    def describe_context(self) -> str:
        return " ".join(f"{k}={v}" for k, v in sorted(self.context.items()))

    def to_json(self) -> dict[str, Any]:
        data = {"name": self.name, "value": self.value, "unit": self.unit, "platform": self.platform,
                "is_model": self.is_model, "context": dict(self.context), "test": self.test}
        if self.spread is not None:  # a repeated figure: how far its repetitions spread, and the verdict
            data["spread"] = round(self.spread, 4)
            data["unstable"] = self.unstable
        return data

    @classmethod
    def from_metric(cls, metric: Metric) -> "Record":
        test = ".".join(filter(None, (metric.suite, metric.test))) or None
        return cls(metric.name, metric.value, metric.unit, metric.platform, dict(metric.extra), test)

    @classmethod
    def from_json(cls, data: Any, where: str = "record") -> "Record":
        """Read one record, checking the schema (raises BenchError naming the field)."""
        if not isinstance(data, dict):
            raise BenchError(f"{where}: not an object")
        missing = [name for name in RECORD_FIELDS if name not in data]
        if missing:
            raise BenchError(f"{where}: lacks {', '.join(missing)}")
        if not isinstance(data["value"], (int, float)) or isinstance(data["value"], bool):
            raise BenchError(f"{where}: value {data['value']!r} is not a number")
        for name in ("name", "unit", "platform"):
            if not isinstance(data[name], str) or not data[name]:
                raise BenchError(f"{where}: {name} must be a non-empty string")
        context = data["context"]
        if not isinstance(context, dict) or not all(isinstance(v, str) for v in context.values()):
            raise BenchError(f"{where}: context must map keys to strings")
        record = cls(data["name"], float(data["value"]), data["unit"], data["platform"], dict(context),
                     data.get("test"))
        if data["is_model"] is not record.is_model:
            raise BenchError(f"{where}: is_model={data['is_model']} contradicts platform {record.platform}")
        return record


def split_metrics(metrics: Iterable[Metric]) -> tuple[list[Record], list[Record]]:
    """(bench figures, other boot metrics) of a parsed stream; docs/benchmarks.md names are ``bench.*``."""
    bench, other = [], []
    for metric in metrics:
        record = Record.from_metric(metric)
        (bench if is_bench_figure(record.name) else other).append(record)
    return bench, other


def records_from_ktap(result: KtapResult) -> list[Record]:
    """The bench figures of one parsed run, in the order the kernel printed them."""
    return split_metrics(result.metrics)[0]


def utc_now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def host_cpu(cpuinfo: Path = Path("/proc/cpuinfo")) -> Optional[str]:
    """The host CPU's ``model name`` from /proc/cpuinfo (None when it cannot be read)."""
    from .identity import cpuinfo as read_cpuinfo

    return read_cpuinfo(cpuinfo).get("cpu")


def bench_mode(kernel_args: str) -> Optional[str]:
    """The ``bench=`` word of a kernel argument string (docs/benchmarks.md: off, short, full)."""
    for word in kernel_args.split():
        key, _, value = word.partition("=")
        if key == "bench":
            return value
    return None


def host_info() -> dict[str, Any]:
    """The ``host`` header: what identifies the machine (ccktf.identity: CPU, microcode, kernel, QEMU)."""
    from .identity import host_identity  # identity -> hostcheck -> firmware; kept out of import time

    return host_identity()


@dataclass
class RunInfo:
    """The ``runs`` entry of one boot (see the schema above)."""

    platform: str
    qemu_profile: str
    memory: str
    smp: int
    kernel_args: str
    ccktf_version: Optional[str] = None
    reported_platform: Optional[str] = None
    platform_identity: dict[str, str] = field(default_factory=dict)  # the kernel's platform-identity line
    started: Optional[str] = None
    seconds: Optional[float] = None
    verdict: Optional[str] = None
    reasons: list[str] = field(default_factory=list)
    run_dir: Optional[str] = None
    boot_metrics: list[Record] = field(default_factory=list)
    mem_prealloc: bool = False  # --mem-prealloc: QEMU backed all guest RAM first (docs/benchmarks.md)

    @property
    def is_model(self) -> bool:
        return is_model(self.platform)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["is_model"] = self.is_model
        data["bench_mode"] = bench_mode(self.kernel_args)
        data["boot_metrics"] = [record.to_json() for record in self.boot_metrics]
        return data


@dataclass
class Results:
    """A whole results document: runs, records, and whether it is complete."""

    runs: list[RunInfo] = field(default_factory=list)
    records: list[Record] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    created: Optional[str] = None
    host: dict[str, Any] = field(default_factory=host_info)
    status: Optional[str] = None  # derived from problems when None

    @property
    def complete(self) -> bool:
        return (self.status or (STATUS_FAILED if self.problems else STATUS_COMPLETE)) == STATUS_COMPLETE

    def run_for(self, platform: str) -> Optional[dict[str, Any] | RunInfo]:
        return next((run for run in self.runs if _platform_of(run) == platform), None)

    def platforms(self) -> list[str]:
        """Platforms in order of first appearance (runs first, then records)."""
        seen = [_platform_of(run) for run in self.runs] + [record.platform for record in self.records]
        return list(dict.fromkeys(seen))

    def to_json(self) -> dict[str, Any]:
        return {"schema": SCHEMA, "status": STATUS_COMPLETE if self.complete else STATUS_FAILED,
                "problems": list(self.problems), "created": self.created or utc_now(),
                "host": dict(self.host),
                "runs": [run.to_json() if isinstance(run, RunInfo) else run for run in self.runs],
                "records": [record.to_json() for record in self.records]}


def _platform_of(run: Any) -> str:
    return run.platform if isinstance(run, RunInfo) else run.get("platform")


def write_results(results: Results, path: Path) -> dict[str, Any]:
    """Write ``results.json`` (pretty, stable key order); returns the document written."""
    document = results.to_json()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n")
    return document


def results_from_json(document: Any, where: str = "results") -> Results:
    """Check a parsed document against the schema; runs stay plain dicts (they are only displayed)."""
    if not isinstance(document, dict):
        raise BenchError(f"{where}: not a JSON object")
    if document.get("schema") != SCHEMA:
        raise BenchError(f"{where}: schema {document.get('schema')!r} is not {SCHEMA!r}")
    if document.get("status") not in (STATUS_COMPLETE, STATUS_FAILED):
        raise BenchError(f"{where}: status {document.get('status')!r} is not complete or failed")
    records = document.get("records")
    runs = document.get("runs", [])
    if not isinstance(records, list) or not isinstance(runs, list):
        raise BenchError(f"{where}: records and runs must be lists")
    if not all(isinstance(run, dict) and isinstance(run.get("platform"), str) for run in runs):
        raise BenchError(f"{where}: every run must be an object with a platform")
    return Results(runs=runs, records=[Record.from_json(r, f"{where}: record {i}") for i, r in enumerate(records)],
                   problems=list(document.get("problems", [])), created=document.get("created"),
                   host=dict(document.get("host") or {}), status=document["status"])


def load_results(path: Path) -> Results:
    """Read and check a ``results.json`` (raises BenchError with the path on any problem)."""
    try:
        document = json.loads(Path(path).read_text())
    except OSError as error:
        raise BenchError(f"cannot read {path}: {error.strerror}") from error
    except json.JSONDecodeError as error:
        raise BenchError(f"{path}: not JSON: {error}") from error
    return results_from_json(document, str(path))
