"""The harness's Secure Boot mode (docs/secure-boot.md), without booting: the firmware chosen by the descriptor
features secure-boot and enrolled-keys, SMM and a per-run copy of the variable store on the QEMU command line,
ESP delivery only, the firmware's refusal read from its log (and QEMU stopped at once, with a fake QEMU), and the
kernel's "# secure-boot:" line in the parser, the run summary and the conformance report. The real boots are in
test_secure_boot.py. (No "boot" in these names: the fast gate deselects "-k 'not boot'".)
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from ccktf import boot_refusal, firmware, ktap, qemu, runner, verdict
from ccktf.firmware import Firmware, FirmwareError

FIXTURES = Path(__file__).parent / "fixtures"


# --- firmware: chosen by the descriptor features secure-boot and enrolled-keys -------------------------------

def descriptor(code: Path, template: Path, features: list[str], machines=("pc-q35-*",)) -> dict:
    return {"interface-types": ["uefi"], "targets": [{"architecture": "x86_64", "machines": list(machines)}],
            "mapping": {"device": "flash", "executable": {"filename": str(code), "format": "raw"},
                        "nvram-template": {"filename": str(template), "format": "raw"}},
            "features": features}


@pytest.fixture
def firmware_dir(tmp_path) -> Path:
    """Debian's three descriptors, over fake images: plain, secure-boot only, secure-boot with enrolled keys."""
    images = tmp_path / "OVMF"
    images.mkdir()
    for name in ("CODE.fd", "CODE.secboot.fd", "VARS.fd", "VARS.ms.fd"):
        (images / name).write_bytes(name.encode())
    descriptors = tmp_path / "descriptors"
    descriptors.mkdir()
    for name, code, template, features in (
            ("40-secure-enrolled.json", "CODE.secboot.fd", "VARS.ms.fd",
             ["enrolled-keys", "requires-smm", "secure-boot"]),
            ("50-secure.json", "CODE.secboot.fd", "VARS.fd", ["requires-smm", "secure-boot"]),
            ("60-plain.json", "CODE.fd", "VARS.fd", [])):
        (descriptors / name).write_text(json.dumps(descriptor(images / code, images / template, features)))
    return descriptors


def test_sb_firmware_is_the_descriptor_with_enrolled_keys(firmware_dir):
    fw = firmware.find_secure_boot_firmware(dirs=[firmware_dir])
    assert fw.code.name == "CODE.secboot.fd" and fw.vars_template.name == "VARS.ms.fd"
    assert fw.requires_smm and fw.secure_boot and fw.source.endswith("40-secure-enrolled.json")
    # The plain search still never picks a Secure Boot build.
    assert firmware.find_firmware(dirs=[firmware_dir]).code.name == "CODE.fd"


def test_no_descriptor_with_both_features_is_an_error(firmware_dir):
    (firmware_dir / "40-secure-enrolled.json").unlink()
    with pytest.raises(FirmwareError, match="enrolled-keys and secure-boot"):
        firmware.find_secure_boot_firmware(dirs=[firmware_dir])


def test_variable_store_given_beats_snakeoil_beats_the_descriptors(firmware_dir, tmp_path):
    fw = firmware.find_secure_boot_firmware(dirs=[firmware_dir])
    assert firmware.secure_boot_vars(fw, environ={}).vars_template.name == "VARS.ms.fd"
    snakeoil = fw.code.parent / firmware.SNAKEOIL_VARS
    snakeoil.write_bytes(b"snakeoil")
    assert firmware.secure_boot_vars(fw, environ={}).vars_template == snakeoil
    mine = tmp_path / "my-vars.fd"
    mine.write_bytes(b"mine")
    env = {firmware.ENV_SECURE_BOOT_VARS: str(mine)}
    assert firmware.secure_boot_vars(fw, environ=env).vars_template == mine.resolve()
    with pytest.raises(FirmwareError, match="does not exist"):
        firmware.secure_boot_vars(fw, str(tmp_path / "nope.fd"), environ={})


# --- QEMU: SMM, a per-run copy of the store, ESP boot only ---------------------------------------------------

def secure_config(fw: Firmware, kernel: Path, **changes) -> qemu.LaunchConfig:
    fields = dict(kernel=kernel, firmware=fw, profile=qemu.PROFILES["tcg"], boot="esp", secure_boot=True)
    fields.update(changes)
    return qemu.LaunchConfig(**fields)


