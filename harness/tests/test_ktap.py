"""The KTAP parser against fixture streams (docs/protocol.md)."""

import pytest
from conftest import FIXTURES

from ccktf import ktap
from ccktf.ktap import Status


def parse_fixture(name: str) -> ktap.KtapResult:
    return ktap.parse((FIXTURES / f"{name}.ktap").read_bytes().decode())


def problem_text(result: ktap.KtapResult) -> str:
    return "\n".join(map(str, result.problems))


def statuses(result: ktap.KtapResult) -> dict[str, Status]:
    return {t.full_name: t.status for t in result.tests()}


def test_valid_stream_has_no_problems_and_all_results():
    result = parse_fixture("valid")
    assert result.problems == []
    assert result.header == {"version": "0.1.0", "platform": "none"}
    assert result.args == "tests=selftest.*"
    assert result.plan == 2
    assert [s.name for s in result.suites] == ["selftest", "efi"]
    assert [s.status for s in result.suites] == [Status.PASS, Status.PASS]
    assert statuses(result) == {
        "selftest.assert_eq_passes": Status.PASS,
        "selftest.logs_and_passes": Status.PASS,
        "selftest.skip_with_reason": Status.SKIP,
        "efi.memmap_descriptor_size": Status.PASS,
    }
    assert result.find("efi.memmap_descriptor_size").duration_us == 12
    assert result.find("selftest.skip_with_reason").skip_reason == "demonstrates a skip"
    assert result.diagnostics == ["# memory map: 42 descriptors"]
    assert result.exit == ktap.ExitLine("passed", 0)
    assert result.totals == {"pass": 3, "fail": 0, "skip": 1, "total": 4}


def test_failing_test_carries_its_diagnostics():
    result = parse_fixture("failing")
    assert result.problems == []
    failed = result.find("selftest.assert_fails")
    assert failed.status is Status.FAIL
    assert failed.diagnostics == [
        "ASSERTION FAILED at tests/selftest/selftest.c:42",
        "expected a == b, a = 0x1 (1), b = 0x2 (2)",
    ]
    assert failed.duration_us == 5
    assert result.find("selftest.assert_eq_passes").diagnostics == []
    assert result.suites[0].status is Status.FAIL
    assert result.exit == ktap.ExitLine("failed", 1)


def test_suite_with_every_test_skipped():
    result = parse_fixture("all_skipped")
    assert result.problems == []
    assert result.suites[0].status is Status.SKIP
    assert result.suites[0].skip_reason == "all tests skipped"
    assert result.counts()[Status.SKIP] == 2


def test_metrics_with_their_suite_and_test():
    result = parse_fixture("metrics")
    assert result.problems == []
    top, throughput, drift = result.metrics
    assert (top.name, top.value, top.unit, top.platform, top.suite, top.test) == (
        "tsc.frequency", 2.5e9, "Hz", "sim-tdx", None, None)
    assert throughput.value == 15.625 and throughput.unit == "MiB/s"
    assert throughput.extra == {"level": "2m", "size": "4096"}
    assert (throughput.suite, throughput.test) == ("bench", "accept_throughput")
    assert (drift.value, drift.test) == (-3.0, "drift")


def test_crash_names_the_running_test_as_error():
    result = parse_fixture("crashed")
    crash = result.crash
    assert (crash.vector, crash.mnemonic, crash.rip, crash.cr2) == (14, "#PF", "0xfe2a1040", "0x0")
    assert crash.test == "crash.inject_pf"
    assert len(crash.register_lines) == 4
    assert crash.registers["r15"] == "0xe" and crash.registers["rax"] == "0x0"
    assert result.exit == ktap.ExitLine("crashed", 3)
    assert statuses(result) == {"crash.before": Status.PASS, "crash.inject_pf": Status.ERROR}
    running = result.find("crash.inject_pf")
    assert running.diagnostics[0] == "injecting a null-pointer page fault"
    assert "kernel crashed" in running.diagnostics[-1]
    assert result.suites[0].status is Status.ERROR
    assert "1 of 2 tests reported" in problem_text(result)


