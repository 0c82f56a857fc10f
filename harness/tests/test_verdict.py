"""The verdict rules: exit codes, QEMU status and stream consistency. Never a false pass."""

import pytest
from conftest import FIXTURES

from ccktf import ktap, verdict
from ccktf.verdict import Outcome


def parsed(name: str) -> ktap.KtapResult:
    return ktap.parse((FIXTURES / f"{name}.ktap").read_text())


@pytest.mark.parametrize("status, code", [(0, None), (1, 0), (3, 1), (5, 2), (7, 3)])
def test_device_exit_codes(status, code):
    assert verdict.device_exit_code(status) == code


@pytest.mark.parametrize("status, message", [
    (2, "status 2, which no ccktf exit code"),
    (9, "status 9"),
    (-9, "killed by signal SIGKILL"),
])
def test_impossible_statuses(status, message):
    with pytest.raises(ValueError, match=message):
        verdict.device_exit_code(status)


@pytest.mark.parametrize("fixture, status, outcome", [
    ("valid", 1, Outcome.PASSED),
    ("valid", 0, Outcome.PASSED),   # normal shutdown: the exit line alone decides
    ("all_skipped", 1, Outcome.PASSED),
    ("failing", 3, Outcome.FAILED),
    ("failing", 0, Outcome.FAILED),
    ("crashed", 7, Outcome.ERROR),
    ("usage_error", 5, Outcome.ERROR),
    ("truncated", 1, Outcome.ERROR),
    ("plan_mismatch", 1, Outcome.ERROR),
    ("missing_exit", 0, Outcome.ERROR),
    ("malformed_metric", 1, Outcome.ERROR),
    ("no_version", 1, Outcome.ERROR),
])
def test_outcomes(fixture, status, outcome):
    assert verdict.decide(parsed(fixture), status).outcome is outcome


def test_failed_verdict_names_the_failures():
    judged = verdict.decide(parsed("failing"), 3)
    assert judged.reasons == ["1 test(s) failed: selftest.assert_fails"]


@pytest.mark.parametrize("status, message", [
    (3, "exit line says code=0 but QEMU's status 3 means code=1"),
    (2, "status 2, which no ccktf exit code produces"),
    (-11, "killed by signal SIGSEGV"),
])
def test_qemu_status_must_agree_with_the_exit_line(status, message):
    judged = verdict.decide(parsed("valid"), status)
    assert judged.outcome is Outcome.ERROR
    assert message in "\n".join(judged.reasons)


def test_timeout_is_an_error_even_after_a_clean_stream():
    judged = verdict.decide(parsed("valid"), None, timed_out=True, timeout=20)
    assert judged.outcome is Outcome.ERROR
    assert judged.reasons == ["timed out after 20 s: the kernel hung (QEMU killed)"]


def test_crash_reason_has_vector_rip_and_test():
    reasons = "\n".join(verdict.decide(parsed("crashed"), 7).reasons)
    assert "kernel crashed: vector 14 (#PF) in test crash.inject_pf" in reasons
    assert "rip=0xfe2a1040" in reasons and "cr2=0x0" in reasons


def test_usage_error_reason_quotes_the_kernel():
    assert verdict.decide(parsed("usage_error"), 5).reasons == ["kernel usage error: unknown key 'foo'"]


def test_exit_passed_with_a_failed_test_is_an_error():
    text = parsed("failing").kernel_output.replace("exit=failed code=1", "exit=passed code=0")
    judged = verdict.decide(ktap.parse(text), 1)
    assert judged.reasons == ["exit=passed although 1 test(s) did not pass"]


def test_exit_failed_without_a_failed_test_is_an_error():
    text = parsed("valid").kernel_output.replace("exit=passed code=0", "exit=failed code=1")
    assert verdict.decide(ktap.parse(text), 3).reasons == ["exit=failed although no test failed"]


def test_zero_tests_is_not_a_pass():
    judged = verdict.decide(ktap.parse("KTAP version 1\n1..0\n# ccktf: exit=passed code=0\n"), 1)
    assert judged.outcome is Outcome.ERROR and "no tests ran" in judged.reasons[0]


def test_listing_verdicts():
    assert verdict.decide(parsed("listing"), 1, mode="list").outcome is Outcome.PASSED
    empty = ktap.parse("KTAP version 1\n1..0\n# ccktf: exit=passed code=0\n")
    assert "listed no tests" in verdict.decide(empty, 1, mode="list").reasons[0]


def test_firmware_exception_is_named():
    raw = "\x1b[2J!!!! X64 Exception Type - 06(#UD - Invalid Opcode)  CPU Apic ID - 00000000 !!!!\r\nRIP  - 0E0000\r\n"
    judged = verdict.decide(ktap.parse(raw), None, timed_out=True, timeout=60)
    assert "firmware reported a CPU exception: X64 Exception Type - 06(#UD - Invalid Opcode)  CPU Apic ID - 00000000" \
        in judged.reasons
