"""handoff=linux (issue 13): ccktf boots Linux. Stage 1 reads a bundle (a newc cpio archive given as QEMU's
-initrd: ccktf.linux_bundle) through OVMF's Linux initrd media device path before ExitBootServices, runs its
tests, then enters the bundle's bzImage through the 64-bit boot protocol (arch/x86/boot/handoff_linux.c,
docs/bzimage.md "handoff=linux"). With Debian's 6.1 kernel, which knows nothing of unaccepted memory, this is
the "unenlightened kernel" cell of the firmware x kernel matrix on platform none.

Linux's memory against what stage 1 handed over, the rule checked:
- /sys/firmware/memmap (Linux's e820_table_firmware: the zero page's table after e820__update_table(),
  arch/x86/kernel/e820.c) equals the e820 stage 1 printed, entry for entry: stage 1 merges adjacent
  same-type entries (efi_to_e820(); it does not sort, and OVMF's final map comes in address order), so
  Linux's sanitizing (which sorts, then merges) changes nothing;
- the "System RAM" of /proc/iomem is that e820's RAM with the first page taken out: Linux reserves page 0
  (arch/x86/kernel/setup.c trim_bios_range(), e820__range_update(0, PAGE_SIZE, RAM, RESERVED)) and changes
  nothing else of the firmware's RAM; so the totals differ by exactly 4 KiB.
The EFI configuration tables Linux found (/sys/firmware/efi/systab) are the ones stage 1 listed: efi_info
reached it; and efivarfs lists variables: runtime services work after Linux's own SetVirtualAddressMap. The loader is also shown without Debian's kernel (ccktf.efi, a bzImage itself, as the bundle's
vmlinuz reports what it was handed), and not to hand off when stage 1 fails. About 15-20 s per Linux boot
under TCG here; the other tests boot ccktf only (about 5 s each)."""

import re

import pytest

from ccktf import initramfs, ktap, linux_bundle

from test_sb_signing import needs_signing, signed  # noqa: F401 (signed: the fixture)

pytestmark = pytest.mark.boot
TIMEOUT = 240
MARK = linux_bundle.MARK
PAGE = 4096
# /sys/firmware/memmap's type names (drivers/firmware/memmap.c, from arch/x86/kernel/e820.c
# e820_type_to_string()) and the e820 type numbers (arch/x86/include/asm/e820/types.h)
E820_TYPES = {"System RAM": 1, "Reserved": 2, "ACPI Tables": 3, "ACPI Non-volatile Storage": 4,
              "Unusable memory": 5, "Persistent Memory": 7, "Soft Reserved": 0xefffffff}


def boot(ccktf_boot, tmp_path, data, append="tests=selftest handoff=linux", label="handoff-linux", memory="1G"):
    """ccktf with the bundle ``data`` as -initrd (None: no -initrd); the Run and its serial text."""
    initrd = None
    if data is not None:
        initrd = tmp_path / "bundle.cpio"
        initrd.write_bytes(data)
    run = ccktf_boot(append, label=label, memory=memory, timeout=TIMEOUT, initrd=initrd)
    return run, ktap.strip_escapes(run.serial_log.read_bytes().decode(errors="replace"))


def handed_e820(out):
    """{(start, end inclusive, type)} from stage 1's '# handoff: e820' lines."""
    found = re.findall(r"^# handoff: e820 \[0x([0-9a-f]+)-0x([0-9a-f]+)\] type (\d+)$", out, re.M)
    return {(int(a, 16), int(b, 16), int(t)) for a, b, t in found}


def linux_memmap(out):
    found = re.findall(rf"^{re.escape(MARK)} memmap 0x([0-9a-f]+) 0x([0-9a-f]+) (.+)$", out, re.M)
    return {(int(a, 16), int(b, 16), E820_TYPES.get(t.strip(), -1)) for a, b, t in found}


def linux_iomem_ram(out):
    found = re.findall(rf"^{re.escape(MARK)} iomem ([0-9a-f]+)-([0-9a-f]+) : System RAM$", out, re.M)
    return {(int(a, 16), int(b, 16)) for a, b in found}