def test_truncated_stream_is_never_a_pass():
    result = parse_fixture("truncated")
    text = problem_text(result)
    assert "1 of 3 tests reported" in text
    assert "top-level plan 1..2 but 1 suites reported" in text
    assert "no '# ccktf: exit=' line" in text
    tests = list(result.tests())
    assert [t.status for t in tests] == [Status.PASS, Status.ERROR, Status.ERROR]
    assert tests[1].name == "logs_and_passes"  # its diagnostic named it
    assert tests[2].name is None and tests[2].full_name == "selftest.#3"


@pytest.mark.parametrize("fixture, message", [
    ("malformed_metric", "malformed metric line: metric value '2.5e9' is not a decimal number"),
    ("plan_mismatch", "suite selftest reported before its plan was complete: 2 of 3 tests reported"),
    ("missing_exit", "no '# ccktf: exit=' line"),
    ("out_of_order", "test logs_and_passes numbered 2, expected 1"),
    ("no_version", "no 'KTAP version 1' line"),
])
def test_contract_violations_are_problems(fixture, message):
    assert message in problem_text(parse_fixture(fixture))


def test_plan_mismatch_reports_unreported_tests_as_errors():
    result = parse_fixture("plan_mismatch")
    assert result.counts()[Status.ERROR] == 1
    assert "suite selftest reported pass but its tests say fail" in problem_text(result)


def test_firmware_noise_before_the_header_is_split_off():
    result = parse_fixture("firmware_noise")
    assert result.problems == []
    assert "BdsDxe: starting Boot0001" in result.firmware_output
    assert result.firmware_output.endswith("\x1b[01;01H")
    assert result.kernel_output.startswith("KTAP version 1\r\n")
    assert statuses(result) == {"selftest.assert_eq_passes": Status.PASS}


def test_listing():
    result = parse_fixture("listing")
    assert result.problems == []
    assert result.listing == ["selftest.assert_eq_passes", "selftest.skip_with_reason",
                              "efi.memmap_descriptor_size"]
    assert result.plan == 0


def test_usage_error_needs_no_plan():
    result = parse_fixture("usage_error")
    assert result.problems == []
    assert result.usage_errors == ["unknown key 'foo'"]
    assert result.exit == ktap.ExitLine("usage-error", 2)


def test_empty_capture():
    result = ktap.parse("")
    assert not result.version_seen
    assert len(result.problems) == 1


@pytest.mark.parametrize("line, message", [
    ("# ccktf: exit=passed code=1", "exit=passed must have code=0, not 1"),
    ("# ccktf: exit=weird code=9", "unknown exit kind 'weird'"),
])
def test_exit_line_kind_and_code_must_agree(line, message):
    result = ktap.parse(f"KTAP version 1\n1..0\n{line}\n")
    assert [str(p) for p in result.problems] == [f"line 3: {message}"]


def test_output_after_exit_line_is_a_problem():
    result = ktap.parse("KTAP version 1\n1..0\n# ccktf: exit=passed code=0\nok 1 late\n")
    assert "output after the exit line" in problem_text(result)


def test_totals_must_match_results():
    text = parse_fixture("valid").kernel_output.replace("totals pass:3", "totals pass:4")
    assert "totals line" in problem_text(ktap.parse(text))


def test_suite_summary_must_match_results():
    text = parse_fixture("valid").kernel_output.replace("# efi: pass:1", "# efi: pass:7")
    assert "suite efi summary" in problem_text(ktap.parse(text))


def test_result_beyond_the_plan():
    text = parse_fixture("valid").kernel_output.replace("    1..1\n", "    1..0\n")
    assert "beyond the plan 1..0 of suite efi" in problem_text(ktap.parse(text))


def test_garbage_line_is_a_problem():
    result = ktap.parse("KTAP version 1\n1..0\nhello\n# ccktf: exit=passed code=0\n")
    assert [str(p) for p in result.problems] == ["line 3: not a KTAP line: 'hello'"]


