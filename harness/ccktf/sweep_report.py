"""The report of a conformance sweep (ccktf.conformance_sweep): every check against every configuration in one
table, so that a vendor sees at a glance which sizes break, with the evidence of each failure under it.

Rendered as Markdown (``report.md``), JSON (``report.json``), self-contained HTML (``report.html``) and JUnit
(``report.xml``: a ``<testsuites>`` with the ``<testsuite>`` each configuration's own report would have,
named ``ccktf-conformance[LABEL]``, docs/conformance.md "JUnit"). The firmware x kernel acceptance matrix
(ccktf.matrix) is a section of its own when the platform has one (``MatrixSection``).

A cell reads ``pass``, ``FAIL``, ``warn`` (a failed should), ``skip``, ``ERROR`` (the check never reported:
the boot went wrong; ``ERROR (not run)`` when the boot went wrong before the kernel even declared it) or ``-``
(that configuration's boot completed and its kernel did not declare the check).
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Optional

from . import matrix
from .conformance_report import (MODEL_NOTICE, NO_CHECKS, RESULT_TEXT, CheckRow, Report, Result, html_head, html_text,
                                 identity_lines, is_finding, md_text, utc_iso, xml_safe)
from .conformance_report import render_junit as render_junit_single
from .conformance_sweep import SweepConfig

MISSING = "-"
NOT_RUN = "not run"  # the reason of a check a broken boot never reached (SweepReport.row)


@dataclass
class ConfigReport:
    config: SweepConfig
    report: Report
    extra_args: str = ""  # kernel arguments the sweep added for this configuration


@dataclass
class MatrixSection:
    """The firmware x kernel matrix for the report: measured for it, or read from a matrix.json."""

    results: list  # list[matrix.CellResult]
    source: str  # how it was obtained: the command, or the file read
    note: str = ""  # why there is none, or what went wrong


@dataclass
class SweepReport:
    spec: str
    configs: list[ConfigReport]
    matrix: Optional[MatrixSection] = None
    check_ids: list[str] = field(default_factory=list)

    def __post_init__(self):
        if not self.check_ids:
            for c in self.configs:
                for row in c.report.checks:
                    if row.id not in self.check_ids:
                        self.check_ids.append(row.id)

    @property
    def first(self) -> Report:
        """The report whose identity heads the sweep: the first configuration that declared checks."""
        return next((c.report for c in self.configs if c.report.checks), self.configs[0].report)

    def row(self, config: ConfigReport, check_id: str) -> Optional[CheckRow]:
        """The configuration's row of the check; when its boot went wrong (``Report.boot_error()``) and never
        reported the check, an ERROR row "not run" (never a ``-``, which says "not declared"); None when the
        boot completed without declaring it."""
        found = next((r for r in config.report.checks if r.id == check_id), None)
        if found is not None or not config.report.boot_error():
            return found
        d = self.describe(check_id)
        return CheckRow(d.id, d.test, d.severity, d.statement, d.spec, Result.ERROR,
                        f"{NOT_RUN}: {config.report.boot_error()}", [], [])

    def describe(self, check_id: str) -> CheckRow:
        return next(r for c in self.configs for r in c.report.checks if r.id == check_id)

    def exit_status(self) -> int:
        """2 when any configuration's boot went wrong, else 1 when a must failed in any, else 0."""
        return max(c.report.exit_status() for c in self.configs)

    def failing_labels(self, check_id: str) -> list[str]:
        """The configurations in which the check's must did not hold: FAIL anywhere; ERROR (never reported)
        only where the boot completed (in a broken boot it is the boot's error, not the check's)."""
        return [c.config.label for c in self.configs if (r := self.row(c, check_id)) and
                (r.result is Result.FAIL or (r.failed and not c.report.boot_error()))]


def not_run(row: Optional[CheckRow]) -> bool:
    return row is not None and row.result is Result.ERROR and row.reason.startswith(NOT_RUN + ":")


