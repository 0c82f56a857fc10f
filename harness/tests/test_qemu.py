"""The QEMU command-line builder (pure; no QEMU is started)."""

from pathlib import Path

import pytest

from ccktf import hostcheck, qemu
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
    assert option(argv, "-accel") == ["tcg,thread=multi"]
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
    assert plan.written == []


def test_esp_boot_writes_the_arguments_file():
    plan = qemu.build_launch(config(boot="esp", append="tests=a.* seed=7"), RUN_DIR)
    assert "-append" not in plan.argv
    assert plan.written == [(RUN_DIR / "ESP/ccktf.args", "tests=a.* seed=7\n")]


def test_command_line_is_shell_quoted():
    plan = qemu.build_launch(config(append="tests=a.* seed=7"), RUN_DIR)
    assert "-append 'tests=a.* seed=7'" in plan.command_line


@pytest.mark.parametrize("overrides, message", [
    ({"boot": "pxe"}, "boot mode 'pxe'"),
    ({"memory": "lots"}, "not a size"),
    ({"memory": "0M"}, "not a size"),
    ({"smp": 0}, "at least 1"),
])
def test_invalid_configurations(overrides, message):
    with pytest.raises(QemuConfigError, match=message):
        qemu.build_launch(config(**overrides), RUN_DIR)


def test_unknown_profile_is_refused():
    with pytest.raises(QemuConfigError, match="unknown profile 'xen'"):
        qemu.get_profile("xen")


@pytest.mark.parametrize("kind", ["tdx", "snp"])
def test_a_profile_this_host_cannot_run_says_why(kind):
    """Whatever host this runs on: refused with exactly the doctor's failed checks, or accepted."""
    failed = hostcheck.blockers(hostcheck.run_checks(hostcheck.Host()), kind)
    if not failed:
        assert qemu.get_profile(kind).kind == kind
        return
    with pytest.raises(QemuConfigError, match=f"cannot launch a {kind} guest on this host") as error:
        qemu.get_profile(kind)
    assert all(f"- {check.name}: {check.detail}" in str(error.value) for check in failed)


# Golden command lines, each traced to the QEMU documentation it follows.
TDX_FW = Firmware(Path("/fw/OVMF.inteltdx.fd"))
SNP_FW = Firmware(Path("/fw/OVMF.amdsev.fd"))


def confidential_argv(profile: str, firmware: Firmware, host: qemu.HostFacts) -> list[str]:
    plan = qemu.build_launch(config(profile=qemu.PROFILES[profile], firmware=firmware, host=host, memory="4G"),
                             RUN_DIR)
    return plan.argv


def test_golden_tdx_command_line_qemu_10_1():
    # docs/system/i386/tdx.rst (QEMU 10.1): -accel kvm -cpu host -object tdx-guest,id=tdx0
    # -machine ...,confidential-guest-support=tdx0 -bios OVMF.fd; kernel-irqchip=split is required.
    argv = confidential_argv("tdx", TDX_FW, qemu.HostFacts((10, 1), qemu_objects=frozenset({"tdx-guest"})))
    assert argv[1:9] == ["-machine", "q35,kernel-irqchip=split,confidential-guest-support=tdx0", "-accel", "kvm",
                         "-cpu", "host", "-object", "tdx-guest,id=tdx0"]
    assert option(argv, "-bios") == ["/fw/OVMF.inteltdx.fd"] and option(argv, "-drive") == []


@pytest.mark.parametrize("cbit", [51, 47])
def test_golden_snp_command_line_qemu_9_1(cbit):
    # docs/system/i386/amd-memory-encryption.rst (QEMU 9.1): -machine ...,confidential-guest-support=sev0
    # -object sev-snp-guest,id=sev0,cbitpos=51,reduced-phys-bits=1, OVMF as one -bios image.
    argv = confidential_argv("snp", SNP_FW, qemu.HostFacts((9, 1), cbitpos=cbit, reduced_phys_bits=1,
                                                           qemu_objects=frozenset({"sev-snp-guest"})))
    assert argv[1:9] == ["-machine", "q35,confidential-guest-support=sev0", "-accel", "kvm", "-cpu", "EPYC-v4",
                         "-object", f"sev-snp-guest,id=sev0,cbitpos={cbit},reduced-phys-bits=1"]
    assert option(argv, "-bios") == ["/fw/OVMF.amdsev.fd"]


