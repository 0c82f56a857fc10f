"""Linux under Secure Boot kexecs the signed ccktf and refuses the unsigned one (issue 15, docs/secure-boot.md
"Linux under Secure Boot kexecs ccktf").

The guest is the one of ccktf.linux_guest (Debian's kernel, busybox, kexec-tools) booted under the Secure Boot
firmware with a copy of Debian's snakeoil store. Its /init prints, in one boot, the evidence the harness judges
(``secure_boot_problems``):

1. that Linux is locked down (``/sys/kernel/security/lockdown``) and that the firmware says Secure Boot is on
   (the ``SecureBoot`` and ``SetupMode`` variables read through efivarfs, and the kernel's own log);
2. which keys Linux trusts for kexec (``/proc/keys``: the firmware's db goes into the ``.platform`` keyring);
3. ``kexec_file_load`` of the unsigned image and of one signed with a key db does not hold, and ``kexec_load``
   of the signed image: each refused, with kexec's status and message and the kernel's reason in its log. Before
   each attempt /init writes a marker into the kernel's log (/dev/kmsg), so that each reason is looked for only
   in the part of the log that attempt wrote (``attempt_logs``);
4. ``kexec_file_load`` of the signed image (last, so that it is the image loaded), then ``kexec -e``: ccktf
   runs and reports KTAP.

How the guest gets there (``secure_boot_launch``): QEMU's ``-kernel``, not an ESP. OVMF's LoadImage() refuses
Debian's kernel (signed by Debian's CA, which the snakeoil db does not hold) and OVMF falls back to its legacy
loader, which enters the kernel's EFI stub through the handover protocol without checking a signature (edk2
OvmfPkg/Library/X86QemuLoadImageLib/X86QemuLoadImageLib.c, QemuLoadKernelImage()). That is why ccktf itself is
never booted that way under Secure Boot (qemu.SECURE_BOOT_BOOT_NOTE). For this guest it is fine: what kexec
checks depends on what Linux found, and the test asserts it: the stub read SecureBoot=1, SetupMode=0
(drivers/firmware/efi/libstub/secureboot.c, efi_get_secureboot()) and the kernel locked itself down for it. The
fallback is asked for by name (LEGACY_LOADER): newer OVMF reads fw_cfg opt/org.tianocore/EnableLegacyLoader there
and its README says the default will become "disabled" (edk2 OvmfPkg/RUNTIME_CONFIG.md); Debian's 2022.11 predates
the setting and ignores it.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from . import firmware, linux_guest, qemu
from .linux_guest import EFIVARFS_MODULE, MARK, DebianLinux, LinuxGuest, LinuxGuestError

# The images /init kexecs, by role, and where they sit in the initramfs.
IMAGES = {"unsigned": "/ccktf.unsigned.efi", "wrongly-signed": "/ccktf.wrongly-signed.efi",
          "signed": "/ccktf.signed.efi"}
# (system call, image) in the order /init tries them: the refusals first, the one load that must succeed last,
# so that the image kexec -e runs can only be the signed one.
ATTEMPTS = (("kexec_file_load", "unsigned"), ("kexec_file_load", "wrongly-signed"), ("kexec_load", "signed"),
            ("kexec_file_load", "signed"))
# EFI_GLOBAL_VARIABLE (UEFI 2.10 section 3.3, Table 3-1): efivarfs names a variable NAME-GUID.
GLOBAL_VARIABLE = "8be4df61-93ca-11d2-aa0d-00e098032b8c"
EFIVARS = ("SecureBoot", "SetupMode")
# UEFI 2.10 section 8.2: EFI_VARIABLE_BOOTSERVICE_ACCESS | EFI_VARIABLE_RUNTIME_ACCESS; Table 3-1 gives both
# variables exactly these attributes.
BS_RT = 0x6
# efivarfs is a module in Debian's kernel (linux_guest.EFIVARFS_MODULE); loading it under lockdown needs its
# signature, which Debian's build key (compiled in) verifies.
TOOLS = linux_guest.TOOLS + ("od", "dmesg", "grep", "insmod", "head", "mknod")
# /dev/kmsg, where a write becomes one record of the kernel's log (Linux Documentation/ABI/testing/dev-kmsg;
# char 1:11, Documentation/admin-guide/devices.txt). The initramfs has no devtmpfs, so /init makes the node.
KMSG_DEVICE = (1, 11)
# The marker /init writes there before attempt N (1-based): "<MARK> attempt N <syscall> <image>".
ATTEMPT_MARKER = f"{MARK} attempt"
# The kernel's log lines /init passes on: the Secure Boot state, lockdown, the keys loaded, kexec's reasons, and
# its own attempt markers.
DMESG_FILTER = rf"secure boot|locked down|lockdown|integrity:|x\.509|kexec|pefile|ima:|{ATTEMPT_MARKER}"

INIT = """#!/bin/sh
export PATH=/bin:/sbin
echo  # the firmware's last line has no line break: start the marked lines on a line of their own
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t securityfs securityfs /sys/kernel/security
mknod /dev/kmsg c {kmsg_major} {kmsg_minor}
echo "{mark} Linux $(uname -r) is up; Secure Boot kexec checks"
echo "{mark} lockdown $(cat /sys/kernel/security/lockdown)"
insmod /efivarfs.ko && mount -t efivarfs efivarfs /sys/firmware/efi/efivars
echo "{mark} efivarfs status $?"
for name in {efivars}; do
    echo "{mark} efivar $name $(od -An -tx1 /sys/firmware/efi/efivars/$name-{guid})"
