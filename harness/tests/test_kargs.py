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
