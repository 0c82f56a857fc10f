"""ccktf.initramfs writes the newc cpio format Linux unpacks: checked against the format's rules and read back
with Debian's busybox cpio (Linux itself reads one in test_linux_kexec.py)."""

import subprocess

import pytest

from ccktf import debian, initramfs
from ccktf.debian import DebianError
from ccktf.initramfs import InitramfsError


def sample():
    return [initramfs.directory("/bin"), initramfs.regular("/bin/busybox", b"\x7fELF" + b"x" * 5, 0o755),
            initramfs.symlink("/bin/sh", "busybox"), initramfs.directory("/dev"),
            initramfs.char_device("/dev/console", 5, 1), initramfs.regular("/init", b"#!/bin/sh\n", 0o755)]


def test_round_trip_keeps_names_modes_data_and_devices():
    members = initramfs.read(initramfs.write(sample()))
    assert members == sample()


def test_layout_follows_the_newc_rules():
    archive = initramfs.write([initramfs.regular("/a", b"abc")])
    assert archive.startswith(b"070701")
    header = archive[:110]
    assert int(header[6 + 8 * 6:14 + 8 * 6], 16) == 3  # filesize
    assert int(header[6 + 8 * 11:14 + 8 * 11], 16) == 2  # namesize "a\0"
    # name "a\0" padded so that header + name is a multiple of 4, then the data padded to 4
    assert archive[110:112] == b"a\0" and archive[112:116] == b"abc\0"
    assert archive[116:122] == b"070701" and b"TRAILER!!!\0" in archive[116:]
    assert len(archive) % 4 == 0


@pytest.mark.parametrize("members, message", [
    ([initramfs.regular("relative", b"")], "must be absolute"),
    ([initramfs.regular("/../x", b"")], "without '..'"),
    ([initramfs.regular("/a/b", b"")], "comes before its directory"),
    ([initramfs.directory("/a"), initramfs.directory("/a")], "given twice"),
])
def test_bad_members_are_refused(members, message):
    with pytest.raises(InitramfsError, match=message):
        initramfs.write(members)


def test_tree_lists_each_parent_once_parents_first():
    assert [m.path for m in initramfs.tree(["/lib/x86_64-linux-gnu/libc.so.6", "/lib64/ld.so", "/lib/a"])] == [
        "/lib", "/lib/x86_64-linux-gnu", "/lib64"]


def test_truncated_archive_is_an_error():
    archive = initramfs.write([initramfs.regular("/a", b"x" * 100)])
    with pytest.raises(InitramfsError):
        initramfs.read(archive[:150])


@pytest.fixture(scope="module")
def busybox():
    """Debian's busybox-static, unpacked (not installed): a cpio reader nobody here wrote."""
    try:
        return debian.fetch(["busybox-static"]) / "bin" / "busybox"
    except DebianError as err:
        pytest.skip(f"Debian's busybox-static is not available: {err}")


def test_busybox_cpio_reads_what_was_written(busybox, tmp_path):
    archive = initramfs.write(sample()[:4] + sample()[5:])  # no device node: extracting one needs root
    listing = subprocess.run([str(busybox), "cpio", "-t", "-v"], input=archive, capture_output=True,
                             check=True).stdout.decode().splitlines()
    assert [(line[0], line.split()[5:]) for line in listing] == [
        ("d", ["bin"]), ("-", ["bin/busybox"]), ("l", ["bin/sh", "->", "busybox"]), ("d", ["dev"]),
        ("-", ["init"])]
    subprocess.run([str(busybox), "cpio", "-i", "-d"], input=archive, cwd=tmp_path, capture_output=True,
                   check=True)
    assert (tmp_path / "bin" / "busybox").read_bytes() == b"\x7fELFxxxxx"
    assert (tmp_path / "bin" / "sh").readlink().name == "busybox"
    assert (tmp_path / "init").stat().st_mode & 0o777 == 0o755
