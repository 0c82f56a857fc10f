"""Human-readable summaries of a run, for the CLI (and for pytest failure messages)."""

from __future__ import annotations

from .ktap import KtapResult, Metric, Status, TestResult
from .runner import Run
from .verdict import Outcome

INDENT = "    "


def table(rows: list[list[str]], header: list[str]) -> list[str]:
    widths = [max(len(row[i]) for row in [header] + rows) for i in range(len(header))]
    return ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in [header] + rows]


def suite_rows(result: KtapResult) -> list[list[str]]:
    rows = []
    for suite in result.suites:
        counts = {status: sum(t.status is status for t in suite.tests) for status in Status}
        rows.append([suite.name, *(str(counts[s]) for s in Status), str(len(suite.tests))])
    return rows


def test_details(test: TestResult) -> list[str]:
    """A failed or errored test and the kernel's diagnostics for it."""
    return [f"{test.status.value.upper()} {test.full_name}"] + [INDENT + line for line in test.diagnostics]


def metric_rows(metrics: list[Metric]) -> list[list[str]]:
    return [[m.name, f"{m.value:.15g}", m.unit, m.platform, " ".join(f"{k}={v}" for k, v in m.extra.items()),
             ".".join(filter(None, (m.suite, m.test)))] for m in metrics]


# Top-level diagnostics that say what this boot found (docs/protocol.md: free-form lines before the plan).
BOOT_FACTS = ("# firmware:", "# secure-boot:", "# platform:", "# platform-identity:", "# unaccepted:")


def boot_facts(result: KtapResult) -> list[str]:
    """The firmware, the platform and the unaccepted memory the kernel reported, without the '# '."""
    return [line[2:] for line in result.diagnostics if line.startswith(BOOT_FACTS)]


def summarize_run(run: Run, tail_lines: int = 20) -> str:
    """The CLI's ``run`` output: counts per suite, failures with diagnostics, metrics, verdict, log path."""
    result = run.ktap
    lines = [f"platform: {result.platform or '(not reported)'}  kernel: {result.header.get('version', '?')}  "
             f"args: {result.args if result.args is not None else '(not reported)'}"]
    if run.boot_note:
        lines.append(f"boot: {run.boot_note}")
    facts = boot_facts(result)
    if facts:
        lines += ["", *facts]
    if result.suites:
        lines += ["", *table(suite_rows(result), ["suite", *(s.value for s in Status), "total"])]
    broken = [t for t in result.tests() if t.status in (Status.FAIL, Status.ERROR)]
    if broken:
        lines += ["", "Failures:"] + [line for test in broken for line in test_details(test)]
    if result.accept_errors:
        lines += ["", "Acceptance errors (raw status as the platform returned it):"]
        lines += [INDENT + error.summary for error in result.accept_errors]
    if result.metrics:
        lines += ["", "Metrics:", *table(metric_rows(result.metrics),
                                          ["name", "value", "unit", "platform", "context", "test"])]
    lines += ["", f"verdict: {run.verdict}"]
    if run.verdict.outcome is Outcome.ERROR:
        lines += ["", f"serial tail (last {tail_lines} lines):"] + [INDENT + l for l in run.serial_tail(tail_lines).split("\n")]
    lines += [f"serial log: {run.serial_log}  ({run.seconds:.1f} s)"]
    return "\n".join(lines)


def summarize_listing(run: Run) -> str:
    return "\n".join(run.ktap.listing + [f"({len(run.ktap.listing)} tests; serial log: {run.serial_log})"])
