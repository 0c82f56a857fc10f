"""``summary.md``: a Markdown summary of benchmark results, fit for a CI job summary ($GITHUB_STEP_SUMMARY).

Per platform (docs/benchmarks.md figures): acceptance by level and request size (throughput, ns per page,
zero ratio, median latency, calls, fallbacks, retries), zeroing bandwidth per method, fixed cost per call,
the platform round trip, the strategies (eager, lazy first/second touch, ExitBootServices), and, from a
run with two or more vCPUs, scaling with vCPUs against the control (docs/benchmarks.md "Scaling").
The header states that sim-* figures come from hardware models under TCG and are not hardware numbers.
A figure that is missing shows as ``-``; nothing here raises on an incomplete run.
"""

from __future__ import annotations

from typing import Iterable, Optional, Sequence

from .bench_contract import LAZY_UNIT_KEY, LEVELS, STATS
from .platforms import is_model, platform_label
from .bench_records import Record, Results

MODEL_DISCLAIMER = ("**sim-\\* figures come from hardware models running under TCG (QEMU's software emulator): "
                    "they are MODEL figures, not hardware numbers.**")
MISSING = "-"


def human_size(size: str) -> str:
    """``"2097152"`` -> ``"2 MiB"``; anything not a whole number of bytes is returned as is."""
    try:
        value = int(size)
    except ValueError:
        return size
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if value >= scale and value % scale == 0:
            return f"{value // scale} {unit}"
    return f"{value} B"


def number(value: Optional[float]) -> str:
    """Whole numbers from 1000 up, four significant figures below; never an exponent."""
    if value is None:
        return MISSING
    if abs(value) >= 1000 or value == int(value):
        return f"{value:.0f}"
    return f"{value:.4g}" if abs(value) >= 1e-4 else f"{value:.6f}"


def md_table(header: Sequence[str], rows: Iterable[Sequence[str]], align: str = "") -> list[str]:
    """A GitHub-flavoured Markdown table; ``align`` is one letter per column (l or r, default r after the first)."""
    align = align or "l" + "r" * (len(header) - 1)
    rule = ["---:" if a == "r" else ":---" for a in align]
    return [f"| {' | '.join(row)} |" for row in (list(header), rule, *[list(r) for r in rows])]


class Figures:
    """Lookup of one platform's records by name and context."""

    def __init__(self, records: Iterable[Record]):
        self.records = list(records)

    def get(self, name: str, **context: str) -> Optional[float]:
        for record in self.records:
            if record.name == name and all(record.context.get(k) == v for k, v in context.items()):
                return record.value
        return None

    def record(self, name: str, **context: str) -> Optional[Record]:
        return next((r for r in self.records if r.name == name
                     and all(r.context.get(k) == v for k, v in context.items())), None)

    def repeated(self, name: str, **context: str) -> str:
        """A repeated figure as "median (min-max)", with "unstable" when its spread exceeds the bound."""
        record = self.record(name, **context)
        if record is None:
            return number(None)
        text = number(record.value)
        if record.spread is not None:
            text += f" ({number(float(record.context['min']))}-{number(float(record.context['max']))})"
            if record.unstable:
                text += f" **unstable** (spread {record.spread:.0%})"
        return text

    def records_context(self, name: str, key: str, **context: str) -> str:
        record = self.record(name, **context)
        return record.context.get(key, "?") if record else "?"

    def values(self, name: str, key: str) -> list[str]:
        """The distinct values of context ``key`` among figures ``name``, sizes in numeric order."""
        found = dict.fromkeys(r.context[key] for r in self.records if r.name == name and key in r.context)
        return sorted(found, key=lambda v: (0, int(v)) if v.isdigit() else (1, v))


def acceptance_section(figures: Figures) -> list[str]:
    sizes = figures.values("bench.accept.throughput", "size")
    if not sizes:
        return ["No acceptance figures."]
    rows = []
    for level in LEVELS:
        for size in sizes:
            ctx = dict(level=level, size=size, memory=None)  # accept_by_request_size: no memory= key
            cells = [figures.get("bench.accept.ns_per_page", **ctx),
                     figures.get("bench.accept.latency", stat="median", **ctx),
                     figures.get("bench.accept.calls", **ctx), figures.get("bench.accept.fallbacks", **ctx),
                     figures.get("bench.accept.retries", **ctx)]
            # a ratio alone is accept_cold_warm's (its own table), whose throughput carries memory=
            if figures.get("bench.accept.throughput", **ctx) is not None or any(c is not None for c in cells):
                rows.append([level, human_size(size), figures.repeated("bench.accept.throughput", **ctx),
                             number(cells[0]),
                             figures.repeated("bench.accept.zero_ratio", level=level, size=size, memory="cold"),
                             *map(number, cells[1:])])
    return md_table(["level", "request size", "throughput (MiB/s)", "ns/page", "ratio to cold zeroing",
                     "median latency (ns)", "calls", "fallbacks", "retries"], rows, "ll" + "r" * 7)


