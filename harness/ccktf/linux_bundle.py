"""The bundle ``handoff=linux`` boots (issue 13): a newc cpio archive, given to QEMU as ``-initrd``, which
ccktf reads through OVMF's Linux initrd media device path before ExitBootServices
(arch/x86/boot/handoff_linux.c, docs/bzimage.md "handoff=linux"). Its members:

- ``vmlinuz``: the Linux bzImage ccktf enters through the 64-bit boot protocol (required);
- ``initrd``: Linux's own initramfs (optional);
- ``cmdline``: Linux's command line, one line of printable ASCII (optional; ``console=ttyS0`` without it).

The initramfs built here is the smallest that says what Linux knows of memory: Debian's static busybox and
an ``/init`` that prints, each line starting with ``MARK``, that Linux is up, the loader type and command
line it was given (``/proc/sys/kernel/bootloader_type``, ``/proc/cmdline``), its firmware memory map
(``/sys/firmware/memmap``: the e820 table it was handed, drivers/firmware/memmap.c), the ``System RAM``
ranges of ``/proc/iomem``, its view of the EFI configuration tables (``/sys/firmware/efi/systab``) and how
many EFI variables efivarfs lists (runtime services working after Linux's SetVirtualAddressMap), then powers
off.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from . import bzimage, initramfs, linux_guest
from .errors import CcktfError

# The rule the kernel's reader applies to the cmdline member (arch/x86/boot/handoff_linux.c read_cmdline()):
# printable ASCII on one line, at most CMDLINE_MAX - 1 bytes and at most the image's cmdline_size (boot.rst
# "cmdline_size": the longest command line without its NUL). Checked here too, so a bad bundle is refused when
# it is written rather than at boot.
CMDLINE_MAX = 2048


def image_cmdline_size(vmlinuz: bytes) -> Optional[int]:
    """The bzImage's cmdline_size, or None when vmlinuz has no 2.06+ setup header to say it (bzimage.FIELDS)."""
    try:
        return bzimage.Image(vmlinuz).field("cmdline_size")
    except bzimage.Missing:
        return None


def check_cmdline(cmdline: str, vmlinuz: Optional[bytes] = None) -> None:
    """Raises CcktfError, naming the rule, for a command line handoff=linux would refuse."""
    bad = [c for c in cmdline if not 0x20 <= ord(c) <= 0x7e]
    if bad:
        raise CcktfError(f"linux-bundle: the command line must be printable ASCII on one line; it holds {bad[0]!r}")
    limit = CMDLINE_MAX - 1
    size = image_cmdline_size(vmlinuz) if vmlinuz is not None else None
    if size is not None and size < limit:
        limit = size
    if len(cmdline.rstrip(" ")) > limit:
        whose = "the image's cmdline_size" if limit == size else "ccktf's own limit"
        raise CcktfError(f"linux-bundle: the command line is {len(cmdline)} bytes; at most {limit} fit ({whose})")


MARK = "ccktf-handoff-linux:"
DEFAULT_CMDLINE = "console=ttyS0 quiet panic=-1"  # panic=-1: a panic reboots at once, and QEMU's -no-reboot ends the run

INIT = """#!/bin/sh
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
echo "{mark} Linux $(uname -r) is up"
echo "{mark} bootloader_type $(cat /proc/sys/kernel/bootloader_type)"
echo "{mark} cmdline $(cat /proc/cmdline)"
for d in /sys/firmware/memmap/*; do
    echo "{mark} memmap $(cat $d/start) $(cat $d/end) $(cat $d/type)"
done
grep "System RAM" /proc/iomem | while read line; do echo "{mark} iomem $line"; done
if [ -r /sys/firmware/efi/systab ]; then
    while read line; do echo "{mark} systab $line"; done < /sys/firmware/efi/systab
fi
# EFI runtime services after Linux's own SetVirtualAddressMap: efivarfs lists the variables through
# GetNextVariableName (fs/efivarfs); none listed or no mount means the runtime calls did not work
[ -f /efivarfs.ko ] && insmod /efivarfs.ko
if mount -t efivarfs efivarfs /sys/firmware/efi/efivars; then
    echo "{mark} efivars $(ls /sys/firmware/efi/efivars | wc -l)"
else
    echo "{mark} efivars mount failed"
fi
echo "{mark} done"
poweroff -f
"""
TOOLS = ("sh", "mount", "echo", "cat", "uname", "grep", "ls", "wc", "insmod", "poweroff")


