"""What this host can run: the checks behind ``python3 -m ccktf doctor`` and behind every boot's profile.

Each check reads the host through a ``Host`` (a root directory for /dev, /sys and /proc, a QEMU binary and a
CPUID reader), so the tests run every check against fake trees and a fake QEMU. A check answers ``ok``,
``fail`` (with why, and the exact command or package that fixes it) or ``info``. The verdict for each guest
kind (``tcg``, ``kvm``, ``tdx``, ``snp``) is the list of failed checks it needs.

Sources for what is checked (docs/abi.md has the guest side):
- KVM module parameters: ``kvm_intel.tdx`` (Linux 6.16, arch/x86/kvm/vmx/main.c), ``kvm_amd.sev``,
  ``kvm_amd.sev_es``, ``kvm_amd.sev_snp`` (arch/x86/kvm/svm/sev.c), under /sys/module/*/parameters.
- QEMU objects ``tdx-guest`` (QEMU 10.1, docs/system/i386/tdx.rst) and ``sev-snp-guest`` (QEMU 9.1,
  docs/system/i386/amd-memory-encryption.rst), listed by ``-object help``.
- The host's C-bit and reduced-phys-bits: CPUID 0x8000001F EBX[5:0] and EBX[11:6] (AMD APM vol. 3
  appendix E.4.17), read through /dev/cpu/0/cpuid (Linux's cpuid driver: ``modprobe cpuid``).
- Firmware by QEMU descriptor feature (docs/interop/firmware.json): ``intel-tdx``, ``amd-sev-snp``.
"""

from __future__ import annotations

import os
import re
import struct
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from . import firmware

OK, FAIL, INFO = "ok", "FAIL", "info"
GUEST_KINDS = ("tcg", "kvm", "tdx", "snp")
QEMU_MIN = {"tdx": (10, 1), "snp": (9, 1)}
QEMU_OBJECT = {"tdx": "tdx-guest", "snp": "sev-snp-guest"}
FIRMWARE_FEATURE = {"tdx": "intel-tdx", "snp": "amd-sev-snp"}
# Debian 13 and Ubuntu 26.04 package these builds; Debian 12 (bookworm) has neither.
FIRMWARE_HINT = {
    "tdx": "a TDVF build: Debian 13's 'ovmf-inteltdx' package, or edk2 OvmfPkg/IntelTdx/IntelTdxX64.dsc",
    "snp": "an SEV-SNP OVMF: Debian 13's 'ovmf' (OVMF.amdsev.fd), or edk2 OvmfPkg/AmdSev/AmdSevX64.dsc",
}
GUEST_MEMORY = {"sim-tdx / sim-snp": 6 << 30, "none": 512 << 20}
_VERSION = re.compile(r"QEMU emulator version (\d+)\.(\d+)(?:\.(\d+))?")
SEV_LEAF = 0x8000001F
EXT_MAX_LEAF = 0x80000000


@dataclass
class Host:
    """Where the checks look: ``root`` prefixes /dev, /sys and /proc (``/`` on a real host)."""

    root: Path = Path("/")
    qemu: str = "qemu-system-x86_64"
    cpuid: Optional[Callable[[int], Optional[tuple[int, int, int, int]]]] = None
    firmware_dirs: Optional[list[Path]] = None
    _qemu_cache: dict = field(default_factory=dict)

    def path(self, absolute: str) -> Path:
        return self.root / absolute.lstrip("/")

    def read(self, absolute: str) -> Optional[str]:
        try:
            return self.path(absolute).read_text().strip()
        except OSError:
            return None

    def qemu_output(self, *args: str) -> Optional[str]:
        """stdout of ``qemu ARGS`` (cached), None when it cannot run."""
        if args not in self._qemu_cache:
            try:
                done = subprocess.run([self.qemu, *args], capture_output=True, text=True, timeout=10)
                self._qemu_cache[args] = done.stdout if done.returncode == 0 else None
            except (OSError, subprocess.TimeoutExpired):
                self._qemu_cache[args] = None
        return self._qemu_cache[args]

    def read_cpuid(self, leaf: int) -> Optional[tuple[int, int, int, int]]:
        """EAX..EDX of ``leaf`` through the cpuid driver (/dev/cpu/0/cpuid: a 16-byte read at offset leaf)."""
        if self.cpuid is not None:
            return self.cpuid(leaf)
        try:
            with open(self.path("/dev/cpu/0/cpuid"), "rb") as device:
                device.seek(leaf)
                data = device.read(16)
        except OSError:
            return None
        return struct.unpack("<4I", data) if len(data) == 16 else None


@dataclass(frozen=True)
class Check:
    name: str
    status: str
    detail: str
    fix: str = ""
    needed_by: tuple[str, ...] = ()


def qemu_version(host: Host) -> Optional[tuple[int, int]]:
    text = host.qemu_output("--version")
    match = _VERSION.search(text or "")
    return (int(match.group(1)), int(match.group(2))) if match else None


