"""Benchmark plots with matplotlib (Agg backend, no display), each written as PNG and SVG.

- ``throughput.{png,svg}``: ``bench.accept.throughput`` by request size (log-2 x axis), one line per page
  level and platform, with each platform's fastest zeroing bandwidth (``method=best``) as a dashed reference line.
- ``latency.{png,svg}``: ``bench.accept.latency`` per request size and level, one panel per platform:
  median as a line, min..max as a band, p99 as markers where the kernel printed one (from 100 samples on;
  docs/benchmarks.md "Precision"); log y axis, the sizes spanning six orders of magnitude.

- ``scaling.{png,svg}``: ``bench.scaling.throughput`` against the number of CPUs working one job, one line
  per platform, page level and strategy, with the ideal (linear from one CPU) dashed and the host's own
  parallelism during the run (``bench.scaling.control_speedup``) in the legend: without it no speed-up can
  be read (docs/benchmarks.md "Scaling"). Written only when a run printed scaling figures (two or more vCPUs).

Titles say ``MODEL (sim-tdx)`` for model platforms. A missing figure leaves a gap or an annotated empty
panel; plotting never fails because a run was incomplete. matplotlib is imported only when plotting
(Debian package python3-matplotlib; ``ci/deps.sh --bench`` installs it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Sequence

from .bench_contract import LEVELS
from .platforms import platform_label
from .bench_records import Record
from .bench_summary import human_size

FORMATS = ("png", "svg")
_LEVEL_STYLE = {"4k": "o-", "2m": "s-"}


def _pyplot():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def _size(record: Record) -> int:
    return int(record.context.get("size", "0")) if record.context.get("size", "").isdigit() else 0


def series(records: Iterable[Record], name: str, platform: str, level: str, **context: str) -> list[tuple[int, float]]:
    """(size, value) points of figure ``name`` for one platform and level, sorted by size, sizes > 0 only."""
    points = [(_size(r), r.value) for r in records
              if r.name == name and r.platform == platform and r.context.get("level") == level
              and all(r.context.get(k) == v for k, v in context.items())]
    return sorted(p for p in points if p[0] > 0)


def _platforms(records: Sequence[Record]) -> list[str]:
    return list(dict.fromkeys(r.platform for r in records))


def _save(fig, out_dir: Path, stem: str) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for fmt in FORMATS:
        path = out_dir / f"{stem}.{fmt}"
        fig.savefig(path, format=fmt, bbox_inches="tight")
        paths.append(path)
    return paths


def _empty(ax, message: str) -> None:
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes)
    ax.set_xticks([])
    ax.set_yticks([])


def _size_axis(ax, sizes: Iterable[int]) -> None:
    """Log-2 request-size axis with a tick per measured size, labelled 4 KiB, 2 MiB, ..."""
    sizes = sorted(set(sizes))
    ax.set_xscale("log", base=2)
    ax.set_xticks(sizes)
    ax.set_xticklabels([human_size(str(size)) for size in sizes], rotation=30 if len(sizes) > 6 else 0)
    ax.minorticks_off()
    ax.set_xlabel("request size (log scale)")
    ax.grid(True, which="major", alpha=0.3)


def plot_throughput(records: Sequence[Record], out_dir: Path) -> list[Path]:
    """``throughput.png``/``.svg``; returns the paths written."""
    plt = _pyplot()
    records = list(records)
    platforms = _platforms(records)
    fig, ax = plt.subplots(figsize=(9, 5.5))
    drawn, sizes = False, []
    for platform in platforms:
        for level in LEVELS:
            points = series(records, "bench.accept.throughput", platform, level)
            if points:
                ax.plot(*zip(*points), _LEVEL_STYLE.get(level, "o-"), label=f"{platform_label(platform)} {level}")
                drawn = True
                sizes += [size for size, _ in points]
        zeroing = [r.value for r in records if r.platform == platform and r.name == "bench.zero.bandwidth"
                   and r.context.get("method") == "best"]
        if zeroing and drawn:
            ax.axhline(zeroing[0], linestyle="--", linewidth=1, color="grey")
            ax.annotate(f"{platform} zeroing (fastest method)", (0.01, zeroing[0]), xycoords=("axes fraction", "data"),
                        fontsize=7, color="grey", va="bottom")
    title = "Acceptance throughput by page level and request size"
    if platforms:
        title += "\n" + ", ".join(platform_label(p) for p in platforms)
    ax.set_title(title)
    if drawn:
        _size_axis(ax, sizes)
        ax.set_ylabel("throughput (MiB/s)")
        ax.legend(fontsize=8)
    else:
        _empty(ax, "no bench.accept.throughput figures")
    try:
        return _save(fig, out_dir, "throughput")
    finally:
        plt.close(fig)


def _latency_panel(ax, records: Sequence[Record], platform: str) -> None:
    drawn, all_sizes = False, []
    for level in LEVELS:
        stats = {stat: dict(series(records, "bench.accept.latency", platform, level, stat=stat))
                 for stat in ("min", "median", "p99", "max")}
        sizes = sorted(set().union(*(s.keys() for s in stats.values())))
        if not sizes:
            continue
        drawn = True
        all_sizes += sizes
        median = [(s, stats["median"][s]) for s in sizes if s in stats["median"]]
        style = _LEVEL_STYLE.get(level, "o-")
        line = ax.plot(*zip(*median), style, label=f"{level} median")[0] if median else None
        color = line.get_color() if line else None
        band = [(s, stats["min"][s], stats["max"][s]) for s in sizes if s in stats["min"] and s in stats["max"]]
        if band:
            xs, lo, hi = zip(*band)
            ax.fill_between(xs, lo, hi, alpha=0.15, color=color, label=f"{level} min..max")
        p99 = [(s, stats["p99"][s]) for s in sizes if s in stats["p99"]]
        if p99:
            ax.plot(*zip(*p99), "^", color=color, label=f"{level} p99")
    ax.set_title(f"Acceptance latency: {platform_label(platform)}")
    if drawn:
        _size_axis(ax, all_sizes)
        ax.set_yscale("log")
        ax.set_ylabel("latency per request (ns, log scale)")
        ax.legend(fontsize=8)
    else:
        _empty(ax, "no bench.accept.latency figures")


def plot_latency(records: Sequence[Record], out_dir: Path) -> list[Path]:
    """``latency.png``/``.svg`` (one panel per platform); returns the paths written."""
    plt = _pyplot()
    records = list(records)
    platforms = _platforms(records) or ["(none)"]
    fig, axes = plt.subplots(1, len(platforms), figsize=(7 * len(platforms), 5), squeeze=False)
    for ax, platform in zip(axes[0], platforms):
        _latency_panel(ax, records, platform)
    fig.suptitle("Acceptance latency distribution (min / median / p99 / max)")
    try:
        return _save(fig, out_dir, "latency")
    finally:
        plt.close(fig)


_STRATEGY_STYLE = {"claim": "-", "stride": ":"}


def scaling_series(records: Iterable[Record], platform: str, level: str, strategy: str) -> list[tuple[int, float]]:
    """(cpus, MiB/s) points of ``bench.scaling.throughput`` for one platform, level and strategy, by cpus."""
    return sorted((int(r.context["cpus"]), r.value) for r in records
                  if r.name == "bench.scaling.throughput" and r.platform == platform
                  and r.context.get("level") == level and r.context.get("strategy") == strategy
                  and r.context.get("cpus", "").isdigit())


def plot_scaling(records: Sequence[Record], out_dir: Path) -> list[Path]:
    """``scaling.png``/``.svg``, when there are scaling figures; returns the paths written."""
    records = list(records)
    if not any(r.name == "bench.scaling.throughput" for r in records):
        return []
    plt = _pyplot()
    platforms = _platforms(records)
    fig, ax = plt.subplots(figsize=(8, 5.5))
    cpus_seen: set[int] = set()
    for platform in platforms:
        control = [r.value for r in records if r.platform == platform and r.name == "bench.scaling.control_speedup"]
        note = f", host gave x{control[0]:.2f}" if control else ""
        for level in LEVELS:
            for strategy in _STRATEGY_STYLE:
                points = scaling_series(records, platform, level, strategy)
                if not points:
                    continue
                cpus_seen.update(c for c, _ in points)
                marker = _LEVEL_STYLE.get(level, "o-")[0]
                line = ax.plot(*zip(*points), marker + _STRATEGY_STYLE[strategy],
                               label=f"{platform_label(platform)} {level} {strategy}{note}")[0]
                one = dict(points).get(1)
                if one and strategy == "claim":
                    xs = sorted(c for c, _ in points)
                    ax.plot(xs, [one * c for c in xs], "--", linewidth=0.8, color=line.get_color(), alpha=0.5)
    ax.set_xticks(sorted(cpus_seen))
    ax.set_xlabel("CPUs accepting one job")
    ax.set_ylabel("throughput (MiB/s)")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=7)
    ax.set_title("Eager acceptance throughput against CPUs (dashed: linear from one CPU)\n"
                 + ", ".join(platform_label(p) for p in platforms))
    try:
        return _save(fig, out_dir, "scaling")
    finally:
        plt.close(fig)


def plot_all(records: Sequence[Record], out_dir: Path) -> list[Path]:
    """Every plot; returns the files written (scaling only when the run printed scaling figures)."""
    return plot_throughput(records, out_dir) + plot_latency(records, out_dir) + plot_scaling(records, out_dir)
