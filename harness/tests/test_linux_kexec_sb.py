"""Linux under Secure Boot kexecs the signed ccktf and refuses the unsigned one (issue 15; docs/secure-boot.md
"Linux under Secure Boot kexecs ccktf"): Debian's 6.1 kernel under Debian's Secure Boot OVMF with a copy of the
snakeoil store, in one boot, shows that it is locked down and that the firmware says Secure Boot is on, that the
snakeoil certificate from db is in its .platform keyring, refuses kexec_file_load of the unsigned image and of one
signed with a key db does not hold, refuses kexec_load, then loads the signed image with kexec_file_load and
jumps to it; ccktf runs its default suites and reports KTAP.

The judging is ccktf.linux_secure_boot.secure_boot_problems(); the tests without a boot here show that it fails on
each thing that can go wrong (lockdown off, an image accepted, a refusal for another reason, ...), from a
recording of the real boot's /init lines (fixtures/linux_kexec_sb.txt). The boot (marked boot) takes about 12 s
under TCG here."""

import os
import re
from dataclasses import replace
from pathlib import Path

import pytest

from ccktf import firmware, initramfs, ktap, linux_guest, linux_secure_boot as lsb, qemu, runner, verdict
from ccktf.errors import CcktfError
from ccktf.linux_guest import LinuxGuestError

from test_sb_mode import firmware_dir  # noqa: F401 (the fixture: fake firmware descriptors)
from test_sb_signing import SNAKEOIL_CERT, needs_signing, signed  # noqa: F401 (signed: the fixture)

FIXTURES = Path(__file__).parent / "fixtures"
SNAKEOIL_KEY_ID = "63b8d5ee5df87b9a2f08dde4dba1e606c854dadb"  # the fixture's; the boot computes it from the cert
TIMEOUT = 300


def recorded() -> str:
    return (FIXTURES / "linux_kexec_sb.txt").read_text()


def problems_of(text: str) -> list[str]:
    return lsb.secure_boot_problems(lsb.read_evidence(text), SNAKEOIL_KEY_ID)


# --- the judging, on the recording of a real boot ----------------------------------------------------------------

def test_recorded_evidence_shows_secure_kexec():
    found = lsb.read_evidence(recorded())
    assert found.lockdown_mode == "integrity" and found.efivar_data("SecureBoot") == b"\x01"
    assert [a.status for a in found.attempts] == [255, 255, 255, 0]
    assert problems_of(recorded()) == []


MARK = linux_guest.MARK


# (ids without "boot" in them: the fast gate deselects -k "not boot")
@pytest.mark.parametrize("old, new, problem", [
    (f"{MARK} lockdown none [integrity] confidentiality", f"{MARK} lockdown [none] integrity confidentiality",
     "not locked down"),
    ("Kernel is locked down from EFI Secure Boot", "Kernel is locked down from command line",
     "locked down because of EFI Secure Boot"),
    (f"{MARK} efivar SecureBoot  06 00 00 00 01", f"{MARK} efivar SecureBoot  06 00 00 00 00", "SecureBoot:"),
    (f"{MARK} efivar SetupMode  06 00 00 00 00", f"{MARK} efivar SetupMode  07 00 00 00 00", "SetupMode:"),
    ("secureboot: Secure boot enabled", "secureboot: Secure boot disabled", "'Secure boot enabled'"),
    (".platform: 1", ".platform: empty", "no non-empty .platform keyring"),
    ("integrity: Loaded X.509 cert 'SnakeOil", "Loaded X.509 cert 'SnakeOil", "loaded from UEFI:db"),
    # the unsigned image accepted: the test fails, it does not skip
    ("/ccktf.unsigned.efi status 255: kexec_file_load failed: No data available", "/ccktf.unsigned.efi status 0:",
     "unsigned image was ACCEPTED"),
    ("/ccktf.wrongly-signed.efi status 255: kexec_file_load failed: Required key not available",
     "/ccktf.wrongly-signed.efi status 0:", "wrongly-signed image was ACCEPTED"),
    ("kexec_load failed: Permission denied", "kexec_load failed: Invalid argument", "without a Secure Boot reason"),
    ("kexec_file_load failed: No data available", "kexec_file_load failed: Exec format error",
     "without a Secure Boot reason"),
    ("/ccktf.signed.efi status 0:", "/ccktf.signed.efi status 255: kexec_file_load failed: Key was rejected by service",
     "signed image was refused"),
    (f"{MARK} kexec -e\n", f"{MARK} kexec -e\n{MARK} kexec -e returned status 255\n", "did not hand over"),
], ids=["lockdown-off", "lockdown-not-from-firmware", "securevar-off", "setupmode-attributes", "stub-said-disabled",
        "platform-keyring-empty", "signer-not-from-db", "unsigned-accepted", "wrong-signer-accepted",
        "kexec_load-other-reason", "unsigned-other-reason", "signed-refused", "kexec-e-returned"])
