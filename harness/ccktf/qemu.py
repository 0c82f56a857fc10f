"""QEMU command lines from named profiles. Pure: nothing here touches the file system or runs QEMU.

A profile names how the guest is accelerated and which CPU it sees: ``tcg``, ``kvm``, and the confidential
guests ``tdx`` and ``snp``, whose command lines follow QEMU's own documentation (see ``Profile``). Every
profile but ``tcg`` is checked against the host first (``hostcheck``, the doctor's checks): a host that
cannot run it is refused before QEMU starts, saying why and how to fix it.

Every command line has: no network, no display, no monitor, ``-no-reboot`` (a triple fault ends QEMU
instead of looping), the serial port on stdio (the runner reads it live), and ``isa-debug-exit`` at
port 0xf4 so the kernel's exit code becomes QEMU's status ``code * 2 + 1`` (docs/protocol.md "Exit").

Boot modes:

- ``kernel``: ``-kernel IMAGE -append ARGS``; OVMF starts the image with ARGS as its LoadOptions.
- ``esp``: the image is copied to ``RUN_DIR/ESP/EFI/BOOT/BOOTX64.EFI`` and the directory is attached as
  a read-only virtio disk through QEMU's vvfat driver (``file=fat:DIR``); OVMF boots it as removable
  media, with no LoadOptions. The arguments go into ``RUN_DIR/ESP/ccktf.args``, which the kernel reads
  from its boot volume (docs/protocol.md "Boot arguments").

Secure Boot (``secure_boot``, docs/secure-boot.md): the firmware a descriptor offers with ``secure-boot`` and
``enrolled-keys``, a per-run copy of its variable store, SMM, and always the ``esp`` boot mode (see
``choose_secure_boot``).
"""

from __future__ import annotations

import os
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from . import firmware, hostcheck, ovmf_table
from .errors import CcktfError
from .firmware import Firmware

DEFAULT_QEMU = "qemu-system-x86_64"
DEBUG_EXIT_DEVICE = "isa-debug-exit,iobase=0xf4,iosize=0x04"
BOOT_MODES = ("kernel", "esp")
ESP_IMAGE = Path("ESP/EFI/BOOT/BOOTX64.EFI")
ESP_ARGS = Path("ESP/ccktf.args")
VARS_COPY = "OVMF_VARS.fd"
MEMORY_SIZE = re.compile(r"[1-9][0-9]*[KMGT]?", re.IGNORECASE)  # QEMU -m sizes (conformance_sweep reads them)


class QemuConfigError(CcktfError):
    """A configuration QEMU cannot (or must not) be started with."""


@dataclass(frozen=True)
class HostFacts:
    """What a confidential profile's command line takes from the host (hostcheck reads them)."""

    qemu_version: tuple[int, int]
    cbitpos: int = 51          # CPUID 0x8000001F EBX[5:0]; QEMU refuses another value for SNP
    reduced_phys_bits: int = 1  # CPUID 0x8000001F EBX[11:6]
    qemu_objects: frozenset[str] = frozenset()  # what `-object help` lists
    cbit_read: bool = False     # False: the two values above are assumed (current EPYC parts), not read


@dataclass(frozen=True)
class Profile:
    """How to run the guest. ``kind`` is the hostcheck guest kind whose checks must pass first.

    The confidential profiles follow QEMU's own documentation:
    - ``tdx`` (QEMU 10.1+, docs/system/i386/tdx.rst): ``-object tdx-guest``, the machine's
      ``confidential-guest-support`` and a split irqchip, ``-cpu host`` (a named CPU model is refused,
      target/i386/kvm/tdx.c), TDVF as ``-bios`` ("TDVF cannot be mapped as pflash device"); QEMU sets up
      the private memory (guest_memfd) itself.
    - ``snp`` (QEMU 9.1+, docs/system/i386/amd-memory-encryption.rst): ``-object sev-snp-guest`` with the
      host's C-bit position and reduced-phys-bits (QEMU refuses values that differ from the host's), the
      machine's ``confidential-guest-support``, OVMF as one ``-bios`` image (pflash needs read-only KVM
      memory, which SNP does not offer).
    """

    name: str
    accel: str
    cpu: str
    kind: str
    machine: str = "q35"
    min_qemu: Optional[tuple[int, int]] = None

    @property
    def confidential(self) -> bool:
        return self.kind in ("tdx", "snp")

    def accelerator_args(self, host: Optional[HostFacts] = None, measured_boot: bool = False) -> list[str]:
        machine, objects = self.machine, []
        if self.kind == "tdx":
            machine += ",kernel-irqchip=split,confidential-guest-support=tdx0"
            objects = ["-object", "tdx-guest,id=tdx0"]
        elif self.kind == "snp":
            facts = host or HostFacts((0, 0))
            machine += ",confidential-guest-support=sev0"
            # kernel-hashes=on: QEMU measures -kernel, -initrd and -append into the launch digest through
            # the firmware's SEV hash table (amd-memory-encryption.rst, "Launching"; ccktf.ovmf_table).
            objects = ["-object", f"sev-snp-guest,id=sev0,cbitpos={facts.cbitpos},"
                                  f"reduced-phys-bits={facts.reduced_phys_bits}"
                                  f"{',kernel-hashes=on' if measured_boot else ''}"]
        return ["-machine", machine, "-accel", self.accel, "-cpu", self.cpu, *objects]