def test_sb_command_line_has_smm_and_copies_the_store(firmware_dir, tmp_path, fake_kernel):
    fw = firmware.find_secure_boot_firmware(dirs=[firmware_dir])
    plan = qemu.build_launch(secure_config(fw, fake_kernel, append="seed=7"), tmp_path / "run")
    argv = plan.argv
    assert argv[argv.index("-global") + 1] == "driver=cfi.pflash01,property=secure,value=on"
    assert "smm=on" in [argv[i + 1] for i, arg in enumerate(argv) if arg == "-machine"]
    copy = tmp_path / "run" / qemu.VARS_COPY
    assert f"if=pflash,format=raw,unit=1,file={copy}" in argv  # the copy, never the system's store
    assert (fw.vars_template, copy) in plan.staged
    assert f"if=pflash,format=raw,unit=0,readonly=on,file={fw.code}" in argv
    assert "-kernel" not in argv and any(arg.startswith("if=virtio") for arg in argv)


def test_plain_firmware_gets_no_smm(fake_firmware, fake_kernel, tmp_path):
    config = qemu.LaunchConfig(kernel=fake_kernel, firmware=fake_firmware, profile=qemu.PROFILES["tcg"])
    assert "-global" not in qemu.build_launch(config, tmp_path).argv


def test_sb_mode_refuses_direct_kernel_delivery_and_confidential_profiles(firmware_dir, fake_kernel, tmp_path):
    fw = firmware.find_secure_boot_firmware(dirs=[firmware_dir])
    with pytest.raises(qemu.QemuConfigError, match="ESP"):
        qemu.build_launch(secure_config(fw, fake_kernel, boot="kernel"), tmp_path)
    with pytest.raises(qemu.QemuConfigError, match="legacy loader"):
        qemu.choose_secure_boot(qemu.PROFILES["tcg"], None, None, "kernel")
    with pytest.raises(qemu.QemuConfigError, match="not supported yet"):
        qemu.choose_secure_boot(qemu.PROFILES["snp"], None, None, None)
    plain = Firmware(fw.code, fw.vars_template, "test")  # not the Secure Boot firmware
    with pytest.raises(qemu.QemuConfigError, match="secure-boot firmware"):
        qemu.build_launch(secure_config(plain, fake_kernel), tmp_path)


def test_cli_sb_vars_needs_the_sb_flag(ccktf):
    status, _, err = ccktf("run", "--secure-boot-vars", "/nonexistent.fd")
    assert status == 2 and "--secure-boot-vars needs --secure-boot" in err


# --- the firmware's refusal: read from its log, and the run ended at once ------------------------------------

def test_refusals_are_read_from_ovmfs_manager_lines():
    text = (FIXTURES / "secure_boot_refused.ktap").read_text(errors="replace")
    assert boot_refusal.gave_up(text)
    found = boot_refusal.refusals(text)
    assert found[0].startswith('Boot0002 "UEFI Misc Device" (PciRoot(0x0)/Pci(0x1,0x0)): load refused with '
                               'Access Denied')
    assert found[1].endswith("start refused with Security Violation") and len(found) == 2
    # "Not Found" (an empty DVD drive) is no refusal.
    assert not boot_refusal.refusals('BdsDxe: failed to load Boot0001 "DVD" from Pci(0x1F,0x2): Not Found\r\n')


def test_refusal_verdict_is_an_error_that_names_it():
    parsed = ktap.parse((FIXTURES / "secure_boot_refused.ktap").read_text(errors="replace"))
    judged = verdict.decide(parsed, None)
    assert judged.outcome is verdict.Outcome.ERROR
    assert judged.reasons[0] == "QEMU stopped by the harness: the firmware found nothing it would boot"
    assert any("Access Denied" in r and "Secure Boot" not in r for r in judged.reasons)
    assert any("Security Violation" in r and "signer is not in the firmware's db" in r for r in judged.reasons)


def test_a_refusal_before_the_kernel_ran_is_no_error_of_a_run_that_passed():
    stream = ('BdsDxe: failed to start Boot0009 "Other" from Fv(1): Security Violation\r\n'
              "KTAP version 1\n# ccktf: version=0.1.0 platform=none\n1..1\n    KTAP version 1\n"
              "    # Subtest: selftest\n    1..1\n    ok 1 t\nok 1 selftest\n# ccktf: exit=passed code=0\n")
    assert boot_refusal.refusals(stream) and boot_refusal.refusal_reasons(stream, kernel_started=True) == []
    assert verdict.decide(ktap.parse(stream), 1).outcome is verdict.Outcome.PASSED