done
while read line; do echo "{mark} key $line"; done < /proc/keys
attempt() {{  # number, syscall, kexec flag, image
    echo "{marker} $1 $2 $4" > /dev/kmsg
    message=$(kexec $3 -l $4 --command-line="$(cat /ccktf.args)" 2>&1)
    status=$?
    echo "{mark} kexec $2 $4 status $status: $(echo "$message" | head -n 1)"
}}
{attempts}
dmesg | grep -iE '{dmesg}' | while read line; do echo "{mark} dmesg $line"; done
if [ "$status" = 0 ]; then
    echo "{mark} kexec -e"
    kexec -e
    echo "{mark} kexec -e returned status $?"
fi
poweroff -f
"""


def init_script() -> str:
    attempts = "\n".join(f"attempt {number} {syscall} {linux_guest.SYSCALLS[syscall]} {IMAGES[image]}"
                         for number, (syscall, image) in enumerate(ATTEMPTS, 1))
    return INIT.format(mark=MARK, efivars=" ".join(EFIVARS), guid=GLOBAL_VARIABLE, attempts=attempts,
                       dmesg=DMESG_FILTER, marker=ATTEMPT_MARKER, kmsg_major=KMSG_DEVICE[0],
                       kmsg_minor=KMSG_DEVICE[1])


def check_fresh(unsigned: Path, signed: Path) -> None:
    """The signed image must be the kernel just built signed (as the CLI's check_signed_image_fresh says for
    Secure Boot mode): a signed file older than the unsigned one is a stale kernel."""
    for path in (unsigned, signed):
        if not path.is_file():
            raise LinuxGuestError(f"{path} not found: build it with 'make' and 'make sign'")
    if signed.stat().st_mtime < unsigned.stat().st_mtime:
        raise LinuxGuestError(f"{signed} is older than {unsigned}: run 'make sign' to sign the kernel just built")


def prepare(linux: DebianLinux, images: dict[str, Path], args: str, out_dir: Path) -> LinuxGuest:
    """The fetched Debian kernel with an initramfs, written into out_dir, whose /init gathers the evidence and
    kexecs ``images`` ({role: path} for every role of IMAGES) as ATTEMPTS says."""
    if set(images) != set(IMAGES):
        raise LinuxGuestError(f"images for {', '.join(sorted(images))}; needed: {', '.join(sorted(IMAGES))}")
    check_fresh(images["unsigned"], images["signed"])
    module = linux.module(EFIVARFS_MODULE)
    if module is None:
        raise LinuxGuestError(f"{linux.package} has no {EFIVARFS_MODULE} (needed to read SecureBoot and SetupMode)")
    files = {IMAGES[role]: (path.read_bytes(), 0o644) for role, path in images.items()}
    files["/efivarfs.ko"] = (module.read_bytes(), 0o644)
    out_dir.mkdir(parents=True, exist_ok=True)
    initrd = linux_guest.write_initrd(linux.root, init_script(), files, args, TOOLS, out_dir / "kexec-sb.cpio")
    return LinuxGuest(linux.vmlinuz, initrd, linux.package)


# Why the Linux guest is the one -kernel boot under the Secure Boot firmware (module docstring).
BOOT_NOTE = ("Linux guest under the Secure Boot firmware from -kernel: OVMF refuses Debian's kernel and starts it "
             "through its legacy loader; the test asserts that Linux found Secure Boot on and locked down")
# The fallback, asked for by name rather than left to OVMF's default: edk2 OvmfPkg/RUNTIME_CONFIG.md "Security:
# opt/org.tianocore/EnableLegacyLoader" (the legacy loader "will not do secure boot verification"; the default,
# enabled, "will be flipped to disabled"); X86QemuLoadImageLib.c, QemuLoadKernelImage(), reads it with
# QemuFwCfgParseBool(), which takes "yes" (QemuFwCfgSimpleParser.c, mTrueString). OVMF without the setting
# (Debian's 2022.11) ignores the item and falls back anyway.
LEGACY_LOADER = ("opt/org.tianocore/EnableLegacyLoader", "yes")


def secure_boot_launch(firmware_override: Optional[str] = None, vars_override: Optional[str] = None) -> qemu.Launch:
    """The Secure Boot firmware and store of the harness's Secure Boot mode (firmware.resolve_secure_boot_firmware:
    SMM, a per-run copy of the store), with the -kernel boot that mode refuses for ccktf. ``secure_boot`` stays
    False: the runner's Secure Boot verdict asks ccktf's own '# secure-boot:' line, which ccktf entered by kexec
    cannot print (no boot services); this guest's Secure Boot evidence is Linux's (secure_boot_problems)."""
    fw = firmware.resolve_secure_boot_firmware(firmware_override, vars_override)
    return qemu.Launch("tcg", fw, None, "kernel", False, BOOT_NOTE, secure_boot=False, fw_cfg=(LEGACY_LOADER,))


def certificate_key_id(cert: Path) -> str:
    """The Subject Key Identifier of a PEM certificate, as Linux names the key it loads from it (lower-case hex,
    crypto/asymmetric_keys/x509_public_key.c, x509_key_preparse(): "<subject>: <SKID>")."""
    done = subprocess.run(["openssl", "x509", "-in", str(cert), "-noout", "-ext", "subjectKeyIdentifier"],
                          capture_output=True, text=True)
    found = re.search(r"((?:[0-9A-F]{2}:)+[0-9A-F]{2})", done.stdout)
    if done.returncode != 0 or not found:
        raise LinuxGuestError(f"openssl found no Subject Key Identifier in {cert}: {done.stderr.strip()}")
    return found.group(1).replace(":", "").lower()


@dataclass(frozen=True)
class KexecAttempt:
    syscall: str
    image: str  # the path in the initramfs
    status: int
    message: str  # the first line of kexec's output (kexec_load goes on with its segment list)


@dataclass
class Evidence:
    """What /init printed (``read_evidence``)."""

    linux: Optional[str] = None  # the release uname -r printed
    lockdown: Optional[str] = None  # the line of /sys/kernel/security/lockdown
    efivarfs_status: Optional[int] = None
    efivars: dict[str, bytes] = field(default_factory=dict)  # name -> attributes (4 bytes, LE) + data
    keys: list[str] = field(default_factory=list)
    attempts: list[KexecAttempt] = field(default_factory=list)
    dmesg: list[str] = field(default_factory=list)
    executed: bool = False  # /init said "kexec -e"
    returned: Optional[str] = None  # what it said when kexec -e came back

    @property
    def lockdown_mode(self) -> Optional[str]:
        """The selected mode: the bracketed word (security/lockdown/lockdown.c, lockdown_read())."""
        found = re.search(r"\[(\w+)\]", self.lockdown or "")
        return found.group(1) if found else None

    def efivar_attributes(self, name: str) -> Optional[int]:
        raw = self.efivars.get(name)
        return int.from_bytes(raw[:4], "little") if raw is not None and len(raw) >= 4 else None

    def efivar_data(self, name: str) -> Optional[bytes]:
        raw = self.efivars.get(name)
        return raw[4:] if raw is not None and len(raw) >= 4 else None


_LINE = re.compile(rf"^{re.escape(MARK)} (.*?)\r?$", re.M)
_ATTEMPT = re.compile(r"kexec (\w+) (\S+) status (\d+): ?(.*)$")


def read_evidence(text: str) -> Evidence:
    """The evidence from the serial text: every line /init marked with MARK."""
    found = Evidence()
    for line in _LINE.findall(text):
        word, _, rest = line.partition(" ")
        if word == "Linux":
            found.linux = rest.split(" ", 1)[0]
        elif word == "lockdown":
            found.lockdown = rest
        elif word == "efivarfs" and rest.startswith("status "):
            found.efivarfs_status = int(rest.split()[1])
        elif word == "efivar":
            name, _, hexbytes = rest.partition(" ")
            found.efivars[name] = bytes(int(b, 16) for b in hexbytes.split())
        elif word == "key":
            found.keys.append(rest)
        elif word == "dmesg":
            found.dmesg.append(rest)
        elif line == "kexec -e":
            found.executed = True
        elif line.startswith("kexec -e returned"):
            found.returned = line
        elif (attempt := _ATTEMPT.fullmatch(line)) is not None:
            found.attempts.append(KexecAttempt(attempt.group(1), attempt.group(2), int(attempt.group(3)),
                                               attempt.group(4).strip()))
    return found


_MARKER = re.compile(rf"{re.escape(ATTEMPT_MARKER)} (\d+) (\w+) (\S+)$")


@dataclass(frozen=True)
class AttemptLog:
    """The kernel's log lines written while one attempt ran: after its marker, before the next one's."""

    number: int  # 1-based, as /init numbered it
    syscall: str
    image: str
    lines: list[str]


def attempt_logs(dmesg: list[str]) -> list[AttemptLog]:
    """The kernel log (``Evidence.dmesg``) cut at /init's attempt markers, in log order; the lines before the
    first marker belong to no attempt."""
    parts: list[AttemptLog] = []
    for line in dmesg:
        marker = _MARKER.search(line)
        if marker is not None:
            parts.append(AttemptLog(int(marker.group(1)), marker.group(2), marker.group(3), []))
        elif parts:
            parts[-1].lines.append(line)
    return parts


# The refusals Linux may give, each as (kexec's message, the kernel's log line that says why). Sources:
# - kexec_file_load: kernel/kexec_file.c, kimage_validate_signature(): with signature enforcement on (set by IMA's
#   Secure Boot arch policy, security/integrity/ima/ima_efi.c, arch_get_ima_policy() -> set_kexec_sig_enforced())
#   the verifier's error is returned: -ENODATA for a PE file without a signature (crypto/asymmetric_keys/
#   verify_pefile.c, "Unsigned PE binary"), -ENOKEY when neither the secondary nor the .platform keyring holds the
#   signer (kexec_kernel_verify_pe_sig()). Without enforcement, lockdown refuses with -EPERM.
#   Enforcement needs CONFIG_IMA_ARCH_POLICY (arch_get_ima_policy() tests it) and CONFIG_KEXEC_SIG.
# - kexec_load: kernel/kexec.c, kexec_load_check(): security_kernel_load_data() first, where IMA refuses
#   kexec_load with -EACCES when the kernel has CONFIG_KEXEC_SIG and arch_ima_get_secureboot() says Secure Boot is
#   on (security/integrity/ima/ima_main.c, ima_load_data()), then security_locked_down(LOCKDOWN_KEXEC), -EPERM.
#   Debian's 6.1 has CONFIG_KEXEC_SIG=y and CONFIG_IMA_ARCH_POLICY=y (its /boot/config-*).
# Both calls first refuse with -EPERM, logging nothing, when kexec_load_permitted() fails (no CAP_SYS_BOOT, or
# kexec_load_disabled): which is why a reason counts only in the log of its own attempt (attempt_logs()).
LOCKDOWN_REFUSAL = ("Operation not permitted", "kexec of unsigned images is restricted")
REFUSALS = {
    ("kexec_file_load", "unsigned"): (("No data available", "Enforced kernel signature verification failed (-61)"),
                                      LOCKDOWN_REFUSAL),
    ("kexec_file_load", "wrongly-signed"): (("Required key not available",
                                             "Enforced kernel signature verification failed (-126)"),
                                            LOCKDOWN_REFUSAL),
    ("kexec_load", "signed"): (("Permission denied", "impossible to appraise a kernel image without a file descriptor"),
                               LOCKDOWN_REFUSAL),
}


def _refusal_problem(attempt: KexecAttempt, role: str, log: AttemptLog) -> Optional[str]:
    """``log``: the kernel's lines written during this attempt only (attempt_logs())."""
    what = f"{attempt.syscall} of the {role} image"
    if attempt.status == 0:
        return f"{what} was ACCEPTED under Secure Boot (kexec status 0)"
    for message, reason in REFUSALS[(attempt.syscall, role)]:
        if message in attempt.message and any(reason in line for line in log.lines):
            return None
    return (f"{what} failed (status {attempt.status}: {attempt.message!r}) without a Secure Boot reason in its "
            f"attempt's log {log.lines}: expected one of {[m for m, _ in REFUSALS[(attempt.syscall, role)]]} with "
            f"its log line")


