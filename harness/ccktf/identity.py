"""What identifies the machine a result came from, so that every result can be traced to it: the host CPU
(model name, family/model/stepping, microcode), the host kernel, the QEMU version, the firmware image (path,
size, SHA-256) and the QEMU profile. Written into every run directory as ``host.json`` and carried in the
benchmark results and the conformance report.

What the guest itself could add (the TDX module's version through TDG.SYS.RD, the SNP firmware's TCB from an
attestation report) is not read yet: both need more of the guest ABI than ccktf implements today.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any, Optional

from . import __version__, hostcheck
from .firmware import Firmware

CPUINFO_KEYS = {"model name": "cpu", "cpu family": "cpu_family", "model": "cpu_model", "stepping": "cpu_stepping",
                "microcode": "microcode"}


def cpuinfo(path: Path = Path("/proc/cpuinfo")) -> dict[str, str]:
    """The first processor's identifying fields (a missing field is left out)."""
    fields: dict[str, str] = {}
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return fields
    for line in text.split("\n\n", 1)[0].splitlines():
        key, _, value = line.partition(":")
        if key.strip() in CPUINFO_KEYS:
            fields[CPUINFO_KEYS[key.strip()]] = value.strip()
    return fields


def file_digest(path: Path) -> Optional[str]:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def host_identity(qemu: str = "qemu-system-x86_64", firmware: Optional[Firmware] = None,
                  profile: Optional[str] = None, root: Path = Path("/")) -> dict[str, Any]:
    """Everything above that can be read; ``cpu`` is kept as the key older results used."""
    host = hostcheck.Host(root=root, qemu=qemu)
    version_line = (host.qemu_output("--version") or "").splitlines()
    identity: dict[str, Any] = {"cpu": None, **cpuinfo(host.path("/proc/cpuinfo"))}
    identity["kernel"] = host.read("/proc/sys/kernel/osrelease") or (os.uname().release if root == Path("/") else None)
    identity["qemu"] = version_line[0] if version_line else None
    if profile:
        identity["qemu_profile"] = profile
    if firmware:
        identity["firmware"] = {"image": str(firmware.code), "bytes": firmware.code.stat().st_size
                                if firmware.code.is_file() else None,
                                "sha256": file_digest(firmware.code), "source": firmware.source}
    identity["harness_version"] = __version__
    return identity
