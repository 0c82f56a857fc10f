"""The firmware conformance report (docs/conformance.md): results classified from the parsed KTAP stream,
rendered as Markdown, self-contained HTML and JUnit XML.

A check is a test the kernel announced with ``# check:`` (``ktap.TestResult.check``). Its result:

``pass``   the check held;
``fail``   a ``must`` check did not hold (or the kernel never reported it: ``error``);
``warn``   a ``should`` check did not hold;
``skip``   the check does not apply here (the reason says why: wrong platform, no such table...).

Only ``fail`` and ``error`` make the report fail (exit status 1); a boot that did not complete is an
error (exit status 2) whatever the checks said.

JUnit (docs/conformance.md "JUnit"): one testcase per check, and, when the boot itself went wrong (crashed,
hung, truncated, a usage error, no checks declared), one more testcase ``boot`` with an ``<error>`` whose
message is the verdict's reasons and whose text ends with the serial tail, so that a CI system that only
counts failures and errors sees it. The timestamp is ISO 8601 in UTC, as xs:dateTime without a zone
(``2026-11-30T10:56:54``); the file validates against Jenkins' junit-10.xsd (harness/tests/fixtures).
"""

from __future__ import annotations

import enum
import html
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Optional

from .ktap import KtapResult, Status, TestResult
from .platforms import is_model

_FIRMWARE = re.compile(r'# firmware: vendor="(.*)" revision=(\S+) uefi=(\S+)')


NO_CHECKS = "the kernel declared no checks"


class Result(str, enum.Enum):
    PASS = "pass"
    FAIL = "fail"
    WARN = "warn"
    SKIP = "skip"
    ERROR = "error"


@dataclass
class CheckRow:
    """One check as the report shows it."""

    id: str
    test: str  # suite.name
    severity: str
    statement: str
    spec: str
    result: Result
    reason: str = ""  # the skip reason, or the kernel's failure message
    evidence: list[str] = field(default_factory=list)
    diagnostics: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return self.result in (Result.FAIL, Result.ERROR)


@dataclass
class Firmware:
    vendor: str = "(not reported)"
    revision: str = "?"
    uefi: str = "?"


@dataclass
class Report:
    """Everything the renderers need; ``boot_problems`` is non-empty when the boot itself went wrong."""

    firmware: Firmware
    platform: str
    profile: str
    memory: str
    date: datetime  # when the boot started (timezone-aware; shown in UTC)
    ccktf_version: str
    args: str
    checks: list[CheckRow]
    boot_problems: list[str] = field(default_factory=list)
    firmware_image: str = ""
    run_dir: str = ""
    host: dict = field(default_factory=dict)  # ccktf.identity.host_identity(): the machine it ran on
    serial_tail: str = ""  # the last lines of the serial output, escapes stripped (shown with boot problems)
    seconds: Optional[float] = None  # how long the boot took
    platform_identity: dict = field(default_factory=dict)  # the kernel's "# platform-identity:" words
    secure_boot: dict = field(default_factory=dict)  # the kernel's "# secure-boot:" words (docs/protocol.md)

    @property
    def is_model(self) -> bool:
        return is_model(self.platform)

    def count(self, result: Result) -> int:
        return sum(row.result is result for row in self.checks)

    @property
    def must_failed(self) -> bool:
        return any(row.failed for row in self.checks)

    def exit_status(self) -> int:
        """0: every must held; 1: a must failed; 2: the boot went wrong or declared no checks."""
        if self.boot_problems or not self.checks:
            return 2
        return 1 if self.must_failed else 0

    def boot_error(self) -> Optional[str]:
        """Why the boot as a whole is an error (crash, hang, truncation, nothing run), or None."""
        if self.boot_problems:
            return "; ".join(self.boot_problems) or "the boot ended in an error (no reason given)"
        if not self.checks:
            return NO_CHECKS
        return None

    def verdict(self) -> str:
        status = self.exit_status()
        if status == 2:
            return "ERROR: the boot did not complete" if self.boot_problems else f"ERROR: {NO_CHECKS}"
        if status == 1:
            return f"FAIL: {self.count(Result.FAIL) + self.count(Result.ERROR)} must check(s) did not hold"
        return f"PASS: every must check held ({self.count(Result.WARN)} warning(s))"


# -- classification -----------------------------------------------------------------------------------