PROFILES = {
    # thread=multi: one host thread per vCPU (QEMU docs/devel/multi-thread-tcg.rst), so that -smp N guests
    # run their CPUs in parallel, which the scaling benchmark measures (docs/benchmarks.md "Scaling"). QEMU
    # 7.2 already defaults to it for an x86 guest on an x86 host; said explicitly so that a QEMU that cannot
    # fails loudly ("cannot enable MTTCG") instead of silently running one vCPU at a time.
    "tcg": Profile("tcg", accel="tcg,thread=multi", cpu="max", kind="tcg"),
    "kvm": Profile("kvm", accel="kvm", cpu="host", kind="kvm"),
    "tdx": Profile("tdx", accel="kvm", cpu="host", kind="tdx", min_qemu=(10, 1)),
    "snp": Profile("snp", accel="kvm", cpu="EPYC-v4", kind="snp", min_qemu=(9, 1)),
}
# A platform that only a confidential guest can be (docs/protocol.md platform=): it implies its profile.
PLATFORM_PROFILE = {"tdx": "tdx", "snp": "snp"}
FIRMWARE_FEATURE = {"tdx": "intel-tdx", "snp": "amd-sev-snp"}


def profile_name_for(platform: Optional[str], requested: Optional[str]) -> str:
    """The profile a boot uses: the one the platform implies, else the requested one, else tcg.

    A contradiction is an error before QEMU starts: platform tdx on a tcg profile would boot an ordinary
    guest only for the kernel to refuse the platform; a hardware model (sim-*) or none inside a real TD
    or SNP guest would test the wrong thing.
    """
    implied = PLATFORM_PROFILE.get(platform or "")
    if requested is None:
        return implied or "tcg"
    if requested not in PROFILES:
        raise QemuConfigError(f"unknown profile {requested!r}; known: {', '.join(PROFILES)}")
    if implied and requested != implied:
        raise QemuConfigError(f"platform={platform} runs only in a {implied.upper()} guest (profile {implied}); "
                              f"profile {requested} cannot launch one")
    if PROFILES[requested].confidential and platform not in (None, "auto", requested):
        raise QemuConfigError(f"profile {requested} launches a confidential guest: platform={platform} does not "
                              f"belong there (use platform={requested} or auto)")
    return requested


def lookup_profile(name: str) -> Profile:
    """The named profile, without asking the host (choose_launch() / get_profile() did)."""
    if name not in PROFILES:
        raise QemuConfigError(f"unknown profile {name!r}; known: {', '.join(PROFILES)}")
    return PROFILES[name]


def get_profile(name: str, qemu: str = DEFAULT_QEMU, firmware_given: bool = False) -> Profile:
    """The named profile, or QemuConfigError saying why this host cannot run it (the doctor's checks)."""
    profile = lookup_profile(name)
    if profile.kind == "tcg":
        return profile
    checks = hostcheck.run_checks(hostcheck.Host(qemu=qemu))
    failed = [c for c in hostcheck.blockers(checks, profile.kind)
              if not (firmware_given and c.name.startswith("firmware"))]
    if failed:
        raise QemuConfigError(hostcheck.explain(profile.kind, failed) +
                              "\n(python3 -m ccktf doctor shows every check)")
    return profile


