"""Find OVMF: through QEMU firmware descriptor files, or an explicit override.

Descriptor files follow QEMU's docs/interop/firmware.json: they are searched in
``/usr/share/qemu/firmware`` (and the other ``$XDG_DATA_DIRS``), ``/etc/qemu/firmware`` and
``$XDG_CONFIG_HOME/qemu/firmware``; the files of all directories are sorted by file name, a file in a
more specific (later) directory replaces a same-named one in an earlier directory, an empty file hides
it, and the first file that matches wins.

ccktf wants plain UEFI for x86_64: interface type ``uefi``, a ``flash`` mapping, and none of the
features ``secure-boot``, ``enrolled-keys``, ``requires-smm`` (the kernel's tests must not depend on
Secure Boot keys, and the q35 machine is started without SMM support checks).

Override (``--firmware PATH`` or ``$CCKTF_OVMF``): a combined image such as ``/usr/share/ovmf/OVMF.fd``
is loaded with ``-bios``; a file whose name contains ``CODE`` (``OVMF_CODE_4M.fd``) is mapped as pflash
together with the ``VARS`` file of the same name (``OVMF_VARS_4M.fd``) in the same directory as the
nvram template.
"""

from __future__ import annotations

import fnmatch
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping, Optional

from .errors import CcktfError

ENV_OVERRIDE = "CCKTF_OVMF"
EXCLUDED_FEATURES = frozenset({"secure-boot", "enrolled-keys", "requires-smm"})
# QEMU machine aliases and the versioned family they stand for.
MACHINE_ALIASES = {"q35": "pc-q35-", "pc": "pc-i440fx-"}
MISSING_HINT = "install Debian's 'ovmf' package (apt-get install ovmf), or pass --firmware / set $CCKTF_OVMF"


class FirmwareError(CcktfError):
    """No usable firmware, or an unusable override."""


@dataclass(frozen=True)
class Firmware:
    """How to give QEMU its firmware: ``-bios code`` when ``vars_template`` is None, else two pflash units."""

    code: Path
    vars_template: Optional[Path] = None
    source: str = ""  # the descriptor file or override it came from, for messages

    @property
    def uses_pflash(self) -> bool:
        return self.vars_template is not None


def descriptor_dirs(environ: Mapping[str, str] = os.environ) -> list[Path]:
    """The search directories, general to specific, as firmware.json specifies."""
    data_dirs = environ.get("XDG_DATA_DIRS") or "/usr/local/share:/usr/share"
    dirs = [Path(d) / "qemu" / "firmware" for d in reversed(data_dirs.split(":")) if d]
    dirs.append(Path("/etc/qemu/firmware"))
    config_home = environ.get("XDG_CONFIG_HOME") or str(Path(environ.get("HOME", "/")) / ".config")
    dirs.append(Path(config_home) / "qemu" / "firmware")
    return list(dict.fromkeys(dirs))


def descriptor_files(dirs: Iterable[Path]) -> list[Path]:
    """All descriptor files sorted by name; later dirs override same names, empty files hide them."""
    by_name: dict[str, Path] = {}
    for directory in dirs:
        if directory.is_dir():
            for path in directory.glob("*.json"):
                by_name[path.name] = path
    return [by_name[name] for name in sorted(by_name) if by_name[name].stat().st_size > 0]


def machine_matches(machine: str, pattern: str) -> bool:
    """Whether a descriptor's machine glob covers ``machine``.

    Aliases such as ``q35`` stand for the newest versioned type (``pc-q35-7.2``), so a glob of that
    family (``pc-q35-*``, ``pc-q35-7.*``) is taken to cover the alias.
    """
    if fnmatch.fnmatchcase(machine, pattern):
        return True
    family = MACHINE_ALIASES.get(machine)
    return family is not None and pattern.startswith(family)


def unsuitable_reason(descriptor: dict, arch: str, machine: str) -> Optional[str]:
    """Why a parsed descriptor does not fit (None when it does)."""
    if "uefi" not in descriptor.get("interface-types", []):
        return "not UEFI"
    targets = descriptor.get("targets", [])
    if not any(t.get("architecture") == arch and any(machine_matches(machine, m) for m in t.get("machines", []))
               for t in targets):
        return f"no target {arch}/{machine}"
    mapping = descriptor.get("mapping", {})
    if mapping.get("device") != "flash":
        return f"mapping device {mapping.get('device')!r} is not flash"
    if "filename" not in mapping.get("executable", {}):
        return "no executable"
    excluded = EXCLUDED_FEATURES.intersection(descriptor.get("features", []))
    if excluded:
        return f"has features {', '.join(sorted(excluded))}"
    return None


