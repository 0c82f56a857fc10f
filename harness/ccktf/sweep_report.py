"""The report of a conformance sweep (ccktf.conformance_sweep): every check against every configuration in one
table, so that a vendor sees at a glance which sizes break, with the evidence of each failure under it.

Rendered as Markdown (``report.md``), JSON (``report.json``), self-contained HTML (``report.html``) and JUnit
(``report.xml``: a ``<testsuites>`` with the ``<testsuite>`` each configuration's own report would have,
named ``ccktf-conformance[LABEL]``, docs/conformance.md "JUnit"). The firmware x kernel acceptance matrix
(ccktf.matrix) is a section of its own when the platform has one (``MatrixSection``).

A cell reads ``pass``, ``FAIL``, ``warn`` (a failed should), ``skip``, ``ERROR`` (the check never reported:
the boot went wrong) or ``-`` (that configuration's kernel did not declare the check).
"""

from __future__ import annotations

import html
import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Optional

from . import matrix
from .conformance_report import (MODEL_NOTICE, RESULT_TEXT, CheckRow, Report, Result, identity_lines, utc_iso, xml_safe)
from .conformance_report import render_junit as render_junit_single
from .conformance_sweep import SweepConfig

MISSING = "-"


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
        return next((r for r in config.report.checks if r.id == check_id), None)

    def describe(self, check_id: str) -> CheckRow:
        return next(r for c in self.configs for r in c.report.checks if r.id == check_id)

    def exit_status(self) -> int:
        """2 when any configuration's boot went wrong, else 1 when a must failed in any, else 0."""
        return max(c.report.exit_status() for c in self.configs)

    def failing_labels(self, check_id: str) -> list[str]:
        return [c.config.label for c in self.configs if (r := self.row(c, check_id)) and r.failed]


def cell_text(row: Optional[CheckRow]) -> str:
    return MISSING if row is None else RESULT_TEXT[row.result]


def counts_text(report: Report) -> str:
    return ", ".join(f"{report.count(r)} {r.value}" for r in Result if report.count(r))