def without_page_zero(ranges):
    """RAM ranges with [0, 4 KiB) taken out, as trim_bios_range() does."""
    out = set()
    for start, end in ranges:
        if start < PAGE:
            start = PAGE
        if start <= end:
            out.add((start, end))
    return out


def test_ccktf_boots_debian_linux_with_the_memory_it_handed_over(debian_linux, ccktf_boot, tmp_path):
    busybox = debian_linux.root / "bin" / "busybox"
    efivarfs = linux_bundle.efivarfs_module(debian_linux.root, debian_linux.package)
    assert efivarfs, "Debian's kernel package holds efivarfs.ko"
    data = linux_bundle.bundle(debian_linux.vmlinuz.read_bytes(), linux_bundle.memmap_initramfs(busybox, efivarfs))
    run, out = boot(ccktf_boot, tmp_path, data)
    tail = out[-4000:]
    # stage 1: the bundle read before the tests, the tests passed, then the hand-off
    assert re.search(r"^# handoff: linux: bundle of \d+ bytes at 0x[0-9a-f]+: vmlinuz \d+ bytes \(protocol 2\.15, "
                     r"init_size 0x[0-9a-f]+, kernel_alignment 0x200000\), initrd [1-9]\d* bytes, command line "
                     rf"\"{re.escape(linux_bundle.DEFAULT_CMDLINE)}\"$", out, re.M), tail
    entered = re.search(r"^# handoff: linux: entering Linux at (0x[0-9a-f]+) \+ 0x200 through the 64-bit boot protocol "
                        r"\(boot_params at 0x[0-9a-f]+, initrd at (0x[0-9a-f]+), (\d+) bytes", out, re.M)
    assert entered, tail
    assert int(entered.group(1), 16) % (2 << 20) == 0, "the kernel is at a kernel_alignment (2 MiB) boundary"
    assert int(entered.group(2), 16) % PAGE == 0 and int(entered.group(2), 16) + int(entered.group(3)) <= 1 << 31
    stage1 = ktap.parse(out[:entered.start()])
    assert stage1.counts()[ktap.Status.PASS] >= 3 and stage1.counts()[ktap.Status.FAIL] == 0, stage1.counts()
    assert not stage1.exit, "stage 1 hands off instead of exiting"
    # Linux came up with what stage 1 wrote: its loader type (0xff, "undefined") and command line
    version = debian_linux.package.removeprefix("linux-image-")
    assert f"{MARK} Linux {version} is up" in out, tail
    assert f"{MARK} bootloader_type 255" in out, tail
    assert f"{MARK} cmdline {linux_bundle.DEFAULT_CMDLINE}" in out, tail
    assert f"{MARK} done" in out, tail
    # its memory is what stage 1 handed over (the rule in the module docstring)
    handed, had = handed_e820(out), linux_memmap(out)
    count = re.search(r"^# handoff: e820 from the final memory map: (\d+) entries$", out, re.M)
    assert count and len(handed) == int(count.group(1)) and any(t == 1 for *_, t in handed), tail
    assert had == handed, f"Linux has {sorted(had)}, stage 1 handed over {sorted(handed)}"
    ram = {(a, b) for a, b, t in handed if t == 1}
    iomem = linux_iomem_ram(out)
    assert iomem == without_page_zero(ram), f"System RAM {sorted(iomem)}, e820 RAM {sorted(ram)}"
    assert sum(b + 1 - a for a, b in ram) - sum(b + 1 - a for a, b in iomem) == PAGE
    # the configuration tables Linux found through efi_info are those stage 1 listed
    tables = dict(re.findall(rf"^{re.escape(MARK)} systab (ACPI20|SMBIOS)=(0x[0-9a-f]+)$", out, re.M))
    assert set(tables) == {"ACPI20", "SMBIOS"}, tail
    for key, guid in (("ACPI20", "8868e871-e4f1-11d3-bc22-0080c73c8881"), ("SMBIOS", "eb9d2d31-2d88-11d3-9a16-0090273fc14d")):
        assert re.search(rf"^#   {guid} at {tables[key]} ", out, re.M), (key, tables[key])
    # EFI runtime services work: Linux called SetVirtualAddressMap itself (no SETUP_EFI) and lists variables
    efivars = re.search(rf"^{re.escape(MARK)} efivars (\d+)$", out, re.M)
    assert efivars and int(efivars.group(1)) > 0, tail
    assert run.status == 0 and not run.timed_out, "Linux powered the guest off"


