"""Secure Boot, for real (docs/secure-boot.md): Debian's Secure Boot OVMF with a copy of its snakeoil store boots
the signed ccktf (its default suite, SecureBoot=1) and refuses the unsigned one and one signed with a throw-away
key (both in one boot, on two ESP disks), ended by the harness as soon as the firmware says it found nothing to
boot (bounded by a timeout). Two boots; the fast tests of the Secure Boot mode are test_sb_mode.py and test_sb_signing.py.
"""

from __future__ import annotations

import json
import re

import pytest

from ccktf import boot_refusal, firmware, ktap, qemu, verdict
from ccktf.firmware import FirmwareError

from test_sb_signing import needs_signing, signed  # noqa: F401 (signed: the fixture)


# --- real boots under Debian's Secure Boot OVMF with a copy of the snakeoil store ------------------------------

BOOT_TIMEOUT = 90.0  # a refusal ends in seconds; a boot that never says anything still ends here


def require_snakeoil_store():
    try:
        fw = firmware.resolve_secure_boot_firmware()
    except FirmwareError as error:
        pytest.fail(f"no Secure Boot firmware: {error}", pytrace=False)
    if fw.vars_template.name != firmware.SNAKEOIL_VARS:
        pytest.fail(f"the Secure Boot store is {fw.vars_template}, not Debian's snakeoil store", pytrace=False)
    return fw


# The signed boot also runs the Secure Boot checks on the firmware they are about (SB-004 writes SecureBoot and
# SetupMode back: sb_write_probe=1, on this run's copy of the store). conformance=1 runs every check: the other
# conformance checks are judged by make conformance (FB-002 fails on Debian's OVMF 2022.11, docs/conformance.md),
# not here.
SB_CHECKS = ("SB-001", "SB-002", "SB-003", "SB-004")
SB_ARGS = "conformance=1 sb_write_probe=1"
CONFORMANCE_SUITES = ("conformance", "conformance_boot_services")


def sb_checks_and_default_suite(run) -> dict:
    """SB-* results by check id; asserts that the default suite (every test outside the conformance suites)
    passed or skipped and that any failure is a conformance check other than SB-*."""
    tests = list(run.ktap.tests())
    default = [t for t in tests if t.suite not in CONFORMANCE_SUITES]
    assert default and all(t.status in (ktap.Status.PASS, ktap.Status.SKIP) for t in default), \
        [f"{t.full_name}: {t.status.value}" for t in default if t.status not in (ktap.Status.PASS, ktap.Status.SKIP)]
    assert any(t.status is ktap.Status.PASS for t in default)
    checks = {t.check.id: t for t in tests if t.check and t.check.id.startswith("SB-")}
    failed = [t for t in tests if t.status is not ktap.Status.PASS and t.status is not ktap.Status.SKIP]
    assert all(t.suite in CONFORMANCE_SUITES and t.check and not t.check.id.startswith("SB-") for t in failed), \
        [f"{t.full_name}: {t.status.value}" for t in failed]
    return checks


@pytest.mark.boot
@needs_signing
def test_signed_ccktf_boots_and_passes_its_default_suite_with_secure_boot_on(signed, ccktf_secure_boot):
    fw = require_snakeoil_store()
    before = fw.vars_template.read_bytes()
    run = ccktf_secure_boot(signed["snakeoil"], SB_ARGS, timeout=BOOT_TIMEOUT)
    assert run.verdict.outcome is not verdict.Outcome.ERROR, f"{run.verdict}\n{run.serial_tail()}"
    assert run.ktap.args == SB_ARGS  # booted from the ESP, arguments from ccktf.args
    assert run.ktap.secure_boot["secure_boot"] == "1" and run.ktap.secure_boot["setup_mode"] == "0"
    assert run.ktap.secure_boot["mode"] in ("user", "deployed")
    checks = sb_checks_and_default_suite(run)
    assert {i: checks[i].status for i in SB_CHECKS if i in checks} == {i: ktap.Status.PASS for i in SB_CHECKS}, \
        {i: (t.status.value, t.skip_reason, t.evidence) for i, t in checks.items()}
    assert any("returned 0x8000000000000008" in line for line in checks["SB-004"].evidence)  # EFI_WRITE_PROTECTED
    assert (run.run_dir / qemu.VARS_COPY).is_file() and fw.vars_template.read_bytes() == before
    assert json.loads((run.run_dir / "host.json").read_text())["boot"]["secure_boot"] is True


