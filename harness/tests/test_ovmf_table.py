"""Reading the OVMF reset-vector table (ccktf.ovmf_table): synthetic images built here, and Debian's own OVMF."""

import struct
import uuid
from pathlib import Path

import pytest

from ccktf import ovmf_table
from ccktf.ovmf_table import OvmfTableError

DEBIAN_OVMF = Path("/usr/share/ovmf/OVMF.fd")


def entry(guid: uuid.UUID, data: bytes) -> bytes:
    """One table entry as QEMU reads it: data, then the 2-byte length of the whole entry, then the GUID."""
    return data + struct.pack("<H", len(data) + 18) + guid.bytes_le


def ovmf_image(hash=None, extra=(), size=64 * 1024, total_delta=0) -> bytes:
    """An image whose last 48 bytes start with the footer GUID, the table just before it."""
    body = b"".join(entry(g, d) for g, d in extra)
    if hash is not None:
        body += entry(ovmf_table.SEV_HASH_TABLE_GUID, struct.pack("<II", *hash))
    table = body + struct.pack("<H", len(body) + 18 + total_delta) + ovmf_table.FOOTER_GUID.bytes_le
    tail = table + b"\xff" * 32  # the footer GUID sits 48 bytes before the end: 16 bytes GUID + 32 after
    return b"\0" * (size - len(tail)) + tail


def test_entries_are_read_backwards_from_the_footer():
    reset = (ovmf_table.SEV_ES_RESET_BLOCK_GUID, b"\x04\xb0\x80\x00")
    image = ovmf_image(hash=(0x80_0000, 0x400), extra=[reset])
    table = ovmf_table.read_table(image)
    assert table[ovmf_table.SEV_ES_RESET_BLOCK_GUID] == b"\x04\xb0\x80\x00"
    assert ovmf_table.sev_hash_table(image) == ovmf_table.SevHashTable(0x80_0000, 0x400)


def test_an_image_without_the_footer_has_no_table():
    assert ovmf_table.read_table(b"\0" * 4096) == {}
    assert ovmf_table.read_table(b"") == {}
    assert ovmf_table.sev_hash_table(b"\0" * 4096) is None


@pytest.mark.parametrize("base, size, usable", [
    (0x80_0000, 176, True), (0x80_0000, 175, False), (0, 0x400, False), (0, 0, False),
])
def test_a_hash_table_is_usable_only_with_a_base_and_room(base, size, usable):
    assert ovmf_table.sev_hash_table(ovmf_image(hash=(base, size))).usable is usable


def test_a_table_longer_than_the_image_is_an_error():
    with pytest.raises(OvmfTableError, match="does not fit"):
        ovmf_table.read_table(ovmf_image(hash=(1, 176), size=128, total_delta=200))


def test_an_entry_whose_length_leaves_its_table_is_an_error_not_a_loop():
    image = bytearray(ovmf_image(hash=(1, 176)))
    length_at = len(image) - 48 - 2 - 16 - 2  # the hash entry's own length field
    struct.pack_into("<H", image, length_at, 0)
    with pytest.raises(OvmfTableError, match="has length 0"):
        ovmf_table.read_table(bytes(image))


def test_measured_boot_support_explains_a_missing_file(tmp_path):
    ok, why = ovmf_table.measured_boot_support(tmp_path / "absent.fd")
    assert not ok and "cannot read" in why


@pytest.mark.skipif(not DEBIAN_OVMF.is_file(), reason="Debian's ovmf package is not installed")
def test_debians_ovmf_publishes_an_empty_hash_table():
    """The plain OvmfX64 build publishes the SEV entries but no hash-table area: no measured direct boot."""
    image = DEBIAN_OVMF.read_bytes()
    table = ovmf_table.read_table(image)
    assert ovmf_table.SEV_ES_RESET_BLOCK_GUID in table and ovmf_table.TDX_METADATA_GUID in table
    assert ovmf_table.sev_hash_table(image) == ovmf_table.SevHashTable(0, 0)
    ok, why = ovmf_table.measured_boot_support(DEBIAN_OVMF)
    assert not ok and "not the OVMF AmdSev build" in why


def test_the_first_entry_from_the_footer_wins_as_in_qemu():
    nearer = struct.pack("<II", 0x80_0000, 0x400)
    image = ovmf_image(hash=(0, 0), extra=[(ovmf_table.SEV_HASH_TABLE_GUID, nearer)])
    # extra entries lie before the hash entry, so the zeroed hash entry is the one nearer the footer
    assert ovmf_table.sev_hash_table(image) == ovmf_table.SevHashTable(0, 0)


def test_a_malformed_entry_beyond_the_hash_table_does_not_hide_it():
    image = bytearray(ovmf_image(hash=(0x80_0000, 0x400), extra=[(ovmf_table.SEV_ES_RESET_BLOCK_GUID, b"abcd")]))
    length_at = len(image) - 48 - 2 - 16 - 2 - 8 - 16 - 2  # the reset block's length, past the hash entry
    struct.pack_into("<H", image, length_at, 0)
    assert ovmf_table.sev_hash_table(bytes(image)).usable
    with pytest.raises(OvmfTableError):
        ovmf_table.read_table(bytes(image))
