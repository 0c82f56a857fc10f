"""ccktf.debian: refusals that need no network (the fetches themselves are exercised by the tests that use
Debian's packages: test_initramfs.py, test_linux_kexec.py)."""

import pytest

from ccktf import debian
from ccktf.debian import DebianError


@pytest.mark.parametrize("name", ["", "Busybox", "a;rm -rf /", "-o", "../x"])
def test_bad_package_names_are_refused_before_apt_runs(tmp_path, name):
    with pytest.raises(DebianError, match="not a Debian package name"):
        debian.fetch([name], cache=tmp_path)
    assert not (tmp_path / "debs").exists()


def test_a_missing_vmlinuz_is_named(tmp_path):
    with pytest.raises(DebianError, match="no /boot/vmlinuz-6.1.0-1-amd64"):
        debian.vmlinuz(tmp_path, "linux-image-6.1.0-1-amd64")


def test_a_failing_command_is_one_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no apt-get, no dpkg-deb
    with pytest.raises(DebianError, match="apt-get not found"):
        debian.fetch(["busybox-static"], cache=tmp_path / "cache")