def qemu_objects(host: Host) -> set[str]:
    text = host.qemu_output("-object", "help") or ""
    return {line.strip() for line in text.splitlines()[1:] if line.strip()}


def module_param(host: Host, module: str, param: str) -> Optional[str]:
    return host.read(f"/sys/module/{module}/parameters/{param}")


def enabled(value: Optional[str]) -> bool:
    return value is not None and value.upper() in ("Y", "1")


def check_qemu(host: Host) -> list[Check]:
    version = qemu_version(host)
    if version is None:
        return [Check("qemu", FAIL, f"{host.qemu} does not run or prints no version",
                      "apt-get install qemu-system-x86", GUEST_KINDS)]
    checks = [Check("qemu", OK, f"{host.qemu} {version[0]}.{version[1]}", needed_by=GUEST_KINDS)]
    objects = qemu_objects(host)
    for kind in ("tdx", "snp"):
        need, obj = QEMU_MIN[kind], QEMU_OBJECT[kind]
        if obj in objects:
            checks.append(Check(f"qemu {obj}", OK, f"QEMU knows the {obj} object", needed_by=(kind,)))
        else:
            checks.append(Check(f"qemu {obj}", FAIL,
                                f"QEMU {version[0]}.{version[1]} has no {obj} object (needs {need[0]}.{need[1]} or later)",
                                f"a QEMU {need[0]}.{need[1]}+ built with KVM (Debian 13 ships 10.0: build from source "
                                f"for TDX)" if kind == "tdx" else f"a QEMU {need[0]}.{need[1]}+ (Debian 13's qemu-system-x86)",
                                (kind,)))
    return checks


def check_kvm(host: Host) -> list[Check]:
    dev = host.path("/dev/kvm")
    if not dev.exists():
        return [Check("/dev/kvm", FAIL, "no /dev/kvm: KVM is not loaded or this is itself a guest without nested "
                      "virtualization", "modprobe kvm_intel (Intel) or kvm_amd (AMD); enable VT-x/AMD-V in firmware",
                      ("kvm", "tdx", "snp"))]
    checks = []
    if host.root == Path("/") and not os.access(dev, os.R_OK | os.W_OK):
        checks.append(Check("/dev/kvm", FAIL, "/dev/kvm is not readable and writable by this user",
                            "add the user to group kvm (usermod -aG kvm $USER), or run as root", ("kvm", "tdx", "snp")))
    else:
        checks.append(Check("/dev/kvm", OK, "present and accessible", needed_by=("kvm", "tdx", "snp")))
    modules = [m for m in ("kvm_intel", "kvm_amd", "kvm_pvm") if host.path(f"/sys/module/{m}").is_dir()]
    if "kvm_intel" in modules or "kvm_amd" in modules:
        checks.append(Check("kvm vendor module", OK, ", ".join(modules), needed_by=("kvm", "tdx", "snp")))
    elif "kvm_pvm" in modules:
        checks.append(Check("kvm vendor module", FAIL,
                            "only kvm_pvm (PVM, a paravirtualized KVM for PVM-aware guest kernels): unmodified firmware "
                            "does not run there (measured: OVMF stops with 'KVM internal error. Suberror: 1')",
                            "a host with hardware virtualization (kvm_intel or kvm_amd); use the tcg profile here",
                            ("kvm", "tdx", "snp")))
    else:
        checks.append(Check("kvm vendor module", FAIL, "neither kvm_intel nor kvm_amd is loaded",
                            "modprobe kvm_intel or kvm_amd", ("kvm", "tdx", "snp")))
    return checks


def check_tdx_host(host: Host) -> list[Check]:
    value = module_param(host, "kvm_intel", "tdx")
    if enabled(value):
        return [Check("kvm_intel.tdx", OK, "TDX enabled in KVM", needed_by=("tdx",))]
    why = "kvm_intel is not loaded" if value is None and not host.path("/sys/module/kvm_intel").is_dir() else \
        "kvm_intel has no tdx parameter (Linux older than 6.16)" if value is None else f"kvm_intel.tdx={value}"
    return [Check("kvm_intel.tdx", FAIL, why,
                  "Linux 6.16+ on a TDX-capable Intel CPU with TDX enabled in the BIOS; boot with kvm_intel.tdx=1",
                  ("tdx",))]


def sev_leaf(host: Host) -> Optional[tuple[int, int, int, int]]:
    """CPUID 0x8000001F when the CPU has it (an Intel CPU answers a leaf above its maximum with another
    leaf's data, so the maximum extended leaf is read first); None when unreadable or absent."""
    top = host.read_cpuid(EXT_MAX_LEAF)
    return host.read_cpuid(SEV_LEAF) if top and top[0] >= SEV_LEAF else None


def snp_cbit(host: Host) -> Optional[tuple[int, int]]:
    """(cbitpos, reduced-phys-bits) from CPUID 0x8000001F EBX[5:0] and [11:6], on a CPU with SEV-SNP."""
    regs = sev_leaf(host)
    if regs is None or not regs[0] & (1 << 4):
        return None
    return regs[1] & 0x3f, (regs[1] >> 6) & 0x3f


