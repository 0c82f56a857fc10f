"""A Linux initramfs written from Python: the "newc" cpio format the kernel unpacks at boot.

Linux ``Documentation/driver-api/early-userspace/buffer-format.rst``: each member is a 110-byte ASCII
header (magic ``070701``, then 13 fields of 8 hex digits: ino, mode, uid, gid, nlink, mtime, filesize,
devmajor, devminor, rdevmajor, rdevminor, namesize (with its NUL), check 0), the NUL-terminated name
padded to a multiple of 4, the data padded to a multiple of 4; the archive ends with a member named
``TRAILER!!!``. An uncompressed archive is accepted as an initrd by every kernel with
CONFIG_BLK_DEV_INITRD (``init/initramfs.c``), so no compressor is needed. Parents come before children
(the kernel creates nothing implicitly).
"""

from __future__ import annotations

import stat
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Iterable

from .errors import CcktfError

MAGIC = b"070701"
TRAILER = "TRAILER!!!"
FIELDS = 13


class InitramfsError(CcktfError):
    """A member that cannot be put into the archive (bad path, a duplicate, a field that does not fit)."""


@dataclass(frozen=True)
class Member:
    path: str  # absolute in the archive, e.g. "/init"; stored without the leading slash
    mode: int  # full st_mode: type bits and permissions
    data: bytes = b""  # file contents, or a symlink's target
    rdev: tuple[int, int] = (0, 0)  # a device node's (major, minor)


def directory(path: str, perm: int = 0o755) -> Member:
    return Member(path, stat.S_IFDIR | perm)


def regular(path: str, data: bytes, perm: int = 0o644) -> Member:
    return Member(path, stat.S_IFREG | perm, data)


def symlink(path: str, target: str) -> Member:
    return Member(path, stat.S_IFLNK | 0o777, target.encode())


def _pad4(n: int) -> bytes:
    return b"\0" * (-n % 4)


def char_device(path: str, major: int, minor: int, perm: int = 0o600) -> Member:
    return Member(path, stat.S_IFCHR | perm, rdev=(major, minor))


def _header(ino: int, mode: int, nlink: int, size: int, namesize: int, rdev: tuple[int, int]) -> bytes:
    values = [ino, mode, 0, 0, nlink, 0, size, 0, 0, rdev[0], rdev[1], namesize, 0]
    assert len(values) == FIELDS
    for value in values:
        if not 0 <= value <= 0xFFFFFFFF:
            raise InitramfsError(f"cpio newc field {value} does not fit in 8 hex digits")
    return MAGIC + b"".join(b"%08X" % v for v in values)


def _entry(ino: int, name: str, mode: int, data: bytes, nlink: int, rdev: tuple[int, int] = (0, 0)) -> bytes:
    encoded = name.encode() + b"\0"
    head = _header(ino, mode, nlink, len(data), len(encoded), rdev)
    return head + encoded + _pad4(len(head) + len(encoded)) + data + _pad4(len(data))


def _name(path: str) -> str:
    pure = PurePosixPath(path)
    if not pure.is_absolute() or ".." in pure.parts or str(pure) == "/":
        raise InitramfsError(f"initramfs path {path!r} must be absolute, not / and without '..'")
    return str(pure).lstrip("/")


def write(members: Iterable[Member]) -> bytes:
    """The archive: every member in order (parents first), then the trailer."""
    out, seen = [], set()
    for ino, member in enumerate(members, start=1):
        name = _name(member.path)
        if name in seen:
            raise InitramfsError(f"initramfs path {member.path!r} given twice")
        parent = str(PurePosixPath(name).parent)
        if parent != "." and parent not in seen:
            raise InitramfsError(f"initramfs path {member.path!r} comes before its directory /{parent}")
        seen.add(name)
        nlink = 2 if stat.S_ISDIR(member.mode) else 1
        out.append(_entry(ino, name, member.mode, member.data, nlink, member.rdev))
    out.append(_entry(0, TRAILER, 0, b"", 1))
    return b"".join(out)


def read(archive: bytes) -> list[Member]:
    """The members of a newc archive (for tests and for checking what was built); stops at the trailer."""
    members, off = [], 0
    while True:
        head = archive[off:off + 6 + 8 * FIELDS]
        if len(head) < 6 + 8 * FIELDS or head[:6] != MAGIC:
            raise InitramfsError(f"no newc header at offset {off}")
        fields = [int(head[6 + 8 * i:14 + 8 * i], 16) for i in range(FIELDS)]
        mode, size, namesize = fields[1], fields[6], fields[11]
        off += len(head)
        name = archive[off:off + namesize].rstrip(b"\0").decode()
        off += namesize + (-(len(head) + namesize) % 4)
        if name == TRAILER:
            return members
        data = archive[off:off + size]
        if len(data) != size:
            raise InitramfsError(f"member {name!r} is cut short")
        off += size + (-size % 4)
        members.append(Member("/" + name, mode, data, (fields[9], fields[10])))


def tree(paths: Iterable[str]) -> list[Member]:
    """Directories for every parent of ``paths``, parents first (each once)."""
    dirs: list[str] = []
    for path in paths:
        for parent in reversed(PurePosixPath(path).parents):
            if str(parent) != "/" and str(parent) not in dirs:
                dirs.append(str(parent))
    return [directory(d) for d in dirs]