def efivarfs_module(root: Path, package: str) -> Optional[Path]:
    """efivarfs.ko of the kernel ``package`` unpacked under ``root`` (linux_guest.kernel_module())."""
    return linux_guest.kernel_module(root, package, linux_guest.EFIVARFS_MODULE)


def memmap_initramfs(busybox: Path, efivarfs: Optional[Path] = None) -> bytes:
    """Linux's initramfs: busybox, the /init above and, when given, the kernel's efivarfs.ko (uncompressed)."""
    files = {"/init": (INIT.format(mark=MARK).encode(), 0o755)}
    if efivarfs is not None:
        files["/efivarfs.ko"] = (efivarfs.read_bytes(), 0o644)
    return linux_guest.busybox_initramfs(busybox, files, TOOLS)


def bundle(vmlinuz: Optional[bytes], initrd: Optional[bytes] = None, cmdline: Optional[str] = DEFAULT_CMDLINE) -> bytes:
    """The archive; a member given as None is left out (the tests leave out vmlinuz on purpose). A command
    line handoff=linux would refuse raises CcktfError (check_cmdline())."""
    if cmdline is not None:
        check_cmdline(cmdline, vmlinuz)
    members = []
    if vmlinuz is not None:
        members.append(initramfs.regular("/vmlinuz", vmlinuz))
    if initrd is not None:
        members.append(initramfs.regular("/initrd", initrd))
    if cmdline is not None:
        members.append(initramfs.regular("/cmdline", cmdline.encode() + b"\n"))
    return initramfs.write(members)


def write_debian_bundle(vmlinuz: Path, busybox: Path, out: Path, cmdline: str = DEFAULT_CMDLINE) -> Path:
    """Debian's kernel with the memmap initramfs, written to ``out``."""
    out.write_bytes(bundle(vmlinuz.read_bytes(), memmap_initramfs(busybox), cmdline))
    return out


def configure(parser) -> None:
    """``python3 -m ccktf linux-bundle``: the bundle from files, or from Debian's kernel (--debian)."""
    parser.add_argument("-o", "--out", type=Path, required=True, metavar="FILE", help="the bundle to write")
    parser.add_argument("--vmlinuz", type=Path, metavar="FILE", help="the bzImage (required without --debian)")
    parser.add_argument("--initrd", type=Path, metavar="FILE", help="Linux's initramfs (optional)")
    parser.add_argument("--cmdline", default=DEFAULT_CMDLINE,
                        help="Linux's command line (default: %(default)s)")
    parser.add_argument("--debian", action="store_true",
                        help="Debian's kernel and busybox (fetched into build/debian as the kexec tests do) with "
                             "the initramfs that prints Linux's memory map; --vmlinuz and --initrd override")


def execute(args) -> int:
    vmlinuz, initrd = args.vmlinuz, args.initrd.read_bytes() if args.initrd else None
    if args.debian:
        linux = linux_guest.fetch()
        vmlinuz = vmlinuz or linux.vmlinuz
        if initrd is None:
            initrd = memmap_initramfs(linux.root / "bin" / "busybox", linux.module(linux_guest.EFIVARFS_MODULE))
    if vmlinuz is None:
        raise CcktfError("linux-bundle: give --vmlinuz FILE, or --debian")
    args.out.write_bytes(bundle(vmlinuz.read_bytes(), initrd, args.cmdline))
    print(f"{args.out}: vmlinuz {vmlinuz} ({vmlinuz.stat().st_size} bytes), initrd "
          f"{len(initrd) if initrd is not None else 'none'}, command line {args.cmdline!r}; boot it with "
          f"'python3 -m ccktf run --append handoff=linux --initrd {args.out}'")
    return 0