@dataclass(frozen=True)
class Launch:
    """How one boot is launched: profile, firmware, host facts, and how the kernel gets in."""

    profile: str
    firmware: Firmware
    host: Optional[HostFacts] = None
    boot: str = "kernel"
    measured_boot: bool = False  # SNP: kernel-hashes=on
    boot_note: str = ""          # why this boot mode, when the platform made the choice (shown with results)
    secure_boot: bool = False    # Secure Boot mode (choose_secure_boot())
    fw_cfg: tuple[tuple[str, str], ...] = ()  # named fw_cfg strings for the firmware (fw_cfg_args())


def choose_boot(profile: Profile, fw: Firmware, requested: Optional[str]) -> tuple[str, bool, str]:
    """Boot mode, whether it is measured, and why. Only SNP has a choice to make.

    An SNP guest's -kernel boot is measured only with ``kernel-hashes=on``, which needs the firmware's
    SEV hash table (the OVMF AmdSev build, ``ccktf.ovmf_table``). Without it ccktf boots from an ESP
    (arguments in ``ccktf.args``) rather than run unmeasured code that a -kernel boot would hide; an
    explicit ``--boot kernel`` is kept, and said to be unmeasured.
    """
    if requested is not None and requested not in BOOT_MODES:
        raise QemuConfigError(f"boot mode {requested!r} is not one of {', '.join(BOOT_MODES)}")
    if profile.kind != "snp":
        return requested or "kernel", False, ""
    can_measure, why = ovmf_table.measured_boot_support(fw.code)
    if requested == "esp":
        return "esp", False, f"ESP boot, as asked ({why})"
    if can_measure:
        return "kernel", True, f"measured direct boot (kernel-hashes=on): {why}"
    if requested == "kernel":
        return "kernel", False, f"direct boot, NOT measured: {why}"
    return "esp", False, f"ESP boot instead of measured direct boot: {why}"


# Why Secure Boot boots from an ESP: OVMF's -kernel loader falls back, when LoadImage() refuses the image
# under Secure Boot, to its legacy loader, which parses a bzImage setup header and checks no signature (edk2
# OvmfPkg/Library/X86QemuLoadImageLib/X86QemuLoadImageLib.c, QemuLoadKernelImage(): EFI_SECURITY_VIOLATION and
# EFI_ACCESS_DENIED "fall back to the legacy loader"; newer edk2 lets fw_cfg opt/org.tianocore/EnableLegacyLoader
# turn that off, Debian's 2022.11 cannot). An image with a bzImage header would then run unsigned. From an ESP,
# the boot manager's LoadImage() verifies BOOTX64.EFI against db and nothing falls back.
SECURE_BOOT_BOOT_NOTE = ("ESP boot: under Secure Boot the firmware verifies BOOTX64.EFI against db; a -kernel "
                         "image it refuses would fall back to OVMF's legacy loader, which checks no signature")


def choose_secure_boot(profile: Profile, firmware_override: Optional[str], vars_override: Optional[str],
                       boot: Optional[str]) -> Launch:
    """Secure Boot mode: its firmware and store (``firmware.resolve_secure_boot_firmware``), ESP boot only."""
    if profile.confidential:
        raise QemuConfigError(f"Secure Boot mode maps the secure-boot OVMF as pflash with SMM; profile {profile.name}'s "
                              f"firmware is one -bios image: not supported yet")
    if boot == "kernel":
        raise QemuConfigError("Secure Boot mode boots from an ESP only: " + SECURE_BOOT_BOOT_NOTE.split(": ", 1)[1])
    fw = firmware.resolve_secure_boot_firmware(firmware_override, vars_override)
    return Launch(profile.name, fw, None, "esp", False, SECURE_BOOT_BOOT_NOTE, secure_boot=True)


def choose_launch(platform: Optional[str], requested_profile: Optional[str], firmware_override: Optional[str],
                  qemu: str = DEFAULT_QEMU, boot: Optional[str] = None, secure_boot: bool = False,
                  secure_boot_vars: Optional[str] = None) -> Launch:
    """Profile, firmware, host facts and boot mode for one boot, every refusal before QEMU starts.

    Confidential profiles take their firmware from the descriptor that offers their feature (``intel-tdx``,
    ``amd-sev-snp``; as libvirt does), unless ``--firmware`` / ``$CCKTF_OVMF`` names one.
    """
    given = firmware_override or os.environ.get(firmware.ENV_OVERRIDE)
    name = profile_name_for(platform, requested_profile)
    profile = get_profile(name, qemu, firmware_given=bool(given))
    if secure_boot:
        return choose_secure_boot(profile, firmware_override, secure_boot_vars, boot)
    if not profile.confidential:
        fw = firmware.resolve_firmware(firmware_override)
        return Launch(name, fw, None, *choose_boot(profile, fw, boot))
    if given:
        fw = firmware.resolve_firmware(firmware_override)
    else:
        fw = firmware.find_by_feature(FIRMWARE_FEATURE[profile.kind])
        if fw is None:
            raise firmware.FirmwareError(f"no firmware descriptor offers {FIRMWARE_FEATURE[profile.kind]}: "
                                         f"{hostcheck.FIRMWARE_HINT[profile.kind]}")
    return Launch(name, fw, host_facts(qemu), *choose_boot(profile, fw, boot))