def _state_problems(found: Evidence) -> list[str]:
    problems = []
    if found.lockdown_mode not in ("integrity", "confidentiality"):
        problems.append(f"Linux is not locked down: /sys/kernel/security/lockdown says {found.lockdown!r}")
    if not any("Secure boot enabled" in line for line in found.dmesg):
        problems.append("Linux's log has no 'Secure boot enabled' (the EFI stub's SecureBoot reading)")
    if not any("Kernel is locked down from EFI Secure Boot" in line for line in found.dmesg):
        problems.append("Linux's log does not say it locked down because of EFI Secure Boot")
    if found.efivarfs_status != 0:
        problems.append(f"efivarfs could not be loaded and mounted (status {found.efivarfs_status})")
    for name, want in (("SecureBoot", b"\x01"), ("SetupMode", b"\x00")):
        data, attributes = found.efivar_data(name), found.efivar_attributes(name)
        if data != want or attributes != BS_RT:
            problems.append(f"{name}: attributes {attributes if attributes is None else hex(attributes)}, data "
                            f"{data.hex() if data is not None else None}; want attributes {BS_RT:#x}, data {want.hex()}")
    return problems


def _keyring_problems(found: Evidence, signer_key_id: str) -> list[str]:
    """The signer's certificate came from db into the .platform keyring (security/integrity/platform_certs/
    load_uefi.c, load_uefi_certs(): db -> add_to_platform_keyring())."""
    problems = []
    platform = [k for k in found.keys if re.search(r"keyring\s+\.platform: [1-9]", k)]
    if not platform:
        problems.append(f"/proc/keys shows no non-empty .platform keyring: {[k for k in found.keys if 'keyring' in k]}")
    if not any("asymmetri" in k and f": {signer_key_id}:" in k for k in found.keys):
        problems.append(f"/proc/keys has no asymmetric key with the signer's key id {signer_key_id}")
    loaded = [i for i, line in enumerate(found.dmesg) if "integrity: Loading X.509 certificate: UEFI:db" in line]
    if not loaded or not any(f": {signer_key_id}'" in line and "integrity: Loaded X.509 cert" in line
                             for line in found.dmesg[loaded[0]:]):
        problems.append(f"Linux's log does not show the signer ({signer_key_id}) loaded from UEFI:db")
    return problems


