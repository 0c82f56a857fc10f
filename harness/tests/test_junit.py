"""Every JUnit file the harness writes validates against the schema Jenkins checks JUnit reports with
(fixtures/junit-10.xsd, from jenkinsci/xunit-plugin; validated with Debian's python3-lxml), carries an ISO 8601
timestamp, and shows a boot that crashed, hung or ran nothing as a testcase with an <error>.

Writers: the conformance report (``ccktf.conformance_report.render_junit``, ``make conformance``) and pytest's
own ``--junitxml`` for the in-kernel items of the pytest plugin (the CI workflow uploads it).
"""

import re
import string
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st
from lxml import etree

from ccktf import cli, ktap
from ccktf.conformance_report import build_report, render_junit
from conftest import FIXTURES
from test_plugin import KERNEL_TEST_FILE, LISTING, ONE_CONFIG, RUN

SCHEMA = FIXTURES / "junit-10.xsd"
# xs:dateTime without fraction or zone, as Ant writes JUnit timestamps (and windyroad's JUnit.xsd demands);
# ccktf writes UTC.
CCKTF_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")
# Any xs:dateTime (ISO 8601 profile): what pytest writes (local time with microseconds).
XS_DATETIME = re.compile(r"-?\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?")
DATE = datetime(2026, 11, 30, 10, 56, 54, tzinfo=timezone.utc)
BOOT_CASE = "boot"  # the testcase that stands for the boot itself (docs/conformance.md "JUnit")


@pytest.fixture(scope="module")
def schema():
    return etree.XMLSchema(etree.parse(str(SCHEMA)))


def validated(schema, xml: str | bytes) -> etree._Element:
    """The parsed document; fails the test when it is not well-formed or breaks the schema."""
    root = etree.fromstring(xml.encode() if isinstance(xml, str) else xml)
    if not schema.validate(root):
        pytest.fail("JUnit does not validate against junit-10.xsd:\n" + "\n".join(map(str, schema.error_log)))
    for suite in root.iter("testsuite"):
        assert XS_DATETIME.fullmatch(suite.get("timestamp", "")), suite.get("timestamp")
    return root


def boot_case(suite):
    return next((case for case in suite.findall("testcase") if case.get("name") == BOOT_CASE), None)


def report(fixture="conformance_ovmf", *, text=None, boot_problems=(), serial_tail=""):
    text = (FIXTURES / f"{fixture}.ktap").read_text() if text is None else text
    return build_report(ktap.parse(text), profile="tcg", memory="512M", date=DATE,
                        boot_problems=list(boot_problems), serial_tail=serial_tail, seconds=12.5)


# -- the schema itself ------------------------------------------------------------------------------

def test_schema_fixture_names_its_source_and_license():
    head = SCHEMA.read_text()[:2000]
    assert "https://github.com/jenkinsci/xunit-plugin/blob/" in head and "License: MIT" in head


def test_schema_rejects_what_jenkins_rejects(schema):
    """The validator is live: a testsuite without its required counts, or a stray element, is refused."""
    assert not schema.validate(etree.fromstring(b'<testsuite name="x" tests="1"><testcase name="a"/></testsuite>'))
    assert not schema.validate(etree.fromstring(
        b'<testsuite name="x" tests="1" failures="0" errors="0"><testcase name="a"><oops/></testcase></testsuite>'))
    assert schema.validate(etree.fromstring(
        b'<testsuite name="x" tests="1" failures="0" errors="0"><testcase name="a"/></testsuite>'))


# -- the conformance report -------------------------------------------------------------------------

@pytest.mark.parametrize("fixture", ["conformance_ovmf", "conformance_must_fail"])
def test_conformance_junit_validates(schema, fixture):
    suite = validated(schema, render_junit(report(fixture)))
    assert boot_case(suite) is None
    assert suite.get("errors") == "0" and suite.get("time") == "12.500"


def test_conformance_timestamp_is_iso_8601_utc_without_zone(schema):
    suite = validated(schema, render_junit(report()))
    assert suite.get("timestamp") == "2026-11-30T10:56:54"
    local = DATE.astimezone(timezone(timedelta(hours=-5)))  # the same instant, another zone
    assert render_junit(report()) == render_junit(build_report(
        ktap.parse((FIXTURES / "conformance_ovmf.ktap").read_text()), profile="tcg", memory="512M", date=local,
        boot_problems=[], seconds=12.5))