def host_facts(qemu: str = DEFAULT_QEMU) -> HostFacts:
    """The QEMU version and the host's SEV C-bit and reduced-phys-bits (defaults when unreadable)."""
    host = hostcheck.Host(qemu=qemu)
    version = hostcheck.qemu_version(host) or (0, 0)
    objects = frozenset(hostcheck.qemu_objects(host))
    cbit = hostcheck.snp_cbit(host)
    if cbit:
        return HostFacts(version, cbit[0], cbit[1], objects, cbit_read=True)
    return HostFacts(version, qemu_objects=objects)


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
    host: Optional[HostFacts] = None  # needed by the confidential profiles
    measured_boot: bool = False  # SNP measured direct boot (kernel-hashes=on); see choose_boot()
    mem_prealloc: bool = False  # the host backs all guest RAM before the guest starts (memory_args())
    secure_boot: bool = False  # Secure Boot mode: firmware.secure_boot, SMM, ESP boot (choose_secure_boot())
    initrd: Optional[Path] = None  # -initrd with a -kernel boot (e.g. Linux's initramfs when Linux kexecs ccktf)
    # More ESP disks after the first, each with its own image (esp_disk_args()): one boot in which the firmware
    # tries several images, e.g. two it must refuse under Secure Boot.
    more_esps: tuple[Path, ...] = ()
    # Named fw_cfg files with string contents, (name, value), e.g. an OVMF runtime setting (fw_cfg_args()).
    fw_cfg: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class LaunchPlan:
    """The command line, and the files the runner must copy into the run directory first."""

    argv: list[str]
    staged: list[tuple[Path, Path]]  # (source, destination)
    written: list[tuple[Path, str]] = field(default_factory=list)  # (destination, text)

    @property
    def command_line(self) -> str:
        return shlex.join(self.argv)


def validate(config: LaunchConfig) -> None:
    if not MEMORY_SIZE.fullmatch(config.memory):
        raise QemuConfigError(f"memory {config.memory!r} is not a size like 512M or 6G")
    if config.smp < 1:
        raise QemuConfigError(f"smp must be at least 1, not {config.smp}")
    if config.boot not in BOOT_MODES:
        raise QemuConfigError(f"boot mode {config.boot!r} is not one of {', '.join(BOOT_MODES)}")
    profile = config.profile
    if config.measured_boot and (profile.kind != "snp" or config.boot != "kernel"):
        raise QemuConfigError(f"measured direct boot (kernel-hashes=on) is an SNP -kernel boot, not profile "
                              f"{profile.name} with boot mode {config.boot}")
    if profile.confidential:
        # The object is what matters, not the version number: release candidates and vendor builds (e.g.
        # a distribution's TDX QEMU 8.2) have it before the upstream release that documents it.
        needed = hostcheck.QEMU_OBJECT[profile.kind]
        host = config.host or HostFacts((0, 0))
        if needed not in host.qemu_objects:
            raise QemuConfigError(f"profile {profile.name} needs a QEMU with the {needed} object (upstream "
                                  f"{profile.min_qemu[0]}.{profile.min_qemu[1]}+); this QEMU "
                                  f"({host.qemu_version[0]}.{host.qemu_version[1]}) has none")
    if config.mem_prealloc and profile.confidential:
        # A TD's or SNP guest's private memory comes from guest_memfd, which prealloc=on on the RAM backend
        # does not fill: the option would pre-allocate only the shared side and leave the figures it is meant
        # to change as they were (docs/benchmarks.md "Cold and warm memory").
        raise QemuConfigError(f"--mem-prealloc pre-allocates QEMU's RAM backend; profile {profile.name}'s private "
                              f"memory is not in it, so the option would change nothing there")
    if config.initrd is not None and config.boot != "kernel":
        raise QemuConfigError(f"an initrd goes with -kernel; boot mode {config.boot!r} has no -initrd")
    if config.more_esps and config.boot != "esp":
        raise QemuConfigError(f"more ESP disks go with an ESP boot, not boot mode {config.boot!r}")
    if len(config.more_esps) > len(MORE_ESP_SLOTS):
        raise QemuConfigError(f"at most {len(MORE_ESP_SLOTS)} more ESP disks, not {len(config.more_esps)}")
    for name, value in config.fw_cfg:
        fw_cfg_check(name, value)
    if config.secure_boot and not (config.firmware.secure_boot and config.firmware.uses_pflash and
                                   config.boot == "esp" and not profile.confidential):
        raise QemuConfigError("Secure Boot mode needs the secure-boot firmware with its variable store as pflash, "
                              "an ESP boot and a non-confidential profile (qemu.choose_secure_boot())")
    if profile.confidential and config.firmware.uses_pflash:
        raise QemuConfigError(f"profile {profile.name} needs its firmware as one -bios image (QEMU: confidential "
                              f"firmware cannot be pflash); {config.firmware.code} comes with an nvram template")


