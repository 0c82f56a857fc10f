"""Linux kexecs ccktf (issue 13, "Real clients"): Debian's own 6.1 kernel, booted by OVMF like any EFI-stub
kernel, runs Debian's kexec-tools from a small initramfs (ccktf.linux_guest) and loads build/ccktf.efi
once with each system call, then jumps to it. ccktf then runs its default suites from the 64-bit entry
(issue 13 stage 2) to a KTAP result the harness parses and judges (ccktf.ktap, ccktf.verdict): passes, and
skips that say why (no EFI boot services, one CPU). What it prints on arrival shows what Linux handed it:
the boot protocol version copied from ccktf's own header, the loader type (0xd0: kexec), the e820 table
(compared here with /sys/firmware/memmap, which the initramfs prints before the kexec), efi_info ("EL64",
which Linux passes only to an image with XLF_EFI_KEXEC) and the configuration tables found through
SETUP_EFI.

Each boot is Debian's kernel under TCG (10-30 s here). Skips, saying why, when Debian's packages cannot be
fetched (no network or apt sources)."""

import re

import pytest

from ccktf import ktap, linux_guest, runner, verdict
from ccktf.errors import CcktfError

pytestmark = pytest.mark.boot
TIMEOUT = 300


# /sys/firmware/memmap's type names (Linux drivers/firmware/memmap.c, from arch/x86/kernel/e820.c
# e820_type_to_string()) and the e820 type numbers (arch/x86/include/asm/e820/types.h)
E820_TYPES = {"System RAM": 1, "Reserved": 2, "ACPI Tables": 3, "ACPI Non-volatile Storage": 4,
              "Unusable memory": 5, "Persistent Memory": 7}


def linux_memmap(out, mark):
    """What Linux had: {(start, end inclusive, e820 type)} from the initramfs's memmap lines."""
    found = re.findall(rf"^{re.escape(mark)} memmap (0x[0-9a-f]+) (0x[0-9a-f]+) (.+)$", out, re.M)
    return {(int(a, 16), int(b, 16), E820_TYPES.get(t.strip(), 2)) for a, b, t in found}


def ccktf_e820(out):
    found = re.findall(r"^#   e820 \[0x([0-9a-f]+)-0x([0-9a-f]+)\] type (\d+)$", out, re.M)
    return {(int(a, 16), int(b, 16), int(t)) for a, b, t in found}


def boot(debian_linux, ccktf_session, ccktf_kernel, tmp_path, syscall, args):
    """Linux under OVMF with the guest's initramfs, launched as the harness launches ccktf (runner.run with
    the session's --ccktf-firmware/--ccktf-qemu, the tcg profile): the guest, the Run (QEMU's status, the
    parsed KTAP document ccktf printed after the kexec and the harness's verdict on it) and the serial text."""
    try:
        guest = linux_guest.prepare(debian_linux, ccktf_kernel, args, syscall, tmp_path)
    except CcktfError as err:
        pytest.skip(f"the kexec initramfs cannot be built here: {err}")
    run = runner.run(ccktf_session.run_options("console=ttyS0 quiet", f"linux-kexec-{syscall}", kernel=guest.vmlinuz,
                                               initrd=guest.initrd, memory="1G", timeout=TIMEOUT))
    out = ktap.strip_escapes(run.serial_log.read_bytes().decode(errors="replace"))
    return guest, run, out, run.ktap, run.verdict


