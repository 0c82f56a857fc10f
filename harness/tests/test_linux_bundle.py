"""The bundle handoff=linux reads (ccktf.linux_bundle): members, order and contents, read back with the
harness's own newc reader; the initramfs's /init prints what test_handoff_linux compares."""

import stat

import pytest

from ccktf import initramfs, linux_bundle
from ccktf.errors import CcktfError


def members(data):
    return {m.path: m for m in initramfs.read(data)}


def test_bundle_holds_vmlinuz_initrd_and_cmdline():
    got = members(linux_bundle.bundle(b"kernel", b"ramdisk", "console=ttyS0 quiet"))
    assert list(got) == ["/vmlinuz", "/initrd", "/cmdline"]
    assert got["/vmlinuz"].data == b"kernel" and stat.S_ISREG(got["/vmlinuz"].mode)
    assert got["/initrd"].data == b"ramdisk"
    assert got["/cmdline"].data == b"console=ttyS0 quiet\n"


def test_members_given_as_none_are_left_out():
    assert list(members(linux_bundle.bundle(None, b"ramdisk"))) == ["/initrd", "/cmdline"]
    assert list(members(linux_bundle.bundle(b"kernel", None, None))) == ["/vmlinuz"]


def test_the_default_command_line_ends_a_panic_at_once():
    assert "console=ttyS0" in linux_bundle.DEFAULT_CMDLINE and "panic=-1" in linux_bundle.DEFAULT_CMDLINE


def test_memmap_initramfs_has_busybox_and_an_init_that_reports_memory(tmp_path):
    busybox = tmp_path / "busybox"
    busybox.write_bytes(b"\x7fELF fake busybox")
    got = members(linux_bundle.memmap_initramfs(busybox))
    assert got["/bin/busybox"].data == busybox.read_bytes() and got["/bin/busybox"].mode & 0o111
    init = got["/init"].data.decode()
    assert got["/init"].mode & 0o111 and init.startswith("#!/bin/sh\n")
    for what in ("/sys/firmware/memmap", "System RAM", "/proc/iomem", "bootloader_type", "/proc/cmdline",
                 "/sys/firmware/efi/systab", "efivarfs", "poweroff -f"):
        assert what in init, what
    assert init.count(linux_bundle.MARK) >= 6
    for tool in linux_bundle.TOOLS:
        assert stat.S_ISLNK(got[f"/bin/{tool}"].mode) and got[f"/bin/{tool}"].data == b"busybox"
    assert stat.S_ISCHR(got["/dev/console"].mode)
    assert "/efivarfs.ko" not in got and "insmod /efivarfs.ko" in init


def test_efivarfs_module_goes_in_when_given(tmp_path):
    busybox, module = tmp_path / "busybox", tmp_path / "efivarfs.ko"
    busybox.write_bytes(b"bb")
    module.write_bytes(b"\x7fELF module")
    assert members(linux_bundle.memmap_initramfs(busybox, module))["/efivarfs.ko"].data == module.read_bytes()
    root = tmp_path / "root"
    assert linux_bundle.efivarfs_module(root, "linux-image-6.1.0-9-amd64") is None
    where = root / "lib/modules/6.1.0-9-amd64/kernel/fs/efivarfs/efivarfs.ko"
    where.parent.mkdir(parents=True)
    where.write_bytes(b"m")
    assert linux_bundle.efivarfs_module(root, "linux-image-6.1.0-9-amd64") == where


def test_cli_writes_a_bundle_from_files(tmp_path, capsys):
    from ccktf import cli
    vmlinuz, initrd, out = tmp_path / "vmlinuz", tmp_path / "initrd.cpio", tmp_path / "bundle.cpio"
    vmlinuz.write_bytes(b"kernel bytes")
    initrd.write_bytes(b"ramdisk bytes")
    assert cli.main(["linux-bundle", "-o", str(out), "--vmlinuz", str(vmlinuz), "--initrd", str(initrd),
                     "--cmdline", "console=ttyS0 loglevel=8"]) == 0
    got = members(out.read_bytes())
    assert got["/vmlinuz"].data == b"kernel bytes" and got["/initrd"].data == b"ramdisk bytes"
    assert got["/cmdline"].data == b"console=ttyS0 loglevel=8\n"
    assert f"--initrd {out}" in capsys.readouterr().out


def test_cli_bundle_needs_a_kernel(tmp_path, capsys):
    from ccktf import cli
    assert cli.main(["linux-bundle", "-o", str(tmp_path / "b.cpio")]) != 0
    assert "give --vmlinuz FILE, or --debian" in capsys.readouterr().err
    assert not (tmp_path / "b.cpio").exists()


def test_run_passes_the_bundle_as_initrd(ccktf, fake_qemu, tmp_path):
    bundle = tmp_path / "bundle.cpio"
    bundle.write_bytes(linux_bundle.bundle(b"kernel"))
    fake_qemu.serve("passing")
    ccktf("run", "--append", "handoff=linux", "--initrd", str(bundle))
    argv = fake_qemu.invocations()[-1]
    assert argv[argv.index("-initrd") + 1] == str(bundle.resolve())
    assert "handoff=linux" in argv[argv.index("-append") + 1]


def test_run_without_initrd_gives_qemu_none(ccktf, fake_qemu):
    fake_qemu.serve("passing")
    ccktf("run")
    assert "-initrd" not in fake_qemu.invocations()[-1]


def header_with_cmdline_size(size: int) -> bytes:
    """The start of a bzImage: "HdrS", protocol 2.15, cmdline_size."""
    image = bytearray(0x400)
    image[0x202:0x206] = b"HdrS"
    image[0x206:0x208] = (0x020f).to_bytes(2, "little")
    image[0x238:0x23c] = size.to_bytes(4, "little")
    return bytes(image)


@pytest.mark.parametrize("cmdline,match", [
    ("console=ttyS0\nquiet", r"printable ASCII on one line; it holds '\\n'"),
    ("console=ttyS0\tquiet", r"printable ASCII on one line; it holds '\\t'"),
    ("console=ttyS0 é", "printable ASCII"),
    ("x" * 2048, r"2048 bytes; at most 2047 fit \(ccktf's own limit\)"),
])
def test_a_command_line_the_kernel_would_refuse_is_refused_when_written(cmdline, match):
    with pytest.raises(CcktfError, match=match):
        linux_bundle.bundle(b"kernel", None, cmdline)


def test_the_command_line_fits_the_images_cmdline_size():
    image = header_with_cmdline_size(16)
    assert members(linux_bundle.bundle(image, None, "x" * 16))["/cmdline"].data == b"x" * 16 + b"\n"
    with pytest.raises(CcktfError, match=r"17 bytes; at most 16 fit \(the image's cmdline_size\)"):
        linux_bundle.bundle(image, None, "x" * 17)
    assert members(linux_bundle.bundle(b"kernel", None, "x" * 2047))["/cmdline"].data == b"x" * 2047 + b"\n"