# QEMU docs/specs/fw_cfg.rst, "Externally Provided Items": names given with -fw_cfg should begin with "opt/"
# (others are "potentially dangerous and entirely unsupported"); a name is at most FW_CFG_MAX_FILE_PATH (56) bytes
# with its NUL (include/standard-headers/linux/qemu_fw_cfg.h).
FW_CFG_USER_PREFIX = "opt/"
FW_CFG_MAX_NAME = 55


def fw_cfg_check(name: str, value: str) -> None:
    """Refuse an fw_cfg item QEMU would warn about or misparse: a name outside "opt/" or too long, a value with
    a comma (QEMU's option syntax would need it doubled) or not printable ASCII."""
    if not name.startswith(FW_CFG_USER_PREFIX) or len(name.encode()) > FW_CFG_MAX_NAME or "," in name:
        raise QemuConfigError(f"fw_cfg name {name!r}: must begin with {FW_CFG_USER_PREFIX!r}, have no comma and "
                              f"be at most {FW_CFG_MAX_NAME} bytes (QEMU docs/specs/fw_cfg.rst)")
    if "," in value or not value.isascii() or not value.isprintable():
        raise QemuConfigError(f"fw_cfg {name} value {value!r}: printable ASCII without commas only")


def fw_cfg_args(config: LaunchConfig) -> list[str]:
    """``-fw_cfg name=NAME,string=VALUE`` for each named item (QEMU -help: ``-fw_cfg [name=]<name>,string=<str>``)."""
    args = []
    for name, value in config.fw_cfg:
        args += ["-fw_cfg", f"name={name},string={value}"]
    return args


def smm_args(firmware: Firmware) -> list[str]:
    """SMM for a firmware that requires it (descriptor feature ``requires-smm``: OVMF built with SMM_REQUIRE,
    which keeps its variable store out of the OS's reach). QEMU docs/interop/firmware.json "requires-smm": the
    machine needs ``smm=on`` and the flash ``secure=on``; edk2 OvmfPkg/README "SMM support" names the same
    two options. A second ``-machine`` merges with the profile's."""
    if not firmware.requires_smm:
        return []
    return ["-machine", "smm=on", "-global", "driver=cfi.pflash01,property=secure,value=on"]


def firmware_args(firmware: Firmware, run_dir: Path) -> tuple[list[str], list[tuple[Path, Path]]]:
    """-bios for a combined image; else read-only CODE plus a per-run copy of the VARS template."""
    if not firmware.uses_pflash:
        return ["-bios", str(firmware.code)], []
    vars_copy = run_dir / VARS_COPY
    args = ["-drive", f"if=pflash,format=raw,unit=0,readonly=on,file={firmware.code}",
            "-drive", f"if=pflash,format=raw,unit=1,file={vars_copy}"]
    return args, [(firmware.vars_template, vars_copy)]