# What OVMF prints for a boot option it could not load or start, whatever the status (StatusCodeHandler.c).
ANY_FAILURE = re.compile(r'failed to (?:load|start) Boot[0-9A-Fa-f]{4} "[^"]*" from (\S+): (.+?)\s*$')


# The ESP: a virtio-blk disk, a PCI function on the root bus with no further node (the q35 DVD-ROM that OVMF
# also tries is .../Pci(0x1F,0x2)/Sata(...), and fails Not Found).
ESP_PATH = re.compile(r"^PciRoot\(0x0\)/Pci\(0x[0-9A-Fa-f]+,0x[0-9A-Fa-f]+\)$")


def esp_failures(firmware_output: str) -> list[tuple[str, str]]:
    """(device path, status text) of each failed boot option on the ESP's disk, read without boot_refusal's
    list of refusal statuses, so that a failure for another reason (Not Found, Load Error) is seen as such."""
    lines = ktap.strip_escapes(firmware_output).splitlines()
    return [m.groups() for line in lines if (m := ANY_FAILURE.search(line)) and ESP_PATH.match(m.group(1))]


def test_esp_failures_reads_any_status():
    """The refusal test's reader sees a failure that is no Secure Boot refusal, so that test can fail."""
    text = ('BdsDxe: failed to load Boot0001 "UEFI QEMU DVD-ROM" from PciRoot(0x0)/Pci(0x1F,0x2)/Sata(0x2): Not Found\n'
            'BdsDxe: failed to load Boot0002 "UEFI Misc Device" from PciRoot(0x0)/Pci(0x3,0x0): Not Found\r\n'
            'BdsDxe: failed to start Boot0003 "EFI Internal Shell" from Fv(1)/FvFile(2): Security Violation\n')
    assert esp_failures(text) == [("PciRoot(0x0)/Pci(0x3,0x0)", "Not Found")]
    assert boot_refusal.refusals(text) and "Not Found" not in boot_refusal.REFUSED_STATUSES


@pytest.mark.boot
@needs_signing
def test_firmware_refuses_an_unsigned_and_a_wrongly_signed_image(signed, ccktf_secure_boot):
    """One boot, two ESP disks: the unsigned image on the first, the one signed with the throw-away key on the
    second (qemu.more_esp_args(): a fixed PCI slot). The firmware tries both and logs each failure by its disk's
    device path, so each refusal is checked on its own."""
    require_snakeoil_store()
    run = ccktf_secure_boot(signed["kernel"], label="secure-boot-refused", timeout=BOOT_TIMEOUT,
                            more_esps=(signed["wrong"],))
    assert run.verdict.outcome is verdict.Outcome.ERROR
    assert not run.timed_out, f"the refusal was not seen: {run.verdict}"
    assert not run.ktap.version_seen  # neither image ran
    failures = dict(esp_failures(run.ktap.firmware_output))
    wrong_disk = qemu.more_esp_path(0)
    unsigned_disk = [path for path in failures if path != wrong_disk]
    assert len(failures) == 2 and len(unsigned_disk) == 1, run.ktap.firmware_output  # each disk once
    for which, path in (("unsigned", unsigned_disk[0]), ("wrongly signed", wrong_disk)):
        # refused for its signature, not lost or broken
        assert failures[path] in boot_refusal.REFUSED_STATUSES, f"{which} image on {path}: {failures[path]}"
        assert any(path in reason and failures[path] in reason for reason in run.verdict.reasons), run.verdict