def test_each_missing_or_wrong_piece_is_a_problem(old, new, problem):
    text = recorded()
    assert old in text, old
    found = problems_of(text.replace(old, new, 1))
    assert any(problem in p for p in found), found


def test_attempts_out_of_order_or_missing_are_a_problem():
    lines = recorded().splitlines(keepends=True)
    attempts = [i for i, line in enumerate(lines) if re.match(rf"{MARK} kexec \w+ /", line)]
    assert len(attempts) == len(lsb.ATTEMPTS)
    swapped = lines.copy()
    swapped[attempts[0]], swapped[attempts[-1]] = lines[attempts[-1]], lines[attempts[0]]
    assert any("kexec attempts were" in p for p in problems_of("".join(swapped)))
    dropped = [line for i, line in enumerate(lines) if i != attempts[1]]
    assert any("kexec attempts were" in p for p in problems_of("".join(dropped)))
    assert problems_of("no marked lines at all") == ["Linux never reached /init (no 'Linux ... is up' line)"]


# --- building the guest and launching it ---------------------------------------------------------------------------

def test_a_stale_signed_image_is_refused(tmp_path):
    unsigned, signed_image = tmp_path / "ccktf.efi", tmp_path / "ccktf.signed.efi"
    signed_image.write_bytes(b"MZ old")
    unsigned.write_bytes(b"MZ new")
    os.utime(signed_image, (1000, 1000))
    with pytest.raises(LinuxGuestError, match="older than .*'make sign'"):
        lsb.check_fresh(unsigned, signed_image)
    with pytest.raises(LinuxGuestError, match="not found"):
        lsb.check_fresh(unsigned, tmp_path / "nope.efi")
    os.utime(signed_image)  # now newer
    lsb.check_fresh(unsigned, signed_image)


def test_init_tries_the_refusals_before_the_signed_load():
    init = lsb.init_script()
    order = [init.index(f"attempt {syscall} {linux_guest.SYSCALLS[syscall]} {lsb.IMAGES[image]}")
             for syscall, image in lsb.ATTEMPTS]
    assert order == sorted(order) and lsb.ATTEMPTS[-1] == ("kexec_file_load", "signed")
    assert init.index("kexec -e") > order[-1]
    assert "{mark}" not in init and "{guid}" not in init and f"$name-{lsb.GLOBAL_VARIABLE}" in init


def test_launch_is_the_sb_firmware_with_smm_and_direct_kernel(firmware_dir, monkeypatch, tmp_path):  # noqa: F811
    monkeypatch.setattr(firmware, "descriptor_dirs", lambda environ=None: [firmware_dir])
    launch = lsb.secure_boot_launch()
    assert launch.firmware.secure_boot and launch.boot == "kernel" and not launch.secure_boot
    assert "legacy loader" in launch.boot_note and "locked down" in launch.boot_note
    kernel, initrd = tmp_path / "vmlinuz", tmp_path / "initrd.cpio"
    config = qemu.LaunchConfig(kernel=kernel, firmware=launch.firmware, profile=qemu.PROFILES["tcg"], boot=launch.boot,
                               initrd=initrd, secure_boot=launch.secure_boot)
    plan = qemu.build_launch(config, tmp_path / "run")
    argv = plan.argv
    assert "smm=on" in argv and "driver=cfi.pflash01,property=secure,value=on" in argv
    assert f"if=pflash,format=raw,unit=0,readonly=on,file={launch.firmware.code}" in argv
    assert (launch.firmware.vars_template, tmp_path / "run" / qemu.VARS_COPY) in plan.staged  # a copy of the store
    assert argv[argv.index("-kernel") + 1] == str(kernel) and argv[argv.index("-initrd") + 1] == str(initrd)
    # ccktf's own Secure Boot mode still refuses this boot
    with pytest.raises(qemu.QemuConfigError, match="ESP"):
        qemu.build_launch(replace(config, secure_boot=True), tmp_path / "run2")


