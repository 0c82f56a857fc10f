"""Firmware descriptor search against descriptor files in temporary directories."""

import json
from pathlib import Path

import pytest

from ccktf import firmware
from ccktf.firmware import Firmware, FirmwareError


def image(directory: Path, name: str) -> Path:
    path = directory / name
    path.write_bytes(b"\0" * 16)
    return path


def descriptor(code: Path, vars_template=None, features=(), machines=("pc-i440fx-*", "pc-q35-*"),
               interface="uefi", device="flash", arch="x86_64") -> dict:
    mapping = {"device": device, "executable": {"filename": str(code), "format": "raw"}}
    if vars_template:
        mapping["nvram-template"] = {"filename": str(vars_template), "format": "raw"}
    return {"interface-types": [interface], "mapping": mapping,
            "targets": [{"architecture": arch, "machines": list(machines)}], "features": list(features)}


def write(directory: Path, name: str, content) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


@pytest.fixture
def images(tmp_path):
    return {name: image(tmp_path, f"{name}.fd") for name in ("CODE", "VARS", "SECURE", "OTHER")}


def test_debian_layout_skips_secure_boot_descriptors(tmp_path, images):
    dist = tmp_path / "usr"
    write(dist, "40-secure-enrolled.json",
          descriptor(images["SECURE"], images["VARS"], features=["secure-boot", "enrolled-keys", "requires-smm"]))
    write(dist, "50-secure.json", descriptor(images["SECURE"], images["VARS"], features=["secure-boot"]))
    plain = write(dist, "60-plain.json", descriptor(images["CODE"], images["VARS"], features=["acpi-s3"]))
    found = firmware.find_firmware(dirs=[dist])
    assert found == Firmware(images["CODE"], images["VARS"], str(plain))
    assert found.uses_pflash


def test_files_are_sorted_by_name_across_directories(tmp_path, images):
    write(tmp_path / "usr", "60-b.json", descriptor(images["CODE"], images["VARS"]))
    write(tmp_path / "etc", "50-a.json", descriptor(images["OTHER"]))
    assert firmware.find_firmware(dirs=[tmp_path / "usr", tmp_path / "etc"]).code == images["OTHER"]


def test_later_directory_overrides_and_empty_file_hides(tmp_path, images):
    write(tmp_path / "usr", "60-x.json", descriptor(images["CODE"], images["VARS"]))
    write(tmp_path / "usr", "70-y.json", descriptor(images["OTHER"]))
    write(tmp_path / "etc", "60-x.json", descriptor(images["SECURE"]))
    assert firmware.find_firmware(dirs=[tmp_path / "usr", tmp_path / "etc"]).code == images["SECURE"]
    write(tmp_path / "home", "60-x.json", "")
    assert firmware.find_firmware(dirs=[tmp_path / "usr", tmp_path / "etc", tmp_path / "home"]).code == images["OTHER"]


@pytest.mark.parametrize("overrides, reason", [
    ({"interface": "bios"}, "not UEFI"),
    ({"arch": "aarch64"}, "no target x86_64/q35"),
    ({"machines": ["pc-i440fx-*"]}, "no target x86_64/q35"),
    ({"device": "memory"}, "mapping device 'memory' is not flash"),
    ({"features": ["requires-smm"]}, "has features requires-smm"),
])
def test_unsuitable_descriptors_are_named_in_the_error(tmp_path, images, overrides, reason):
    write(tmp_path, "60-x.json", descriptor(images["CODE"], **overrides))
    with pytest.raises(FirmwareError, match="ovmf") as error:
        firmware.find_firmware(dirs=[tmp_path])
    assert reason in str(error.value)


def test_descriptor_pointing_at_missing_image_is_rejected(tmp_path, images):
    write(tmp_path, "60-x.json", descriptor(tmp_path / "gone.fd"))
    with pytest.raises(FirmwareError, match="missing .*gone.fd"):
        firmware.find_firmware(dirs=[tmp_path])


def test_nothing_found_names_the_debian_package(tmp_path):
    with pytest.raises(FirmwareError, match=r"apt-get install ovmf.*no descriptor files found"):
        firmware.find_firmware(dirs=[tmp_path / "nowhere"])


@pytest.mark.parametrize("machine, pattern, expected", [
    ("q35", "pc-q35-*", True),
    ("q35", "pc-q35-7.*", True),
    ("q35", "pc-i440fx-*", False),
    ("pc-q35-7.2", "pc-q35-*", True),
    ("pc", "pc-i440fx-*", True),
    ("microvm", "pc-q35-*", False),
])
def test_machine_aliases(machine, pattern, expected):
    assert firmware.machine_matches(machine, pattern) is expected


def test_xdg_search_order():
    dirs = firmware.descriptor_dirs({"XDG_DATA_DIRS": "/a:/b", "XDG_CONFIG_HOME": "/cfg"})
    assert dirs == [Path("/b/qemu/firmware"), Path("/a/qemu/firmware"), Path("/etc/qemu/firmware"),
                    Path("/cfg/qemu/firmware")]


def test_default_search_includes_distro_dir():
    dirs = firmware.descriptor_dirs({"HOME": "/home/u"})
    assert dirs[:3] == [Path("/usr/share/qemu/firmware"), Path("/usr/local/share/qemu/firmware"),
                        Path("/etc/qemu/firmware")]
    assert dirs[-1] == Path("/home/u/.config/qemu/firmware")


def test_override_combined_image_uses_bios(tmp_path):
    combined = image(tmp_path, "OVMF.fd")
    assert firmware.resolve_firmware(str(combined)) == Firmware(combined, None, "--firmware")


def test_override_code_file_pairs_with_vars(tmp_path, images):
    code, vars_template = image(tmp_path, "OVMF_CODE_4M.fd"), image(tmp_path, "OVMF_VARS_4M.fd")
    found = firmware.resolve_firmware(None, environ={"CCKTF_OVMF": str(code)})
    assert found == Firmware(code, vars_template, "$CCKTF_OVMF")


def test_override_code_without_vars_is_an_error(tmp_path):
    code = image(tmp_path, "MY_CODE.fd")
    with pytest.raises(FirmwareError, match="needs its nvram template .*MY_VARS.fd"):
        firmware.resolve_firmware(str(code))


def test_override_missing_file(tmp_path):
    with pytest.raises(FirmwareError, match="does not exist"):
        firmware.resolve_firmware(None, environ={"CCKTF_OVMF": str(tmp_path / "nope.fd")})


def test_this_host_has_plain_ovmf():
    """The machine this harness runs on (Debian 12 with 'ovmf') resolves without an override."""
    found = firmware.resolve_firmware(None, environ={"HOME": "/nonexistent"})
    assert found.code.is_file() and found.uses_pflash
    assert "secure" not in found.source
