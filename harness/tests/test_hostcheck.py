"""The doctor's checks (ccktf.hostcheck) against fake hosts: a TDX host, an SNP host, a KVM-only host, a
TCG-only host, each a fake /dev, /sys and /proc tree, a fake QEMU that reports a version and its objects,
fake CPUID and fake firmware descriptors; and this machine itself."""

import json
import os
import stat
from pathlib import Path

import pytest

from ccktf import hostcheck
from ccktf.hostcheck import FAIL, OK

GIB = 1 << 30
SNP_CPUID = {0x80000000: (0x80000021, 0, 0, 0), 0x8000001F: (0x1001b, (1 << 6) | 51, 0, 0)}  # SNP, C-bit 51


def fake_qemu(tmp: Path, version: str, objects: list[str]) -> str:
    tmp.mkdir(parents=True, exist_ok=True)
    script = tmp / "qemu"
    listing = "".join(f"  {o}\\n" for o in sorted(objects))
    script.write_text("#!/usr/bin/python3\nimport sys\n"
                      f"if sys.argv[1:] == ['--version']: print('QEMU emulator version {version} (fake)')\n"
                      f"elif sys.argv[1:] == ['-object', 'help']: print('List of user creatable objects:\\n{listing}', end='')\n"
                      "else: sys.exit(1)\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return str(script)


def write(root: Path, path: str, text: str) -> None:
    target = root / path.lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)


def descriptor(dirs: Path, name: str, features: list[str], device: str = "memory") -> None:
    image = dirs / f"{name}.fd"
    image.write_bytes(b"fw")
    mapping = {"device": device, "filename": str(image)} if device == "memory" else \
        {"device": "flash", "executable": {"filename": str(image), "format": "raw"},
         "nvram-template": {"filename": str(image), "format": "raw"}}
    (dirs / f"50-{name}.json").write_text(json.dumps({
        "interface-types": ["uefi"], "mapping": mapping, "features": features,
        "targets": [{"architecture": "x86_64", "machines": ["pc-q35-*"]}]}))


def make_host(tmp: Path, kind: str) -> hostcheck.Host:
    root, fw = tmp / "root", tmp / "firmware"
    fw.mkdir(parents=True)
    descriptor(fw, "OVMF_plain", ["acpi-s3"], device="flash")
    write(root, "/proc/meminfo", f"MemTotal: {64 << 20} kB\nMemAvailable: {32 << 20} kB\n")
    cpuid = {}
    version, objects = "7.2.22", ["memory-backend-ram"]
    if kind != "tcg":
        write(root, "/dev/kvm", "")
    if kind == "tdx":
        write(root, "/sys/module/kvm_intel/parameters/tdx", "Y\n")
        version, objects = "10.1.0", objects + ["tdx-guest", "sev-snp-guest"]
        descriptor(fw, "OVMF.inteltdx", ["intel-tdx"])
    elif kind == "snp":
        for param in ("sev", "sev_es", "sev_snp"):
            write(root, f"/sys/module/kvm_amd/parameters/{param}", "Y\n")
        version, objects, cpuid = "9.2.0", objects + ["sev-guest", "sev-snp-guest"], SNP_CPUID
        descriptor(fw, "OVMF.amdsev", ["amd-sev", "amd-sev-es", "amd-sev-snp"])
    elif kind == "kvm":
        write(root, "/sys/module/kvm_intel/parameters/nested", "Y\n")
    return hostcheck.Host(root=root, qemu=fake_qemu(tmp, version, objects), cpuid=cpuid.get,
                          firmware_dirs=[fw])


@pytest.mark.parametrize("kind, can_run", [
    ("tdx", {"tcg", "kvm", "tdx"}),
    ("snp", {"tcg", "kvm", "snp"}),
    ("kvm", {"tcg", "kvm"}),
    ("tcg", {"tcg"}),
])
def test_each_host_kind_gets_the_right_verdict(tmp_path, kind, can_run):
    checks = hostcheck.run_checks(make_host(tmp_path, kind))
    verdicts = hostcheck.verdicts(checks)
    assert {k for k, failed in verdicts.items() if not failed} == can_run, hostcheck.render(checks)


def test_snp_host_reports_its_cbit_and_reduced_phys_bits(tmp_path):
    checks = {c.name: c for c in hostcheck.run_checks(make_host(tmp_path, "snp"))}
    assert checks["host C-bit"].status == OK
    assert checks["host C-bit"].detail == "cbitpos=51 reduced-phys-bits=1"


def test_every_failure_says_how_to_fix_it(tmp_path):
    for kind in ("tdx", "snp", "kvm", "tcg"):
        for check in hostcheck.run_checks(make_host(tmp_path / kind, kind)):
            assert check.status != FAIL or check.fix, check


def test_tcg_host_explains_tdx(tmp_path):
    checks = hostcheck.run_checks(make_host(tmp_path, "tcg"))
    text = hostcheck.explain("tdx", hostcheck.blockers(checks, "tdx"))
    assert "QEMU 7.2 has no tdx-guest object (needs 10.1 or later)" in text
    assert "no /dev/kvm" in text and "kvm_intel is not loaded" in text
    assert "no QEMU firmware descriptor offers intel-tdx" in text and "ovmf-inteltdx" in text


def test_tdx_disabled_in_kvm_is_named(tmp_path):
    host = make_host(tmp_path, "tdx")
    write(host.root, "/sys/module/kvm_intel/parameters/tdx", "N\n")
    failed = hostcheck.blockers(hostcheck.run_checks(host), "tdx")
    assert [c.name for c in failed] == ["kvm_intel.tdx"] and "kvm_intel.tdx=N" in failed[0].detail


def test_intel_cpu_without_leaf_8000001f_is_not_read_as_snp(tmp_path):
    host = make_host(tmp_path, "snp")
    host.cpuid = {0x80000000: (0x80000008, 0, 0, 0), 0x8000001F: (0xffffffff, 51, 0, 0)}.get
    checks = {c.name: c for c in hostcheck.run_checks(host)}
    assert checks["host C-bit"].status == FAIL


def test_this_machine():
    """Whatever host runs the tests: TCG must work (make test boots it); the table gives each kind's verdict
    with its reasons. (On the Debian 12 development machine TDX and SNP cannot run: QEMU 7.2.)"""
    checks = hostcheck.run_checks(hostcheck.Host())
    verdicts = hostcheck.verdicts(checks)
    text = hostcheck.render(checks)
    assert not verdicts["tcg"], text
    for kind, failed in verdicts.items():
        assert (f"  {kind:<4}  can run" in text) == (not failed)
        assert all(c.name in text and (c.fix or c.status != FAIL) for c in failed)


def test_single_image_firmware_by_feature(tmp_path):
    from ccktf.firmware import find_by_feature

    descriptor(tmp_path, "a-flash-with-vars", ["amd-sev-snp"], device="flash")  # pflash: never for SNP
    assert find_by_feature("amd-sev-snp", dirs=[tmp_path]) is None
    descriptor(tmp_path, "b-amdsev", ["amd-sev", "amd-sev-snp"])
    (tmp_path / "00-broken.json").write_text("[1, 2]")
    found = find_by_feature("amd-sev-snp", dirs=[tmp_path])
    assert found and found.code.name == "b-amdsev.fd" and not found.uses_pflash
    assert find_by_feature("intel-tdx", dirs=[tmp_path]) is None
