"""``bzimage-check`` (harness/ccktf/bzimage.py) and the bzImage header the build gives build/ccktf.efi.

The checker runs on the real image, on copies of it broken one field at a time (each rule must fail on its
own, and only the rules about that field may fail), on truncated files and garbage (never an exception),
and on Debian's own vmlinuz (the conftest fixture debian_linux, from ccktf.linux_guest.fetch(); skipped,
saying why, when it cannot be had).
"""

import random
import re
import shutil
import struct
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ccktf import bzimage, cli, linux_guest
from ccktf.qemu import DEBUG_EXIT_DEVICE

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def image(ccktf_kernel) -> bytes:
    return ccktf_kernel.read_bytes()


def failing(data: bytes) -> set[str]:
    return {r.rule for r in bzimage.failed(bzimage.check(data))}


def put(data: bytes, offset: int, fmt: str, value) -> bytes:
    buf = bytearray(data)
    struct.pack_into(fmt, buf, offset, value)
    return bytes(buf)


def pe_optional(data: bytes) -> int:
    return struct.unpack_from("<I", data, 0x3C)[0] + 24


def with_certificates(data: bytes, offset: int, size: int) -> bytes:
    """The security directory (PE/COFF 4.7: a file offset and size) set to OFFSET, SIZE."""
    buf = bytearray(data)
    struct.pack_into("<II", buf, pe_optional(data) + 112 + 8 * 4, offset, size)
    return bytes(buf)


def test_ccktf_image_passes_every_rule(image):
    results = bzimage.check(image)
    assert not bzimage.failed(results), bzimage.render(Path("ccktf.efi"), image, results)
    applicable = {r.rule for r in results if r.ok}
    assert {"boot.entry_64", "kexec.5level", "kexec.efi_kexec", "xen.kernel_alignment", "boot.kernel_info",
            "pe.kind", "pe.headers_before_setup"} <= applicable


def test_cli_prints_one_line_per_rule_with_source_and_value(ccktf_kernel, capsys):
    status = cli.main(["bzimage-check", str(ccktf_kernel)])
    out = capsys.readouterr().out
    assert status == 0
    lines = out.splitlines()
    rules = [line for line in lines if line[:4] in ("ok  ", "FAIL", "skip")]
    assert len(rules) == len(bzimage.RULES) + len(bzimage.PE_RULES)
    assert all(" found " in line and line.endswith("]") for line in rules)
    assert any(line.startswith("ok   xen.kernel_alignment") and "found 0x200000" in line for line in rules)
    assert " 0 failed" in lines[-1]