def test_golden_snp_measured_direct_boot():
    # docs/system/i386/amd-memory-encryption.rst: "-object sev-snp-guest,...,kernel-hashes=on" measures
    # -kernel/-initrd/-append through the OVMF AmdSev build's hash table.
    host = qemu.HostFacts((9, 1), qemu_objects=frozenset({"sev-snp-guest"}))
    plan = qemu.build_launch(config(profile=qemu.PROFILES["snp"], firmware=SNP_FW, host=host, memory="4G",
                                    measured_boot=True), RUN_DIR)
    assert option(plan.argv, "-object") == ["sev-snp-guest,id=sev0,cbitpos=51,reduced-phys-bits=1,kernel-hashes=on"]
    assert option(plan.argv, "-kernel") == ["/k/ccktf.efi"]


@pytest.mark.parametrize("overrides", [{"profile": qemu.PROFILES["tcg"]}, {"boot": "esp"}])
def test_measured_boot_is_only_an_snp_kernel_boot(overrides):
    host = qemu.HostFacts((9, 1), qemu_objects=frozenset({"sev-snp-guest"}))
    values = {"profile": qemu.PROFILES["snp"], "firmware": SNP_FW, "host": host, "measured_boot": True, **overrides}
    with pytest.raises(QemuConfigError, match="measured direct boot"):
        qemu.build_launch(config(**values), RUN_DIR)


@pytest.mark.parametrize("image, requested, boot, measured, note", [
    ("amdsev", None, "kernel", True, "measured direct boot (kernel-hashes=on)"),
    ("amdsev", "esp", "esp", False, "ESP boot, as asked"),
    ("plain", None, "esp", False, "ESP boot instead of measured direct boot"),
    ("plain", "kernel", "kernel", False, "direct boot, NOT measured"),
    ("none", None, "esp", False, "publishes no SEV hash table"),
])
def test_snp_boots_measured_where_the_firmware_allows_it(tmp_path, image, requested, boot, measured, note):
    from test_ovmf_table import ovmf_image
    tables = {"amdsev": {"hash": (0x80_0000, 0x400)}, "plain": {"hash": (0, 0)}, "none": {}}[image]
    path = tmp_path / f"{image}.fd"
    path.write_bytes(ovmf_image(**tables))
    chosen = qemu.choose_boot(qemu.PROFILES["snp"], Firmware(path), requested)
    assert chosen[:2] == (boot, measured) and note in chosen[2]


@pytest.mark.parametrize("profile", ["tcg", "kvm", "tdx"])
def test_only_snp_chooses_its_boot_mode(profile):
    assert qemu.choose_boot(qemu.PROFILES[profile], SNP_FW, None) == ("kernel", False, "")
    assert qemu.choose_boot(qemu.PROFILES[profile], SNP_FW, "esp") == ("esp", False, "")


@pytest.mark.parametrize("profile, obj", [("tdx", "tdx-guest"), ("snp", "sev-snp-guest")])
def test_confidential_profiles_refuse_a_qemu_without_their_object(profile, obj):
    with pytest.raises(QemuConfigError, match=f"needs a QEMU with the {obj} object"):
        confidential_argv(profile, TDX_FW, qemu.HostFacts((9, 0)))
    # A version number below the documented one does not matter when the object is there (vendor builds).
    assert confidential_argv(profile, TDX_FW, qemu.HostFacts((8, 2), qemu_objects=frozenset({obj})))


def test_confidential_firmware_must_be_one_image():
    with pytest.raises(QemuConfigError, match="needs its firmware as one -bios image"):
        confidential_argv("tdx", PFLASH, qemu.HostFacts((10, 1), qemu_objects=frozenset({"tdx-guest"})))


def test_choose_launch_keeps_tcg_and_plain_ovmf_for_models():
    launch = qemu.choose_launch("sim-tdx", None, None)
    assert launch.profile == "tcg" and launch.host is None and launch.firmware.code.is_file()
    assert (launch.boot, launch.measured_boot, launch.boot_note) == ("kernel", False, "")


