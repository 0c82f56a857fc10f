"""The conformance report (ccktf.conformance_report) from fixture KTAP streams, the ``conformance``
subcommand against fake_qemu.py, and one real boot against Debian's OVMF (marker ``boot``)."""

import re
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from pathlib import Path

import pytest

from ccktf import cli, ktap
from ccktf.conformance_report import Result, build_report, render_html, render_junit, render_markdown
from ccktf.runner import DEFAULT_KERNEL

FIXTURES = Path(__file__).parent / "fixtures"
DATE = datetime(2026, 1, 1, tzinfo=timezone.utc)


def report_from(fixture: str, boot_problems=(), platform=None):
    text = (FIXTURES / f"{fixture}.ktap").read_text()
    if platform:
        text = text.replace("platform=none", f"platform={platform}", 1)
    return build_report(ktap.parse(text), profile="tcg", memory="512M", date=DATE,
                        boot_problems=list(boot_problems))


def row(report, check_id):
    return next(r for r in report.checks if r.id == check_id)


# -- parsing and classification ---------------------------------------------------------------------

def test_check_and_evidence_lines_attach_to_their_test():
    parsed = ktap.parse((FIXTURES / "conformance_ovmf.ktap").read_text())
    test = parsed.find("conformance.ct_not_in_boot_services")
    assert test.check == ktap.Check("CT-007", "should", test.check.spec, test.check.statement)
    assert test.evidence and all("BootServices" in line for line in test.evidence)
    assert not any(line.startswith(("check:", "evidence:")) for s in parsed.suites for line in s.diagnostics)
    assert not parsed.problems


def test_malformed_check_line_is_a_protocol_problem():
    text = (FIXTURES / "conformance_ovmf.ktap").read_text().replace("severity=must", "severity=may", 1)
    assert any("malformed check line" in str(p) for p in ktap.parse(text).problems)


def test_should_failure_is_a_warning_and_exit_0():
    report = report_from("conformance_ovmf")
    assert row(report, "CT-003").result is Result.WARN
    assert row(report, "CT-007").result is Result.WARN
    assert row(report, "MM-001").result is Result.PASS
    assert report.exit_status() == 0


def test_skip_keeps_its_reason():
    skipped = row(report_from("conformance_ovmf"), "CT-004")
    assert skipped.result is Result.SKIP and "not SEV-SNP firmware" in skipped.reason


def test_must_failure_fails_and_exit_1():
    report = report_from("conformance_must_fail")
    failed = row(report, "MM-008")
    assert failed.result is Result.FAIL and failed.severity == "must"
    assert "1 offender(s)" in failed.reason and "ASSERTION FAILED" not in failed.reason
    assert report.exit_status() == 1


def test_boot_problem_is_exit_2_whatever_the_checks_say():
    assert report_from("conformance_ovmf", boot_problems=["timed out"]).exit_status() == 2


def test_truncated_stream_reports_the_running_check_as_error():
    text = (FIXTURES / "conformance_ovmf.ktap").read_text()
    cut = text[:text.index("    ok 12 ct_acpi_rsdp")]
    report = build_report(ktap.parse(cut), profile="tcg", memory="512M", date=DATE, boot_problems=["cut"])
    assert row(report, "CT-002").result is Result.ERROR
    assert report.exit_status() == 2


# -- rendering --------------------------------------------------------------------------------------

def test_markdown_lists_every_check_and_the_evidence_of_findings():
    report = report_from("conformance_ovmf")
    text = render_markdown(report)
    assert "| Firmware vendor | EDK II |" in text and "| UEFI revision | 2.7 |" in text
    for check in report.checks:
        assert f"| {check.id} |" in text
    assert "### CT-007 (warn, should)" in text and "HobList 7739f24c" in text
    assert "MODEL" not in text


def test_markdown_escapes_table_pipes():
    text = render_markdown(report_from("conformance_must_fail"))
    assert "### MM-008 (FAIL, must)" in text
    assert '"x" | y' in text  # inside the evidence block, verbatim


def test_html_escapes_evidence_and_is_self_contained():
    text = render_html(report_from("conformance_must_fail"))
    assert "<script>" not in text and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot;" in text
    assert not re.search(r'(src|href)="(https?:)?//', text)
    assert '<tr class="fail"><td><a href="#MM-008">MM-008</a>' in text


def test_model_platform_gets_a_notice():
    report = report_from("conformance_ovmf", platform="sim-tdx")
    assert "MODEL: platform sim-tdx" in render_markdown(report)
    assert 'class="model"' in render_html(report)