def refused(run, out, message):
    assert f"# handoff: refused: {message}" in out, out[-3000:]
    assert "# ccktf: exit=usage-error code=2" in out and run.status == 2 * 2 + 1, out[-3000:]
    assert "# handoff: linux: entering" not in out and MARK not in out
    assert not re.search(r"^ok \d+ selftest", out, re.M), "refused before the tests run"


def test_a_broken_bzimage_is_refused_by_name(ccktf_boot, ccktf_kernel, tmp_path):
    """ccktf.efi is a bzImage itself (docs/bzimage.md); with its "HdrS" gone it is not."""
    image = bytearray(ccktf_kernel.read_bytes())
    assert image[0x202:0x206] == b"HdrS"
    image[0x202:0x206] = b"\0\0\0\0"
    run, out = boot(ccktf_boot, tmp_path, linux_bundle.bundle(bytes(image), b"initrd"))
    refused(run, out, 'handoff=linux: vmlinuz is not a bzImage this loader can enter: header (0x202) is 0x0: '
                      'needs "HdrS" (0x53726448; boot.rst "header")')


def test_a_bundle_without_vmlinuz_is_refused(ccktf_boot, tmp_path):
    run, out = boot(ccktf_boot, tmp_path, linux_bundle.bundle(None, b"initrd"))
    refused(run, out, "handoff=linux: the bundle (-initrd) is not usable: archive: no member 'vmlinuz'")


def test_no_bundle_is_refused_with_the_firmware_status(ccktf_boot, tmp_path):
    run, out = boot(ccktf_boot, tmp_path, None)
    refused(run, out, "handoff=linux: no bundle: LocateDevicePath(LoadFile2, Linux initrd media) failed with EFI "
                      "status 0x800000000000000e (give it as QEMU's -initrd: a newc cpio archive with vmlinuz, "
                      "initrd, cmdline)")


def test_a_bundle_that_is_not_an_archive_is_refused(ccktf_boot, tmp_path):
    run, out = boot(ccktf_boot, tmp_path, b"\x1f\x8b" + b"\0" * 200)
    refused(run, out, "handoff=linux: the bundle (-initrd) is not usable: archive: bad magic (not a newc cpio "
                      "archive) at offset 0x0")