def boot_args(config: LaunchConfig, run_dir: Path) -> tuple[list[str], list[tuple[Path, Path]],
                                                             list[tuple[Path, str]]]:
    """The boot arguments, the files to copy and the files to write into the run directory."""
    if config.boot == "esp":
        esp_image = run_dir / ESP_IMAGE
        esp_dir = run_dir / ESP_IMAGE.parts[0]
        written = [(run_dir / ESP_ARGS, config.append + "\n")] if config.append else []
        return (["-drive", f"if=virtio,format=raw,readonly=on,file=fat:{esp_dir}"], [(config.kernel, esp_image)],
                written)
    initrd = ["-initrd", str(config.initrd)] if config.initrd is not None else []
    return ["-kernel", str(config.kernel), *initrd, "-append", config.append], [], []


# The PCI slots (on q35's root bus) of the ESP disks after the first: fixed, so that the firmware's log names
# each by its device path, PciRoot(0x0)/Pci(0x10,0x0) for the second ESP and so on (more_esp_path()).
MORE_ESP_SLOTS = (0x10, 0x11, 0x12, 0x13)


def more_esp_path(index: int) -> str:
    """The UEFI device path text of more_esps[index]'s disk, as OVMF prints it (DevicePathToText)."""
    return f"PciRoot(0x0)/Pci(0x{MORE_ESP_SLOTS[index]:X},0x0)"


def more_esp_args(config: LaunchConfig, run_dir: Path) -> tuple[list[str], list[tuple[Path, Path]]]:
    """Each further ESP: its image as RUN_DIR/ESP<n>/EFI/BOOT/BOOTX64.EFI on a read-only virtio disk at a fixed
    slot, with no ccktf.args (an image that runs there gets no arguments)."""
    args, staged = [], []
    for i, image in enumerate(config.more_esps):
        esp_dir = run_dir / f"{ESP_IMAGE.parts[0]}{i + 2}"
        drive = f"ccktf-esp{i + 2}"
        args += ["-drive", f"if=none,id={drive},format=raw,readonly=on,file=fat:{esp_dir}",
                 "-device", f"virtio-blk-pci,drive={drive},addr=0x{MORE_ESP_SLOTS[i]:x}"]
        staged.append((image, esp_dir / Path(*ESP_IMAGE.parts[1:])))
    return args, staged


MEMORY_BACKEND_ID = "ccktf-ram"


def memory_args(config: LaunchConfig) -> list[str]:
    """``-m SIZE``, and with ``mem_prealloc`` the guest RAM as an explicit pre-allocated backend.

    QEMU 7.2, qemu-options.hx, ``-machine`` ``memory-backend='id'``: "An alternative to legacy
    ``-mem-path`` and ``mem-prealloc`` options. Allows to use a memory backend as main RAM", with the
    example ``-object memory-backend-file,id=pc.ram,size=512M,...,prealloc=on -machine memory-backend=pc.ram
    -m 512M`` (the backend's size must equal ``-m``, QEMU refuses otherwise). ``prealloc=on`` on a
    ``memory-backend-ram`` makes QEMU touch every page of it before the guest starts. The legacy
    ``-mem-prealloc`` is since QEMU 5.0 an alias for the implicit backend's ``prealloc=on`` (commit
    "hostmem: fix strict bind policy"), and its 7.2 ``-help`` still says "use with -mem-path": the explicit
    backend says what it does. A second ``-machine`` merges with the profile's (QEMU merges that group).
    """
    args = ["-m", config.memory]
    if config.mem_prealloc:
        args += ["-object", f"memory-backend-ram,id={MEMORY_BACKEND_ID},size={config.memory},prealloc=on",
                 "-machine", f"memory-backend={MEMORY_BACKEND_ID}"]
    return args


def build_launch(config: LaunchConfig, run_dir: Path) -> LaunchPlan:
    """The QEMU command line for ``config``, with run-local files placed under ``run_dir``."""
    validate(config)
    fw_args, fw_staged = firmware_args(config.firmware, run_dir)
    boot, boot_staged, written = boot_args(config, run_dir)
    more, more_staged = more_esp_args(config, run_dir)
    argv = [
        config.qemu,
        *config.profile.accelerator_args(config.host, config.measured_boot),
        *memory_args(config),
        "-smp", str(config.smp),
        "-display", "none", "-vga", "none", "-monitor", "none",
        "-serial", "stdio",
        "-nic", "none",
        "-no-reboot",
        *(["-device", DEBUG_EXIT_DEVICE] if config.debug_exit else []),
        *smm_args(config.firmware),
        *fw_args,
        *fw_cfg_args(config),
        *boot,
        *more,
    ]
    return LaunchPlan(argv, fw_staged + boot_staged + more_staged, written)