def zeroing_section(figures: Figures) -> list[str]:
    methods = figures.values("bench.zero.bandwidth", "method")
    rows = [[method, figures.repeated("bench.zero.bandwidth", method=method, memory=None)] for method in methods
            if figures.record("bench.zero.bandwidth", method=method, memory=None)]
    rows += [[f"{method}, cold memory", figures.repeated("bench.zero.bandwidth", method=method, memory="cold")]
             for method in methods if figures.record("bench.zero.bandwidth", method=method, memory="cold")]
    return md_table(["zeroing method", "bandwidth (MiB/s)"], rows) if rows else ["No zeroing figures."]


def host_line(figures: Figures) -> list[str]:
    """The host's mapping level (from the SIZE_MISMATCH fallbacks) and first-touch cost, as one line."""
    words = []
    level = figures.record("bench.host.map_level")
    if level is not None:
        words.append(f"Host mapping level: **{human_size(str(int(level.value)))}** "
                     f"({level.context.get('fallbacks', '?')} of {level.context.get('attempts', '?')} 2 MiB accepts "
                     f"fell back to 4 KiB on SIZE_MISMATCH)")
    touch = figures.get("bench.host.first_touch", stat="median")
    if touch is not None:
        words.append(f"host first touch: {number(touch)} ns per 2 MiB (median)")
    return ["; ".join(words) + ".", ""] if words else []


def cold_warm_section(figures: Figures) -> list[str]:
    rows = []
    for level in LEVELS:
        for size in figures.values("bench.accept.zero_ratio", "size"):
            cells = [(figures.repeated("bench.accept.throughput", level=level, size=size, memory=m),
                      figures.repeated("bench.accept.zero_ratio", level=level, size=size, memory=m))
                     for m in ("cold", "warm")]
            if figures.record("bench.accept.throughput", level=level, size=size, memory="warm"):
                rows.append([level, human_size(size), *cells[0], *cells[1]])
    if not rows:
        return ["No cold/warm figures (they need a model's host: docs/benchmarks.md)."]
    return md_table(["level", "request size", "cold (MiB/s)", "ratio to cold zeroing", "warm (MiB/s)",
                     "ratio to warm zeroing"], rows, "ll" + "r" * 4)


def snp_sweeps_section(figures: Figures) -> list[str]:
    rows = [[f"PSC batch {b} (4 KiB entries, {figures.records_context('bench.snp.psc.throughput', batch=b, key='memory')})",
             figures.repeated("bench.snp.psc.throughput", batch=b),
             number(figures.get("bench.snp.psc.exits", batch=b))]
            for b in figures.values("bench.snp.psc.throughput", "batch")]
    rows += [[f"coherency reads {e}", figures.repeated("bench.snp.coherency.throughput", evict=e),
              number(figures.get("bench.snp.coherency.pages", evict=e))]
             for e in figures.values("bench.snp.coherency.throughput", "evict")]
    return md_table(["setting", "throughput (MiB/s)", "exits / pages read"], rows) if rows else []


def fixed_cost_section(figures: Figures) -> list[str]:
    rows = [[level, figures.repeated("bench.accept.fixed_cost", level=level)] for level in LEVELS]
    return md_table(["level", "fixed cost per call (ns)"], rows)


def _stat(figures: Figures, name: str, stat: str, **context: str) -> str:
    """One statistic of a latency figure; the median is repeated (median of the repetitions' medians)."""
    return figures.repeated(name, stat=stat, **context)


def round_trip_section(figures: Figures) -> list[str]:
    return md_table(["round trip (ns)", *STATS],
                    [["empty platform call", *(_stat(figures, "bench.round_trip.latency", s) for s in STATS)]])


def strategies_section(figures: Figures) -> list[str]:
    rows = [["eager: accept everything, bitmap order", "throughput (MiB/s)",
             figures.repeated("bench.strategy.eager.throughput")]]
    for unit in figures.values("bench.strategy.lazy.first_touch", LAZY_UNIT_KEY):
        stats = ", ".join(f"{s} {_stat(figures, 'bench.strategy.lazy.first_touch', s, **{LAZY_UNIT_KEY: unit})}"
                          for s in STATS)
        rows.append([f"lazy, {human_size(unit)} unit: first touch", "ns", stats])
        rows.append([f"lazy, {human_size(unit)} unit: second touch", "ns (median)",
                     _stat(figures, "bench.strategy.lazy.second_touch", "median", **{LAZY_UNIT_KEY: unit})])
    for record in (r for r in figures.records if r.name == "bench.strategy.firmware.exit_boot_services"):
        cpus = f", {record.context['cpus']} vCPU(s)" if "cpus" in record.context else ""
        rows.append([f"firmware: ExitBootServices, allow_unaccepted={record.context.get('allow_unaccepted')}{cpus}",
                     "ns", number(record.value)])
    return md_table(["strategy", "figure", "value"], rows, "llr")