def cell_text(row: Optional[CheckRow]) -> str:
    if row is None:
        return MISSING
    return f"{RESULT_TEXT[row.result]} ({NOT_RUN})" if not_run(row) else RESULT_TEXT[row.result]


def counts_text(report: Report) -> str:
    return ", ".join(f"{report.count(r)} {r.value}" for r in Result if report.count(r))


def common_args(sweep: SweepReport) -> list[str]:
    """The kernel arguments every configuration's kernel reported (a boot that reported none is left out)."""
    reported = [c.report.args.split() for c in sweep.configs if c.report.args]
    return [w for w in reported[0] if all(w in words for words in reported[1:])] if reported else []


def own_args(sweep: SweepReport, c: ConfigReport) -> str:
    """c's kernel arguments beyond the common ones (its column's), or why there are none to show."""
    if not c.report.args:
        return "(not reported)"
    common = common_args(sweep)
    return " ".join(w for w in c.report.args.split() if w not in common) or MISSING


def header_lines(sweep: SweepReport) -> list[tuple[str, str]]:
    """The first report's identity without what differs between configurations: profile and memory, serial
    log (the configuration table has them); the date is the earliest boot's start; the kernel arguments are
    those common to every configuration (each configuration's own are in its row)."""
    skip = {"QEMU profile", "Serial log", "Date", "ccktf"}
    lines = [(k, v) for k, v in identity_lines(sweep.first) if k not in skip]
    started = min(c.report.date for c in sweep.configs)
    lines[-1:-1] = [("Date", f"{utc_iso(started)} (the first boot's start; each configuration's in report.json)"),
                    ("ccktf", f"{sweep.first.ccktf_version}, arguments common to every configuration: "
                              f"{' '.join(common_args(sweep)) or '(none reported)'}")]
    lines.insert(0, ("Sweep", f"{sweep.spec} ({len(sweep.configs)} configurations, profile {sweep.first.profile})"))
    return lines


def verdict_text(sweep: SweepReport) -> str:
    status = sweep.exit_status()
    broken = [c.config.label for c in sweep.configs if c.report.exit_status() == 2]
    ids = [i for i in sweep.check_ids if sweep.failing_labels(i)]
    failing = [c.config.label for c in sweep.configs if any(c.config.label in sweep.failing_labels(i) for i in ids)]
    fail = f"must check(s) {', '.join(ids)} did not hold (in {labels_text(sweep, failing)})"
    if status == 2:
        error = f"ERROR: the boot did not complete in {', '.join(broken)}"
        return f"{error}; FAIL: {fail}" if failing else error
    if status == 1:
        return f"FAIL: {fail}"
    return "PASS: every must check held in every configuration"


def boot_problems(sweep: SweepReport) -> list[tuple[ConfigReport, str]]:
    """Why each broken configuration's boot cannot be trusted (a boot that declared no checks included)."""
    return [(c, p) for c in sweep.configs
            for p in c.report.boot_problems or ([NO_CHECKS] if c.report.boot_error() else [])]


def skip_reasons(sweep: SweepReport, check_id: str) -> list[tuple[str, list[str]]]:
    """Each distinct skip reason of a check with the configurations that gave it."""
    reasons: dict[str, list[str]] = {}
    for c in sweep.configs:
        row = sweep.row(c, check_id)
        if row and row.result is Result.SKIP:
            reasons.setdefault(row.reason or "(no reason given)", []).append(c.config.label)
    return list(reasons.items())


def labels_text(sweep: SweepReport, labels: list[str]) -> str:
    return "every configuration" if len(labels) == len(sweep.configs) > 1 else ", ".join(labels)


def findings(sweep: SweepReport) -> list[tuple[str, list[tuple[ConfigReport, CheckRow]]]]:
    """Per check with a fail, error or warning: the configurations where it did not hold, with their rows."""
    out = []
    for check_id in sweep.check_ids:
        bad = [(c, r) for c in sweep.configs if (r := sweep.row(c, check_id)) and is_finding(r) and not not_run(r)]
        if bad:
            out.append((check_id, bad))
    return out