def test_junit_has_one_case_per_check_failures_and_skips():
    report = report_from("conformance_must_fail")
    suite = ET.fromstring(render_junit(report))
    cases = suite.findall("testcase")
    assert len(cases) == len(report.checks) and suite.get("failures") == "1"
    by_name = {case.get("name").split()[0]: case for case in cases}
    assert by_name["MM-008"].find("failure") is not None
    assert "<script>" in by_name["MM-008"].find("failure").text  # XML escaping is ElementTree's job
    assert by_name["CT-004"].find("skipped") is not None
    assert by_name["CT-007"].find("failure") is None
    assert by_name["CT-007"].find("system-out").text.startswith("WARNING (should)")


# -- the subcommand against fake QEMU ---------------------------------------------------------------

@pytest.fixture
def conformance_cli(ccktf, fake_qemu, tmp_path):
    """``conformance ARGS`` (conftest's ccktf) with fake QEMU serving ``fixture``: (status, stdout)."""
    def run(fixture, status, *args):
        fake_qemu.serve(fixture, status=status)
        code, out, _ = ccktf("conformance", f"--out={tmp_path / 'out'}", *args)
        return code, out
    return run


def test_cli_passes_conformance_1_and_writes_three_reports(conformance_cli, fake_qemu, tmp_path):
    code, out = conformance_cli("conformance_ovmf", 3, "--platform", "none")
    assert code == 0
    assert fake_qemu.invocations()[0][-1] == "tests=conformance* platform=none conformance=1"
    assert all((tmp_path / "out" / name).is_file() for name in ("report.md", "report.html", "report.xml"))
    assert "WARN  CT-007" in out


def test_cli_must_failure_exits_1(conformance_cli):
    assert conformance_cli("conformance_must_fail", 3)[0] == 1


def test_cli_crash_exits_2(conformance_cli, tmp_path):
    code, out = conformance_cli("conformance_ovmf", 7)  # QEMU status for exit code 3 disagrees: error
    assert code == 2 and "boot problem" in out
    assert "Boot problems" in (tmp_path / "out" / "report.md").read_text()


def test_cli_refuses_conformance_in_append(conformance_cli):
    assert conformance_cli("conformance_ovmf", 3, "--append", "conformance=0")[0] == 2


# -- a real boot ------------------------------------------------------------------------------------

@pytest.mark.boot
def test_real_boot_against_debian_ovmf(tmp_path, capsys):
    if not DEFAULT_KERNEL.is_file():
        pytest.fail(f"{DEFAULT_KERNEL} missing: run 'make'")
    listing = cli.main(["list", "--tests", "conformance*", f"--log-dir={tmp_path / 'runs'}"])
    declared = re.findall(r"^conformance\w*\.(\w+)$", capsys.readouterr().out, re.MULTILINE)
    assert listing == 0 and declared
    code = cli.main(["conformance", f"--out={tmp_path / 'out'}", f"--log-dir={tmp_path / 'runs'}"])
    capsys.readouterr()
    report = (tmp_path / "out" / "report.md").read_text()
    # Debian's OVMF (edk2-stable202211) holds every must but FB-002: AllocatePool(EfiUnacceptedMemoryType)
    # succeeds there (edk2 PR 4007 came later). Any other must failing, or FB-002 passing, is a change.
    failed_musts = re.findall(r"^### ([A-Z]{2}-\d{3}) \(FAIL, must\)", report, re.MULTILINE)
    assert (code, failed_musts) == (1, ["FB-002"]), report
    ids = re.findall(r"^\| ([A-Z]{2}-\d{3}) \|", report, re.MULTILINE)
    assert len(ids) == len(declared) == len(set(ids))
    assert "### CT-007 (warn, should)" in report and "lies in BootServices" in report
    assert (tmp_path / "out" / "report.html").is_file() and (tmp_path / "out" / "report.xml").is_file()


def test_the_report_names_what_the_guest_read_of_its_platform():
    assert "| Platform identity | (not reported) |" in render_markdown(report_from("conformance_ovmf"))
    stream = (FIXTURES / "conformance_ovmf.ktap").read_text().replace(
        "1..", "# platform-identity: platform=none source=none\n1..", 1)
    report = build_report(ktap.parse(stream), profile="tcg", memory="512M", date=DATE, boot_problems=[])
    assert "| Platform identity | source=none |" in render_markdown(report)