MUTATIONS = {
    # name: (mutation, the exact set of rules that must fail)
    "boot_flag": (lambda d: put(d, 0x1FE, "<H", 0x55AA), {"boot.boot_flag", "kexec.boot_flag"}),
    "jump_opcode": (lambda d: put(d, 0x200, "B", 0xE9), {"boot.jump"}),
    "jump_short": (lambda d: put(d, 0x201, "B", 0x60), {"boot.jump"}),
    "syssize": (lambda d: put(d, 0x1F4, "<I", struct.unpack_from("<I", d, 0x1F4)[0] + 1), {"boot.syssize"}),
    "kernel_version": (lambda d: put(d, 0x20E, "<H", 0xE00), {"boot.kernel_version"}),
    "loadflags": (lambda d: put(d, 0x211, "B", 0), {"boot.loadflags", "kexec.loaded_high"}),
    "kernel_64": (lambda d: put(d, 0x236, "<H", 0x32), {"boot.xloadflags_kernel_64", "kexec.kernel_64"}),
    "above_4g": (lambda d: put(d, 0x236, "<H", 0x31), {"kexec.above_4g"}),
    "5level": (lambda d: put(d, 0x236, "<H", 0x13), {"kexec.5level"}),
    "efi_kexec": (lambda d: put(d, 0x236, "<H", 0x23), {"kexec.efi_kexec"}),
    "handover": (lambda d: put(put(d, 0x236, "<H", 0x3B), 0x264, "<I", 0x7FFFFFF0), {"boot.handover_offset"}),
    "relocatable": (lambda d: put(d, 0x234, "B", 0), {"boot.relocatable_kernel"}),
    "alignment_3m": (lambda d: put(d, 0x230, "<I", 3 << 20),
                     {"boot.kernel_alignment", "kexec.kernel_alignment", "xen.kernel_alignment", "boot.pref_address"}),
    "alignment_1m": (lambda d: put(d, 0x230, "<I", 1 << 20), {"xen.kernel_alignment"}),
    "alignment_32m": (lambda d: put(put(d, 0x230, "<I", 32 << 20), 0x258, "<Q", 32 << 20), {"xen.kernel_alignment"}),
    "min_alignment": (lambda d: put(d, 0x235, "B", 22), {"boot.min_alignment"}),
    "cmdline_size_0": (lambda d: put(d, 0x238, "<I", 0), {"boot.cmdline_size", "kexec.cmdline_size"}),
    "cmdline_size_30": (lambda d: put(d, 0x238, "<I", 30), {"kexec.cmdline_size"}),
    "pref_address": (lambda d: put(d, 0x258, "<Q", 0x1001000), {"boot.pref_address"}),
    "init_size": (lambda d: put(d, 0x260, "<I", 0x1000), {"boot.init_size", "kexec.memsz"}),
    "kernel_info_magic": (lambda d: put(d, 0x1000 + struct.unpack_from("<I", d, 0x268)[0], "4s", b"LToX"),
                          {"boot.kernel_info"}),
    "kernel_info_offset": (lambda d: put(d, 0x268, "<I", 0x7FFFFFF0), {"boot.kernel_info"}),
    "pe_subsystem": (lambda d: put(d, pe_optional(d) + 68, "<H", 3), {"pe.kind"}),
    "pe_checksum": (lambda d: put(d, pe_optional(d) + 64, "<I", 0x1234), {"pe.checksum"}),
    "pe_certificates": (lambda d: with_certificates(d, len(d) - 8, 64), {"pe.certificates"}),
    "pe_section_beyond_file": (lambda d: put(d, 0x40 + 24 + 0xF0 + 40 * 2 + 16, "<I", 0x100000), {"pe.sections"}),
    # .text's raw data 0x200 short of .reloc: those bytes would be loaded by a flat load, unsigned
    "pe_unsigned_gap": (lambda d: put(d, 0x40 + 24 + 0xF0 + 16, "<I",
                                      struct.unpack_from("<I", d, 0x40 + 24 + 0xF0 + 16)[0] - 0x200), {"pe.flat_signed"}),
}


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_each_broken_field_fails_its_own_rules(image, name):
    mutate, expected = MUTATIONS[name]
    broken = mutate(image)
    assert failing(broken) == expected


def test_every_rule_is_failed_by_some_broken_image(image):
    """No rule that nothing can fail: each one fails on at least one of the broken images here."""
    seen = set().union(*(expected for _, expected in MUTATIONS.values()))
    seen |= failing(image[:0x1F1 + 16]) | failing(put(image, 0x202, "4s", b"HdrX")) | failing(put(image, 0x206, "<H", 0x0201))
    seen |= failing(put(image, 0x3C, "<I", 0x7FFF0000)) | failing(put(image, 0x40 + 6, "<H", 6))
    seen |= failing(image[:0x1100]) | failing(image[:0xC00])
    everything = {f"{r.family}.{r.name}" for r in bzimage.RULES + bzimage.PE_RULES}
    assert everything - seen == set()


def test_no_magic_fails_the_magic_rules_and_what_depends_on_the_version(image):
    failed = failing(put(image, 0x202, "4s", b"HdrX"))
    assert {"boot.header", "kexec.header", "xen.magic", "kexec.version", "xen.version"} <= failed
    assert "boot.boot_flag" not in failed


def test_old_protocol_version_fails_the_version_rules(image):
    failed = failing(put(image, 0x206, "<H", 0x0201))
    assert {"boot.version", "kexec.version", "xen.version", "kexec.kernel_64"} <= failed