def scaling_section(figures: Figures) -> list[str]:
    """Throughput against CPUs (docs/benchmarks.md "Scaling"), with the control; empty on a one-vCPU run."""
    points = sorted({(r.context.get("level", "?"), r.context.get("strategy", "?"), r.context.get("cpus", "?"))
                     for r in figures.records if r.name == "bench.scaling.throughput"},
                    key=lambda p: (LEVELS.index(p[0]) if p[0] in LEVELS else len(LEVELS), p[1],
                                   int(p[2]) if p[2].isdigit() else 0))
    if not points:
        return []
    cpus = figures.values("bench.scaling.control_speedup", "cpus")
    lines = [f"Control (pure computation, {cpus[0] if cpus else '?'} vCPUs over 1): "
             f"**{figures.repeated('bench.scaling.control_speedup')}x**, what the host gave; read the acceptance "
             f"speed-ups against it.", ""]
    rows = [[level, strategy, n, figures.repeated("bench.scaling.throughput", level=level, strategy=strategy, cpus=n),
             figures.repeated("bench.scaling.speedup", level=level, strategy=strategy, cpus=n),
             figures.repeated("bench.scaling.efficiency", level=level, strategy=strategy, cpus=n),
             number(figures.get("bench.scaling.outside_platform", level=level, strategy=strategy, cpus=n))]
            for level, strategy, n in points]
    lines += md_table(["level", "strategy", "vCPUs", "throughput (MiB/s)", "speed-up", "efficiency",
                       "outside the platform (ns)"], rows, "lll" + "r" * 4)
    latency = [[others, _stat(figures, "bench.scaling.latency", "median", others=others),
                _stat(figures, "bench.scaling.latency", "p99", others=others)]
               for others in figures.values("bench.scaling.latency", "others")]
    if latency:
        lines += ["", *md_table(["4 KiB accept on the boot CPU, other vCPUs", "median (ns)", "p99 (ns)"], latency)]
    return lines


def run_line(run: Optional[dict]) -> str:
    if not run:
        return "_No run metadata._"
    smp = run.get("smp")
    return (f"ccktf {run.get('ccktf_version') or '?'}, QEMU profile `{run.get('qemu_profile')}`, "
            f"{run.get('memory')} guest{' (pre-allocated by the host: --mem-prealloc)' if run.get('mem_prealloc') else ''}, "
            f"{smp} vCPU{'s' if smp != 1 else ''}, args `{run.get('kernel_args')}`, "
            f"verdict **{run.get('verdict')}**" + (f" in {run['seconds']:.0f} s" if run.get("seconds") else ""))


def platform_section(platform: str, records: list[Record], run: Optional[dict]) -> list[str]:
    figures = Figures(r for r in records if r.platform == platform)
    lines = [f"## {platform_label(platform)}", "", run_line(run), ""]
    identity = (run or {}).get("platform_identity") or {}
    if identity:
        lines += ["Platform identity: " + " ".join(f"{k}={v}" for k, v in identity.items() if k != "platform"), ""]
    if is_model(platform):
        lines += [f"_All figures in this section are MODEL figures ({platform} under TCG)._", ""]
    lines += host_line(figures)
    for title, section in (("Acceptance by page level and request size", acceptance_section),
                           ("Cold and warm memory", cold_warm_section),
                           ("Zeroing bandwidth", zeroing_section), ("Fixed cost per call", fixed_cost_section),
                           ("Round trip", round_trip_section), ("Strategies", strategies_section)):
        lines += [f"### {title}", "", *section(figures), ""]
    sweeps = snp_sweeps_section(figures)
    if sweeps:
        lines += ["### SEV-SNP sweeps", "", *sweeps, ""]
    scaling = scaling_section(figures)
    if scaling:
        lines += ["### Scaling with vCPUs", "", *scaling, ""]
    return lines


def render_summary(results: Results) -> str:
    """The whole summary.md text."""
    lines = ["# ccktf benchmarks", "", MODEL_DISCLAIMER, ""]
    if results.complete:
        lines += ["Status: complete.", ""]
    else:
        lines += ["Status: **FAILED** (these results are incomplete or implausible):", "",
                  *[f"- {problem}" for problem in results.problems], ""]
    host = results.host or {}
    lines += [f"Host CPU: {host.get('cpu') or 'unknown'}; harness {host.get('harness_version', '?')}; "
              f"{results.created or ''}".rstrip("; "), ""]
    traced = [f"{label} {host[key]}" for key, label in (("cpu_family", "family"), ("cpu_model", "model"),
                                                         ("cpu_stepping", "stepping"), ("microcode", "microcode"),
                                                         ("kernel", "host kernel"), ("qemu", "")) if host.get(key)]
    if traced:
        lines += ["Host: " + ", ".join(t.strip() for t in traced), ""]
    for platform in results.platforms():
        run = results.run_for(platform)
        run = run.to_json() if hasattr(run, "to_json") else run
        lines += platform_section(platform, results.records, run)
    return "\n".join(lines).rstrip("\n") + "\n"