def test_runner_stops_qemu_when_the_firmware_gives_up(fake_qemu, fake_run_options):
    """A firmware waiting for a key after refusing the image is stopped at once, not at the timeout."""
    fake_qemu.serve((FIXTURES / "secure_boot_refused.ktap").read_text(errors="replace")
                    + "\r\nBdsDxe: Press any key to enter the Boot Manager Menu.\r\n", hang=True)
    start = time.monotonic()
    run = runner.run(fake_run_options)
    assert time.monotonic() - start < fake_run_options.timeout / 2
    assert not run.timed_out and run.status is None
    assert run.verdict.outcome is verdict.Outcome.ERROR
    assert "Security Violation" in str(run.verdict) and "timed out" not in str(run.verdict)


# --- the kernel's report of the state ------------------------------------------------------------------------

SB_LINE = ("# secure-boot: mode=user secure_boot=1 secure_boot_attr=0x6 setup_mode=0 setup_mode_attr=0x6 "
                    "audit_mode=missing:0x800000000000000e deployed_mode=missing:0x800000000000000e")


def stream_with(*lines: str) -> str:
    return "\n".join(["KTAP version 1", "# ccktf: version=0.1.0 platform=none", *lines, "1..0",
                      "# ccktf: exit=passed code=0", ""])


def test_sb_line_is_parsed_and_shown():
    parsed = ktap.parse(stream_with(SB_LINE))
    assert not parsed.problems
    assert parsed.secure_boot["mode"] == "user" and parsed.secure_boot["secure_boot"] == "1"
    assert parsed.secure_boot["audit_mode"] == "missing:0x800000000000000e"
    from ccktf import report
    assert SB_LINE[2:] in report.boot_facts(parsed)


@pytest.mark.parametrize("lines, problem", [
    ((SB_LINE, SB_LINE), "second secure-"),
    (("# secure-boot: secure_boot=1 mode=user",), "must start with mode="),
    (("# secure-boot: mode=sideways",), "must start with mode="),
    (("# secure-boot: mode=user secure_boot",), "not a new key=value"),
])
def test_malformed_sb_lines_are_protocol_errors(lines, problem):
    parsed = ktap.parse(stream_with(*lines))
    assert any(problem in p.message for p in parsed.problems)
    assert verdict.decide(parsed, 1).outcome is verdict.Outcome.ERROR


def test_conformance_report_shows_the_sb_state():
    from datetime import datetime, timezone
    from ccktf import conformance_report
    parsed = ktap.parse(stream_with(SB_LINE))
    report = conformance_report.build_report(parsed, profile="tcg", memory="512M", date=datetime.now(timezone.utc),
                                             boot_problems=[])
    shown = dict(conformance_report.identity_lines(report))["Secure Boot"]
    assert shown.startswith("mode=user secure_boot=1 ") and "audit_mode=missing:0x800000000000000e" in shown
    parsed = ktap.parse(stream_with())
    report = conformance_report.build_report(parsed, profile="tcg", memory="512M", date=datetime.now(timezone.utc),
                                             boot_problems=[])
    assert dict(conformance_report.identity_lines(report))["Secure Boot"] == "(not reported)"


# --- review of issue 15: never a pass without Secure Boot enforced ---------------------------------------------

SETUP_LINE = ("# secure-boot: mode=setup secure_boot=0 secure_boot_attr=0x6 setup_mode=1 setup_mode_attr=0x6 "
              "audit_mode=0 audit_mode_attr=0x6 deployed_mode=0 deployed_mode_attr=0x6")
PASSING = ["    KTAP version 1", "    # Subtest: selftest", "    1..1", "    ok 1 t", "ok 1 selftest"]


def passing_stream(*lines: str) -> str:
    return "\n".join(["KTAP version 1", "# ccktf: version=0.1.0 platform=none", *lines, "1..1", *PASSING,
                      "# ccktf: exit=passed code=0", ""])


@pytest.mark.parametrize("line, why", [
    (SETUP_LINE, "secure_boot=0 setup_mode=1"),  # Debian's OVMF_VARS_4M.fd: no keys enrolled, Setup Mode
    (SETUP_LINE.replace("secure_boot=0", "secure_boot=1"), "secure_boot=1 setup_mode=1"),
    (SB_LINE.replace("secure_boot=1", "secure_boot=missing:0x800000000000000e"), "secure_boot=missing"),
    (None, "no '# secure-boot:' line"),
])
def test_sb_mode_run_is_an_error_unless_the_kernel_found_secure_boot_enforced(line, why):
    parsed = ktap.parse(passing_stream(*([line] if line else [])))
    assert verdict.decide(parsed, 1).passed  # a plain run does not ask
    judged = verdict.decide(parsed, 1, secure_boot=True)
    assert judged.outcome is verdict.Outcome.ERROR and any(why in r for r in judged.reasons), judged


def test_sb_mode_run_passes_with_secure_boot_enforced():
    assert verdict.decide(ktap.parse(passing_stream(SB_LINE)), 1, secure_boot=True).passed


