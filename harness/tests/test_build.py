"""The kernel image itself: a PE32+ EFI application, rebuilt byte for byte from the same sources.

Builds a snapshot of the working tree (committed or not) twice, in two directories with different paths, because a path
leaking into the image (``__FILE__``, debug info) is the usual way reproducibility breaks.
"""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Under pytest-xdist both tests go to one worker, which builds the two copies once (module fixture).
pytestmark = pytest.mark.xdist_group("ccktf-build")


def tracked_and_new_files() -> list[str]:
    out = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                         check=True, capture_output=True, text=True).stdout
    return [line for line in out.splitlines() if (ROOT / line).is_file()]


def snapshot(dest: Path) -> Path:
    """The sources as they are now, once: both builds must see the very same files."""
    for name in tracked_and_new_files():
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)
    return dest


def build_copy(sources: Path, dest: Path) -> bytes:
    shutil.copytree(sources, dest)
    subprocess.run(["make", "-s", "-j2", "build/ccktf.efi"], cwd=dest, check=True, capture_output=True)
    return (dest / "build" / "ccktf.efi").read_bytes()


def tree_image_is_current() -> bool:
    """Whether build/ccktf.efi in the tree is up to date with its sources (make -q: nothing to rebuild)."""
    image = ROOT / "build" / "ccktf.efi"
    return image.is_file() and subprocess.run(["make", "-q", "build/ccktf.efi"], cwd=ROOT,
                                              capture_output=True).returncode == 0


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory) -> tuple[bytes, bytes]:
    """Two images of the same sources built at different paths. The tree's own build/ccktf.efi is one of
    them when it is current (as under `make test`, which builds it first): one rebuild instead of two."""
    sources = snapshot(tmp_path_factory.mktemp("snapshot") / "src")
    if tree_image_is_current():
        first = (ROOT / "build" / "ccktf.efi").read_bytes()
    else:
        first = build_copy(sources, tmp_path_factory.mktemp("checkout-a") / "ccktf")
    second = build_copy(sources, tmp_path_factory.mktemp("elsewhere") / "b" / "ccktf")
    return first, second


def test_build_is_reproducible(two_builds):
    first, second = two_builds
    assert first == second, "the same sources built in two places gave different images"


def test_image_is_a_pe32plus_efi_application(two_builds, tmp_path):
    image = tmp_path / "ccktf.efi"
    image.write_bytes(two_builds[0])
    headers = subprocess.run(["objdump", "-x", str(image)], check=True, capture_output=True, text=True).stdout
    assert "file format pei-x86-64" in headers
    assert "Magic\t\t\t020b\t(PE32+)" in headers
    assert "Subsystem\t\t0000000a\t(EFI application)" in headers