def test_the_loader_enters_any_bzimage_even_ccktf_itself(ccktf_boot, ccktf_kernel, tmp_path):
    """The loader without Debian's kernel (runs where it cannot be fetched): ccktf.efi is a bzImage too, so
    the bundle's vmlinuz can be ccktf, whose 64-bit entry prints what it was handed (docs/bzimage.md "The
    entries"): loader 0xff, the zero page and load address stage 1 named, the system table stage 1 named, the
    initrd where stage 1 put it with its size, boot_params.secure_boot 2 (disabled: this firmware has no
    Secure Boot), the e820 stage 1 printed, the bundle's command line, and no setup_data."""
    data = linux_bundle.bundle(ccktf_kernel.read_bytes(), b"ramdisk " * 512, "tests=selftest")
    run, out = boot(ccktf_boot, tmp_path, data)
    entered = re.search(r"^# handoff: linux: entering Linux at (0x[0-9a-f]+) \+ 0x200 through the 64-bit boot protocol "
                        r"\(boot_params at (0x[0-9a-f]+), initrd at (0x[0-9a-f]+), 4096 bytes, command line "
                        r"\"tests=selftest\"\)$", out, re.M)
    assert entered, out[-3000:]
    stage1, stage2 = out[:entered.start()], out[entered.end():]
    assert "# handoff: linux: Secure Boot off: boot_params.secure_boot 2 " in stage1, stage1[-3000:]
    systab = re.search(r"^# handoff: linux: efi_info EL64 system table (0x[0-9a-f]+), memory map 0x[0-9a-f]+ "
                       r"\(\d+ bytes\)$", stage1, re.M)
    assert systab and int(systab.group(1), 16) != 0, stage1[-3000:]
    initrd = entered.group(3)
    assert int(initrd, 16) != 0 and int(initrd, 16) % PAGE == 0
    assert re.search(rf"^# ccktf: entry=boot-protocol loader=0xff protocol=2\.15 boot_params={entered.group(2)} "
                     rf"image={entered.group(1)} paging=[45]-level$", stage2, re.M), stage2[:3000]
    assert re.search(rf"^# ccktf: boot_params: protocol=2\.15 loader=0xff e820_entries=\d+ efi=EL64 "
                     rf"efi_systab={systab.group(1)} cmd_line_ptr=0x[0-9a-f]+ setup_data=0x0 "
                     rf"ramdisk={initrd}\+0x1000 secure_boot=2$", stage2, re.M), stage2[:3000]
    read = {(int(a, 16), int(b, 16), int(t)) for a, b, t in
            re.findall(r"^#   e820 \[0x([0-9a-f]+)-0x([0-9a-f]+)\] type (\d+)$", stage2, re.M)}
    assert read and read == handed_e820(stage1)
    assert '# ccktf: args="tests=selftest"' in stage2
    assert "# ccktf: exit=passed code=0" in stage2 and run.status == 1


def test_initrd_addr_max_binds_the_initrd_only(ccktf_boot, ccktf_kernel, tmp_path):
    """With 2560 MiB (all of it below 4 GiB on q35) free memory lies above ccktf's initrd_addr_max
    (0x7fffffff): the kernel, command line and zero page go there, top-down, and the initrd alone stays
    below 2 GiB (boot.rst "initrd_addr_max"); stage 2 (ccktf again) confirms where it was entered."""
    image = ccktf_kernel.read_bytes()
    assert int.from_bytes(image[0x22c:0x230], "little") == 0x7fffffff
    data = linux_bundle.bundle(image, b"ramdisk " * 512, "tests=selftest")
    run, out = boot(ccktf_boot, tmp_path, data, label="handoff-linux-2560m", memory="2560M")
    entered = re.search(r"^# handoff: linux: entering Linux at (0x[0-9a-f]+) \+ 0x200 through the 64-bit boot protocol "
                        r"\(boot_params at (0x[0-9a-f]+), initrd at (0x[0-9a-f]+), 4096 bytes", out, re.M)
    assert entered, out[-3000:]
    kernel, bp, initrd = (int(entered.group(i), 16) for i in (1, 2, 3))
    assert kernel >= 1 << 31 and bp >= 1 << 31, f"kernel 0x{kernel:x}, boot_params 0x{bp:x}: above 2 GiB"
    assert initrd + 4096 <= 1 << 31, f"initrd 0x{initrd:x} below initrd_addr_max + 1"
    assert re.search(rf"^# ccktf: entry=boot-protocol loader=0xff protocol=2\.15 boot_params={entered.group(2)} "
                     rf"image={entered.group(1)} ", out, re.M), out[-3000:]
    assert "# ccktf: exit=passed code=0" in out[entered.end():] and run.status == 1


def with_cmdline_size(image: bytes, size: int) -> bytes:
    """The image with its setup header's cmdline_size (0x238, boot.rst "cmdline_size") set to size."""
    out = bytearray(image)
    out[0x238:0x23c] = size.to_bytes(4, "little")
    return bytes(out)