def classify(test: TestResult) -> Result:
    if test.status is Status.PASS:
        return Result.PASS
    if test.status is Status.SKIP:
        return Result.SKIP
    if test.status is Status.ERROR:
        return Result.ERROR
    return Result.WARN if test.check and test.check.severity == "should" else Result.FAIL


def failure_reason(test: TestResult) -> str:
    """The kernel's message for a failed check: its diagnostics without the ASSERTION location lines."""
    lines = [line for line in test.diagnostics if not line.startswith("ASSERTION FAILED at ")]
    return "; ".join(lines)


def check_rows(result: KtapResult) -> list[CheckRow]:
    rows = []
    for test in result.tests():
        if test.check is None:
            continue
        outcome = classify(test)
        reason = (test.skip_reason or "") if outcome is Result.SKIP else failure_reason(test)
        rows.append(CheckRow(test.check.id, test.full_name, test.check.severity, test.check.statement,
                             test.check.spec, outcome, reason, list(test.evidence), list(test.diagnostics)))
    return rows


def firmware_identity(result: KtapResult) -> Firmware:
    for line in result.diagnostics:
        if match := _FIRMWARE.fullmatch(line):
            return Firmware(*match.groups())
    return Firmware()


def build_report(result: KtapResult, *, profile: str, memory: str, date: datetime, boot_problems: list[str],
                 firmware_image: str = "", run_dir: str = "", host: Optional[dict] = None, serial_tail: str = "",
                 seconds: Optional[float] = None) -> Report:
    return Report(firmware_identity(result), result.platform or "(not reported)", profile, memory, date,
                  result.header.get("version", "?"), result.args or "", check_rows(result),
                  list(boot_problems), firmware_image, run_dir, dict(host or {}), serial_tail, seconds,
                  dict(result.platform_identity), secure_boot=dict(result.secure_boot))


def utc_iso(date: datetime, zone: bool = True) -> str:
    """``2026-11-30T10:56:54Z`` (ISO 8601, UTC, whole seconds); without ``Z`` when ``zone`` is False, which is
    the xs:dateTime form Ant's JUnit files carry (a naive ``date`` is taken as local time)."""
    text = date.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    return text + "Z" if zone else text


# -- Markdown -------------------------------------------------------------------------------------------

MODEL_NOTICE = ("MODEL: platform {platform} is a software model of the hardware running under ordinary OVMF. "
                "Results describe the model and this firmware, not a confidential-computing guest.")
RESULT_TEXT = {Result.PASS: "pass", Result.FAIL: "FAIL", Result.WARN: "warn", Result.SKIP: "skip",
               Result.ERROR: "ERROR"}


def md_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _result_cell(row: CheckRow) -> str:
    text = RESULT_TEXT[row.result]
    return f"{text}: {row.reason}" if row.result is Result.SKIP and row.reason else text


def identity_lines(report: Report) -> list[tuple[str, str]]:
    return [
        ("Firmware vendor", report.firmware.vendor),
        ("Firmware revision", report.firmware.revision),
        ("UEFI revision", report.firmware.uefi),
        ("Secure Boot", " ".join(f"{k}={v}" for k, v in report.secure_boot.items()) or "(not reported)"),
        ("Firmware image", report.firmware_image or "(default)"),
        ("Platform", report.platform + (" (MODEL)" if report.is_model else "")),
        ("Platform identity", " ".join(f"{k}={v}" for k, v in report.platform_identity.items() if k != "platform")
         or "(not reported)"),
        ("QEMU profile", f"{report.profile}, {report.memory}"),
        ("Date", utc_iso(report.date)),
        ("ccktf", f"{report.ccktf_version}, args: {report.args}"),
        ("Serial log", report.run_dir or "(none)"),
        ("Host", host_line(report.host)),
    ]


def host_line(host: dict) -> str:
    """CPU with family/model/stepping and microcode, host kernel, QEMU; the firmware image's SHA-256."""
    if not host:
        return "(not recorded)"
    cpu = host.get("cpu") or "unknown CPU"
    fms = "/".join(str(host.get(k, "?")) for k in ("cpu_family", "cpu_model", "cpu_stepping"))
    firmware = (host.get("firmware") or {}).get("sha256")
    parts = [f"{cpu} (family/model/stepping {fms}, microcode {host.get('microcode', '?')})",
             f"kernel {host.get('kernel', '?')}", host.get("qemu") or "QEMU ?"]
    if firmware:
        parts.append(f"firmware sha256 {firmware[:16]}…")
    return "; ".join(parts)


