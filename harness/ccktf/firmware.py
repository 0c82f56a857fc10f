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
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable, Mapping, Optional

from .errors import CcktfError

ENV_OVERRIDE = "CCKTF_OVMF"
# Secure Boot mode's own override: the plain one above is never taken as Secure Boot firmware.
ENV_SECURE_BOOT_OVERRIDE = "CCKTF_SECURE_BOOT_OVMF"
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
    requires_smm: bool = False  # descriptor feature "requires-smm": QEMU must give it SMM (qemu.smm_args())
    secure_boot: bool = False   # Secure Boot mode: vars_template has keys enrolled (find_secure_boot_firmware())

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


# Secure Boot (docs/secure-boot.md). As libvirt picks firmware for <os firmware='efi'> with <feature
# enabled='yes' name='secure-boot'/> and 'enrolled-keys' (src/qemu/qemu_firmware.c): a descriptor that offers
# both, mapped as flash with an nvram template. Debian's is 40-edk2-x86_64-secure-enrolled.json: the SMM
# build OVMF_CODE_4M.secboot.fd (as OVMF_CODE_4M.ms.fd) with Microsoft's keys enrolled (OVMF_VARS_4M.ms.fd).
SECURE_BOOT_FEATURES = frozenset({"secure-boot", "enrolled-keys"})
ENV_SECURE_BOOT_VARS = "CCKTF_SECURE_BOOT_VARS"
# Debian's ovmf: a store with the test key PkKek-1-snakeoil in PK, KEK and db (its README.Debian), for images
# signed with that key (`make sign`'s default). Used when it lies next to the secure-boot firmware.
SNAKEOIL_VARS = "OVMF_VARS_4M.snakeoil.fd"


def secure_boot_descriptor(descriptor: object, arch: str, machine: str) -> Optional[Firmware]:
    """A descriptor's firmware when it offers Secure Boot with enrolled keys for arch/machine as flash with an
    nvram template (the store to copy), else None."""
    if not isinstance(descriptor, dict) or not SECURE_BOOT_FEATURES <= set(descriptor.get("features") or []):
        return None
    if "uefi" not in (descriptor.get("interface-types") or []):
        return None
    if not any(isinstance(t, dict) and t.get("architecture") == arch and
               any(machine_matches(machine, m) for m in t.get("machines") or []) for t in descriptor.get("targets") or []):
        return None
    mapping = descriptor.get("mapping")
    if not isinstance(mapping, dict) or mapping.get("device") != "flash":
        return None
    code = (mapping.get("executable") or {}).get("filename")
    template = (mapping.get("nvram-template") or {}).get("filename")
    if not isinstance(code, str) or not isinstance(template, str):
        return None
    return Firmware(Path(code), Path(template), requires_smm="requires-smm" in descriptor["features"],
                    secure_boot=True)


def find_secure_boot_firmware(arch: str = "x86_64", machine: str = "q35",
                              dirs: Optional[Iterable[Path]] = None) -> Firmware:
    """The first descriptor offering ``secure-boot`` and ``enrolled-keys``; FirmwareError when none does."""
    for path in descriptor_files(descriptor_dirs() if dirs is None else dirs):
        try:
            found = secure_boot_descriptor(json.loads(path.read_text()), arch, machine)
        except (OSError, ValueError):
            continue
        if found and found.code.is_file() and found.vars_template.is_file():
            return replace(found, source=str(path))
    raise FirmwareError(f"no firmware descriptor offers {' and '.join(sorted(SECURE_BOOT_FEATURES))} for "
                        f"{arch}/{machine}; {MISSING_HINT}")


def secure_boot_vars(firmware: Firmware, explicit: Optional[str] = None,
                     environ: Mapping[str, str] = os.environ) -> Firmware:
    """The variable store to copy for each Secure Boot boot: ``--secure-boot-vars`` beats
    ``$CCKTF_SECURE_BOOT_VARS`` beats Debian's snakeoil store next to the firmware (the key ``make sign`` signs
    with by default) beats the descriptor's own template. The image boots only if its signer is in that db."""
    given = explicit or environ.get(ENV_SECURE_BOOT_VARS)
    if given:
        path = Path(given)
        if not path.is_file():
            raise FirmwareError(f"Secure Boot variable store {path} does not exist")
        return replace(firmware, vars_template=path.resolve(), source=f"{firmware.source}; variables {path}")
    snakeoil = firmware.code.parent / SNAKEOIL_VARS
    if snakeoil.is_file():
        return replace(firmware, vars_template=snakeoil, source=f"{firmware.source}; variables {snakeoil} "
                                                                f"(snakeoil test key)")
    return firmware


def resolve_secure_boot_firmware(explicit: Optional[str] = None, explicit_vars: Optional[str] = None,
                                 environ: Mapping[str, str] = os.environ, machine: str = "q35") -> Firmware:
    """Secure Boot firmware: ``--firmware`` given with ``--secure-boot`` (a CODE file; it is taken to need SMM,
    as every Secure Boot OVMF build that protects its variables does), else ``$CCKTF_SECURE_BOOT_OVMF``, else
    the descriptor search (features ``secure-boot`` and ``enrolled-keys``); then its store. Never the plain
    override ``$CCKTF_OVMF``: that names firmware for ordinary boots, which need not verify anything (the
    verdict still refuses a boot whose kernel did not find Secure Boot enforced: verdict.secure_boot_reasons)."""
    override = explicit or environ.get(ENV_SECURE_BOOT_OVERRIDE)
    if override:
        path = Path(override)
        if not path.is_file():
            raise FirmwareError(f"Secure Boot firmware {path} does not exist")
        base = Firmware(path.resolve(), None, "--firmware" if explicit else f"${ENV_SECURE_BOOT_OVERRIDE}",
                        requires_smm=True, secure_boot=True)
        fw = secure_boot_vars(base, explicit_vars, environ)
        if fw.vars_template is None:
            raise FirmwareError(f"Secure Boot with {path} needs a variable store with keys enrolled: pass "
                                f"--secure-boot-vars or set ${ENV_SECURE_BOOT_VARS}")
        return fw
    return secure_boot_vars(find_secure_boot_firmware(machine=machine, dirs=descriptor_dirs(environ)),
                            explicit_vars, environ)


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
