"""Kernel argument strings and the compaction of a pytest selection into tests= globs."""

import pytest

from ccktf import kargs

LISTING = ["selftest.a", "selftest.b", "efi.x", "efi.y", "efi.z"]


def test_kernel_args():
    assert kargs.kernel_args(["selftest.*", "efi"], "none", extra="seed=7  demo_fail=1") == \
        "tests=selftest.*,efi platform=none seed=7 demo_fail=1"
    assert kargs.kernel_args(list_only=True) == "list=1"
    assert kargs.kernel_args() == ""


def test_kernel_args_reject_white_space_in_values():
    with pytest.raises(ValueError, match="white space"):
        kargs.kernel_args(["a b"])


@pytest.mark.parametrize("call, message", [
    (lambda: kargs.kernel_args(platform="sim-tdx", extra="platform=none"),
     "platform= given twice: 'platform=sim-tdx' (from --platform) and 'platform=none' (from --append)"),
    (lambda: kargs.kernel_args(["selftest.*"], extra="tests=cpu"),
     "tests= given twice: 'tests=selftest.*' (from --tests) and 'tests=cpu' (from --append)"),
    (lambda: kargs.kernel_args(list_only=True, extra="list=0"), "list= given twice"),
    (lambda: kargs.kernel_args(extra="seed=1 seed=2"),
     "seed= given twice: 'seed=1' (from --append) and 'seed=2' (from --append)"),
    (lambda: kargs.kernel_args(extra="seed"), "'seed' is not a key=value word"),
    (lambda: kargs.kernel_args(extra="=1"), "'=1' is not a key=value word"),
])
def test_contradictions_are_refused_before_the_boot(call, message):
    """These used to boot: the kernel kept the last value, and the run tested something else than asked."""
    with pytest.raises(ValueError) as error:
        call()
    assert message in str(error.value)


def test_split_globs():
    assert kargs.split_globs("selftest.*,efi,") == ["selftest.*", "efi"]


@pytest.mark.parametrize("selected, globs", [
    (LISTING, []),
    (["selftest.a", "selftest.b", "efi.y"], ["selftest", "efi.y"]),
    (["efi.z", "selftest.b"], ["selftest.b", "efi.z"]),
])
def test_compact_selection(selected, globs):
    assert kargs.compact_selection(selected, LISTING) == globs


@pytest.mark.parametrize("selected, error", [([], "no tests selected"), (["nope.x"], "not in the kernel's listing")])
def test_compact_selection_errors(selected, error):
    with pytest.raises(ValueError, match=error):
        kargs.compact_selection(selected, LISTING)
