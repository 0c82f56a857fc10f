"""The firmware's refusal to start the image, read from its own serial output (what precedes ``KTAP version 1``).

Under Secure Boot, OVMF reports a boot option whose image LoadImage() or StartImage() refused on the console
(edk2 OvmfPkg/Library/PlatformBmPrintScLib/StatusCodeHandler.c, ``HandleStatusCode()``: "%a: failed to %a %s
\"%s\" from %s: %r")::

    BdsDxe: failed to load Boot0001 "UEFI Misc Device" from PciRoot(0x0)/Pci(0x3,0x0): Access Denied
    BdsDxe: failed to start Boot0003 "EFI Internal Shell" from Fv(...)/FvFile(...): Security Violation

(``%r`` of EFI_ACCESS_DENIED or EFI_SECURITY_VIOLATION: DxeImageVerificationLib's verdict, UEFI 2.10 section
7.4 LoadImage()), and once every boot option failed, OvmfPkg/Library/PlatformBootManagerLib/BdsPlatform.c
(``PlatformBootManagerUnableToBoot()``) prints ``No bootable option or device was found.`` and waits for a key
forever. The runner stops QEMU at that line (``gave_up``), so a refused image is a clear error at once, never a
timeout; the verdict names each refusal (``refusals``).
"""

from __future__ import annotations

import re

from .ktap import strip_escapes

GAVE_UP = "No bootable option or device was found"
# EFI status texts (edk2 MdePkg/Library/BasePrintLib/PrintLibInternal.c mStatusString) of a refused image.
REFUSED_STATUSES = ("Security Violation", "Access Denied")
_REFUSAL = re.compile(r'failed to (load|start) (Boot[0-9A-Fa-f]{4}) "([^"]*)" from (\S+): (' +
                      "|".join(REFUSED_STATUSES) + r")\s*$")


def gave_up(firmware_output: str) -> bool:
    """Whether the firmware said it found nothing it would boot."""
    return GAVE_UP in firmware_output


def refusals(firmware_output: str) -> list[str]:
    """Each boot option the firmware refused to load or start, with the EFI status it gave, in order."""
    found = []
    for line in strip_escapes(firmware_output).splitlines():
        if match := _REFUSAL.search(line):
            verb, option, description, path, status = match.groups()
            found.append(f'{option} "{description}" ({path}): {verb} refused with {status}')
    return found


def refusal_reasons(firmware_output: str, kernel_started: bool = False) -> list[str]:
    """The verdict's reasons: every refusal, when the kernel never started (an option refused before the one
    that booted is no error of the run)."""
    refused = [] if kernel_started else refusals(firmware_output)
    if not refused:
        return []
    hint = " (Secure Boot: the image is unsigned, or its signer is not in the firmware's db)"
    return [f"firmware refused to boot {refusal}" for refusal in refused[:-1]] + \
        [f"firmware refused to boot {refused[-1]}{hint}"]