def test_choose_launch_with_a_firmware_override_never_blames_the_firmware(tmp_path):
    tdvf = tmp_path / "TDVF.fd"
    tdvf.write_bytes(b"tdvf")
    failed = hostcheck.blockers(hostcheck.run_checks(hostcheck.Host()), "tdx")
    if not [c for c in failed if not c.name.startswith("firmware")]:
        pytest.skip("this host can run a TD")
    with pytest.raises(QemuConfigError) as error:
        qemu.choose_launch("tdx", None, str(tdvf))
    assert "firmware intel-tdx" not in str(error.value)


def test_golden_kvm_command_line():
    argv = qemu.build_launch(config(profile=qemu.PROFILES["kvm"]), RUN_DIR).argv
    assert argv[1:7] == ["-machine", "q35", "-accel", "kvm", "-cpu", "host"]


@pytest.mark.parametrize("platform, requested, chosen", [
    ("tdx", None, "tdx"), ("snp", None, "snp"), ("sim-tdx", None, "tcg"), ("none", None, "tcg"),
    (None, None, "tcg"), ("auto", "tdx", "tdx"), ("sim-snp", "kvm", "kvm"), ("tdx", "tdx", "tdx"),
])
def test_the_platform_implies_the_profile(platform, requested, chosen):
    assert qemu.profile_name_for(platform, requested) == chosen


@pytest.mark.parametrize("platform, requested, message", [
    ("tdx", "tcg", "platform=tdx runs only in a TDX guest"),
    ("snp", "tdx", "platform=snp runs only in a SNP guest"),
    ("sim-tdx", "tdx", "platform=sim-tdx does not belong there"),
    ("none", "snp", "platform=none does not belong there"),
])
def test_contradictions_are_errors_before_qemu_starts(platform, requested, message):
    with pytest.raises(QemuConfigError, match=message):
        qemu.profile_name_for(platform, requested)


def test_without_debug_exit_the_device_is_left_out(fake_firmware, fake_kernel, tmp_path):
    config = qemu.LaunchConfig(kernel=fake_kernel, firmware=fake_firmware, profile=qemu.get_profile("tcg"),
                               debug_exit=False)
    argv = qemu.build_launch(config, tmp_path).argv
    assert qemu.DEBUG_EXIT_DEVICE not in argv


def test_golden_mem_prealloc_command_line():
    # QEMU 7.2 qemu-options.hx, -machine memory-backend='id': "An alternative to legacy -mem-path and
    # mem-prealloc options", e.g. -object memory-backend-...,id=pc.ram,size=512M,prealloc=on
    # -machine memory-backend=pc.ram -m 512M (the sizes must be equal).
    argv = qemu.build_launch(config(memory="6G", mem_prealloc=True), RUN_DIR).argv
    assert argv[1:5] == ["-machine", "q35", "-accel", "tcg,thread=multi"]
    i = argv.index("-m")
    assert argv[i:i + 6] == ["-m", "6G", "-object", "memory-backend-ram,id=ccktf-ram,size=6G,prealloc=on",
                             "-machine", "memory-backend=ccktf-ram"]
    assert option(argv, "-machine") == ["q35", "memory-backend=ccktf-ram"]


def test_without_mem_prealloc_there_is_no_backend():
    argv = qemu.build_launch(config(memory="6G"), RUN_DIR).argv
    assert option(argv, "-object") == [] and option(argv, "-machine") == ["q35"]


@pytest.mark.parametrize("profile, obj", [("tdx", "tdx-guest"), ("snp", "sev-snp-guest")])
def test_mem_prealloc_is_refused_where_private_memory_is_not_in_the_backend(profile, obj):
    host = qemu.HostFacts((10, 1), qemu_objects=frozenset({obj}))
    with pytest.raises(QemuConfigError, match="private memory is not in it"):
        qemu.build_launch(config(profile=qemu.PROFILES[profile], firmware=COMBINED, host=host, memory="4G",
                                 mem_prealloc=True), RUN_DIR)


def test_initrd_goes_with_the_kernel_and_nowhere_else():
    argv = qemu.build_launch(config(initrd=Path("/k/initrd.cpio")), RUN_DIR).argv
    assert option(argv, "-initrd") == ["/k/initrd.cpio"]
    assert argv.index("-initrd") == argv.index("-kernel") + 2
    assert "-initrd" not in qemu.build_launch(config(), RUN_DIR).argv
    with pytest.raises(QemuConfigError, match="an initrd goes with -kernel"):
        qemu.build_launch(config(initrd=Path("/k/initrd.cpio"), boot="esp"), RUN_DIR)
