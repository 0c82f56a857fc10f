"""What an OVMF image offers QEMU, read from the GUIDed table at the end of its reset vector. Pure.

OVMF ends its image with a table that QEMU reads before the guest starts (QEMU
``hw/i386/pc_sysfw_ovmf.c``, ``pc_system_parse_ovmf_flash()``; edk2
``OvmfPkg/ResetVector/Ia16/ResetVectorVtf0.asm``):

- 48 bytes before the end of the image is the footer GUID ``96b582de-1fb2-45f7-baea-a366c55a082d``,
  preceded by a 2-byte little-endian length of the whole table (footer GUID and length included);
- the entries lie before it, read backwards from the footer: each is its data, then a 2-byte length of
  the whole entry, then its 16-byte GUID (GUIDs in the little-endian byte order of ``EFI_GUID``).

The entry that matters here is the SEV hash table (``7255371f-3a3b-4b04-927b-1da6efa8d454``: base and
size, two 32-bit values): where QEMU writes the hashes of kernel, initrd and command line for
``sev-snp-guest,kernel-hashes=on`` (measured direct boot; QEMU ``target/i386/sev.c``,
``sev_add_kernel_loader_hashes()``). Only the OVMF AmdSev build (``OvmfPkg/AmdSev/AmdSevX64.dsc``) gives
it a base and a size; other builds publish the entry with zeros, which QEMU refuses for kernel hashes
("SEV: kernel specified but guest firmware has no hashes table GUID", or an invalid area).
"""

from __future__ import annotations

import struct
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional

FOOTER_GUID = uuid.UUID("96b582de-1fb2-45f7-baea-a366c55a082d")
SEV_HASH_TABLE_GUID = uuid.UUID("7255371f-3a3b-4b04-927b-1da6efa8d454")
SEV_ES_RESET_BLOCK_GUID = uuid.UUID("00f771de-1a7e-4fcb-890e-68c77e2fb44e")
SEV_METADATA_GUID = uuid.UUID("dc886566-984a-4798-a75e-5585a7bf67cc")
TDX_METADATA_GUID = uuid.UUID("e47a6535-984a-4798-865e-4685a7bf8ec2")
FOOTER_OFFSET_FROM_END = 48
# QEMU target/i386/sev.c: PaddedSevHashTable = a GUID and a length, three entries (GUID, length, SHA-256)
# for cmdline, initrd and kernel, padded to 16 bytes: 16 + 2 + 3 * (16 + 2 + 32) = 168, padded to 176.
SEV_HASH_TABLE_MIN_SIZE = 176
_ENTRY_HEADER = 18  # 2-byte length + 16-byte GUID


class OvmfTableError(ValueError):
    """The image has a table footer, but the table is not well formed."""


def entries(image: bytes) -> Iterator[tuple[uuid.UUID, bytes]]:
    """The image's table entries, nearest the footer first (QEMU's search order); none without a footer.
    A malformed entry raises OvmfTableError when the walk reaches it, not before."""
    if len(image) < FOOTER_OFFSET_FROM_END + 2:
        return
    footer_at = len(image) - FOOTER_OFFSET_FROM_END
    if uuid.UUID(bytes_le=image[footer_at:footer_at + 16]) != FOOTER_GUID:
        return
    (total,) = struct.unpack_from("<H", image, footer_at - 2)
    body = total - _ENTRY_HEADER
    end = footer_at - 2
    if body < 0 or body > end:
        raise OvmfTableError(f"OVMF table length {total} does not fit the image")
    start = end - body
    while end - start >= _ENTRY_HEADER:
        guid = uuid.UUID(bytes_le=image[end - 16:end])
        (length,) = struct.unpack_from("<H", image, end - _ENTRY_HEADER)
        if length < _ENTRY_HEADER or length > end - start:
            raise OvmfTableError(f"OVMF table entry {guid} has length {length}, outside its table")
        yield guid, image[end - length:end - _ENTRY_HEADER]
        end -= length


def find_entry(image: bytes, guid: uuid.UUID) -> Optional[bytes]:
    """The data of the first entry with this GUID, as QEMU's pc_system_ovmf_table_find() finds it."""
    return next((data for entry_guid, data in entries(image) if entry_guid == guid), None)


def read_table(image: bytes) -> dict[uuid.UUID, bytes]:
    """Every entry by GUID (the first of duplicates); empty when the image has no table footer."""
    table: dict[uuid.UUID, bytes] = {}
    for guid, data in entries(image):
        table.setdefault(guid, data)
    return table


@dataclass(frozen=True)
class SevHashTable:
    base: int
    size: int

    @property
    def usable(self) -> bool:
        """Whether QEMU can put kernel hashes there (a base, and room for the padded table)."""
        return self.base != 0 and self.size >= SEV_HASH_TABLE_MIN_SIZE


def sev_hash_table(image: bytes) -> Optional[SevHashTable]:
    """The SEV hash table the image publishes, or None."""
    data = find_entry(image, SEV_HASH_TABLE_GUID)
    if data is None or len(data) < 8:
        return None
    return SevHashTable(*struct.unpack_from("<II", data))


def measured_boot_support(path: Path) -> tuple[bool, str]:
    """Whether ``kernel-hashes=on`` can measure a -kernel boot with this firmware, and why (for the run's notes)."""
    try:
        table = sev_hash_table(path.read_bytes())
    except OSError as error:
        return False, f"cannot read {path}: {error.strerror}"
    except OvmfTableError as error:
        return False, f"{path}: {error}"
    if table is None:
        return False, f"{path} publishes no SEV hash table (not an OVMF AmdSev build)"
    if not table.usable:
        return False, (f"{path} publishes an empty SEV hash table (base {table.base:#x}, size {table.size}): "
                       f"not the OVMF AmdSev build")
    return True, f"{path} publishes the SEV hash table at {table.base:#x} ({table.size} bytes)"
