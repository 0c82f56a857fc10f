"""Linux kexecs ccktf (issue 13, "Real clients"): Debian's own 6.1 kernel, booted by OVMF like any EFI-stub
kernel, runs Debian's kexec-tools from a small initramfs (ccktf.linux_guest) and loads build/ccktf.efi
once with each system call, then jumps to it. What ccktf prints on arrival shows what Linux handed it:
the boot protocol version copied from ccktf's own header, the loader type (0xd0: kexec), the e820 table,
and efi_info ("EL64" with the system table, which Linux passes only to an image with XLF_EFI_KEXEC).

Each boot is Debian's kernel under TCG (10-30 s here). Skips, saying why, when Debian's packages cannot be
fetched (no network or apt sources)."""

import re
import shutil
import subprocess

import pytest

from ccktf import firmware as fwmod
from ccktf import linux_guest
from ccktf.errors import CcktfError

pytestmark = pytest.mark.boot
TIMEOUT = 300


def ovmf_args(tmp_path):
    """The firmware the harness picks for ccktf's own boots (QEMU's descriptors), vars copied per boot."""
    fw = fwmod.find_firmware()
    if not fw.uses_pflash:
        return ["-bios", str(fw.code)]
    vars_copy = tmp_path / "OVMF_VARS.fd"
    shutil.copyfile(fw.vars_template, vars_copy)
    return ["-drive", f"if=pflash,format=raw,unit=0,readonly=on,file={fw.code}",
            "-drive", f"if=pflash,format=raw,unit=1,file={vars_copy}"]


@pytest.mark.parametrize("syscall", sorted(linux_guest.SYSCALLS))
def test_debian_linux_kexecs_ccktf(ccktf_kernel, tmp_path, syscall):
    try:
        guest = linux_guest.prepare(ccktf_kernel, "tests=selftest", syscall, tmp_path)
    except CcktfError as err:
        pytest.skip(f"Debian's kernel, busybox or kexec-tools cannot be had here: {err}")
    argv = ["qemu-system-x86_64", "-machine", "q35", "-accel", "tcg", "-cpu", "max", "-m", "1G",
            "-display", "none", "-vga", "none", "-monitor", "none", "-serial", "stdio", "-nic", "none",
            "-no-reboot", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04", *ovmf_args(tmp_path),
            "-kernel", str(guest.vmlinuz), "-initrd", str(guest.initrd), "-append", "console=ttyS0 quiet"]
    run = subprocess.run(argv, capture_output=True, timeout=TIMEOUT)
    out = re.sub(r"\x1b\[[0-9;?]*[a-zA-Z]", "", run.stdout.decode(errors="replace")).replace("\r", "")
    tail = out[-3000:]
    mark = linux_guest.MARK
    assert f"{mark} Linux {guest.package.removeprefix('linux-image-')} is up" in out, tail
    assert f"{mark} kexec {syscall} load status 0" in out, tail
    assert "# ccktf: entered through the 64-bit boot protocol (boot_params at 0x" in out, tail
    found = re.search(r"# ccktf: boot_params: protocol=2\.15 loader=0xd0 e820_entries=(\d+) efi=EL64 "
                      r"efi_systab=0x([0-9a-f]+)", out)
    assert found, tail
    assert 1 <= int(found.group(1)) <= 128 and int(found.group(2), 16) != 0, found.group(0)
    assert f"{mark} kexec -e returned" not in out, tail