def firmware_from_descriptor(path: Path, descriptor: dict) -> Firmware:
    mapping = descriptor["mapping"]
    template = mapping.get("nvram-template", {}).get("filename")
    return Firmware(Path(mapping["executable"]["filename"]), Path(template) if template else None, str(path))


def find_firmware(arch: str = "x86_64", machine: str = "q35", dirs: Optional[Iterable[Path]] = None) -> Firmware:
    """The first suitable firmware from the descriptor files; FirmwareError lists what was rejected."""
    rejected = []
    for path in descriptor_files(descriptor_dirs() if dirs is None else dirs):
        try:
            descriptor = json.loads(path.read_text())
        except (OSError, ValueError) as error:
            rejected.append(f"{path}: unreadable ({error})")
            continue
        reason = unsuitable_reason(descriptor, arch, machine) if isinstance(descriptor, dict) else "not a JSON object"
        if reason is None:
            firmware = firmware_from_descriptor(path, descriptor)
            missing = [p for p in (firmware.code, firmware.vars_template) if p and not p.is_file()]
            if not missing:
                return firmware
            reason = f"missing {', '.join(map(str, missing))}"
        rejected.append(f"{path}: {reason}")
    details = "".join(f"\n  {line}" for line in rejected) or " (no descriptor files found)"
    raise FirmwareError(f"no plain UEFI firmware for {arch}/{machine}; {MISSING_HINT}. Descriptors:{details}")


def find_by_feature(feature: str, arch: str = "x86_64", dirs: Optional[Iterable[Path]] = None) -> Optional[Firmware]:
    """The first descriptor that offers ``feature`` (``intel-tdx``, ``amd-sev-snp``, ...) for ``arch``, as
    libvirt picks confidential-guest firmware (src/qemu/qemu_firmware.c); None when none does.

    Confidential guests take their firmware as one image (QEMU: neither TDX nor SNP can map pflash): a
    ``memory`` mapping, given to QEMU with ``-bios``, or a ``flash`` one without an nvram template.
    Malformed descriptors and files that do not exist are skipped.
    """
    for path in descriptor_files(descriptor_dirs() if dirs is None else dirs):
        try:
            descriptor = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        found = single_image(descriptor, feature, arch)
        if found and found.is_file():
            return Firmware(found, None, str(path))
    return None


def single_image(descriptor: object, feature: str, arch: str) -> Optional[Path]:
    """The image of a descriptor that offers ``feature`` for ``arch`` as one image, else None."""
    if not isinstance(descriptor, dict) or feature not in (descriptor.get("features") or []):
        return None
    targets, mapping = descriptor.get("targets") or [], descriptor.get("mapping")
    if not isinstance(mapping, dict) or not any(isinstance(t, dict) and t.get("architecture") == arch
                                                for t in targets):
        return None
    if mapping.get("device") == "memory":
        code = mapping.get("filename")
    elif mapping.get("device") == "flash" and not mapping.get("nvram-template"):
        code = (mapping.get("executable") or {}).get("filename")
    else:
        return None
    return Path(code) if isinstance(code, str) else None


def firmware_from_path(path: Path, source: str) -> Firmware:
    """The override: a combined image for -bios, or a CODE file paired with its VARS template."""
    if not path.is_file():
        raise FirmwareError(f"firmware {path} (from {source}) does not exist")
    path = path.resolve()  # QEMU runs in the run directory
    if "CODE" not in path.name:
        return Firmware(path, None, source)
    vars_template = path.with_name(path.name.replace("CODE", "VARS", 1))
    if not vars_template.is_file():
        raise FirmwareError(f"firmware {path} (from {source}) needs its nvram template {vars_template}")
    return Firmware(path, vars_template, source)


def resolve_firmware(explicit: Optional[str] = None, environ: Mapping[str, str] = os.environ,
                     machine: str = "q35") -> Firmware:
    """``--firmware`` beats ``$CCKTF_OVMF`` beats the descriptor search."""
    if explicit:
        return firmware_from_path(Path(explicit), "--firmware")
    if environ.get(ENV_OVERRIDE):
        return firmware_from_path(Path(environ[ENV_OVERRIDE]), f"${ENV_OVERRIDE}")
    return find_firmware(machine=machine, dirs=descriptor_dirs(environ))
