"""QEMU command lines from named profiles. Pure: nothing here touches the file system or runs QEMU.

A profile names how the guest is accelerated and which CPU it sees. Only ``tcg`` works on this host;
``kvm`` checks for /dev/kvm, and ``tdx``/``snp`` (confidential guests) refuse with a clear message
until their launch code exists, rather than silently booting an ordinary guest.

Every command line has: no network, no display, no monitor, ``-no-reboot`` (a triple fault ends QEMU
instead of looping), the serial port on stdio (the runner reads it live), and ``isa-debug-exit`` at
port 0xf4 so the kernel's exit code becomes QEMU's status ``code * 2 + 1`` (docs/protocol.md "Exit").

Boot modes:

- ``kernel``: ``-kernel IMAGE -append ARGS``; OVMF starts the image with ARGS as its LoadOptions.
- ``esp``: the image is copied to ``RUN_DIR/ESP/EFI/BOOT/BOOTX64.EFI`` and the directory is attached as
  a read-only virtio disk through QEMU's vvfat driver (``file=fat:DIR``); OVMF boots it as removable
  media. No arguments can be passed this way: the kernel runs with its defaults.
"""

from __future__ import annotations

import os
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from .errors import CcktfError
from .firmware import Firmware

DEFAULT_QEMU = "qemu-system-x86_64"
DEBUG_EXIT_DEVICE = "isa-debug-exit,iobase=0xf4,iosize=0x04"
BOOT_MODES = ("kernel", "esp")
ESP_IMAGE = Path("ESP/EFI/BOOT/BOOTX64.EFI")
VARS_COPY = "OVMF_VARS.fd"
_MEMORY = re.compile(r"[1-9][0-9]*[KMGT]?", re.IGNORECASE)


class QemuConfigError(CcktfError):
    """A configuration QEMU cannot (or must not) be started with."""


def _kvm_unavailable() -> Optional[str]:
    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        return "not available on this host: /dev/kvm is missing or not accessible"
    return None


def _not_implemented(what: str) -> Callable[[], Optional[str]]:
    return lambda: f"not implemented yet: launching {what} guests is future work"


@dataclass(frozen=True)
class Profile:
    """How to accelerate the guest; ``unavailable()`` returns why it cannot be used here, or None."""

    name: str
    accel: str
    cpu: str
    machine: str = "q35"
    unavailable: Callable[[], Optional[str]] = field(default=lambda: None, compare=False)

    def accelerator_args(self) -> list[str]:
        return ["-machine", self.machine, "-accel", self.accel, "-cpu", self.cpu]


PROFILES = {
    "tcg": Profile("tcg", accel="tcg", cpu="max"),
    "kvm": Profile("kvm", accel="kvm", cpu="host", unavailable=_kvm_unavailable),
    "tdx": Profile("tdx", accel="kvm", cpu="host", unavailable=_not_implemented("Intel TDX (KVM + TDVF)")),
    "snp": Profile("snp", accel="kvm", cpu="EPYC-v4", unavailable=_not_implemented("AMD SEV-SNP (KVM + OVMF/SNP)")),
}


def get_profile(name: str) -> Profile:
    """The named profile, or QemuConfigError when it is unknown or unusable on this host."""
    if name not in PROFILES:
        raise QemuConfigError(f"unknown profile {name!r}; known: {', '.join(PROFILES)}")
    profile = PROFILES[name]
    reason = profile.unavailable()
    if reason:
        raise QemuConfigError(f"profile {name!r} is {reason}")
    return profile


@dataclass(frozen=True)
class LaunchConfig:
    """Everything that decides one QEMU command line."""

    kernel: Path
    firmware: Firmware
    profile: Profile
    append: str = ""
    memory: str = "512M"
    smp: int = 1
    boot: str = "kernel"
    qemu: str = DEFAULT_QEMU
    debug_exit: bool = True  # False: no isa-debug-exit, the kernel must power the machine off itself


@dataclass(frozen=True)
class LaunchPlan:
    """The command line, and the files the runner must copy into the run directory first."""

    argv: list[str]
    staged: list[tuple[Path, Path]]  # (source, destination)

    @property
    def command_line(self) -> str:
        return shlex.join(self.argv)


def validate(config: LaunchConfig) -> None:
    if not _MEMORY.fullmatch(config.memory):
        raise QemuConfigError(f"memory {config.memory!r} is not a size like 512M or 6G")
    if config.smp < 1:
        raise QemuConfigError(f"smp must be at least 1, not {config.smp}")
    if config.boot not in BOOT_MODES:
        raise QemuConfigError(f"boot mode {config.boot!r} is not one of {', '.join(BOOT_MODES)}")
    if config.boot == "esp" and config.append:
        raise QemuConfigError(f"boot mode 'esp' cannot pass kernel arguments ({config.append!r}); use --boot kernel")


def firmware_args(firmware: Firmware, run_dir: Path) -> tuple[list[str], list[tuple[Path, Path]]]:
    """-bios for a combined image; else read-only CODE plus a per-run copy of the VARS template."""
    if not firmware.uses_pflash:
        return ["-bios", str(firmware.code)], []
    vars_copy = run_dir / VARS_COPY
    args = ["-drive", f"if=pflash,format=raw,unit=0,readonly=on,file={firmware.code}",
            "-drive", f"if=pflash,format=raw,unit=1,file={vars_copy}"]
    return args, [(firmware.vars_template, vars_copy)]


def boot_args(config: LaunchConfig, run_dir: Path) -> tuple[list[str], list[tuple[Path, Path]]]:
    if config.boot == "esp":
        esp_image = run_dir / ESP_IMAGE
        esp_dir = run_dir / ESP_IMAGE.parts[0]
        return ["-drive", f"if=virtio,format=raw,readonly=on,file=fat:{esp_dir}"], [(config.kernel, esp_image)]
    return ["-kernel", str(config.kernel), "-append", config.append], []


def build_launch(config: LaunchConfig, run_dir: Path) -> LaunchPlan:
    """The QEMU command line for ``config``, with run-local files placed under ``run_dir``."""
    validate(config)
    fw_args, fw_staged = firmware_args(config.firmware, run_dir)
    boot, boot_staged = boot_args(config, run_dir)
    argv = [
        config.qemu,
        *config.profile.accelerator_args(),
        "-m", config.memory,
        "-smp", str(config.smp),
        "-display", "none", "-vga", "none", "-monitor", "none",
        "-serial", "stdio",
        "-nic", "none",
        "-no-reboot",
        *(["-device", DEBUG_EXIT_DEVICE] if config.debug_exit else []),
        *fw_args,
        *boot,
    ]
    return LaunchPlan(argv, fw_staged + boot_staged)
