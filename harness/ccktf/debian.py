"""Debian packages unpacked into ``build/debian/``, never installed: the real clients ccktf is tested
against (Debian's kernel, kexec-tools, busybox) without touching the host's /boot or /sbin.

``apt-get download`` fetches a package's .deb into the current directory from the archive the host's apt
sources name (no root needed); ``dpkg-deb -x`` unpacks its files. Both come with every Debian system. A
package is downloaded and unpacked once; later calls reuse ``build/debian/debs`` and ``root``.
"""

from __future__ import annotations

import contextlib
import fcntl
import re
import subprocess
from pathlib import Path
from typing import Iterable

from .errors import CcktfError

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CACHE = PROJECT_ROOT / "build" / "debian"
KERNEL_META = "linux-image-amd64"
_PACKAGE = re.compile(r"[a-z0-9][a-z0-9+.-]+")
_TIMEOUT = 300


class DebianError(CcktfError):
    """A package could not be found, downloaded or unpacked (no apt sources, no network, a bad name)."""


def _run(argv: list[str], cwd: Path) -> str:
    try:
        done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=_TIMEOUT)
    except FileNotFoundError as err:
        raise DebianError(f"{argv[0]} not found: this needs a Debian system ({err})") from err
    except subprocess.TimeoutExpired as err:
        raise DebianError(f"{' '.join(argv)} did not finish within {_TIMEOUT} s") from err
    if done.returncode != 0:
        tail = (done.stderr.strip().splitlines() or ["(no message)"])[-1]
        raise DebianError(f"{' '.join(argv)} failed with status {done.returncode}: {tail}")
    return done.stdout


def kernel_package(meta: str = KERNEL_META, cache: Path = DEFAULT_CACHE) -> str:
    """The versioned kernel package the metapackage points at (e.g. linux-image-6.1.0-57-amd64)."""
    cache.mkdir(parents=True, exist_ok=True)
    out = _run(["apt-cache", "depends", meta], cache)
    names = re.findall(r"^\s*Depends:\s*(linux-image-\S+)$", out, re.MULTILINE)
    if not names:
        raise DebianError(f"apt-cache depends {meta} names no linux-image package")
    return names[0]


def _deb_for(name: str, debs: Path) -> Path | None:
    found = sorted(debs.glob(f"{name}_*.deb"))
    return found[-1] if found else None


@contextlib.contextmanager
def _locked(cache: Path):
    """One fetch at a time per cache (pytest-xdist workers share it)."""
    cache.mkdir(parents=True, exist_ok=True)
    with open(cache / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def fetch(packages: Iterable[str], cache: Path = DEFAULT_CACHE) -> Path:
    """Downloads and unpacks ``packages`` (exact Debian names); returns the directory they are unpacked in."""
    names = list(packages)
    for name in names:
        if not _PACKAGE.fullmatch(name):
            raise DebianError(f"{name!r} is not a Debian package name")
    with _locked(cache):
        return _fetch_locked(names, cache)


def _fetch_locked(names: list[str], cache: Path) -> Path:
    debs, root = cache / "debs", cache / "root"
    debs.mkdir(parents=True, exist_ok=True)
    root.mkdir(parents=True, exist_ok=True)
    missing = [n for n in names if _deb_for(n, debs) is None]
    if missing:
        _run(["apt-get", "download", "-q", *missing], debs)
    for name in names:
        deb = _deb_for(name, debs)
        if deb is None:
            raise DebianError(f"apt-get download {name} left no {name}_*.deb in {debs}")
        marker = root / f".unpacked-{deb.name}"
        if not marker.exists():
            _run(["dpkg-deb", "-x", str(deb), str(root)], debs)
            marker.touch()
    return root


def vmlinuz(root: Path, package: str) -> Path:
    """The kernel image a linux-image-VERSION package unpacked into ``root``."""
    version = package.removeprefix("linux-image-")
    path = root / "boot" / f"vmlinuz-{version}"
    if not path.is_file():
        raise DebianError(f"{package} has no /boot/vmlinuz-{version}")
    return path
