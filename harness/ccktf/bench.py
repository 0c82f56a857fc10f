"""``python3 -m ccktf bench`` and ``python3 -m ccktf bench-compare``: run the in-kernel benchmarks
(docs/benchmarks.md) and keep, summarize, plot and compare their figures.

``bench`` boots the kernel once per platform (default: both models, ``sim-tdx`` and ``sim-snp``; or
``--platform sim-tdx[,tdx...]``) with ``tests=bench platform=P bench=full`` (``--short``: ``bench=short``),
a 6G guest (``--memory``; the models present memory above 4 GiB as unaccepted), one vCPU per host core
(``--smp``, at most 8: the scaling figures need two or more) and a 900 s timeout, and
writes to ``--out`` (default ``build/bench/``):

    results.json            every figure with its run metadata (schema: ccktf.bench_records)
    summary.md              Markdown tables per platform (ccktf.bench_summary)
    throughput.png/.svg     acceptance throughput by level and size (ccktf.bench_plot)
    latency.png/.svg        acceptance latency distribution
    scaling.png/.svg        throughput against CPUs (runs with --smp 2 or more; ccktf.bench_plot)

A boot whose verdict is not ``passed``, or figures that fail ``ccktf.bench_check.check_plausible``
(skip with ``--no-check``), make the run failed: everything is still written, but results.json says
``"status": "failed"`` with the reasons, and the exit status is 2. ``--baseline FILE`` then compares
against a saved results.json like ``bench-compare`` does.

``bench-compare BASELINE CURRENT`` compares two results files (ccktf.bench_compare).

Exit status: 0 complete (and nothing regressed), 1 a figure regressed, changed or went missing,
2 error (a boot did not pass, implausible figures, unreadable files, platforms that cannot be compared).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Optional

from . import kargs, qemu, runner
from .bench_check import check_plausible
from .bench_compare import DEFAULT_TOLERANCE, Tolerances, compare, format_comparison, load_tolerance_file, \
    parse_tolerance
from .bench_contract import DEFAULT_PLATFORMS
from .bench_plot import plot_all
from .bench_records import BenchError, Results, RunInfo, load_results, split_metrics, utc_now, write_results
from .bench_summary import render_summary
from .errors import CcktfError

from .ktap import METRIC_PLATFORMS

DEFAULT_OUT = runner.PROJECT_ROOT / "build" / "bench"
DEFAULT_MEMORY = "6G"
DEFAULT_TIMEOUT = 900.0
EXIT_OK, EXIT_REGRESSED, EXIT_ERROR = 0, 1, 2


# -- options ------------------------------------------------------------------------------------------

def add_tolerance_options(parser: argparse.ArgumentParser) -> None:
    """Options shared by ``bench --baseline`` and ``bench-compare`` (ccktf.bench_compare)."""
    group = parser.add_argument_group("comparison")
    group.add_argument("--tolerance", action="append", default=[], metavar="NAME=PCT",
                       help="tolerance in percent for figures whose name matches the glob NAME (repeatable)")
    group.add_argument("--tolerance-file", type=Path, metavar="FILE",
                       help='JSON object {"NAME": PCT, ..., "default": PCT}')
    group.add_argument("--default-tolerance", type=float, default=DEFAULT_TOLERANCE, metavar="PCT",
                       help="tolerance for throughput and latency figures (default: %(default)s; counts are exact "
                            "unless a --tolerance names them)")
    group.add_argument("--all", action="store_true", help="also list the figures that held")


def default_smp() -> int:
    """One vCPU per host core (docs/benchmarks.md "Scaling"): multi-threaded TCG runs each on its own core,
    and the scaling figures need at least two; at most 8, the largest count the plan's memory fits."""
    return max(1, min(os.cpu_count() or 1, 8))


def configure_bench(parser: argparse.ArgumentParser) -> None:
    parser.set_defaults(memory=DEFAULT_MEMORY, timeout=DEFAULT_TIMEOUT, tests="bench", smp=default_smp())
    group = parser.add_argument_group("benchmark")
    group.add_argument("--short", action="store_true", help="bench=short (seconds) instead of bench=full")
    group.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory (default: %(default)s)")
    group.add_argument("--baseline", type=Path, metavar="FILE", help="compare with this saved results.json")
    group.add_argument("--no-check", action="store_true", help="do not fail the run on implausible figures")
    add_tolerance_options(parser)
    parser.epilog = (f"--platform takes a comma-separated list (default: {','.join(DEFAULT_PLATFORMS)}); "
                     "--tests defaults to 'bench'.")