# -- Markdown -------------------------------------------------------------------------------------------

CONFIG_COLUMNS = ("configuration", "verdict", "checks", "kernel arguments added by the sweep",
                  "its own kernel arguments", "serial log")


def config_cells(sweep: SweepReport, c: ConfigReport) -> list[str]:
    """One configuration's row of the configuration table (CONFIG_COLUMNS), as plain text."""
    return [c.config.label, c.report.verdict(), counts_text(c.report) or MISSING, c.extra_args or MISSING,
            own_args(sweep, c), c.report.run_dir or MISSING]


def _config_table(sweep: SweepReport) -> list[str]:
    lines = ["| " + " | ".join(CONFIG_COLUMNS) + " |", "|" + "---|" * len(CONFIG_COLUMNS)]
    return lines + ["| " + " | ".join(md_text(t) for t in config_cells(sweep, c)) + " |" for c in sweep.configs]


def _check_table(sweep: SweepReport) -> list[str]:
    labels = [c.config.label for c in sweep.configs]
    lines = ["| ID | Sev. | Statement | " + " | ".join(labels) + " |", "|---|---|---|" + "---|" * len(labels)]
    for check_id in sweep.check_ids:
        d = sweep.describe(check_id)
        cells = [cell_text(sweep.row(c, check_id)) for c in sweep.configs]
        cells = [f"**{t}**" if t.startswith(("FAIL", "ERROR")) else t for t in cells]
        lines.append(f"| {check_id} | {d.severity} | {md_text(d.statement)} | " + " | ".join(cells) + " |")
    return lines


def _finding_lines(sweep: SweepReport) -> list[str]:
    lines = []
    for check_id, bad in findings(sweep):
        d = sweep.describe(check_id)
        lines += [f"### {check_id} ({d.severity}): {md_text(d.statement)}", "",
                  f"Test `{d.test}`. Spec: {md_text(d.spec)}", ""]
        shown: dict[tuple, str] = {}
        for c, row in bad:
            lines.append(f"**{c.config.label}: {RESULT_TEXT[row.result]}**" +
                         (f". Kernel: {md_text(row.reason)}" if row.reason else ""))
            key = tuple(row.evidence)
            if key in shown:
                lines += ["", f"(evidence as in {shown[key]})", ""]
                continue
            shown[key] = c.config.label
            lines += ["", "```"] + [e.replace("```", "'''") for e in row.evidence or ["(no evidence lines)"]]
            lines += ["```", ""]
    return lines


def matrix_markdown(section: MatrixSection) -> list[str]:
    lines = ["## Firmware x kernel acceptance matrix", ""]
    if section.note:
        lines += [md_text(section.note), ""]
    if not section.results:
        return lines
    lines += [f"Source: {section.source}", ""]
    body = matrix.render_markdown(section.results).splitlines()[1:]  # its own title is this section's
    return lines + [("#" + line) if line.startswith("#") else line for line in body]


def matrix_html(section: MatrixSection) -> str:
    """The matrix section for an HTML report (the single report's and the sweep's): its Markdown, verbatim."""
    return ("<h2>Firmware x kernel acceptance matrix</h2><pre>" + html_text("\n".join(matrix_markdown(section)[2:]))
            + "</pre>")