def _kexec_problems(found: Evidence) -> list[str]:
    want = [(syscall, IMAGES[image]) for syscall, image in ATTEMPTS]
    got = [(a.syscall, a.image) for a in found.attempts]
    if got != want:
        return [f"/init's kexec attempts were {got}, not {want}"]
    logs = attempt_logs(found.dmesg)
    marked = [(log.number, log.syscall, log.image) for log in logs]
    want_marked = [(number, syscall, image) for number, (syscall, image) in enumerate(want, 1)]
    if marked != want_marked:
        return [f"the kernel's log has /init's attempt markers {marked}, not {want_marked}: each refusal's reason "
                f"cannot be told apart"]
    problems = []
    role_of = {path: role for role, path in IMAGES.items()}
    for attempt, log in zip(found.attempts[:-1], logs):
        problem = _refusal_problem(attempt, role_of[attempt.image], log)
        if problem:
            problems.append(problem)
    last = found.attempts[-1]
    if last.status != 0:
        problems.append(f"kexec_file_load of the signed image was refused (status {last.status}: {last.message!r})")
    elif not found.executed or found.returned is not None:
        problems.append(f"kexec -e did not hand over to the signed image ({found.returned or 'never run'})")
    return problems


def secure_boot_problems(found: Evidence, signer_key_id: str) -> list[str]:
    """Everything that keeps the evidence from showing "Linux under Secure Boot kexecs the signed ccktf and
    refuses the unsigned one"; empty when it shows it. ``signer_key_id``: certificate_key_id() of the signer."""
    if found.linux is None:
        return ["Linux never reached /init (no 'Linux ... is up' line)"]
    return _state_problems(found) + _keyring_problems(found, signer_key_id) + _kexec_problems(found)
