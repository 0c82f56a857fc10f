"""A Linux initramfs: a "newc" cpio archive, written without the cpio tool.

Format: Linux ``Documentation/driver-api/early-userspace/buffer-format.rst`` (the "070701" ASCII header of 13
8-digit hex fields, the NUL-terminated name, each padded to 4 bytes, ended by "TRAILER!!!"). Used by the
tests that boot Debian's kernel with a tiny /init (harness/tests/test_bzimage_kexec.py).
"""

from __future__ import annotations

from dataclasses import dataclass

MAGIC = b"070701"
TRAILER = "TRAILER!!!"
S_IFDIR = 0o040000
S_IFREG = 0o100000


@dataclass(frozen=True)
class Entry:
    name: str  # without a leading "/"
    data: bytes = b""
    mode: int = S_IFREG | 0o644


def pad4(data: bytes) -> bytes:
    return data + b"\0" * (-len(data) % 4)


def header(ino: int, entry: Entry) -> bytes:
    name = entry.name.encode() + b"\0"
    fields = [ino, entry.mode, 0, 0, 1, 0, len(entry.data), 0, 0, 0, 0, len(name), 0]
    return pad4(MAGIC + b"".join(f"{field:08x}".encode() for field in fields) + name)


def archive(entries: list[Entry]) -> bytes:
    """The entries in order (a directory before what it holds), then the trailer."""
    out = bytearray()
    for ino, entry in enumerate([*entries, Entry(TRAILER, mode=0)], start=1):
        if entry.name.startswith("/") or "\0" in entry.name:
            raise ValueError(f"initramfs entry name {entry.name!r}: relative, without NUL")
        out += header(ino if entry.name != TRAILER else 0, entry) + pad4(entry.data)
    return bytes(out)


def read(data: bytes) -> list[Entry]:
    """The entries of a newc archive (for tests), up to the trailer."""
    entries, offset = [], 0
    while True:
        if data[offset:offset + 6] != MAGIC:
            raise ValueError(f"no newc header at offset {offset}")
        fields = [int(data[offset + 6 + 8 * i:offset + 14 + 8 * i], 16) for i in range(13)]
        mode, size, namesize = fields[1], fields[6], fields[11]
        name_at = offset + 110
        name = data[name_at:name_at + namesize - 1].decode()
        body = name_at + namesize + (-(110 + namesize) % 4)
        if name == TRAILER:
            return entries
        entries.append(Entry(name, data[body:body + size], mode))
        offset = body + size + (-size % 4)