def render_markdown(sweep: SweepReport) -> str:
    first = sweep.first
    lines = ["# ccktf firmware conformance report: sweep", ""]
    if first.is_model:
        lines += [f"> **{MODEL_NOTICE.format(platform=first.platform)}**", ""]
    lines += ["| | |", "|---|---|"] + [f"| {k} | {md_text(v)} |" for k, v in header_lines(sweep)]
    lines += ["", f"**{md_text(verdict_text(sweep))}**", "", "## Configurations", ""] + _config_table(sweep)
    problems = boot_problems(sweep)
    if problems:
        lines += ["", "## Boot problems", ""] + [f"- {c.config.label}: {md_text(p)}" for c, p in problems]
    lines += ["", "## Checks by configuration", ""] + _check_table(sweep)
    skips = [(i, skip_reasons(sweep, i)) for i in sweep.check_ids]
    if any(reasons for _, reasons in skips):
        lines += ["", "Skip reasons:", ""]
        for check_id, reasons in skips:
            lines += [f"- {check_id} ({labels_text(sweep, labels)}): {md_text(reason)}" for reason, labels in reasons]
    found = _finding_lines(sweep)
    if found:
        lines += ["", "## Findings", ""] + found
    if sweep.matrix:
        lines += [""] + matrix_markdown(sweep.matrix)
    return "\n".join(lines).rstrip("\n") + "\n"


# -- JSON -----------------------------------------------------------------------------------------------

def to_json(sweep: SweepReport) -> str:
    first = sweep.first
    configs = [{"label": c.config.label, "memory": c.config.memory, "smp": c.config.smp,
                "extra_args": c.extra_args, "exit_status": c.report.exit_status(), "verdict": c.report.verdict(),
                "counts": {r.value: c.report.count(r) for r in Result}, "boot_problems": c.report.boot_problems,
                "date": utc_iso(c.report.date), "seconds": c.report.seconds, "run_dir": c.report.run_dir,
                "args": c.report.args} for c in sweep.configs]
    checks = []
    for check_id in sweep.check_ids:
        d = sweep.describe(check_id)
        results = {}
        for c in sweep.configs:
            row = sweep.row(c, check_id)
            results[c.config.label] = None if row is None else {
                "result": row.result.value, "reason": row.reason, "evidence": row.evidence}
        checks.append({"id": check_id, "test": d.test, "severity": d.severity, "statement": d.statement,
                       "spec": d.spec, "results": results})
    document = {"sweep": sweep.spec, "exit_status": sweep.exit_status(), "verdict": verdict_text(sweep),
                "platform": first.platform, "model": first.is_model, "profile": first.profile,
                "firmware": vars(first.firmware), "firmware_image": first.firmware_image, "host": first.host,
                "platform_identity": first.platform_identity, "ccktf_version": first.ccktf_version,
                "configurations": configs, "checks": checks,
                "matrix": None if sweep.matrix is None else {
                    "source": sweep.matrix.source, "note": sweep.matrix.note,
                    "results": json.loads(matrix.to_json(sweep.matrix.results))}}
    return json.dumps(document, indent=2) + "\n"


# -- JUnit ----------------------------------------------------------------------------------------------

def render_junit(sweep: SweepReport) -> str:
    """A <testsuites> of each configuration's own <testsuite> (conformance_report.render_junit), renamed, each
    testcase's classname carrying the configuration (``conformance[2813M smp=1]``: tools that key a test on
    classname + name would otherwise merge FB-004 of every configuration into one), and a testcase with an
    <error> for each check a broken boot never reached ("not run"). <testsuites> carries the sums of tests,
    failures and errors; the skipped sum is only on each <testsuite>: junit-10.xsd (Jenkins' xUnit plugin,
    harness/tests/fixtures) defines no ``skipped`` attribute on <testsuites>, and the file must stay valid."""
    root = ET.Element("testsuites", name="ccktf-conformance-sweep")
    totals = {"tests": 0, "failures": 0, "errors": 0}
    seconds = 0.0
    for c in sweep.configs:
        suite = ET.fromstring(render_junit_one(c))
        suite.set("name", f"ccktf-conformance[{c.config.label}]")
        _add_not_run(suite, sweep, c)
        for case in suite.iter("testcase"):
            case.set("classname", f"{case.get('classname')}[{c.config.label}]")
        for key in totals:
            totals[key] += int(suite.get(key, "0"))
        seconds += c.report.seconds or 0.0
        root.append(suite)
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("time", f"{seconds:.3f}")
    ET.indent(root)
    return xml_safe(ET.tostring(root, encoding="unicode", xml_declaration=True)) + "\n"