@pytest.mark.parametrize("syscall", sorted(linux_guest.SYSCALLS))
def test_debian_linux_kexecs_ccktf_which_runs_its_suites(debian_linux, ccktf_session, ccktf_kernel, tmp_path, syscall):
    guest, run, out, result, judged = boot(debian_linux, ccktf_session, ccktf_kernel, tmp_path, syscall, "")
    tail = out[-3000:]
    mark = linux_guest.MARK
    assert f"{mark} Linux {guest.package.removeprefix('linux-image-')} is up" in out, tail
    assert f"{mark} kexec {syscall} load status 0" in out, tail
    assert f"{mark} kexec -e returned" not in out, tail
    entry = re.search(r"# ccktf: entry=boot-protocol loader=0xd0 protocol=2\.15 boot_params=0x[0-9a-f]+ "
                      r"image=0x[0-9a-f]+ paging=([45])-level", out)
    assert entry, tail
    found = re.search(r"# ccktf: boot_params: protocol=2\.15 loader=0xd0 e820_entries=(\d+) efi=EL64 "
                      r"efi_systab=0x([0-9a-f]+)", out)
    assert found, tail
    assert 1 <= int(found.group(1)) <= 128 and int(found.group(2), 16) != 0, found.group(0)
    # the e820 ccktf read is the memory Linux knew (kexec builds it from the same table)
    had, got = linux_memmap(out, mark), ccktf_e820(out)
    assert had and any(t == 1 for _, _, t in had), tail
    if syscall == "kexec_load":  # kexec-tools leaves the first KiB (the real-mode IVT) out of RAM (measured)
        got = {(0 if (start, kind) == (0x400, 1) else start, end, kind) for start, end, kind in got}
    assert got == had, f"Linux had {sorted(had)}, ccktf read {sorted(got)}"
    # the configuration tables through SETUP_EFI: the ACPI 2.0 table and the firmware's vendor
    assert re.search(r"# ccktf: setup_data: nodes=\d+ \(type/len: [0-9/,]*\) SETUP_EFI tables=0x[0-9a-f]+", out), tail
    tables = re.search(r"^# config tables: (\d+)$", out, re.M)
    assert tables and int(tables.group(1)) >= 1, tail
    assert re.search(r"^#   8868e871-e4f1-11d3-bc22-0080c73c8881 at 0x[0-9a-f]+ \(ACPI 2\.0\)$", out, re.M), tail
    assert '# firmware: vendor="EDK II"' in out, tail
    # the tables Linux knew (its /sys/firmware/efi/systab) are where ccktf found them through SETUP_EFI
    linux_tables = dict(re.findall(rf"^{re.escape(mark)} systab (ACPI20|SMBIOS)=(0x[0-9a-f]+)$", out, re.M))
    assert set(linux_tables) == {"ACPI20", "SMBIOS"}, tail
    for key, guid in (("ACPI20", "8868e871-e4f1-11d3-bc22-0080c73c8881"), ("SMBIOS", "eb9d2d31-2d88-11d3-9a16-0090273fc14d")):
        assert re.search(rf"^#   {guid} at {linux_tables[key]} ", out, re.M), (key, linux_tables[key], tail)
    # the KTAP document, parsed and judged as for any boot
    assert judged.outcome is verdict.Outcome.PASSED, (judged.reasons, tail)
    assert result.platform == "none"
    counts = result.counts()
    assert counts[ktap.Status.PASS] >= 5 and counts[ktap.Status.FAIL] == 0, counts
    no_bs = "entered through the 64-bit boot protocol: no EFI boot services"
    skipped = {t.full_name: t for t in result.tests() if t.status is ktap.Status.SKIP}
    for name in ("efi_boot_services.memmap_stable_between_reads", "efi.system_table_header", "efi.memmap_shape"):
        assert name in skipped and no_bs in (skipped[name].skip_reason or ""), (name, skipped.get(name))
    assert all(t.skip_reason for t in skipped.values()), [n for n, t in skipped.items() if not t.skip_reason]
    assert result.exit and result.exit.kind == "passed" and run.status == 1


def test_kexec_with_a_model_platform_is_refused(debian_linux, ccktf_session, ccktf_kernel, tmp_path):
    """A model runs in a boot-protocol stage only on the state a previous ccktf stage handed over
    (handoff=self); Linux's kexec brings none: refused with a usage error, never run as if it had."""
    guest, run, out, result, judged = boot(debian_linux, ccktf_session, ccktf_kernel, tmp_path, "kexec_file_load",
                                              "platform=sim-tdx")
    assert "# ccktf: entry=boot-protocol loader=0xd0" in out, out[-3000:]
    assert re.search(r"# ccktf: usage error: sim-tdx: the 64-bit boot-protocol entry runs a model only on the state a "
                     r"previous ccktf stage handed over",
                     out), out[-3000:]
    assert "# ccktf: exit=usage-error code=2" in out and run.status == 2 * 2 + 1, out[-3000:]
    assert judged.outcome is verdict.Outcome.ERROR and result.usage_errors, (judged, out[-3000:])