def summary_text(report: Report) -> str:
    counts = ", ".join(f"{report.count(r)} {r.value}" for r in Result)
    return f"{report.verdict()} — {len(report.checks)} checks: {counts}"


def is_finding(row: CheckRow) -> bool:
    """A row the Findings section explains: a check that failed, warned or never reported."""
    return row.result in (Result.FAIL, Result.ERROR, Result.WARN)


def findings(report: Report) -> list[CheckRow]:
    return [row for row in report.checks if is_finding(row)]


def render_markdown(report: Report) -> str:
    lines = ["# ccktf firmware conformance report", ""]
    if report.is_model:
        lines += [f"> **{MODEL_NOTICE.format(platform=report.platform)}**", ""]
    lines += ["| | |", "|---|---|"] + [f"| {k} | {md_text(v)} |" for k, v in identity_lines(report)]
    lines += ["", f"**{md_text(summary_text(report))}**", ""]
    if report.boot_problems:
        lines += ["## Boot problems", ""] + [f"- {md_text(p)}" for p in report.boot_problems] + [""]
    lines += ["## Checks", "", "| ID | Severity | Statement | Result | Spec |", "|---|---|---|---|---|"]
    lines += [f"| {row.id} | {row.severity} | {md_text(row.statement)} | {md_text(_result_cell(row))} | "
              f"{md_text(row.spec)} |"
              for row in report.checks]
    found = findings(report)
    if found:
        lines += ["", "## Findings", ""]
        for row in found:
            lines += [f"### {row.id} ({RESULT_TEXT[row.result]}, {row.severity}): {md_text(row.statement)}", "",
                      f"Test `{row.test}`. Spec: {md_text(row.spec)}", ""]
            if row.reason:
                lines += [f"Kernel: {md_text(row.reason)}", ""]
            lines += ["```"] + [e.replace("```", "'''") for e in row.evidence or ["(no evidence lines)"]] + ["```", ""]
    return "\n".join(lines).rstrip("\n") + "\n"


# -- HTML -----------------------------------------------------------------------------------------------

CSS = """body{font-family:sans-serif;margin:2em;max-width:80em}table{border-collapse:collapse}
td,th{border:1px solid #bbb;padding:.3em .5em;text-align:left;vertical-align:top}
.pass{background:#dfd}.fail,.error{background:#fcc}.warn{background:#ffd}.skip{background:#eee}
.model{border:3px solid #c60;padding:.5em;font-weight:bold}pre{background:#f6f6f6;padding:.5em;overflow-x:auto}"""


def html_text(text: str) -> str:
    return html.escape(text, quote=True)


def html_head(title: str, report: Report, header: list[tuple[str, str]], headline: str) -> list[str]:
    """The start of an HTML report (the single one and the sweep's): title, MODEL notice, header, headline."""
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           f"<title>{html_text(title)}</title>", f"<style>{CSS}</style></head><body>", f"<h1>{html_text(title)}</h1>"]
    if report.is_model:
        out.append(f'<p class="model">{html_text(MODEL_NOTICE.format(platform=report.platform))}</p>')
    out.append("<table>" + "".join(f"<tr><th>{html_text(k)}</th><td>{html_text(v)}</td></tr>" for k, v in header)
               + "</table>")
    return out + [f"<p><strong>{html_text(headline)}</strong></p>"]