def configure_compare(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("baseline", type=Path, help="saved results.json")
    parser.add_argument("current", type=Path, help="results.json to judge")
    add_tolerance_options(parser)


def tolerances_from(args: argparse.Namespace) -> Tolerances:
    """The comparison tolerances from --default-tolerance, --tolerance-file, then --tolerance (last wins)."""
    if args.default_tolerance < 0:
        raise ValueError(f"--default-tolerance {args.default_tolerance:g} is negative")
    tolerances = Tolerances(args.default_tolerance)
    if args.tolerance_file:
        tolerances = load_tolerance_file(args.tolerance_file, tolerances)
    patterns = dict(tolerances.patterns)
    patterns.update(parse_tolerance(text) for text in args.tolerance)
    return Tolerances(tolerances.default, patterns)


def platforms_from(text: Optional[str]) -> list[str]:
    """``--platform`` as a comma-separated list; default both models (docs/benchmarks.md)."""
    platforms = [p for p in (text or "").split(",") if p] or list(DEFAULT_PLATFORMS)
    unknown = [p for p in platforms if p not in METRIC_PLATFORMS - {"none"}]
    if unknown:
        raise ValueError(f"cannot benchmark platform(s) {', '.join(unknown)}: "
                         f"choose from {', '.join(sorted(METRIC_PLATFORMS - {'none'}))}")
    return list(dict.fromkeys(platforms))


def bench_append(args: argparse.Namespace, platform: str) -> str:
    """The kernel arguments of one bench boot: tests=, platform=, bench=short|full, then --append."""
    if any(word.startswith(("bench=", "platform=")) for word in args.append.split()):
        raise ValueError("--append may not set bench= or platform=: use --short and --platform")
    mode = "short" if args.short else "full"
    return kargs.kernel_args(kargs.split_globs(args.tests), platform, extra=f"bench={mode} {args.append}")


def bench_run_options(args: argparse.Namespace, platform: str) -> runner.RunOptions:
    launch = qemu.choose_launch(platform, args.profile, args.firmware, args.qemu, args.boot)
    return runner.RunOptions.launching(
        launch, kernel=args.kernel, append=bench_append(args, platform),
        memory=args.memory, smp=args.smp, timeout=args.timeout, mem_prealloc=args.mem_prealloc,
        log_dir=args.log_dir, label=f"bench-{platform}", mode="run", qemu=args.qemu,
        echo=(lambda line: print(f"| {line}", flush=True)) if args.verbose else None)


# -- one boot -----------------------------------------------------------------------------------------

def boot_platform(args: argparse.Namespace, platform: str, results: Results) -> None:
    """Boot one platform, adding its run metadata, figures and any problem to ``results``."""
    try:  # a platform this host cannot launch is one problem in the results, not the end of the bench
        options = bench_run_options(args, platform)
    except CcktfError as error:
        results.runs.append(RunInfo(platform, args.profile or "?", args.memory, args.smp, args.append,
                                    started=utc_now(), verdict="error", reasons=[str(error)]))
        results.problems.append(f"{platform}: boot could not start: {error}")
        return
    info = RunInfo(platform, options.profile, options.memory, options.smp, options.append, started=utc_now(),
                   mem_prealloc=options.mem_prealloc)
    results.runs.append(info)
    print(f"ccktf bench: {platform}: booting ({options.memory}, {options.smp} vCPU, timeout {options.timeout:g} s): "
          f"{options.append}", flush=True)
    try:
        run = runner.run(options)
    except CcktfError as error:
        info.verdict, info.reasons = "error", [str(error)]
        results.problems.append(f"{platform}: boot could not start: {error}")
        return
    bench, other = split_metrics(run.ktap.metrics)
    info.ccktf_version = run.ktap.header.get("version")
    info.reported_platform = run.ktap.platform
    info.platform_identity = dict(run.ktap.platform_identity)
    info.seconds, info.run_dir = round(run.seconds, 3), str(run.run_dir)
    info.verdict, info.reasons = run.verdict.outcome.value, list(run.verdict.reasons)
    info.boot_metrics = other
    results.records.extend(bench)
    print(f"ccktf bench: {platform}: {run.verdict.outcome.value} in {run.seconds:.1f} s, {len(bench)} figures, "
          f"serial log {run.serial_log}", flush=True)
    if not run.verdict.passed:
        results.problems.append(f"{platform}: boot {run.verdict.outcome.value.upper()}: "
                                + "; ".join(run.verdict.reasons or ["(no reason)"]) + f" (serial log {run.serial_log})")
    if run.ktap.platform != platform:
        results.problems.append(f"{platform}: the kernel reported platform={run.ktap.platform}")
    strays = sorted({r.platform for r in bench} - {platform})
    if strays:
        results.problems.append(f"{platform}: figures labelled platform={','.join(strays)}")


def write_outputs(results: Results, out: Path) -> list[Path]:
    """results.json, summary.md and the plots; returns what was written (plot errors become problems)."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    try:
        written += plot_all(results.records, out)
    except ImportError as error:
        results.problems.append(f"plots not written: {error} (install python3-matplotlib: ci/deps.sh --bench)")
    summary = out / "summary.md"
    results_json = out / "results.json"
    write_results(results, results_json)
    summary.write_text(render_summary(results))
    return [results_json, summary, *written]


def execute_bench(args: argparse.Namespace) -> int:
    platforms = platforms_from(args.platform)
    tolerances = tolerances_from(args) if args.baseline else None
    baseline = load_results(args.baseline) if args.baseline else None
    results = Results(created=None)
    for platform in platforms:
        boot_platform(args, platform, results)
    if not args.no_check and results.records:
        results.problems += [f"implausible: {problem}" for problem in check_plausible(results.records)]
    results.created = utc_now()
    written = write_outputs(results, args.out)
    for problem in results.problems:
        print(f"ccktf bench: problem: {problem}", file=sys.stderr)
    print("ccktf bench: wrote " + ", ".join(str(p) for p in written))
    status = EXIT_OK if results.complete else EXIT_ERROR
    if baseline is not None:
        comparison = compare(baseline, results, tolerances)
        print(format_comparison(comparison, args.all))
        if comparison.failed and status == EXIT_OK:
            status = EXIT_REGRESSED
    print(f"ccktf bench: {'complete' if results.complete else 'FAILED'}", flush=True)
    return status


def execute_compare(args: argparse.Namespace) -> int:
    tolerances = tolerances_from(args)
    comparison = compare(load_results(args.baseline), load_results(args.current), tolerances)
    print(format_comparison(comparison, args.all))
    return EXIT_REGRESSED if comparison.failed else EXIT_OK


__all__ = ["BenchError", "configure_bench", "configure_compare", "execute_bench", "execute_compare"]
