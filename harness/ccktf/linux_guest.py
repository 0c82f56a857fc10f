"""Debian's own Linux as a guest that kexecs ccktf: the real client of ccktf's bzImage header (issue 13).

The guest is Debian's kernel (``linux-image-amd64``, unpacked into ``build/debian`` by ccktf.debian, never
installed), booted by OVMF from QEMU's ``-kernel``/``-initrd`` like any EFI-stub kernel, with a small
initramfs built here: Debian's static busybox for the shell, Debian's kexec-tools with the shared libraries
it needs, the ccktf image, and an ``/init`` that loads the image with one of the two system calls and
jumps to it:

- ``kexec_load`` (``kexec -c``): kexec-tools parses the bzImage itself (``kexec/arch/i386/
  kexec-bzImage64.c``), builds boot_params and the purgatory, and hands the kernel the segments;
- ``kexec_file_load`` (``kexec -s``): the kernel parses it (``arch/x86/kernel/kexec-bzimage64.c``,
  ``bzImage64_probe()``), and under Secure Boot lockdown verifies its signature.

What /init prints (``ccktf-initramfs: ...``) says how far Linux got, so a refusal is reported as Linux's
refusal, not as a silent boot that never reached ccktf.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from . import debian, initramfs
from .errors import CcktfError

# kexec-tools 2.0.25 in Debian 12 is linked against libxenctrl (its Xen support): the library and the
# ones it needs come from these packages (apt-cache depends kexec-tools, libxenmisc4.17).
KEXEC_PACKAGES = ["busybox-static", "kexec-tools", "libxenmisc4.17", "libxencall1", "libxendevicemodel1",
                  "libxenevtchn1", "libxenforeignmemory1", "libxengnttab1", "libxentoollog1", "libxentoolcore1"]
SYSCALLS = {"kexec_load": "-c", "kexec_file_load": "-s"}
MARK = "ccktf-initramfs:"
IMAGE_PATH = "/ccktf.efi"
LIB_DIR = "/lib/x86_64-linux-gnu"
LOADER = "/lib64/ld-linux-x86-64.so.2"
_LDD_LINE = re.compile(r"^\s*(\S+)\s+=>\s+(not found|\S+)")
TOOLS = ("sh", "mount", "echo", "cat", "uname", "poweroff")  # the busybox applets /init uses (links)
# efivarfs, under /lib/modules/VERSION: Debian builds it as a module (CONFIG_EFIVAR_FS=m in its kernel config)
EFIVARFS_MODULE = "kernel/fs/efivarfs/efivarfs.ko"

INIT = """#!/bin/sh
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
echo "{mark} Linux $(uname -r) is up; kexec {syscall} {image}"
# what Linux knows of memory, for the harness to compare with what ccktf reports after the kexec
for d in /sys/firmware/memmap/*; do
    echo "{mark} memmap $(cat $d/start) $(cat $d/end) $(cat $d/type)"
done
# and of the EFI configuration tables (ACPI20=0x..., SMBIOS=0x...: drivers/firmware/efi/efi.c systab_show())
while read line; do echo "{mark} systab $line"; done < /sys/firmware/efi/systab
kexec {flag} -l {image} --command-line="$(cat /ccktf.args)"
status=$?
echo "{mark} kexec {syscall} load status $status"
if [ "$status" = 0 ]; then
    echo "{mark} kexec -e"
    kexec -e
    echo "{mark} kexec -e returned status $?"
fi
poweroff -f
"""


class LinuxGuestError(CcktfError):
    """The Linux guest could not be put together (a package or library missing)."""


@dataclass(frozen=True)
class LinuxGuest:
    vmlinuz: Path
    initrd: Path
    package: str  # the linux-image package, e.g. linux-image-6.1.0-57-amd64


def _libraries(root: Path, binary: Path) -> list[Path]:
    """The shared libraries ``binary`` needs, from the unpacked packages first, else the host's."""
    done = subprocess.run(["ldd", str(binary)], capture_output=True, text=True,
                          env={"LD_LIBRARY_PATH": f"{root}/usr{LIB_DIR}:{root}{LIB_DIR}", "PATH": "/usr/bin:/bin"})
    libs, missing = [], []
    for line in done.stdout.splitlines():
        match = _LDD_LINE.match(line)
        if not match:
            continue
        if match.group(2) == "not found":
            missing.append(match.group(1))
        else:
            libs.append(Path(match.group(2)))
    if done.returncode != 0 or missing:
        raise LinuxGuestError(f"{binary.name} needs {', '.join(missing) or 'libraries ldd cannot resolve'}: "
                              f"not in {', '.join(KEXEC_PACKAGES)} nor on the host ({done.stderr.strip()})")
    return libs


def build_initrd(image: Path, args: str, syscall: str, out: Path, root: Path) -> Path:
    """An initramfs whose /init kexecs ``image`` with ``args`` through ``syscall``."""
    if syscall not in SYSCALLS:
        raise LinuxGuestError(f"syscall {syscall!r} is not one of {', '.join(SYSCALLS)}")
    init = INIT.format(mark=MARK, syscall=syscall, flag=SYSCALLS[syscall], image=IMAGE_PATH)
    return write_initrd(root, init, {IMAGE_PATH: (image.read_bytes(), 0o644)}, args, TOOLS, out)


def write_initrd(root: Path, init: str, files: dict[str, tuple[bytes, int]], args: str, tools: tuple[str, ...],
                 out: Path) -> Path:
    """An initramfs with ``init`` as /init, Debian's busybox (linked as each of ``tools``), kexec with the
    libraries it needs, ``args`` in /ccktf.args, and ``files`` ({path: (bytes, permissions)})."""
    kexec = root / "sbin" / "kexec"
    libs = _libraries(root, kexec)
    files = {"/sbin/kexec": (kexec.read_bytes(), 0o755), LOADER: (Path(LOADER).read_bytes(), 0o755),
             "/ccktf.args": (args.encode() + b"\n", 0o644), "/init": (init.encode(), 0o755), **files}
    for lib in libs:
        files.setdefault(f"{LIB_DIR}/{lib.name}", (lib.read_bytes(), 0o755))
    out.write_bytes(busybox_initramfs(root / "bin" / "busybox", files, tools))
    return out


def busybox_initramfs(busybox: Path, files: dict[str, tuple[bytes, int]], tools: tuple[str, ...]) -> bytes:
    """The newc archive every initramfs here is: ``busybox`` as /bin/busybox, linked as /bin/TOOL for each of
    ``tools``; ``files`` ({path: (bytes, permissions)}, /init among them); the mount points /proc, /sys and
    /dev; and /dev/console (5:1) and /dev/ttyS0 (4:64), Linux Documentation/admin-guide/devices.txt, for
    /init's output before anything mounts devtmpfs."""
    files = {"/bin/busybox": (busybox.read_bytes(), 0o755), **files}
    links = {f"/bin/{tool}": "busybox" for tool in tools}
    dirs = ["/proc", "/sys", "/dev"]
    members = initramfs.tree(list(files) + list(links) + [d + "/x" for d in dirs])
    members += [initramfs.char_device("/dev/console", 5, 1), initramfs.char_device("/dev/ttyS0", 4, 64)]
    members += [initramfs.regular(path, data, perm) for path, (data, perm) in files.items()]
    members += [initramfs.symlink(path, target) for path, target in links.items()]
    return initramfs.write(members)


@dataclass(frozen=True)
class DebianLinux:
    root: Path  # where ccktf.debian unpacked the packages
    package: str  # the linux-image package, e.g. linux-image-6.1.0-57-amd64
    vmlinuz: Path

    def module(self, relpath: str) -> Optional[Path]:
        """The kernel's module ``relpath`` (kernel_module()), or None when the package does not hold it."""
        return kernel_module(self.root, self.package, relpath)


def kernel_module(root: Path, package: str, relpath: str) -> Optional[Path]:
    """The module ``relpath`` (e.g. EFIVARFS_MODULE) of the kernel ``package`` unpacked under ``root``: Debian
    installs a kernel's modules under /lib/modules/VERSION, VERSION being the package name without
    ``linux-image-``. None when the file is not there."""
    module = root / "lib" / "modules" / package.removeprefix("linux-image-") / relpath
    return module if module.is_file() else None


def fetch() -> DebianLinux:
    """Debian's kernel (the package linux-image-amd64 names), busybox and kexec-tools, fetched and unpacked
    once by ccktf.debian (cached after); raises debian.DebianError saying why when they cannot be had."""
    package = debian.kernel_package()
    root = debian.fetch([package, *KEXEC_PACKAGES])
    return DebianLinux(root, package, debian.vmlinuz(root, package))


def prepare(linux: DebianLinux, image: Path, args: str, syscall: str, out_dir: Path) -> LinuxGuest:
    """The fetched Debian kernel with an initramfs, written into out_dir, that kexecs ``image``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    initrd = build_initrd(image, args, syscall, out_dir / f"kexec-{syscall}.cpio", linux.root)
    return LinuxGuest(linux.vmlinuz, initrd, linux.package)