def check_snp_host(host: Host) -> list[Check]:
    checks = []
    for param in ("sev", "sev_es", "sev_snp"):
        value = module_param(host, "kvm_amd", param)
        ok = enabled(value)
        why = "kvm_amd is not loaded" if not host.path("/sys/module/kvm_amd").is_dir() else \
            f"kvm_amd.{param}={value}" if value is not None else f"kvm_amd has no {param} parameter"
        checks.append(Check(f"kvm_amd.{param}", OK if ok else FAIL, "enabled" if ok else why,
                            "" if ok else f"an AMD EPYC host with SNP enabled in the BIOS (SEV-SNP, SNP memory coverage); "
                                          f"Linux 6.11+; boot with kvm_amd.{param}=1", ("snp",)))
    cbit = snp_cbit(host)
    if host.read_cpuid(EXT_MAX_LEAF) is None:
        device = host.path("/dev/cpu/0/cpuid")
        why = "is not readable by this user" if device.exists() else "does not exist (the cpuid driver is not loaded)"
        checks.append(Check("host C-bit", INFO, f"CPUID 0x8000001F unknown: /dev/cpu/0/cpuid {why}; the snp profile "
                            f"then assumes cbitpos=51 reduced-phys-bits=1", "modprobe cpuid; run as root", ("snp",)))
    elif cbit is None:
        checks.append(Check("host C-bit", FAIL, "CPUID 0x8000001F: no SEV-SNP on this CPU", "an AMD EPYC 7003 or later",
                            ("snp",)))
    else:
        checks.append(Check("host C-bit", OK, f"cbitpos={cbit[0]} reduced-phys-bits={cbit[1]}", needed_by=("snp",)))
    return checks


def check_firmware(host: Host) -> list[Check]:
    try:
        plain = firmware.find_firmware(dirs=host.firmware_dirs if host.firmware_dirs is not None else None)
        checks = [Check("firmware (plain UEFI)", OK, f"{plain.code} ({plain.source})", needed_by=("tcg", "kvm"))]
    except firmware.FirmwareError:
        checks = [Check("firmware (plain UEFI)", FAIL, "no plain UEFI firmware descriptor for x86_64/q35",
                        firmware.MISSING_HINT, ("tcg", "kvm"))]
    for kind in ("tdx", "snp"):
        feature = FIRMWARE_FEATURE[kind]
        found = firmware.find_by_feature(feature, dirs=host.firmware_dirs)
        if found:
            checks.append(Check(f"firmware {feature}", OK, f"{found.code} ({found.source})", needed_by=(kind,)))
        else:
            checks.append(Check(f"firmware {feature}", FAIL, f"no QEMU firmware descriptor offers {feature}",
                                FIRMWARE_HINT[kind], (kind,)))
    return checks


def check_memory(host: Host) -> list[Check]:
    text = host.read("/proc/meminfo") or ""
    match = re.search(r"^MemAvailable:\s+(\d+) kB", text, re.M)
    if not match:
        return [Check("memory", INFO, "MemAvailable not found in /proc/meminfo")]
    available = int(match.group(1)) << 10
    checks = []
    for what, need in GUEST_MEMORY.items():
        status = OK if available >= need else FAIL
        checks.append(Check(f"memory for {what}", status,
                            f"{available >> 20} MiB available, a {what} guest takes {need >> 20} MiB",
                            "" if status == OK else "free memory, or boot with a smaller --memory (models: sim_unaccepted=SIZE)"))
    return checks


def run_checks(host: Host) -> list[Check]:
    return (check_qemu(host) + check_kvm(host) + check_tdx_host(host) + check_snp_host(host) + check_firmware(host)
            + check_memory(host))


def blockers(checks: list[Check], kind: str) -> list[Check]:
    """The failed checks a guest of ``kind`` needs."""
    return [c for c in checks if c.status == FAIL and kind in c.needed_by]


def verdicts(checks: list[Check]) -> dict[str, list[Check]]:
    return {kind: blockers(checks, kind) for kind in GUEST_KINDS}


def explain(kind: str, failed: list[Check]) -> str:
    """Why a guest of ``kind`` cannot run here, one line per failed check with its fix."""
    lines = [f"cannot launch a {kind} guest on this host:"]
    lines += [f"  - {c.name}: {c.detail}" + (f"\n      fix: {c.fix}" if c.fix else "") for c in failed]
    return "\n".join(lines)


def render(checks: list[Check]) -> str:
    width = max(len(c.name) for c in checks)
    lines = ["ccktf doctor: what this host can run", ""]
    for c in checks:
        lines.append(f"  {c.status:<4}  {c.name:<{width}}  {c.detail}")
        if c.status == FAIL and c.fix:
            lines.append(f"  {'':<4}  {'':<{width}}  fix: {c.fix}")
    lines.append("")
    for kind, failed in verdicts(checks).items():
        lines.append(f"  {kind:<4}  " + ("can run" if not failed else
                                        "cannot run: " + ", ".join(c.name for c in failed)))
    return "\n".join(lines)
