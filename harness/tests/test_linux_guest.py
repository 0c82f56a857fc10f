"""The pieces every Debian-guest initramfs shares (ccktf.linux_guest): the busybox archive layout and where a
kernel package's modules are, read back with the harness's own newc reader. No boot, no download."""

import shutil
import stat

from ccktf import initramfs, linux_guest


def members(data):
    return {m.path: m for m in initramfs.read(data)}


def test_busybox_initramfs_holds_busybox_its_links_the_files_and_the_console(tmp_path):
    busybox = tmp_path / "busybox"
    busybox.write_bytes(b"\x7fELF fake busybox")
    files = {"/init": (b"#!/bin/sh\n", 0o755), "/data/blob": (b"blob", 0o600)}
    got = members(linux_guest.busybox_initramfs(busybox, files, ("sh", "cat")))
    assert got["/bin/busybox"].data == busybox.read_bytes() and stat.S_IMODE(got["/bin/busybox"].mode) == 0o755
    for path, (data, perm) in files.items():
        assert stat.S_ISREG(got[path].mode) and got[path].data == data and stat.S_IMODE(got[path].mode) == perm
    for tool in ("sh", "cat"):
        assert stat.S_ISLNK(got[f"/bin/{tool}"].mode) and got[f"/bin/{tool}"].data == b"busybox"
    assert "/bin/grep" not in got
    for mount_point in ("/proc", "/sys", "/dev", "/data"):
        assert stat.S_ISDIR(got[mount_point].mode), mount_point
    assert stat.S_ISCHR(got["/dev/console"].mode) and got["/dev/console"].rdev == (5, 1)
    assert stat.S_ISCHR(got["/dev/ttyS0"].mode) and got["/dev/ttyS0"].rdev == (4, 64)


def test_every_parent_comes_before_its_members(tmp_path):
    """Linux's unpacker (init/initramfs.c do_name()) creates each name as given, no missing parent with
    it: every directory must come before what it holds."""
    busybox = tmp_path / "busybox"
    busybox.write_bytes(b"bb")
    order = [m.path for m in initramfs.read(linux_guest.busybox_initramfs(busybox, {"/a/b/c": (b"c", 0o644)}, ("sh",)))]
    for path in order:
        parent = path.rsplit("/", 1)[0]
        assert not parent or order.index(parent) < order.index(path), path


def test_kexec_guest_initrd_is_the_busybox_archive_with_kexec(tmp_path):
    """write_initrd() (kexec guests) builds on busybox_initramfs(): the same busybox, links and console nodes,
    plus kexec and its libraries (a host binary stands in for Debian's kexec so that ldd resolves it)."""
    root = tmp_path / "root"
    (root / "bin").mkdir(parents=True)
    (root / "sbin").mkdir()
    (root / "bin" / "busybox").write_bytes(b"bb")
    shutil.copy("/bin/true", root / "sbin" / "kexec")
    out = linux_guest.write_initrd(root, "#!/bin/sh\n", {"/x.efi": (b"MZ", 0o644)}, "tests=selftest", ("sh",),
                                   tmp_path / "guest.cpio")
    got = members(out.read_bytes())
    assert got["/bin/busybox"].data == b"bb" and got["/bin/sh"].data == b"busybox"
    assert got["/sbin/kexec"].data == (root / "sbin" / "kexec").read_bytes()
    assert got["/init"].data == b"#!/bin/sh\n" and got["/x.efi"].data == b"MZ"
    assert got["/ccktf.args"].data == b"tests=selftest\n"
    assert got["/dev/console"].rdev == (5, 1) and any(p.startswith(linux_guest.LIB_DIR + "/libc.so") for p in got)


def test_a_kernel_module_is_found_under_the_packages_version(tmp_path):
    linux = linux_guest.DebianLinux(tmp_path, "linux-image-6.1.0-9-amd64", tmp_path / "vmlinuz")
    assert linux.module(linux_guest.EFIVARFS_MODULE) is None
    where = tmp_path / "lib/modules/6.1.0-9-amd64/kernel/fs/efivarfs/efivarfs.ko"
    where.parent.mkdir(parents=True)
    where.write_bytes(b"\x7fELF")
    assert linux.module(linux_guest.EFIVARFS_MODULE) == where
    assert linux_guest.kernel_module(tmp_path, "linux-image-6.1.0-10-amd64", linux_guest.EFIVARFS_MODULE) is None
    assert linux.module("kernel/fs/efivarfs") is None  # a directory is not a module
