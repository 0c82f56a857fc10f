"""pytest plugin: every in-kernel test as its own pytest item, plus fixtures for booting the kernel.

How it works (load it with ``-p ccktf.pytest_plugin``; harness/conftest.py does):

1. Collection: a test function that takes the ``ccktf_case`` fixture (harness/kernel_tests/test_kernel.py)
   is parametrized over every boot configuration in ``ccktf.configs.BOOT_CONFIGS`` times every test the
   kernel lists. The listing costs one ``list=1`` boot per session. Item ids are
   ``test_kernel[CONFIG:suite.test]``.
2. Selection: after ``-k``/``--deselect`` (a ``trylast`` collection hook), the selected tests of each
   configuration are remembered.
3. Running: the first item of a configuration boots the kernel once with ``tests=`` set to exactly the
   selected tests; every item then reports its own result. A failure shows the kernel's assertion
   diagnostics and the serial tail, a skip the kernel's reason. A test the kernel never reported
   (crash, truncation, timeout) is an *error* of the item's setup (fixture ``ccktf_reported``; JUnit
   ``<error>``), with the run's verdict and the serial tail. If the boot as a whole ended in error
   without any selected test failing (e.g. a crash after the last result, or QEMU's status contradicting
   the exit line), the items that passed are errors too: nothing passes on an untrustworthy run.

A missing kernel image is a collection error, never "0 tests, green". ``--ccktf-skip-kernel`` disables
the in-kernel items explicitly (they are reported as skipped), and ``--ccktf-skip-boot`` skips the
harness's own ``@pytest.mark.boot`` tests.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Union

import pytest

from . import kargs, qemu, runner
from .configs import BOOT_CONFIGS, BootConfig
from .errors import CcktfError
from .firmware import resolve_firmware
from .ktap import Status, TestResult
from .verdict import Outcome

TAIL_LINES = 20


@dataclass(frozen=True)
class KernelCase:
    """One in-kernel test under one boot configuration: the parameter of one pytest item."""

    config: BootConfig
    name: str  # "suite.test"

    @property
    def id(self) -> str:
        return f"{self.config.id}:{self.name}"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("ccktf", "ccktf kernel tests")
    group.addoption("--ccktf-kernel", type=Path, default=runner.DEFAULT_KERNEL,
                    help="kernel image to boot (default: %(default)s)")
    group.addoption("--ccktf-log-dir", type=Path, default=runner.DEFAULT_LOG_DIR,
                    help="per-run log directories go here (default: %(default)s)")
    group.addoption("--ccktf-timeout", type=float, default=runner.DEFAULT_TIMEOUT,
                    help="seconds before a boot is declared hung (default: %(default)s)")
    group.addoption("--ccktf-firmware", help="OVMF image (see python3 -m ccktf run --help)")
    group.addoption("--ccktf-qemu", default=runner.qemu.DEFAULT_QEMU, help="QEMU binary (default: %(default)s)")
    group.addoption("--ccktf-skip-kernel", action="store_true",
                    help="report in-kernel items as skipped instead of booting the kernel")
    group.addoption("--ccktf-skip-boot", action="store_true",
                    help="skip the harness tests marked 'boot' (otherwise a missing kernel fails them)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "boot: boots the real kernel under QEMU (needs --ccktf-kernel)")
    # pytest-xdist (make test runs with -n and --dist loadgroup): one worker takes all the items of one boot
    # configuration, so each configuration boots once; declared here too so that a run without xdist
    # (and --strict-markers) accepts it.
    config.addinivalue_line("markers", "xdist_group(name): run these items on one pytest-xdist worker")
    config.stash[_SESSION] = KernelSession(config)


class KernelSession:
    """Boots shared by the items of one pytest session: the listing and one run per configuration."""

    def __init__(self, config: pytest.Config):
        self.option = config.option
        self._listing: Optional[list[str]] = None
        self.selected: dict[str, list[str]] = {}
        self.runs: dict[str, Union[runner.Run, str]] = {}  # config id -> Run, or why it could not start

    def run_options(self, append: str, label: str, mode: str = "run", launch: Optional[qemu.Launch] = None,
                    **overrides) -> runner.RunOptions:
        """Options from the command line (--ccktf-kernel, -firmware, -qemu, -timeout, -log-dir); with ``launch``
        (qemu.choose_launch()), its firmware, profile and boot mode instead."""
        options = dict(kernel=self.option.ccktf_kernel, append=append, timeout=self.option.ccktf_timeout,
                       log_dir=self.option.ccktf_log_dir, label=label, mode=mode, qemu=self.option.ccktf_qemu)
        options.update(overrides)
        if launch is not None:
            return runner.RunOptions.launching(launch, **options)
        options.setdefault("firmware", resolve_firmware(self.option.ccktf_firmware))
        return runner.RunOptions(**options)

    def listing(self) -> list[str]:
        """The kernel's tests (one ``list=1`` boot per session); pytest.fail when that boot goes wrong."""
        if self._listing is None:
            try:
                run = runner.run(self.run_options(kargs.kernel_args(list_only=True), "list", mode="list"))
            except CcktfError as error:
                pytest.fail(f"ccktf: cannot list the kernel's tests: {error}", pytrace=False)
            if not run.verdict.passed:
                pytest.fail(f"ccktf: listing the kernel's tests failed: {run.verdict}\n{describe_run(run)}",
                            pytrace=False)
            self._listing = run.ktap.listing
        return self._listing

    def run_for(self, config: BootConfig) -> Union[runner.Run, str]:
        """The one boot of ``config`` with exactly the selected tests (lazily, on first use)."""
        if config.id not in self.runs:
            self.runs[config.id] = self.boot(config)
        return self.runs[config.id]

    def boot(self, config: BootConfig) -> Union[runner.Run, str]:
        try:
            globs = kargs.compact_selection(self.selected[config.id], self.listing())
            append = kargs.kernel_args(globs, config.platform, extra=config.extra)
            return runner.run(self.run_options(append, config.id, memory=config.memory, smp=config.smp,
                                               profile=config.profile))
        except CcktfError as error:
            return f"boot of configuration {config.id} could not start: {error}"

    def require_reported(self, case: KernelCase) -> TestResult:
        """Setup of an in-kernel test's item: a test with no result of its own (the boot could not start, or
        crashed or hung before the test reported), or a pass in a boot that is not trustworthy, is a pytest
        *error* (JUnit ``<error>``), not a failure. Returns the kernel's result otherwise."""
        run = self.run_for(case.config)
        if isinstance(run, str):
            pytest.fail(run, pytrace=False)
        test = run.ktap.find(case.name)
        if test is None:
            pytest.fail(f"{case.name}: the kernel never reported this test\n{describe_run(run)}", pytrace=False)
        if test.status is Status.ERROR:
            pytest.fail(f"{case.name}: no result\n{diagnostics_text(test)}\n{describe_run(run)}", pytrace=False)
        if test.status is Status.PASS and self.unattributed_error(case.config, run):
            pytest.fail(f"{case.name} passed, but the boot it ran in is not trustworthy\n{describe_run(run)}",
                        pytrace=False)
        return test

    def check(self, case: KernelCase) -> None:
        """Report the kernel's result for ``case`` as this pytest item's outcome (after ``require_reported``,
        which the ``ccktf_reported`` fixture runs in setup; called alone, its refusals are failures)."""
        test = self.require_reported(case)
        if test.status is Status.SKIP:
            pytest.skip(f"kernel: {test.skip_reason}")
        if test.status is not Status.PASS:
            run = self.run_for(case.config)
            pytest.fail(f"{case.name}: {test.status.value}\n{diagnostics_text(test)}\n{describe_run(run)}",
                        pytrace=False)

    def unattributed_error(self, config: BootConfig, run: runner.Run) -> bool:
        """The run ended in error, yet no selected test of it failed: the error would otherwise go unseen."""
        if run.verdict.outcome is not Outcome.ERROR:
            return False
        results = [run.ktap.find(name) for name in self.selected[config.id]]
        return not any(r is None or r.status in (Status.FAIL, Status.ERROR) for r in results)