def test_setup_sects_zero_means_four(image):
    results = {r.rule: r for r in bzimage.check(put(image, 0x1F1, "B", 0))}
    assert "(0 means 4), kern16=0xa00" in results["boot.setup_sects"].found
    assert results["boot.syssize"].ok is False  # kern16 moved: the protected-mode part no longer matches


def test_pe_headers_overlapping_the_setup_header_fail(image):
    failed = failing(put(image, 0x40 + 6, "<H", 6))  # six section headers run past 0x1f1
    assert "pe.headers_before_setup" in failed


@pytest.mark.parametrize("length", [0, 1, 2, 0x3C, 0x1F1, 0x1F2, 0x203, 0x237, 0x26C, 0x400, 0xC00, 0x1100, 0x1201])
def test_truncated_images_fail_without_an_exception(image, length, tmp_path, capsys):
    path = tmp_path / "truncated.efi"
    path.write_bytes(image[:length])
    assert cli.main(["bzimage-check", str(path)]) == 1
    out = capsys.readouterr().out
    assert "FAIL " in out and "Traceback" not in out


@pytest.mark.parametrize("seed", range(8))
def test_garbage_fails_without_an_exception(seed):
    rng = random.Random(seed)
    data = bytes(rng.randrange(256) for _ in range(rng.choice([100, 600, 5000])))
    if seed % 2:
        data = b"MZ" + data[2:]
    assert bzimage.failed(bzimage.check(data))


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=0x1400), st.integers(0, 0x300), st.binary(min_size=1, max_size=64))
def test_any_bytes_spliced_into_the_header_never_raise(prefix, offset, patch):
    """Hostile headers: whatever lands in the first pages, check() answers with results, never raises."""
    data = bytearray(prefix)
    data[offset:offset + len(patch)] = patch
    results = bzimage.check(bytes(data))
    assert len(results) == len(bzimage.RULES) + len(bzimage.PE_RULES)