def test_boot_problem_is_an_error_testcase_with_the_reason_and_serial_tail(schema):
    tail = "    ok 11 ct_smbios3\n# ccktf: CRASH vector=14 (#PF) error=0x2 rip=0xfe2a1040 cr2=0x0"
    rendered = report(boot_problems=["kernel crashed: vector 14 (#PF)", "protocol: no exit line"],
                      serial_tail=tail)
    suite = validated(schema, render_junit(rendered))
    case = boot_case(suite)
    error = case.find("error")
    assert error.get("message") == "kernel crashed: vector 14 (#PF); protocol: no exit line"
    assert error.text.startswith("kernel crashed: vector 14 (#PF)\nprotocol: no exit line\n")
    assert tail in error.text
    assert suite.get("errors") == "1" and suite.get("tests") == str(len(rendered.checks) + 1)


def test_no_checks_is_an_error_testcase(schema):
    suite = validated(schema, render_junit(report("valid")))  # a passing boot without one check line
    assert suite.get("errors") == "1" and suite.get("tests") == "1"
    assert boot_case(suite).find("error").get("message") == "the kernel declared no checks"


def test_truncated_check_and_boot_are_both_errors(schema):
    text = (FIXTURES / "conformance_ovmf.ktap").read_text()
    rendered = report(text=text[:text.index("    ok 12 ct_acpi_rsdp")], boot_problems=["the stream ended"])
    suite = validated(schema, render_junit(rendered))
    errored = [case.get("name") for case in suite.findall("testcase") if case.find("error") is not None]
    assert errored == [BOOT_CASE, "CT-002 conformance.ct_acpi_rsdp"]
    assert suite.get("errors") == "2"


def test_control_characters_from_the_serial_line_keep_the_file_readable(schema):
    tail = "firmware \x00\x07\x1b[0m noise \ufffe \ud800 end"
    suite = validated(schema, render_junit(report(boot_problems=["crashed \x01"], serial_tail=tail)))
    error = boot_case(suite).find("error")
    assert error.get("message") == "crashed \\x01"
    assert "firmware \\x00\\x07\\x1b[0m noise \\ufffe \\ud800 end" in error.text


# Text the kernel or the firmware may put anywhere in a report: any character at all.
ANY_TEXT = st.text(st.characters(blacklist_categories=()), max_size=40)


@settings(max_examples=60, deadline=None, database=None)
@given(statement=ANY_TEXT, evidence=st.lists(ANY_TEXT, max_size=3), problems=st.lists(ANY_TEXT, max_size=2),
       tail=ANY_TEXT, vendor=ANY_TEXT)
def test_junit_validates_whatever_the_strings(schema, statement, evidence, problems, tail, vendor):
    rendered = report("conformance_must_fail", boot_problems=problems, serial_tail=tail)
    rendered.firmware.vendor = vendor
    row = next(r for r in rendered.checks if r.id == "MM-008")
    row.statement, row.evidence = statement, evidence
    suite = validated(schema, render_junit(rendered))
    assert int(suite.get("errors")) == bool(problems)


# -- the conformance command against fake QEMU: crashed, hung, ran nothing --------------------------

CRASH_LINES = ("\n# ccktf: CRASH vector=14 (#PF) error=0x2 rip=0xfe2a1040 cr2=0x0 cs=0x8 rflags=0x10046 rsp=0x7fe1000\n"
               "# ccktf: crashed in test conformance.ct_acpi_rsdp\n# ccktf: exit=crashed code=3\n")
NOTHING = "KTAP version 1\n# ccktf: version=0.1.0 platform=none\n1..0\n# ccktf: exit=passed code=0\n"


def cut_before_rsdp() -> str:
    text = (FIXTURES / "conformance_ovmf.ktap").read_text()
    return text[:text.index("    ok 12 ct_acpi_rsdp")]


@pytest.fixture
def conformance_junit(fake_qemu, fake_kernel, tmp_path, capsys, monkeypatch):
    firmware = tmp_path / "OVMF.fd"
    firmware.write_bytes(b"fw")

    def run(stream, status, hang=False, timeout=10):
        """``stream``: a fixture name or the serial text itself."""
        path = FIXTURES / f"{stream}.ktap" if "\n" not in stream else tmp_path / "stream.ktap"
        if "\n" in stream:
            path.write_text(stream)
        monkeypatch.setenv("FAKE_QEMU_STREAM", str(path))
        monkeypatch.setenv("FAKE_QEMU_STATUS", str(status))
        if hang:
            monkeypatch.setenv("FAKE_QEMU_HANG", "1")
        code = cli.main(["conformance", f"--kernel={fake_kernel}", f"--firmware={firmware}",
                         f"--qemu={fake_qemu.path}", f"--log-dir={tmp_path / 'runs'}", f"--out={tmp_path / 'out'}",
                         f"--timeout={timeout}"])
        capsys.readouterr()
        return code, (tmp_path / "out" / "report.xml").read_bytes()
    return run


