"""The pytest plugin, run in an inner pytest session against fake_qemu.py (no QEMU, no kernel)."""

import pytest

from ccktf.configs import BootConfig
from conftest import FIXTURES

ONE_CONFIG = [BootConfig("none", platform="none")]

KERNEL_TEST_FILE = """
def test_kernel(ccktf_reported, ccktf_session):
    ccktf_session.check(ccktf_reported)
"""

LISTING = """KTAP version 1
# ccktf: version=0.1.0 platform=none
# test: selftest.passes
# test: selftest.fails
# test: selftest.skips
# test: cpu.paging
1..0
# ccktf: exit=passed code=0
"""

RUN = """KTAP version 1
# ccktf: version=0.1.0 platform=none
1..2
    KTAP version 1
    # Subtest: selftest
    1..3
    ok 1 passes
    # fails: ASSERTION FAILED at tests/selftest/selftest.c:42
    # fails: expected a == b, a = 0x1 (1), b = 0x2 (2)
    not ok 2 fails
    ok 3 skips # SKIP demonstrates a skip
# selftest: pass:1 fail:1 skip:1 total:3
not ok 1 selftest
    KTAP version 1
    # Subtest: cpu
    1..1
    ok 1 paging
# cpu: pass:1 fail:0 skip:0 total:1
ok 2 cpu
# ccktf: totals pass:2 fail:1 skip:1 total:4
# ccktf: exit=failed code=1
"""


@pytest.fixture
def inner(pytester, fake_qemu, fake_kernel, tmp_path, monkeypatch):
    """Runs an inner pytest session with the plugin, the fake QEMU and the given serial streams.

    The boot configurations are pinned to one, whatever ccktf.configs lists for the real suite."""
    monkeypatch.setattr("ccktf.pytest_plugin.BOOT_CONFIGS", ONE_CONFIG)
    streams = tmp_path / "streams"
    streams.mkdir()
    fake_qemu.serve_by_args(streams)
    combined = tmp_path / "OVMF.fd"
    combined.write_bytes(b"fw")
    pytester.makepyfile(test_plugin_items=KERNEL_TEST_FILE)  # a module name no real test file uses

    def run(run_stream=RUN, run_status=3, listing=LISTING, *args, kernel=fake_kernel):
        (streams / "list.ktap").write_text(listing)
        (streams / "list.status").write_text("1")
        (streams / "run.ktap").write_text(run_stream)
        (streams / "run.status").write_text(str(run_status))
        return pytester.runpytest_inprocess(
            "-p", "ccktf.pytest_plugin", "-v", f"--ccktf-kernel={kernel}", f"--ccktf-qemu={fake_qemu.path}",
            f"--ccktf-firmware={combined}", f"--ccktf-log-dir={tmp_path / 'runs'}", "--ccktf-timeout=10", "-ra", *args)
    return run


def run_appends(fake_qemu) -> list[str]:
    """The -append value of every boot the plugin made, in order."""
    return [argv[argv.index("-append") + 1] for argv in fake_qemu.invocations()]


def test_each_kernel_test_is_an_item_with_its_own_outcome(inner, fake_qemu):
    result = inner()
    result.assert_outcomes(passed=2, failed=1, skipped=1)
    result.stdout.fnmatch_lines([
        "*test_plugin_items.py::test_kernel?none:selftest.passes? PASSED*",
        "*test_plugin_items.py::test_kernel?none:selftest.fails? FAILED*",
        "*test_plugin_items.py::test_kernel?none:selftest.skips? SKIPPED*",
        "*test_plugin_items.py::test_kernel?none:cpu.paging? PASSED*",
        "*selftest.fails: fail",
        "*ASSERTION FAILED at tests/selftest/selftest.c:42",
        "*expected a == b, a = 0x1 (1), b = 0x2 (2)",
        "*serial tail:*",
        "*kernel: demonstrates a skip*",
    ])
    assert run_appends(fake_qemu) == ["list=1", "platform=none"]  # everything selected: no tests= needed


def test_keyword_selection_boots_only_the_selected_tests(inner, fake_qemu):
    run_stream = RUN.replace("1..2\n", "1..1\n", 1).split("    KTAP version 1\n    # Subtest: cpu")[0]
    run_stream = run_stream.replace("# ccktf: totals", "# x").replace("not ok 1 selftest\n", "not ok 1 selftest\n"
                                                                      "# ccktf: exit=failed code=1\n")
    result = inner(run_stream, 3, LISTING, "-k", "selftest and not skips")
    result.assert_outcomes(passed=1, failed=1, deselected=2)
    assert run_appends(fake_qemu)[-1] == "tests=selftest.passes,selftest.fails platform=none"


def test_a_test_the_kernel_never_reported_is_an_error(inner):
    crashed = (FIXTURES / "crashed.ktap").read_text()
    listing = LISTING.replace("# test: selftest.passes\n# test: selftest.fails\n# test: selftest.skips\n"
                              "# test: cpu.paging\n", "# test: crash.before\n# test: crash.inject_pf\n")
    result = inner(crashed, 7, listing)
    result.assert_outcomes(passed=1, errors=1)  # an error, as JUnit must show it: never a pass, nor a failure
    result.stdout.fnmatch_lines(["*crash.inject_pf: no result*", "*no result: the kernel crashed*",
                                 "*kernel crashed: vector 14 (#PF)*"])


def test_untrustworthy_boot_makes_even_passing_items_errors(inner):
    valid = RUN.replace("not ok 2 fails", "ok 2 fails").replace("pass:1 fail:1", "pass:2 fail:0") \
        .replace("not ok 1 selftest", "ok 1 selftest").replace("pass:2 fail:1", "pass:3 fail:0") \
        .replace("exit=failed code=1", "exit=passed code=0")
    result = inner(valid, 3)  # QEMU's status says "failed", the stream says "passed"
    result.assert_outcomes(errors=3, skipped=1)
    result.stdout.fnmatch_lines(["*passed, but the boot it ran in is not trustworthy*",
                                 "*exit line says code=0 but QEMU's status 3 means code=1*"])


def test_missing_kernel_is_a_collection_error_not_green(inner, tmp_path):
    result = inner(kernel=tmp_path / "absent.efi")
    assert result.ret != 0
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*cannot list the kernel's tests*absent.efi not found*"])


def test_in_kernel_items_can_be_disabled_explicitly(inner, fake_qemu):
    result = inner(RUN, 3, LISTING, "--ccktf-skip-kernel")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*in-kernel tests disabled (--ccktf-skip-kernel)*"])
    assert fake_qemu.invocations() == []


def test_each_configuration_gets_its_own_items_and_one_boot(inner, fake_qemu, monkeypatch):
    monkeypatch.setattr("ccktf.pytest_plugin.BOOT_CONFIGS",
                        ONE_CONFIG + [BootConfig("model", platform="sim-tdx", memory="6G")])
    result = inner()
    result.assert_outcomes(passed=4, failed=2, skipped=2)
    appends = run_appends(fake_qemu)
    assert sum("list=1" in a for a in appends) == 1  # the test list is the same kernel's on every platform
    runs = [a for a in appends if "list=1" not in a]
    assert len(runs) == 2 and any("platform=sim-tdx" in a for a in runs)