def render_html(report: Report) -> str:
    out = html_head("ccktf firmware conformance report", report, identity_lines(report), summary_text(report))
    if report.boot_problems:
        out.append("<h2>Boot problems</h2><ul>" + "".join(f"<li>{html_text(p)}</li>" for p in report.boot_problems)
                   + "</ul>")
    out.append("<h2>Checks</h2><table><tr><th>ID</th><th>Severity</th><th>Statement</th><th>Result</th>"
               "<th>Spec</th></tr>")
    for row in report.checks:
        out.append(f'<tr class="{row.result.value}"><td><a href="#{html_text(row.id)}">{html_text(row.id)}</a></td>'
                   f"<td>{html_text(row.severity)}</td><td>{html_text(row.statement)}</td>"
                   f"<td>{html_text(_result_cell(row))}</td>"
                   f"<td>{html_text(row.spec)}</td></tr>")
    out.append("</table>")
    found = findings(report)
    if found:
        out.append("<h2>Findings</h2>")
    for row in found:
        out.append(f'<h3 id="{html_text(row.id)}" class="{row.result.value}">{html_text(row.id)} '
                   f'({html_text(RESULT_TEXT[row.result])}, '
                   f"{html_text(row.severity)}): {html_text(row.statement)}</h3>")
        out.append(f"<p>Test <code>{html_text(row.test)}</code>. Spec: {html_text(row.spec)}</p>")
        if row.reason:
            out.append(f"<p>Kernel: {html_text(row.reason)}</p>")
        out.append("<pre>" + html_text("\n".join(row.evidence or ["(no evidence lines)"])) + "</pre>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


# -- JUnit ----------------------------------------------------------------------------------------------

# XML 1.0 allows only these characters (XML 1.0 section 2.2, "Char"). ElementTree writes any others as they
# are, which leaves a file no XML parser reads; the serial output and the kernel's strings can carry any
# byte the firmware sent.
_NOT_XML_CHAR = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_safe(text: str) -> str:
    """``text`` with every character XML 1.0 cannot carry written as ``\\xNN`` (``\\uNNNN`` above 0xff)."""
    return _NOT_XML_CHAR.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
                             else f"\\u{ord(m.group()):04x}", text)


BOOT_CASE = "boot"  # the testcase that stands for the boot itself


def boot_error_text(report: Report) -> str:
    """The ``<error>`` text of the boot testcase: every reason, the serial log's path, the serial tail."""
    reasons = report.boot_problems or [NO_CHECKS]
    tail = report.serial_tail.strip("\n") or "(no serial output)"
    where = f"serial log: {report.run_dir}\n" if report.run_dir else ""
    return "\n".join(reasons) + f"\n\n{where}serial tail:\n{tail}\n"


def render_junit(report: Report) -> str:
    """One testcase per check. A warning is a passing testcase (shoulds do not fail the run) whose
    system-out says WARNING; fail -> <failure>, error -> <error>, skip -> <skipped>. A boot that went
    wrong (``Report.boot_error``) is one more testcase, ``boot``, with an <error>, counted in ``errors``."""
    boot_error = report.boot_error()
    attributes = dict(name="ccktf-conformance", tests=str(len(report.checks) + bool(boot_error)),
                      failures=str(report.count(Result.FAIL)),
                      errors=str(report.count(Result.ERROR) + bool(boot_error)),
                      skipped=str(report.count(Result.SKIP)), timestamp=utc_iso(report.date, zone=False))
    if report.seconds is not None:
        attributes["time"] = f"{report.seconds:.3f}"
    suite = ET.Element("testsuite", attributes)
    props = ET.SubElement(suite, "properties")
    for key, value in identity_lines(report):
        ET.SubElement(props, "property", name=key, value=value)
    if boot_error:
        case = ET.SubElement(suite, "testcase", classname="ccktf-conformance", name=BOOT_CASE)
        ET.SubElement(case, "error", message=boot_error, type="boot").text = boot_error_text(report)
    for row in report.checks:
        case = ET.SubElement(suite, "testcase", classname=row.test.split(".")[0], name=f"{row.id} {row.test}")
        evidence = "\n".join(row.evidence)
        if row.result is Result.FAIL:
            ET.SubElement(case, "failure", message=f"{row.id}: {row.statement}").text = evidence or row.reason
        elif row.result is Result.ERROR:
            ET.SubElement(case, "error", message=f"{row.id}: no result").text = "\n".join(row.diagnostics)
        elif row.result is Result.SKIP:
            ET.SubElement(case, "skipped", message=row.reason)
        out_text = (f"WARNING ({row.severity}): {row.statement}\n" if row.result is Result.WARN else "") + evidence
        if out_text:
            ET.SubElement(case, "system-out").text = out_text
    if report.boot_problems:
        ET.SubElement(suite, "system-err").text = "\n".join(report.boot_problems)
    ET.indent(suite)
    # Markup is ASCII, so the characters XML cannot carry can only be in text and attribute values.
    return xml_safe(ET.tostring(suite, encoding="unicode", xml_declaration=True)) + "\n"