@pytest.mark.parametrize("text, error", [
    ("name=a value=1 unit=Hz", "lacks platform"),
    ("name=A.b value=1 unit=Hz platform=none", "not dotted lower case"),
    ("name=a value=1 unit=Hz platform=mars", "'mars' is not one of"),
    ("name=a value=1 unit=Hz platform=none name=b", "repeated"),
    ("name=a value=1 unit=Hz platform=none junk", "not key=value"),
])
def test_metric_line_validation(text, error):
    with pytest.raises(ValueError, match=error):
        ktap.parse_metric(text)


def test_strip_escapes():
    assert ktap.strip_escapes("\x1b[2J\x1b[01;01HKTAP version 1\r") == "KTAP version 1"


ACCEPT_ERROR_STREAM = """KTAP version 1
# ccktf: version=0.1.0 platform=sim-tdx
1..1
    KTAP version 1
    # Subtest: accept
    1..1
    # accept-error: platform=sim-tdx path=accept.error_at_4k addr=0x101005000 level=4k status=0xc000010000000001 answer="failed" reason="failed"
    # evidence: error_at_4k: acceptance failed: addr=0x101005000 level=4k status=0xc000010000000001 answer="failed" reason="failed"
    # duration: error_at_4k 10 us
    ok 1 error_at_4k
# accept: pass:1 fail:0 skip:0 total:1
ok 1 accept
# accept-error: platform=sim-tdx path=boot:deferred addr=0x100000000 level=2m status=0x8000020000000000 answer="busy" reason="still busy after the retries"
# ccktf: totals pass:1 fail:0 skip:0 total:1
# ccktf: exit=passed code=0
"""


def test_accept_errors_are_parsed_with_their_raw_status():
    result = ktap.parse(ACCEPT_ERROR_STREAM)
    assert not result.problems
    assert [e.fields["status"] for e in result.accept_errors] == ["0xc000010000000001", "0x8000020000000000"]
    assert result.accept_errors[0].fields["path"] == "accept.error_at_4k"
    assert result.accept_errors[1].fields["reason"] == "still busy after the retries"
    assert "raw status 0x8000020000000000" in result.accept_errors[1].summary
    assert result.find("accept.error_at_4k").status is Status.PASS


def test_malformed_accept_error_is_a_problem():
    result = ktap.parse(ACCEPT_ERROR_STREAM.replace("level=4k status=0xc000010000000001 ", "", 1))
    assert any("malformed accept-error line" in p.message for p in result.problems)


def mutated_valid(old: str, new: str, platform: str = "none") -> ktap.KtapResult:
    text = (FIXTURES / "valid.ktap").read_text().replace("platform=none", f"platform={platform}", 1)
    assert old in text
    return ktap.parse(text.replace(old, new, 1))


# Streams these rules catch were accepted before (issue 11): each would have been a false pass.
@pytest.mark.parametrize("old, new, problem", [
    ("ok 2 efi\n", "", "suite efi has no result line"),
    ("    ok 1 assert_eq_passes\n", "    ok 1 assert_eq_pastes\n",
     "duration for test assert_eq_passes, but the next result names assert_eq_pastes"),
    ("    # duration: memmap_descriptor_size 12 us\n", "    # duration: memmap_descriptor_sise 12 us\n",
     "duration for test memmap_descriptor_sise, but the next result names memmap_descriptor_size"),
    ("    ok 1 memmap_descriptor_size\n", "    ok 1 memmap_descriptor_size\n    # duration: ghost 1 us\n",
     "duration for test ghost, which never reported a result"),
    ("    # duration: logs_and_passes 5 us\n", "    # duration: logs_and_passes 5 us\n"
                                              "    # duration: logs_and_passes 6 us\n",
     "second duration line for test logs_and_passes"),
    ("    ok 2 logs_and_passes\n", "    ok 2 assert_eq_passes\n", "test assert_eq_passes reported twice"),
], ids=["final-suite-result", "renamed-result", "renamed-duration", "duration-for-nobody", "two-durations",
        "same-name-twice"])