def _md(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def header_lines(sweep: SweepReport) -> list[tuple[str, str]]:
    """The first report's identity, without what differs between configurations (profile and memory,
    date, serial log)."""
    skip = {"QEMU profile", "Serial log"}
    lines = [(k, v) for k, v in identity_lines(sweep.first) if k not in skip]
    lines.insert(0, ("Sweep", f"{sweep.spec} ({len(sweep.configs)} configurations, profile {sweep.first.profile})"))
    return lines


def verdict_text(sweep: SweepReport) -> str:
    status = sweep.exit_status()
    broken = [c.config.label for c in sweep.configs if c.report.exit_status() == 2]
    failing = [c.config.label for c in sweep.configs if c.report.exit_status() == 1]
    if status == 2:
        return f"ERROR: the boot did not complete in {', '.join(broken)}"
    if status == 1:
        ids = [i for i in sweep.check_ids if sweep.failing_labels(i)]
        return f"FAIL: must check(s) {', '.join(ids)} did not hold (in {labels_text(sweep, failing)})"
    return "PASS: every must check held in every configuration"


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
        bad = [(c, r) for c in sweep.configs if (r := sweep.row(c, check_id)) and
               r.result in (Result.FAIL, Result.ERROR, Result.WARN)]
        if bad:
            out.append((check_id, bad))
    return out


# -- Markdown -------------------------------------------------------------------------------------------

def _config_table(sweep: SweepReport) -> list[str]:
    lines = ["| configuration | verdict | checks | kernel arguments added | serial log |", "|---|---|---|---|---|"]
    for c in sweep.configs:
        lines.append(f"| {c.config.label} | {_md(c.report.verdict())} | {counts_text(c.report)} | "
                     f"{c.extra_args or MISSING} | {_md(c.report.run_dir or MISSING)} |")
    return lines


def _check_table(sweep: SweepReport) -> list[str]:
    labels = [c.config.label for c in sweep.configs]
    lines = ["| ID | Sev. | Statement | " + " | ".join(labels) + " |", "|---|---|---|" + "---|" * len(labels)]
    for check_id in sweep.check_ids:
        d = sweep.describe(check_id)
        cells = [cell_text(sweep.row(c, check_id)) for c in sweep.configs]
        cells = [f"**{t}**" if t in ("FAIL", "ERROR") else t for t in cells]
        lines.append(f"| {check_id} | {d.severity} | {_md(d.statement)} | " + " | ".join(cells) + " |")
    return lines


def _finding_lines(sweep: SweepReport) -> list[str]:
    lines = []
    for check_id, bad in findings(sweep):
        d = sweep.describe(check_id)
        lines += [f"### {check_id} ({d.severity}): {_md(d.statement)}", "",
                  f"Test `{d.test}`. Spec: {_md(d.spec)}", ""]
        shown: dict[tuple, str] = {}
        for c, row in bad:
            lines.append(f"**{c.config.label}: {RESULT_TEXT[row.result]}**" +
                         (f". Kernel: {_md(row.reason)}" if row.reason else ""))
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
        lines += [_md(section.note), ""]
    if not section.results:
        return lines
    lines += [f"Source: {section.source}", ""]
    body = matrix.render_markdown(section.results).splitlines()[1:]  # its own title is this section's
    return lines + [("#" + line) if line.startswith("#") else line for line in body]


def render_markdown(sweep: SweepReport) -> str:
    first = sweep.first
    lines = ["# ccktf firmware conformance report: sweep", ""]
    if first.is_model:
        lines += [f"> **{MODEL_NOTICE.format(platform=first.platform)}**", ""]
    lines += ["| | |", "|---|---|"] + [f"| {k} | {_md(v)} |" for k, v in header_lines(sweep)]
    lines += ["", f"**{_md(verdict_text(sweep))}**", "", "## Configurations", ""] + _config_table(sweep)
    problems = [(c, p) for c in sweep.configs for p in c.report.boot_problems]
    if problems:
        lines += ["", "## Boot problems", ""] + [f"- {c.config.label}: {_md(p)}" for c, p in problems]
    lines += ["", "## Checks by configuration", ""] + _check_table(sweep)
    skips = [(i, skip_reasons(sweep, i)) for i in sweep.check_ids]
    if any(reasons for _, reasons in skips):
        lines += ["", "Skip reasons:", ""]
        for check_id, reasons in skips:
            lines += [f"- {check_id} ({labels_text(sweep, labels)}): {_md(reason)}" for reason, labels in reasons]
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
    """A <testsuites> of each configuration's own <testsuite> (conformance_report.render_junit), renamed."""
    root = ET.Element("testsuites", name="ccktf-conformance-sweep")
    totals = {"tests": 0, "failures": 0, "errors": 0}
    seconds = 0.0
    for c in sweep.configs:
        suite = ET.fromstring(render_junit_one(c))
        suite.set("name", f"ccktf-conformance[{c.config.label}]")
        for key in totals:
            totals[key] += int(suite.get(key, "0"))
        seconds += c.report.seconds or 0.0
        root.append(suite)
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("time", f"{seconds:.3f}")
    ET.indent(root)
    return xml_safe(ET.tostring(root, encoding="unicode", xml_declaration=True)) + "\n"


def render_junit_one(c: ConfigReport) -> str:
    text = render_junit_single(c.report)
    return text.split("?>", 1)[1] if text.startswith("<?xml") else text


# -- HTML -----------------------------------------------------------------------------------------------

_CSS = """body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}
td,th{border:1px solid #bbb;padding:.3em .5em;text-align:left;vertical-align:top}
.pass{background:#dfd}.fail,.error{background:#fcc}.warn{background:#ffd}.skip{background:#eee}
.model{border:3px solid #c60;padding:.5em;font-weight:bold}pre{background:#f6f6f6;padding:.5em;overflow-x:auto}"""


def _h(text: str) -> str:
    return html.escape(text, quote=True)


def render_html(sweep: SweepReport) -> str:
    first = sweep.first
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           "<title>ccktf firmware conformance report: sweep</title>", f"<style>{_CSS}</style></head><body>",
           "<h1>ccktf firmware conformance report: sweep</h1>"]
    if first.is_model:
        out.append(f'<p class="model">{_h(MODEL_NOTICE.format(platform=first.platform))}</p>')
    out.append("<table>" + "".join(f"<tr><th>{_h(k)}</th><td>{_h(v)}</td></tr>" for k, v in header_lines(sweep))
               + "</table>")
    out.append(f"<p><strong>{_h(verdict_text(sweep))}</strong></p><h2>Checks by configuration</h2>")
    out.append("<table><tr><th>ID</th><th>Sev.</th><th>Statement</th>" +
               "".join(f"<th>{_h(c.config.label)}</th>" for c in sweep.configs) + "</tr>")
    for check_id in sweep.check_ids:
        d = sweep.describe(check_id)
        cells = []
        for c in sweep.configs:
            row = sweep.row(c, check_id)
            css = row.result.value if row else "skip"
            title = f' title="{_h(row.reason)}"' if row and row.reason else ""
            cells.append(f'<td class="{css}"{title}>{_h(cell_text(row))}</td>')
        out.append(f"<tr><td>{_h(check_id)}</td><td>{_h(d.severity)}</td><td>{_h(d.statement)}</td>"
                   + "".join(cells) + "</tr>")
    out.append("</table>")
    found = findings(sweep)
    if found:
        out.append("<h2>Findings</h2>")
    for check_id, bad in found:
        out.append(f"<h3>{_h(check_id)}: {_h(sweep.describe(check_id).statement)}</h3>")
        for c, row in bad:
            out.append(f'<p class="{row.result.value}">{_h(c.config.label)}: {_h(RESULT_TEXT[row.result])}'
                       f"{(': ' + _h(row.reason)) if row.reason else ''}</p>")
            out.append("<pre>" + _h("\n".join(row.evidence or ["(no evidence lines)"])) + "</pre>")
    if sweep.matrix:
        out.append("<h2>Firmware x kernel acceptance matrix</h2><pre>" +
                   _h("\n".join(matrix_markdown(sweep.matrix)[2:])) + "</pre>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"