def test_unreadable_input_exits_2_without_a_traceback(tmp_path, capsys):
    assert cli.main(["bzimage-check", str(tmp_path / "missing.efi")]) == 2
    assert cli.main(["bzimage-check", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "cannot read" in err and "Traceback" not in err


def test_signed_image_still_passes(image, tmp_path):
    """Authenticode signing (sbsign, as `make sign` does) appends a certificate table and sets CheckSum: the
    image stays a valid bzImage, the table lies outside syssize, and the checker's checksum agrees."""
    if not (shutil.which("sbsign") and shutil.which("openssl")):
        pytest.skip("sbsigntool or openssl not installed (ci/deps.sh installs them)")
    key, cert, unsigned, signed = (tmp_path / n for n in ("k.key", "k.crt", "in.efi", "out.efi"))
    unsigned.write_bytes(image)
    subprocess.run(["openssl", "req", "-new", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=ccktf test",
                    "-days", "1", "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    subprocess.run(["sbsign", "--key", str(key), "--cert", str(cert), "--output", str(signed), str(unsigned)],
                   check=True, capture_output=True)
    listing = subprocess.run(["sbverify", "--list", str(signed)], check=True, capture_output=True, text=True)
    assert "signature 1" in listing.stdout
    results = {r.rule: r for r in bzimage.check(signed.read_bytes())}
    assert not [r for r in results.values() if r.ok is False]
    assert results["pe.certificates"].ok and results["pe.checksum"].ok


# --- the header the build produces, field by field against its definition (arch/x86/boot/pe_header.asm) ---
def elf_symbols() -> dict[str, int]:
    out = subprocess.run(["nm", "-P", str(ROOT / "build" / "ccktf.elf")], check=True, capture_output=True,
                         text=True).stdout
    return {f[0]: int(f[2], 16) for f in (line.split() for line in out.splitlines()) if len(f) >= 3}


def test_the_built_header_matches_its_definition(image):
    u = lambda offset, fmt: struct.unpack_from(fmt, image, offset)[0]  # noqa: E731
    sym = elf_symbols()
    version = (ROOT / "VERSION").read_text().strip()
    assert u(0x1F1, "B") == 7  # setup_sects: kern16 = 0x1000, the PE header page
    assert u(0x1F4, "<I") * 16 == len(image) - 0x1000  # syssize: exactly the linked image after the header
    assert u(0x1FA, "<H") == 0xFFFF and u(0x1FE, "<H") == 0xAA55
    assert image[0x200] == 0xEB and 0x202 + image[0x201] == 0x26C  # jump to the first byte after the 2.15 header
    assert image[0x26C] == 0xFA  # ... which is the real-mode stub's cli
    assert image[0x202:0x206] == b"HdrS" and u(0x206, "<H") == 0x020F
    string_at = u(0x20E, "<H") + 0x200
    assert image[string_at:image.index(b"\0", string_at)].decode() == f"ccktf {version}"
    assert u(0x211, "B") == 0x01  # LOADED_HIGH
    assert u(0x22C, "<I") == 0x7FFFFFFF
    assert u(0x230, "<I") == 0x200000 and u(0x234, "B") == 1 and u(0x235, "B") == 12
    assert u(0x236, "<H") == 0x33  # KERNEL_64 | CAN_BE_LOADED_ABOVE_4G | EFI_KEXEC | 5LEVEL, nothing else
    assert u(0x238, "<I") == 2047
    assert u(0x250, "<Q") == 0 and u(0x258, "<Q") == 0x1000000
    assert u(0x260, "<I") == sym["__data_end"] - 0x1000  # init_size: through .bss
    assert u(0x264, "<I") == 0
    assert u(0x268, "<I") == sym["bzimage_kernel_info"] - 0x1000
    assert sym["bzimage_entry_32"] == 0x1000 and sym["bzimage_entry_64"] == 0x1200
    assert image[0x1000:0x1002] == b"\xfa\xfc" and image[0x1200:0x1202] == b"\xfa\xfc"  # cli; cld
    assert u(pe_optional(image) + 16, "<I") == sym["efi_entry"]  # AddressOfEntryPoint: still the EFI entry
    info = sym["bzimage_kernel_info"]
    assert image[info:info + 16] == b"LToP" + struct.pack("<III", 16, 16, 9)


# --- Debian's own kernel ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def debian_vmlinuz(debian_linux) -> Path:
    return debian_linux.vmlinuz


def test_debian_vmlinuz_passes_and_reports_each_rule(debian_vmlinuz, capsys):
    status = cli.main(["bzimage-check", str(debian_vmlinuz)])
    out = capsys.readouterr().out
    assert status == 0, out
    assert "found 0x020f (2.15)" in out
    assert any(line.startswith("ok   boot.kernel_version") and "6.1.0" in line for line in out.splitlines())
    # Debian signs its kernels: the certificate table is at the tail and outside the image proper.
    assert any(line.startswith("ok   pe.certificates") for line in out.splitlines())
    assert any(line.startswith("ok   pe.checksum") for line in out.splitlines())


def test_debian_vmlinuz_broken_fails(debian_vmlinuz, tmp_path):
    broken = put(debian_vmlinuz.read_bytes(), 0x236, "<H", 0x7F & ~0x20)
    path = tmp_path / "vmlinuz"
    path.write_bytes(broken)
    assert cli.main(["bzimage-check", str(path)]) == 1
    assert failing(broken) == {"kexec.5level", "pe.checksum"}  # the edit also breaks the signed checksum


# --- a real loader of the boot protocol: QEMU's own -kernel path (SeaBIOS, real mode) ----------------------
def seabios_boot(kernel: Path, memory: str, *extra: str, timeout: int = 60) -> tuple[int, str]:
    """QEMU's -kernel loader on SeaBIOS (no EFI) with ccktf's debug-exit device; (QEMU's status, serial)."""
    qemu = shutil.which("qemu-system-x86_64")
    if not qemu:
        pytest.skip("qemu-system-x86_64 not installed")
    run = subprocess.run([qemu, "-nodefaults", "-display", "none", "-serial", "stdio", "-m", memory,
                          "-device", DEBUG_EXIT_DEVICE, "-kernel", str(kernel), *extra],
                         capture_output=True, timeout=timeout)
    return run.returncode, run.stdout.decode(errors="replace")


def test_real_mode_boot_through_qemu_loader_reports_unsupported(ccktf_kernel):
    status, out = seabios_boot(ccktf_kernel, "128M")
    assert "entered through the 16-bit real-mode boot protocol, which ccktf does not support" in out
    assert "# ccktf: exit=usage-error code=2" in out
    assert status == 2 * 2 + 1, out


# --- a real kexec: Debian's kernel loads ccktf.efi with kexec_file_load and enters its 64-bit entry ----------
def test_linux_kexec_file_load_boot_reaches_the_64bit_entry(debian_linux, ccktf_kernel, tmp_path):
    """Linux's bzImage64 loader (arch/x86/kernel/kexec-bzimage64.c) accepts the image, copies its setup header
    into boot_params, and jumps to load address + 0x200 with RSI = boot_params; ccktf's entry reports what it
    got and parses the command line as its arguments. Debian's kernel boots here on SeaBIOS (no EFI: efi_info
    stays zero) with the kexec guest's initramfs (ccktf.linux_guest, kexec -s); about 10-25 s under TCG."""
    try:
        initrd = linux_guest.build_initrd(ccktf_kernel, "ccktf-kexec-test", "kexec_file_load",
                                          tmp_path / "initramfs.cpio", debian_linux.root)
    except linux_guest.LinuxGuestError as err:
        pytest.skip(f"the kexec initramfs cannot be built here: {err}")
    status, out = seabios_boot(debian_linux.vmlinuz, "512M", "-no-reboot", "-initrd", str(initrd),
                               "-append", "console=ttyS0 panic=-1 quiet", timeout=300)
    assert f"{linux_guest.MARK} kexec kexec_file_load load status 0" in out, out[-2000:]
    assert "# ccktf: entry=boot-protocol loader=0xd0 protocol=2.15 boot_params=0x" in out, out[-2000:]
    found = re.search(r"# ccktf: boot_params: protocol=2\.15 loader=0xd0 e820_entries=(\d+) efi=none ", out)
    assert found and 1 <= int(found.group(1)) <= 128, out[-2000:]
    # the setup_data chain, walked through e820 RAM only: kexec's own nodes, no refusal, no SETUP_EFI here
    assert re.search(r"# ccktf: setup_data: nodes=\d+ \(type/len: [0-9/,]*\); no SETUP_EFI node", out), out[-2000:]
    # the command line is ccktf's arguments, through the same parser as LoadOptions: the test's word is
    # none of its keys, a usage error (test_linux_kexec.py runs the suites from this entry under OVMF)
    assert '# ccktf: args="ccktf-kexec-test"' in out, out[-2000:]
    assert "# ccktf: usage error: " in out, out[-2000:]
    assert "# ccktf: exit=usage-error code=2" in out
    assert status == 2 * 2 + 1


def test_32bit_entry_boot_through_qemu_multiboot_reports_unsupported(ccktf_kernel, tmp_path):
    """The 32-bit entry (kern16 + 0) in real 32-bit protected mode, paging off. No loader at hand enters a
    64-bit bzImage there, so a test copy is made for QEMU's multiboot loader, which -kernel falls back to
    when "HdrS" is absent (QEMU hw/i386/x86.c x86_load_linux()): a Multiboot 0.6.96 header (section 3.1,
    address fields valid, flag 16) loading the file at 2 MiB and entering at its byte 0x1000. The code
    entered is ccktf's own, unchanged. (ESI is not boot_params there: the stub only borrows it for a
    one-slot stack, which lands in low RAM under QEMU.)"""
    data = bytearray(ccktf_kernel.read_bytes())
    data[0x202:0x206] = b"HdrX"
    base, at, magic, flags = 0x200000, 0x800, 0x1BADB002, 1 << 16
    data[at:at + 32] = struct.pack("<8I", magic, flags, -(magic + flags) & 0xFFFFFFFF, base + at, base, 0, 0,
                                   base + 0x1000)
    image = tmp_path / "multiboot-copy.efi"
    image.write_bytes(bytes(data))
    status, out = seabios_boot(image, "128M")
    assert "entered through the 32-bit boot protocol, which ccktf does not support" in out, out
    assert "# ccktf: exit=usage-error code=2" in out
    assert status == 2 * 2 + 1, out
