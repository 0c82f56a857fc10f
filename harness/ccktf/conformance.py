"""``python3 -m ccktf conformance``: boot the kernel's firmware conformance checks (docs/conformance.md) and
write a report.

One boot with ``tests=conformance* conformance=1`` (``--tests`` narrows it; ``--platform``, ``--memory``,
``--firmware``, ``--timeout``, ``--log-dir`` as for ``run``), then, in ``--out`` (default
``build/conformance/``):

    report.md     Markdown: firmware identity, platform (MODEL notice for sim-*), every check, findings
    report.html   the same, self-contained, every kernel-supplied string escaped
    report.xml    JUnit XML, one testcase per check, and a testcase ``boot`` with an <error> when the boot went
                  wrong (docs/conformance.md "JUnit")

With ``--sweep SPEC`` (``make conformance SWEEP=...``; ccktf.conformance_sweep) the same boot runs under
every configuration of the sweep (memory sizes x vCPU counts), ``--jobs`` at a time, and ``--out`` gets ONE
report with a column per configuration (ccktf.sweep_report): report.md, report.json, report.html,
report.xml (a JUnit <testsuites>, one <testsuite> per configuration); each configuration's own report is in
``--out/<memory>-smp<N>/``.

The firmware x kernel acceptance matrix (ccktf.matrix) is a section of the report where the platform has
one (sim-snp: nine cells; sim-tdx: TDVF's row; snp, tdx: the present firmware's row): ``--matrix auto``
(the default) boots its cells for the report, ``--matrix PATH`` takes an existing ``matrix.json``,
``--matrix off`` leaves it out.

Exit status: 0 every ``must`` check held (``should`` failures are warnings), 1 a ``must`` check failed,
2 the boot went wrong (crash, hang, truncated stream, usage error) or declared no checks. For a sweep, the
worst of its configurations. The matrix section never changes the exit status.
"""

from __future__ import annotations

import argparse
import re
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import os

from . import conformance_sweep, identity, kargs, matrix, parallel, qemu, runner, sweep_report
from .conformance_report import Firmware, Report, build_report, findings, render_html, render_junit, \
    render_markdown, summary_text
from .errors import CcktfError

from .verdict import Outcome

DEFAULT_OUT = runner.PROJECT_ROOT / "build" / "conformance"
DEFAULT_TESTS = "conformance*"
REPORT_FILES = ("report.md", "report.html", "report.xml")
SWEEP_FILES = ("report.md", "report.json", "report.html", "report.xml")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.set_defaults(tests=DEFAULT_TESTS, memory=None, smp=None)  # None: not given (check_options())
    group = parser.add_argument_group("conformance")
    group.add_argument("--out", type=Path, default=DEFAULT_OUT, help="report directory (default: %(default)s)")
    group.add_argument("--sweep", metavar="SPEC",
                       help="boot every configuration of SPEC, e.g. 'mem=2G,2813M smp=1,2', or 'default' "
                            f"({conformance_sweep.DEFAULT_SWEEP}); one report, a column per configuration")
    group.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                       help="sweep and matrix boots at a time (default: %(default)s)")
    group.add_argument("--matrix", default="auto", metavar="auto|off|PATH",
                       help="the firmware x kernel matrix section: auto boots it where the platform has one, "
                            "PATH reads a matrix.json, off leaves it out (default: %(default)s)")
    parser.epilog = f"--tests defaults to '{DEFAULT_TESTS}'; conformance=1 is always passed."


def conformance_append(args: argparse.Namespace) -> str:
    if any(word.startswith("conformance=") for word in args.append.split()):
        raise ValueError("--append may not set conformance=: the conformance command always passes conformance=1")
    return kargs.kernel_args(kargs.split_globs(args.tests), args.platform, extra=f"conformance=1 {args.append}")


def run_options(args: argparse.Namespace, label: str = "conformance") -> runner.RunOptions:
    launch = qemu.choose_launch(args.platform, args.profile, args.firmware, args.qemu, args.boot)
    return runner.RunOptions.launching(
        launch, kernel=args.kernel, append=conformance_append(args),
        memory=args.memory, smp=args.smp, timeout=args.timeout, mem_prealloc=args.mem_prealloc,
        log_dir=args.log_dir, label=label, mode="run", qemu=args.qemu,
        echo=(lambda line: print(f"| {line}", flush=True)) if args.verbose else None)


def boot_problems(run: runner.Run) -> list[str]:
    """Why the boot cannot be trusted; a FAILED verdict only means that some check failed."""
    if run.verdict.outcome is Outcome.ERROR:
        return list(run.verdict.reasons) or ["the boot ended in an error"]
    return []