_SESSION = pytest.StashKey[KernelSession]()


def diagnostics_text(test: TestResult) -> str:
    return "\n".join(f"    {line}" for line in test.diagnostics) or "    (no diagnostics)"


def describe_run(run: runner.Run) -> str:
    tail = "\n".join(f"    | {line}" for line in run.serial_tail(TAIL_LINES).split("\n"))
    return f"run verdict: {run.verdict}\nserial log: {run.serial_log}\nserial tail:\n{tail}"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "ccktf_case" not in metafunc.fixturenames:
        return
    if metafunc.config.option.ccktf_skip_kernel:
        skipped = pytest.param(None, marks=pytest.mark.skip(reason="in-kernel tests disabled (--ccktf-skip-kernel)"))
        metafunc.parametrize("ccktf_case", [skipped], ids=["disabled"])
        return
    names = metafunc.config.stash[_SESSION].listing()
    cases = [pytest.param(KernelCase(config, name), id=KernelCase(config, name).id,
                          marks=pytest.mark.xdist_group(f"ccktf-boot-{config.id}"))
             for config in BOOT_CONFIGS for name in names]
    metafunc.parametrize("ccktf_case", cases)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Remember, per configuration, which in-kernel tests survived -k / --deselect."""
    selected: dict[str, list[str]] = defaultdict(list)
    for item in items:
        case = getattr(item, "callspec", None) and item.callspec.params.get("ccktf_case")
        if isinstance(case, KernelCase):
            selected[case.config.id].append(case.name)
    config.stash[_SESSION].selected = dict(selected)


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("boot") and item.config.option.ccktf_skip_boot:
        pytest.skip("real boots disabled (--ccktf-skip-boot)")


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    runs = config.stash[_SESSION].runs
    if not runs:
        return
    terminalreporter.section("ccktf boots")
    for config_id, run in runs.items():
        if isinstance(run, str):
            terminalreporter.write_line(f"{config_id}: {run}")
        else:
            terminalreporter.write_line(f"{config_id}: {run.verdict.outcome.value} in {run.seconds:.1f} s, "
                                        f"serial log {run.serial_log}")


@pytest.fixture
def ccktf_reported(ccktf_case: KernelCase, ccktf_session: KernelSession) -> KernelCase:
    """``ccktf_case``, once the kernel reported a result for it (else an error in setup)."""
    ccktf_session.require_reported(ccktf_case)
    return ccktf_case


@pytest.fixture(scope="session")
def ccktf_session(request: pytest.FixtureRequest) -> KernelSession:
    """The session's shared boots (``check(case)`` reports one in-kernel test)."""
    return request.config.stash[_SESSION]