def test_protocol_gaps_are_problems(old, new, problem):
    assert problem in problem_text(mutated_valid(old, new))


def test_a_long_check_line_parses_in_linear_time():
    """spec="..." holds no quote: the check pattern must not backtrack over a long statement."""
    import time
    line = '# check: name=a id=X-1 severity=must spec="' + '" statement="' * 8000 + "x"  # never closed
    start = time.monotonic()
    ktap._CHECK.fullmatch(line)
    assert time.monotonic() - start < 1.0  # the old pattern took 5.6 s here


TDX_IDENTITY = ("# platform-identity: platform=sim-tdx source=model module=1.5 tdx_sys_rd=1 tdx_major=1 tdx_minor=5 "
                "tdx_update=err:0xc0000c0200000000 tdx_vendor_id=0x8086")


def test_platform_identity_is_read_word_by_word():
    result = mutated_valid("1..2\n", TDX_IDENTITY + "\n1..2\n", platform="sim-tdx")
    assert result.problems == []
    assert result.platform_identity["module"] == "1.5"
    assert result.platform_identity["tdx_update"] == "err:0xc0000c0200000000"
    assert list(result.platform_identity)[:2] == ["platform", "source"]


@pytest.mark.parametrize("line, problem", [
    ("# platform-identity: source=model platform=sim-tdx", "must start with platform= and source="),
    ("# platform-identity: platform=tdx source=guess", "must start with platform= and source="),
    ("# platform-identity: platform=tdx source=hardware module", "'module' is not a new key=value"),
    ("# platform-identity: platform=tdx source=hardware a=1 a=2", "'a=2' is not a new key=value"),
    (TDX_IDENTITY + "\n" + TDX_IDENTITY, "second platform-identity line"),
    ("# platform-identity: platform=tdx\n" + TDX_IDENTITY, "second platform-identity line"),
    ("# platform-identity: platform=sim-snp source=model", "names platform sim-snp, the header sim-tdx"),
    ("# platform-identity: platform=sim-tdx source=hardware", "source=hardware for platform sim-tdx (must be model)"),
])
def test_a_malformed_platform_identity_is_a_problem(line, problem):
    result = mutated_valid("1..2\n", line + "\n1..2\n", platform="sim-tdx")
    assert problem in problem_text(result)


def test_a_real_platform_must_say_hardware():
    result = mutated_valid("1..2\n", "# platform-identity: platform=tdx source=model\n1..2\n", platform="tdx")
    assert "source=model for platform tdx (must be hardware)" in problem_text(result)


def test_parameterized_case_reports_one_result_per_parameter():
    """params.ktap is the host runner's own output for a KTEST_PARAM case (tests/host/test_ktest_api.c,
    ``ccktf-host-tests tests=host_ktest_api.registered_param``, durations set to 3 us): each parameter is
    an ordinary test line named CASE_PARAM, which this parser and Linux's kunit_parser read alike."""
    result = parse_fixture("params")
    assert result.problems == []
    assert statuses(result) == {
        "host_ktest_api.registered_param_4k": Status.PASS,
        "host_ktest_api.registered_param_2m": Status.PASS,
    }
    assert result.suites[0].plan == 2
    assert result.find("host_ktest_api.registered_param_2m").duration_us == 3


@pytest.mark.parametrize("name", ["accept_by_request_size_4k", "sweep_253", "x_0"])
def test_parameter_names_are_ktap_names(name):
    stream = (f"KTAP version 1\n1..1\n    KTAP version 1\n    # Subtest: bench\n    1..1\n"
              f"    # duration: {name} 1 us\n    ok 1 {name}\n# bench: pass:1 fail:0 skip:0 total:1\n"
              f"ok 1 bench\n# ccktf: exit=passed code=0\n")
    result = ktap.parse(stream)
    assert result.problems == []
    assert result.find(f"bench.{name}").status is Status.PASS