def report_from_run(run: runner.Run, options: runner.RunOptions) -> Report:
    started = datetime.now(timezone.utc) - timedelta(seconds=run.seconds)
    return build_report(run.ktap, profile=options.profile, memory=options.memory,
                        date=started, boot_problems=boot_problems(run),
                        firmware_image=str(options.firmware.code), run_dir=str(run.run_dir),
                        host=identity.host_identity(options.qemu, options.firmware, options.profile),
                        serial_tail=run.serial_tail(), seconds=run.seconds)


def write_files(out: Path, names: tuple, renders: tuple, document) -> list[Path]:
    """Each ``render(document)`` into ``out/name``."""
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / name for name in names]
    for path, render in zip(paths, renders):
        path.write_text(render(document))
    return paths


def write_report(report: Report, out: Path) -> list[Path]:
    return write_files(out, REPORT_FILES, (render_markdown, render_html, render_junit), report)


_CONFIG_DIR = re.compile(r"[1-9][0-9]*[KMGT]?-smp[1-9][0-9]*", re.IGNORECASE)


def clear_stale(out: Path, keep: tuple = ()) -> None:
    """Outputs of an earlier run in ``out`` that this one does not write again: a sweep's report.json and its
    ``<memory>-smp<N>/`` folders (only folders holding nothing but the files this tool writes there)."""
    if not out.is_dir():
        return
    if "report.json" not in keep and (out / "report.json").is_file():
        (out / "report.json").unlink()
    for folder in out.iterdir():
        if folder.name in keep or not folder.is_dir() or not _CONFIG_DIR.fullmatch(folder.name):
            continue
        files = list(folder.iterdir())
        if all(f.is_file() and f.name in REPORT_FILES for f in files):
            for f in files:
                f.unlink()
            folder.rmdir()


def print_summary(report: Report, paths: list[Path]) -> None:
    for row in findings(report):
        print(f"  {row.result.value.upper():5} {row.id} {row.statement}")
        for line in row.evidence[:3]:
            print(f"        {line}")
    for problem in report.boot_problems:
        print(f"  boot problem: {problem}")
    print(f"ccktf conformance: {summary_text(report)}")
    print("ccktf conformance: wrote " + ", ".join(str(p) for p in paths))


def boot_report(args: argparse.Namespace, label: str = "conformance") -> Report:
    options = run_options(args, label)
    print(f"ccktf conformance: booting ({options.memory}, {options.smp} vCPU(s), profile {options.profile}): "
          f"{options.append}", flush=True)
    return report_from_run(runner.run(options), options)


# -- the matrix section -------------------------------------------------------------------------------

def matrix_section(args: argparse.Namespace, platform: str) -> sweep_report.MatrixSection | None:
    """The matrix for a report made on ``platform`` (the one the kernel reported), as --matrix says."""
    if args.matrix == "off":
        return None
    if args.matrix != "auto":
        path = Path(args.matrix)
        try:
            results = matrix.results_from_json(path.read_text())
        except (OSError, ValueError) as error:
            return sweep_report.MatrixSection([], str(path), note=f"could not read {path}: {error}")
        mine = [r for r in results if r.cell.platform == platform]
        if mine:  # the rows of the platform this report is about
            return sweep_report.MatrixSection(mine, f"`{path}` (its {platform} rows)")
        return sweep_report.MatrixSection(results, f"`{path}`", note=f"{path} has no row for platform "
                                          f"{platform}: every row it has is shown")
    if platform not in matrix.PLATFORMS:
        return sweep_report.MatrixSection([], "", note=f"platform {platform} has no firmware x kernel matrix "
                                          f"(it applies to {', '.join(matrix.PLATFORMS)}: `make matrix`)")
    margs = argparse.Namespace(**vars(args))
    margs.tests, margs.memory, margs.smp = matrix.DEFAULT_TESTS, matrix.DEFAULT_MEMORY, 1
    cells = matrix.cells_for([platform])
    print(f"ccktf conformance: the matrix section: {len(cells)} cell(s) on {platform}, {margs.memory} guests",
          flush=True)
    try:
        results = matrix.boot_all(margs, cells)
    except (CcktfError, ValueError) as error:
        return sweep_report.MatrixSection([], "", note=f"the matrix could not be booted: {error}")
    command = f"python3 -m ccktf matrix --platforms {platform} --memory {margs.memory}" + \
        (f" --append '{args.append}'" if args.append else "")
    return sweep_report.MatrixSection(results, f"measured for this report (`{command}`)")


def single(args: argparse.Namespace) -> int:
    report = boot_report(args)
    clear_stale(args.out)
    paths = write_report(report, args.out)
    section = matrix_section(args, report.platform)
    if section:  # the single report's Markdown and HTML gain the section; the JUnit file stays the checks'
        md, page = args.out / "report.md", args.out / "report.html"
        md.write_text(md.read_text() + "\n" + "\n".join(sweep_report.matrix_markdown(section)) + "\n")
        section_html = sweep_report.matrix_html(section) + "\n</body></html>"
        page.write_text(page.read_text().replace("</body></html>", section_html))
    print_summary(report, paths)
    return report.exit_status()