@pytest.fixture(scope="session")
def ccktf_kernel(request: pytest.FixtureRequest) -> Path:
    """The kernel image; fails (never skips) the test when it is missing."""
    kernel = request.config.option.ccktf_kernel
    if not kernel.is_file():
        pytest.fail(f"kernel image {kernel} not found: build it with 'make', pass --ccktf-kernel, "
                    f"or skip real boots with --ccktf-skip-boot", pytrace=False)
    return kernel


@pytest.fixture(scope="session")
def ccktf_boot(ccktf_kernel: Path, ccktf_session: KernelSession):
    """Boot the kernel: ``ccktf_boot("tests=selftest.*", timeout=20, mode="run", boot="kernel")`` -> Run."""
    def boot(append: str = "", label: str = "test", **overrides) -> runner.Run:
        return runner.run(ccktf_session.run_options(append, label, kernel=ccktf_kernel, **overrides))
    return boot


@pytest.fixture(scope="session")
def ccktf_secure_boot(ccktf_session: KernelSession):
    """Boot an image under Secure Boot (docs/secure-boot.md): ``ccktf_secure_boot(image, "tests=...",
    label="secure-boot", timeout=90)`` -> Run. The firmware is the descriptor's with ``secure-boot`` and
    ``enrolled-keys`` (or ``--ccktf-firmware``), its store a per-run copy (Debian's snakeoil store when present),
    with SMM, from an ESP (qemu.choose_secure_boot())."""
    def boot(image: Path, append: str = "", label: str = "secure-boot", **overrides) -> runner.Run:
        option = ccktf_session.option
        launch = qemu.choose_launch(None, None, option.ccktf_firmware, option.ccktf_qemu, secure_boot=True)
        return runner.run(ccktf_session.run_options(append, label, launch=launch, kernel=image, **overrides))
    return boot
