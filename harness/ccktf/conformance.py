"""``python3 -m ccktf conformance``: boot the kernel's firmware conformance checks (docs/conformance.md) and
write a report.

One boot with ``tests=conformance* conformance=1`` (``--tests`` narrows it; ``--platform``, ``--memory``,
``--firmware``, ``--timeout``, ``--log-dir`` as for ``run``), then, in ``--out`` (default
``build/conformance/``):

    report.md     Markdown: firmware identity, platform (MODEL notice for sim-*), every check, findings
    report.html   the same, self-contained, every kernel-supplied string escaped
    report.xml    JUnit XML, one testcase per check, and a testcase ``boot`` with an <error> when the boot went
                  wrong (docs/conformance.md "JUnit")

Exit status: 0 every ``must`` check held (``should`` failures are warnings), 1 a ``must`` check failed,
2 the boot went wrong (crash, hang, truncated stream, usage error) or declared no checks.
"""

from __future__ import annotations

import argparse
from datetime import datetime, timedelta, timezone
from pathlib import Path

from . import identity, kargs, qemu, runner
from .conformance_report import Report, build_report, findings, render_html, render_junit, render_markdown, \
    summary_text

from .verdict import Outcome

DEFAULT_OUT = runner.PROJECT_ROOT / "build" / "conformance"
DEFAULT_TESTS = "conformance*"
REPORT_FILES = ("report.md", "report.html", "report.xml")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.set_defaults(tests=DEFAULT_TESTS)
    group = parser.add_argument_group("conformance")
    group.add_argument("--out", type=Path, default=DEFAULT_OUT, help="report directory (default: %(default)s)")
    parser.epilog = f"--tests defaults to '{DEFAULT_TESTS}'; conformance=1 is always passed."


def conformance_append(args: argparse.Namespace) -> str:
    if any(word.startswith("conformance=") for word in args.append.split()):
        raise ValueError("--append may not set conformance=: the conformance command always passes conformance=1")
    return kargs.kernel_args(kargs.split_globs(args.tests), args.platform, extra=f"conformance=1 {args.append}")


def run_options(args: argparse.Namespace) -> runner.RunOptions:
    launch = qemu.choose_launch(args.platform, args.profile, args.firmware, args.qemu, args.boot)
    return runner.RunOptions.launching(
        launch, kernel=args.kernel, append=conformance_append(args),
        memory=args.memory, smp=args.smp, timeout=args.timeout, mem_prealloc=args.mem_prealloc,
        log_dir=args.log_dir, label="conformance", mode="run", qemu=args.qemu,
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


def write_report(report: Report, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / name for name in REPORT_FILES]
    for path, render in zip(paths, (render_markdown, render_html, render_junit)):
        path.write_text(render(report))
    return paths


def print_summary(report: Report, paths: list[Path]) -> None:
    for row in findings(report):
        print(f"  {row.result.value.upper():5} {row.id} {row.statement}")
        for line in row.evidence[:3]:
            print(f"        {line}")
    for problem in report.boot_problems:
        print(f"  boot problem: {problem}")
    print(f"ccktf conformance: {summary_text(report)}")
    print("ccktf conformance: wrote " + ", ".join(str(p) for p in paths))


def execute(args: argparse.Namespace) -> int:
    options = run_options(args)
    print(f"ccktf conformance: booting ({options.memory}, profile {options.profile}): {options.append}", flush=True)
    run = runner.run(options)
    report = report_from_run(run, options)
    paths = write_report(report, args.out)
    print_summary(report, paths)
    return report.exit_status()