@pytest.mark.parametrize("cmdline,size,why", [
    ("tests=selftest " + "x" * 40, 32, "cmdline: longer than the image's cmdline_size or 2047 bytes"),
    ("tests=selftest\tseed=2", 2047, "cmdline: not printable ASCII on one line"),
    (None, 8, "the default command line: longer than the image's cmdline_size or 2047 bytes"),  # console=ttyS0
], ids=["longer-than-cmdline_size", "not-printable", "default-longer-than-cmdline_size"])
def test_a_bad_command_line_is_refused_before_the_tests(ccktf_boot, ccktf_kernel, tmp_path, cmdline, size, why):
    """The bundle's cmdline member (or the default without one) is checked against the image's cmdline_size
    before the tests (the bundle is written here past linux_bundle's own check)."""
    image = with_cmdline_size(ccktf_kernel.read_bytes(), size)
    members = [initramfs.regular("/vmlinuz", image)]
    if cmdline is not None:
        members.append(initramfs.regular("/cmdline", cmdline.encode() + b"\n"))
    run, out = boot(ccktf_boot, tmp_path, initramfs.write(members))
    refused(run, out, f"handoff=linux: {why}")


def test_no_hand_off_when_stage_1_fails(ccktf_boot, ccktf_kernel, tmp_path):
    data = linux_bundle.bundle(ccktf_kernel.read_bytes(), None, "tests=selftest")
    run, out = boot(ccktf_boot, tmp_path, data, append="tests=selftest handoff=linux demo_fail=1")
    assert "# handoff: linux: bundle of " in out, out[-3000:]
    assert "# handoff: stage 1 did not pass: no hand-off" in out, out[-3000:]
    assert "# handoff: linux: entering" not in out and "# ccktf: exit=failed code=1" in out and run.status == 3


def test_a_model_platform_is_refused_before_the_tests(ccktf_boot, ccktf_kernel, tmp_path):
    """A model cannot run under Linux, which would take the memory the model holds pending for plain RAM."""
    data = linux_bundle.bundle(ccktf_kernel.read_bytes(), None, "tests=selftest")
    run, out = boot(ccktf_boot, tmp_path, data, append="tests=selftest platform=sim-tdx sim_unaccepted=64M handoff=linux")
    refused(run, out, "handoff=linux runs on platform none only: sim-tdx cannot run under Linux, which would take "
                      "the memory it holds pending for plain RAM")


def test_more_than_one_cpu_is_refused(ccktf_boot, ccktf_kernel, tmp_path):
    """The APs are parked in memory Linux would reuse: refused after the tests, when they are online."""
    data = linux_bundle.bundle(ccktf_kernel.read_bytes(), None, "tests=selftest")
    initrd = tmp_path / "bundle.cpio"
    initrd.write_bytes(data)
    run = ccktf_boot("tests=selftest handoff=linux", label="handoff-linux-smp", memory="1G", smp=2, timeout=TIMEOUT,
                     initrd=initrd)
    out = ktap.strip_escapes(run.serial_log.read_bytes().decode(errors="replace"))
    assert "# handoff: refused: handoff=linux needs one CPU: the APs are parked in memory Linux reuses" in out, out[-3000:]
    assert "# ccktf: exit=usage-error code=2" in out and run.status == 5
    assert "# handoff: linux: entering" not in out


@needs_signing
def test_secure_boot_on_is_refused_before_the_tests(signed, ccktf_secure_boot):
    """ccktf does not verify vmlinuz's signature: under Secure Boot (SecureBoot=1, SetupMode=0) a signed ccktf
    must not boot whatever bzImage it is given, nor hand Linux a zero page whose secure_boot says "unset" (no
    lockdown, arch/x86/kernel/setup.c). Refused before the bundle is even looked for (an ESP boot has no
    -initrd: the refusal must be the Secure Boot one, not "no bundle")."""
    run = ccktf_secure_boot(signed["snakeoil"], "tests=selftest handoff=linux", timeout=90.0)
    out = ktap.strip_escapes(run.serial_log.read_bytes().decode(errors="replace"))
    assert run.ktap.secure_boot["secure_boot"] == "1" and run.ktap.secure_boot["setup_mode"] == "0", out[-3000:]
    refused(run, out, "handoff=linux: Secure Boot is on (SecureBoot=1, SetupMode=0): ccktf does not verify "
                      "vmlinuz's signature, so it boots Linux only with Secure Boot off")