def _add_not_run(suite: ET.Element, sweep: SweepReport, c: ConfigReport) -> None:
    """The checks c's broken boot never reached, as testcases with an <error>, before <system-out/err>
    (junit-10.xsd orders a testsuite's children), counted in tests and errors."""
    rows = [r for i in sweep.check_ids if not_run(r := sweep.row(c, i))]
    tail = next((i for i, e in enumerate(suite) if e.tag in ("system-out", "system-err")), len(suite))
    for n, row in enumerate(rows):
        case = ET.Element("testcase", classname=row.test.split(".")[0], name=f"{row.id} {row.test}")
        ET.SubElement(case, "error", message=f"{row.id}: {NOT_RUN}", type=NOT_RUN.replace(" ", "-")).text = row.reason
        suite.insert(tail + n, case)
    for key in ("tests", "errors"):
        suite.set(key, str(int(suite.get(key, "0")) + len(rows)))


def render_junit_one(c: ConfigReport) -> str:
    text = render_junit_single(c.report)
    return text.split("?>", 1)[1] if text.startswith("<?xml") else text


# -- HTML -----------------------------------------------------------------------------------------------

def render_html(sweep: SweepReport) -> str:
    out = html_head("ccktf firmware conformance report: sweep", sweep.first, header_lines(sweep), verdict_text(sweep))
    out.append("<h2>Configurations</h2>")
    out.append("<table><tr>" + "".join(f"<th>{html_text(t)}</th>" for t in CONFIG_COLUMNS) + "</tr>" +
               "".join("<tr>" + "".join(f"<td>{html_text(t)}</td>" for t in config_cells(sweep, c)) + "</tr>"
                       for c in sweep.configs) + "</table>")
    problems = boot_problems(sweep)
    if problems:
        out.append("<h2>Boot problems</h2><table><tr><th>configuration</th><th>problem</th></tr>" +
                   "".join(f'<tr class="error"><td>{html_text(c.config.label)}</td><td>{html_text(p)}</td></tr>'
                           for c, p in problems) + "</table>")
    out.append("<h2>Checks by configuration</h2>")
    out.append("<table><tr><th>ID</th><th>Sev.</th><th>Statement</th>" +
               "".join(f"<th>{html_text(c.config.label)}</th>" for c in sweep.configs) + "</tr>")
    for check_id in sweep.check_ids:
        d = sweep.describe(check_id)
        cells = []
        for c in sweep.configs:
            row = sweep.row(c, check_id)
            css = row.result.value if row else "missing"
            title = f' title="{html_text(row.reason)}"' if row and row.reason else ""
            cells.append(f'<td class="{css}"{title}>{html_text(cell_text(row))}</td>')
        out.append(f"<tr><td>{html_text(check_id)}</td><td>{html_text(d.severity)}</td>"
                   f"<td>{html_text(d.statement)}</td>"
                   + "".join(cells) + "</tr>")
    out.append("</table>")
    found = findings(sweep)
    if found:
        out.append("<h2>Findings</h2>")
    for check_id, bad in found:
        out.append(f"<h3>{html_text(check_id)}: {html_text(sweep.describe(check_id).statement)}</h3>")
        for c, row in bad:
            out.append(f'<p class="{row.result.value}">{html_text(c.config.label)}: '
                       f'{html_text(RESULT_TEXT[row.result])}'
                       f"{(': ' + html_text(row.reason)) if row.reason else ''}</p>")
            out.append("<pre>" + html_text("\n".join(row.evidence or ["(no evidence lines)"])) + "</pre>")
    if sweep.matrix:
        out.append(matrix_html(sweep.matrix))
    out.append("</body></html>")
    return "\n".join(out) + "\n"