@pytest.mark.parametrize("case, stream, status, hang, reason", [
    ("crashed", cut_before_rsdp() + CRASH_LINES, 7, False, "kernel crashed: vector 14 (#PF)"),
    ("hung", cut_before_rsdp(), 0, True, "timed out after 2 s"),
    ("ran nothing", NOTHING, 1, False, "no tests ran"),
], ids=["crashed", "hung", "ran-nothing"])
def test_a_boot_that_went_wrong_is_an_error_in_junit(schema, conformance_junit, case, stream, status, hang, reason):
    code, xml = conformance_junit(stream, status, hang=hang, timeout=2 if hang else 10)
    assert code == 2
    suite = validated(schema, xml)
    assert CCKTF_TIMESTAMP.fullmatch(suite.get("timestamp"))
    assert int(suite.get("errors")) >= 1
    error = boot_case(suite).find("error")
    assert reason in error.get("message")
    last_line = stream.rstrip("\n").rsplit("\n", 1)[-1]
    assert "\nserial tail:\n" in error.text and error.text.endswith(last_line + "\n")  # what the kernel said last
    if case == "crashed":
        assert "CRASH vector=14" in error.text


def test_a_passing_conformance_boot_has_no_boot_case(schema, conformance_junit):
    code, xml = conformance_junit("conformance_ovmf", 3)
    suite = validated(schema, xml)
    assert code == 0 and boot_case(suite) is None and suite.get("errors") == "0"
    assert CCKTF_TIMESTAMP.fullmatch(suite.get("timestamp"))


# -- pytest's --junitxml for the in-kernel items ----------------------------------------------------

@pytest.fixture
def inner_junit(pytester, fake_qemu, fake_kernel, tmp_path, monkeypatch):
    """An inner pytest session with the plugin against fake QEMU, writing --junitxml; returns its bytes."""
    monkeypatch.setattr("ccktf.pytest_plugin.BOOT_CONFIGS", ONE_CONFIG)
    streams = tmp_path / "streams"
    streams.mkdir()
    fake_qemu.serve_by_args(streams)
    firmware = tmp_path / "OVMF.fd"
    firmware.write_bytes(b"fw")
    pytester.makepyfile(test_junit_items=KERNEL_TEST_FILE)

    def run(stream, status):
        (streams / "list.ktap").write_text(LISTING)
        (streams / "list.status").write_text("1")
        (streams / "run.ktap").write_text(stream)
        (streams / "run.status").write_text(str(status))
        out = tmp_path / "junit.xml"
        pytester.runpytest_inprocess(
            "-p", "ccktf.pytest_plugin", f"--ccktf-kernel={fake_kernel}", f"--ccktf-qemu={fake_qemu.path}",
            f"--ccktf-firmware={firmware}", f"--ccktf-log-dir={tmp_path / 'runs'}", "--ccktf-timeout=10",
            f"--junitxml={out}")
        return out.read_bytes()
    return run


def test_pytest_junit_of_in_kernel_items_validates(schema, inner_junit):
    suite = validated(schema, inner_junit(RUN, 3)).find("testsuite")
    assert suite.get("tests") == "4" and suite.get("failures") == "1" and suite.get("skipped") == "1"


def test_pytest_junit_of_a_crashed_boot_validates_and_passes_no_unfinished_test(schema, inner_junit):
    crashed = RUN[:RUN.index("    ok 3 skips")] + CRASH_LINES.replace("conformance.ct_acpi_rsdp", "selftest.skips")
    suite = validated(schema, inner_junit(crashed, 7)).find("testsuite")
    broken = {case.get("name") for case in suite.findall("testcase")
              if case.find("failure") is not None or case.find("error") is not None}
    # selftest.passes passed before the crash; the crash is the running test's, the rest never ran.
    assert broken == {f"test_kernel[none:{name}]" for name in ("selftest.fails", "selftest.skips", "cpu.paging")}
    assert int(suite.get("failures")) + int(suite.get("errors")) == 3
