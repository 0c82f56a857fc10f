"""The QEMU command-line builder (pure; no QEMU is started)."""

from pathlib import Path

import pytest

from ccktf import qemu
from ccktf.firmware import Firmware
from ccktf.qemu import LaunchConfig, QemuConfigError

RUN_DIR = Path("/runs/1")
PFLASH = Firmware(Path("/fw/CODE.fd"), Path("/fw/VARS.fd"))
COMBINED = Firmware(Path("/fw/OVMF.fd"))


def config(**overrides) -> LaunchConfig:
    values = dict(kernel=Path("/k/ccktf.efi"), firmware=PFLASH, profile=qemu.get_profile("tcg"),
                  append="tests=selftest.*")
    values.update(overrides)
    return LaunchConfig(**values)


def option(argv: list[str], flag: str) -> list[str]:
    """Every value given to ``flag``."""
    return [argv[i + 1] for i, arg in enumerate(argv[:-1]) if arg == flag]


def test_kernel_boot_command_line():
    plan = qemu.build_launch(config(memory="6G", smp=2), RUN_DIR)
    argv = plan.argv
    assert argv[0] == "qemu-system-x86_64"
    assert option(argv, "-machine") == ["q35"]
    assert option(argv, "-accel") == ["tcg"]
    assert option(argv, "-m") == ["6G"]
    assert option(argv, "-smp") == ["2"]
    assert option(argv, "-kernel") == ["/k/ccktf.efi"]
    assert option(argv, "-append") == ["tests=selftest.*"]
    assert option(argv, "-serial") == ["stdio"]
    assert option(argv, "-nic") == ["none"]
    assert option(argv, "-display") == ["none"] and option(argv, "-monitor") == ["none"]
    assert "-no-reboot" in argv
    assert option(argv, "-device") == ["isa-debug-exit,iobase=0xf4,iosize=0x04"]


def test_pflash_firmware_uses_a_per_run_copy_of_the_vars_template():
    plan = qemu.build_launch(config(), RUN_DIR)
    assert option(plan.argv, "-drive") == [
        "if=pflash,format=raw,unit=0,readonly=on,file=/fw/CODE.fd",
        "if=pflash,format=raw,unit=1,file=/runs/1/OVMF_VARS.fd",
    ]
    assert plan.staged == [(Path("/fw/VARS.fd"), RUN_DIR / "OVMF_VARS.fd")]


def test_combined_firmware_uses_bios():
    plan = qemu.build_launch(config(firmware=COMBINED), RUN_DIR)
    assert option(plan.argv, "-bios") == ["/fw/OVMF.fd"]
    assert option(plan.argv, "-drive") == [] and plan.staged == []


def test_esp_boot_stages_bootx64_and_attaches_vvfat():
    plan = qemu.build_launch(config(boot="esp", append=""), RUN_DIR)
    assert "-kernel" not in plan.argv and "-append" not in plan.argv
    assert "if=virtio,format=raw,readonly=on,file=fat:/runs/1/ESP" in option(plan.argv, "-drive")
    assert (Path("/k/ccktf.efi"), RUN_DIR / "ESP/EFI/BOOT/BOOTX64.EFI") in plan.staged


def test_command_line_is_shell_quoted():
    plan = qemu.build_launch(config(append="tests=a.* seed=7"), RUN_DIR)
    assert "-append 'tests=a.* seed=7'" in plan.command_line


@pytest.mark.parametrize("overrides, message", [
    ({"boot": "esp"}, "cannot pass kernel arguments"),
    ({"boot": "pxe"}, "boot mode 'pxe'"),
    ({"memory": "lots"}, "not a size"),
    ({"memory": "0M"}, "not a size"),
    ({"smp": 0}, "at least 1"),
])
def test_invalid_configurations(overrides, message):
    with pytest.raises(QemuConfigError, match=message):
        qemu.build_launch(config(**overrides), RUN_DIR)


@pytest.mark.parametrize("name, message", [
    ("tdx", "'tdx' is not implemented yet"),
    ("snp", "'snp' is not implemented yet"),
    ("xen", "unknown profile 'xen'"),
])
def test_profiles_that_cannot_run_refuse_clearly(name, message):
    with pytest.raises(QemuConfigError, match=message):
        qemu.get_profile(name)


def test_kvm_profile_checks_the_host(monkeypatch):
    monkeypatch.setattr(qemu.os, "access", lambda path, mode: False)
    with pytest.raises(QemuConfigError, match="'kvm' is not available on this host: /dev/kvm"):
        qemu.get_profile("kvm")
    monkeypatch.setattr(qemu.os, "access", lambda path, mode: True)
    assert qemu.get_profile("kvm").accelerator_args() == ["-machine", "q35", "-accel", "kvm", "-cpu", "host"]


def test_without_debug_exit_the_device_is_left_out(fake_firmware, fake_kernel, tmp_path):
    config = qemu.LaunchConfig(kernel=fake_kernel, firmware=fake_firmware, profile=qemu.get_profile("tcg"),
                               debug_exit=False)
    argv = qemu.build_launch(config, tmp_path).argv
    assert qemu.DEBUG_EXIT_DEVICE not in argv