@needs_signing
def test_snakeoil_key_id_is_read_from_its_certificate():
    assert lsb.certificate_key_id(SNAKEOIL_CERT) == SNAKEOIL_KEY_ID


def test_guest_has_all_three_images_and_efivarfs(debian_linux, tmp_path):
    images = {}
    for role in lsb.IMAGES:
        images[role] = tmp_path / f"{role}.efi"
        images[role].write_bytes(f"MZ {role}".encode())
    try:
        guest = lsb.prepare(debian_linux, images, "tests=selftest", tmp_path / "out")
    except LinuxGuestError as err:
        pytest.skip(f"the kexec initramfs cannot be built here: {err}")
    members = {m.path: m for m in initramfs.read(guest.initrd.read_bytes())}
    for role, path in lsb.IMAGES.items():
        assert members[path].data == f"MZ {role}".encode()
    assert members["/efivarfs.ko"].data[:4] == b"\x7fELF" and members["/ccktf.args"].data == b"tests=selftest\n"
    assert members["/init"].data.decode() == lsb.init_script()
    with pytest.raises(LinuxGuestError, match="needed"):
        lsb.prepare(debian_linux, {"signed": images["signed"]}, "", tmp_path / "out")


# --- the boot ------------------------------------------------------------------------------------------------------

@pytest.mark.boot
@needs_signing
def test_linux_under_secure_boot_kexecs_the_signed_ccktf_only(debian_linux, ccktf_session, signed, tmp_path):
    images = {"unsigned": signed["kernel"], "wrongly-signed": signed["wrong"], "signed": signed["snakeoil"]}
    try:
        lsb.check_fresh(images["unsigned"], images["signed"])  # a kernel rebuilt after signing fails, never skips
    except LinuxGuestError as err:
        pytest.fail(str(err), pytrace=False)
    try:
        guest = lsb.prepare(debian_linux, images, "", tmp_path)
    except CcktfError as err:
        pytest.skip(f"the kexec initramfs cannot be built here: {err}")
    launch = lsb.secure_boot_launch(ccktf_session.option.ccktf_firmware)
    if launch.firmware.vars_template.name != firmware.SNAKEOIL_VARS:
        pytest.fail(f"the Secure Boot store is {launch.firmware.vars_template}, not Debian's snakeoil store",
                    pytrace=False)
    run = runner.run(ccktf_session.run_options("console=ttyS0 quiet", "linux-kexec-sb", launch=launch,
                                               kernel=guest.vmlinuz, initrd=guest.initrd, memory="1G",
                                               timeout=TIMEOUT))
    out = ktap.strip_escapes(run.serial_log.read_bytes().decode(errors="replace"))
    tail = out[-3000:]
    found = lsb.read_evidence(out)
    assert found.linux == guest.package.removeprefix("linux-image-"), tail
    assert lsb.secure_boot_problems(found, lsb.certificate_key_id(SNAKEOIL_CERT)) == [], tail
    # ccktf, kexec-ed by the locked-down Linux, ran its default suites and reported KTAP
    assert re.search(r"# ccktf: entry=boot-protocol loader=0xd0 protocol=2\.15 ", out), tail
    assert run.verdict.outcome is verdict.Outcome.PASSED, (run.verdict.reasons, tail)
    counts = run.ktap.counts()
    assert counts[ktap.Status.PASS] >= 5 and counts[ktap.Status.FAIL] == 0, counts
    assert run.ktap.exit and run.ktap.exit.kind == "passed" and run.status == 1