def harness_failure(config: conformance_sweep.SweepConfig, why: str) -> sweep_report.ConfigReport:
    """A configuration without a boot report of its own (the harness failed in it, or a signal stopped the
    sweep first): an error report, so that its column shows every check ERROR (not run)."""
    report = Report(Firmware(), "(not reported)", "", config.memory, datetime.now(timezone.utc),
                    "?", "", [], boot_problems=[why])
    return sweep_report.ConfigReport(config, report)


def sweep(args: argparse.Namespace) -> int:
    configs = conformance_sweep.parse_sweep(args.sweep, args.memory, args.smp)
    print(f"ccktf conformance: sweep of {len(configs)} configuration(s), {args.jobs} at a time: "
          + ", ".join(c.label for c in configs), flush=True)

    def one(config_args: argparse.Namespace, config: conformance_sweep.SweepConfig) -> sweep_report.ConfigReport:
        report = boot_report(config_args, f"conformance-{config.slug}")
        write_report(report, args.out / config.slug)
        return sweep_report.ConfigReport(config, report, config.extra_args(args.platform, args.append))

    def failed(config: conformance_sweep.SweepConfig, error: Exception) -> sweep_report.ConfigReport:
        return harness_failure(config, f"the harness failed in this configuration: {type(error).__name__}: {error}")

    stopped = None
    try:
        reports = conformance_sweep.run_all(args, configs, one, args.jobs, failed)
    except conformance_sweep.SweepInterrupted as stop:
        stopped = stop
        why = f"not run: the sweep was {stop} before this configuration finished"
        reports = [r or harness_failure(c, why) for c, r in zip(configs, stop.results)]
    result = sweep_report.SweepReport(args.sweep, reports)
    if not stopped:
        try:
            result.matrix = matrix_section(args, result.first.platform)
        except parallel.Stopped as stop:  # the report still gets what the sweep measured
            stopped, result.matrix = stop, sweep_report.MatrixSection([], "", note=f"the matrix was {stop}")
    clear_stale(args.out, keep=tuple(c.slug for c in configs) + ("report.json",))
    renders = (sweep_report.render_markdown, sweep_report.to_json, sweep_report.render_html, sweep_report.render_junit)
    paths = write_files(args.out, SWEEP_FILES, renders, result)
    for check_id, bad in sweep_report.findings(result):
        print(f"  {check_id}: " + ", ".join(f"{c.config.label} {row.result.value}" for c, row in bad))
    print(f"ccktf conformance: {sweep_report.verdict_text(result)}")
    print("ccktf conformance: wrote " + ", ".join(str(p) for p in paths))
    if stopped:
        print(f"ccktf conformance: {stopped}: the report holds what finished", flush=True)
        return 128 + stopped.signum
    return result.exit_status()


def check_options(args: argparse.Namespace) -> None:
    """Refuse bad option values before any boot (one line each, exit status 2), and fill the defaults that
    depend on the platform (--memory: 6G on a model, else 512M, as the Makefile's MEMORY; --smp 1)."""
    if args.jobs < 1:
        raise ValueError(f"--jobs must be at least 1, not {args.jobs}")
    if args.matrix not in ("auto", "off"):
        path = Path(args.matrix)
        if not args.matrix.strip() or args.matrix.strip().lower() in ("auto", "off") or not path.is_file():
            raise ValueError(f"--matrix {args.matrix!r} is none of auto, off, or an existing matrix.json file")
    given = {"--memory": args.memory is not None, "--smp": args.smp is not None}
    args.memory = args.memory or ("6G" if (args.platform or "").startswith("sim-") else "512M")
    args.smp = 1 if args.smp is None else args.smp
    if args.sweep:
        configs = conformance_sweep.parse_sweep(args.sweep, args.memory, args.smp)
        keys = {w.partition("=")[0] for w in (conformance_sweep.DEFAULT_SWEEP if args.sweep.split() == ["default"]
                                               else args.sweep).split()}
        for option, key in (("--memory", "mem"), ("--smp", "smp")):
            if given[option] and key in keys:
                print(f"ccktf conformance: warning: {option} is ignored: the sweep sets {key}= for every "
                      f"configuration ({', '.join(c.label for c in configs)}); for one boot with {option}, "
                      "give no --sweep (make conformance SWEEP=)", file=sys.stderr, flush=True)


def execute(args: argparse.Namespace) -> int:
    try:
        check_options(args)
    except conformance_sweep.SweepError as error:
        raise ValueError(str(error)) from error
    return sweep(args) if args.sweep else single(args)