def test_runner_judges_an_sb_mode_boot_by_the_kernels_sb_line(fake_qemu, fake_run_options, firmware_dir,
                                                              tmp_path):
    """The reviewer's run: --secure-boot with a store in Setup Mode ran the unsigned image and said PASSED."""
    from dataclasses import replace
    fw = firmware.find_secure_boot_firmware(dirs=[firmware_dir])
    options = replace(fake_run_options, firmware=fw, boot="esp", secure_boot=True)
    (tmp_path / "sb-setup.ktap").write_text(passing_stream(SETUP_LINE))
    fake_qemu.serve(str(tmp_path / "sb-setup"), status=1)  # a fixture path: the stream is too long a name
    run = runner.run(options)
    assert run.verdict.outcome is verdict.Outcome.ERROR and "not enforcing" in str(run.verdict), run.verdict
    assert json.loads((run.run_dir / "host.json").read_text())["boot"]["secure_boot"] is True


def test_sb_firmware_is_never_the_plain_override(firmware_dir, monkeypatch, tmp_path):
    """$CCKTF_OVMF names firmware for plain boots: Secure Boot mode takes the descriptor's (or its own override)."""
    monkeypatch.setattr(firmware, "descriptor_dirs", lambda environ=None: [firmware_dir])
    plain = firmware_dir.parent / "OVMF" / "CODE.fd"
    env = {firmware.ENV_OVERRIDE: str(plain)}
    assert firmware.resolve_secure_boot_firmware(environ=env).code.name == "CODE.secboot.fd"
    (firmware_dir / "40-secure-enrolled.json").unlink()
    with pytest.raises(FirmwareError, match="enrolled-keys and secure-boot"):
        firmware.resolve_secure_boot_firmware(environ=env)
    secboot = firmware_dir.parent / "OVMF" / "CODE.secboot.fd"
    env[firmware.ENV_SECURE_BOOT_OVERRIDE] = str(secboot)
    env[firmware.ENV_SECURE_BOOT_VARS] = str(firmware_dir.parent / "OVMF" / "VARS.ms.fd")
    fw = firmware.resolve_secure_boot_firmware(environ=env)
    assert fw.code == secboot.resolve() and fw.secure_boot and fw.source.startswith("$CCKTF_SECURE_BOOT_OVMF")


def test_cli_refuses_a_signed_image_older_than_the_kernel(ccktf, monkeypatch, tmp_path):
    import os
    unsigned, signed = tmp_path / "ccktf.efi", tmp_path / "ccktf.signed.efi"
    unsigned.write_bytes(b"MZ new")
    signed.write_bytes(b"MZ old")
    os.utime(signed, (1000, 1000))
    monkeypatch.setattr(runner, "DEFAULT_KERNEL", unsigned)
    monkeypatch.setattr(runner, "DEFAULT_SIGNED_KERNEL", signed)
    monkeypatch.setattr(runner, "PROJECT_ROOT", tmp_path)  # the help names the default relative to it
    status, out, err = ccktf("run", "--secure-boot", f"--kernel={signed}")
    assert status == 2 and "older than" in err and "make sign" in err and len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())  # nothing booted


def test_more_esps_each_on_its_own_fixed_pci_slot(firmware_dir, fake_kernel, tmp_path):
    """test_secure_boot.py's one refusal boot: a second ESP whose disk the firmware's log names by a fixed path."""
    fw = firmware.find_secure_boot_firmware(dirs=[firmware_dir])
    second = tmp_path / "wrong.efi"
    second.write_bytes(b"MZ wrong")
    run_dir = tmp_path / "run"
    plan = qemu.build_launch(secure_config(fw, fake_kernel, append="seed=7", more_esps=(second,)), run_dir)
    argv = plan.argv
    assert f"if=none,id=ccktf-esp2,format=raw,readonly=on,file=fat:{run_dir / 'ESP2'}" in argv
    assert "virtio-blk-pci,drive=ccktf-esp2,addr=0x10" in argv
    assert (second, run_dir / "ESP2" / "EFI" / "BOOT" / "BOOTX64.EFI") in plan.staged
    assert (fake_kernel, run_dir / qemu.ESP_IMAGE) in plan.staged  # the first ESP as before
    assert qemu.more_esp_path(0) == "PciRoot(0x0)/Pci(0x10,0x0)"  # as OVMF prints it
    with pytest.raises(qemu.QemuConfigError, match="ESP boot"):
        qemu.build_launch(secure_config(fw, fake_kernel, boot="kernel", secure_boot=False, more_esps=(second,)),
                          run_dir)
