"""`make sign` (docs/secure-boot.md): the final image signed with the snakeoil test key and with a throw-away key
made with openssl, checked with sbverify. Shared with test_secure_boot.py, whose boots use these images. (No
"boot" in these names: the fast gate deselects "-k 'not boot'".)
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SNAKEOIL_CERT = Path("/usr/share/ovmf/PkKek-1-snakeoil.pem")
HAVE_SIGNING = all(shutil.which(tool) for tool in ("sbsign", "sbverify", "openssl")) and SNAKEOIL_CERT.is_file()
needs_signing = pytest.mark.skipif(not HAVE_SIGNING, reason="sbsigntool, openssl or Debian's ovmf missing "
                                                             "(ci/deps.sh installs them)")


# --- the signed image: make sign, checked with sbverify --------------------------------------------------------

def make_key(directory: Path, name: str) -> tuple[Path, Path]:
    """A throw-away RSA key and self-signed certificate (openssl)."""
    key, cert = directory / f"{name}.key", directory / f"{name}.pem"
    subprocess.run(["openssl", "req", "-new", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", f"/CN=ccktf {name} test key/", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return key, cert


def make_sign(kernel: Path, out: Path, *variables: str) -> subprocess.CompletedProcess:
    return subprocess.run(["make", "-s", "sign", f"SIGN_IN={kernel.resolve()}", f"SIGN_OUT={out}", *variables],
                          cwd=ROOT, capture_output=True, text=True)


def sbverify(image: Path, cert: Path) -> bool:
    return subprocess.run(["sbverify", "--cert", str(cert), str(image)], capture_output=True).returncode == 0


@pytest.fixture(scope="module")
def signed(request, tmp_path_factory) -> dict[str, Path]:
    """The kernel signed by ``make sign`` with the snakeoil default, and with a throw-away key."""
    kernel = request.config.option.ccktf_kernel
    if not kernel.is_file():
        pytest.fail(f"kernel image {kernel} not found: build it with 'make'", pytrace=False)
    out = tmp_path_factory.mktemp("signed")
    snakeoil = out / "ccktf.signed.efi"
    done = make_sign(kernel, snakeoil)
    assert done.returncode == 0, done.stderr
    key, cert = make_key(out, "throwaway")
    wrong = out / "ccktf.wrongly-signed.efi"
    done = make_sign(kernel, wrong, f"SIGN_KEY={key}", f"SIGN_CERT={cert}")
    assert done.returncode == 0, done.stderr
    return {"kernel": kernel, "snakeoil": snakeoil, "wrong": wrong, "wrong_cert": cert}


@needs_signing
def test_make_sign_signs_the_final_image_and_sbverify_accepts_it(signed):
    assert sbverify(signed["snakeoil"], SNAKEOIL_CERT)
    assert not sbverify(signed["kernel"], SNAKEOIL_CERT)  # the unsigned image has no signature
    assert not sbverify(signed["snakeoil"], signed["wrong_cert"])  # nor is it signed by another key
    assert sbverify(signed["wrong"], signed["wrong_cert"]) and not sbverify(signed["wrong"], SNAKEOIL_CERT)


@needs_signing
def test_a_changed_byte_breaks_the_signature(signed, tmp_path):
    image = bytearray(signed["snakeoil"].read_bytes())
    image[0x1000 + 0x10] ^= 0xff  # in .text, the first section
    tampered = tmp_path / "tampered.efi"
    tampered.write_bytes(bytes(image))
    assert not sbverify(tampered, SNAKEOIL_CERT)


@needs_signing
def test_make_sign_refuses_a_certificate_that_does_not_match_the_key(signed, tmp_path):
    key, _ = make_key(tmp_path, "other")
    done = make_sign(signed["kernel"], tmp_path / "x.efi", f"SIGN_KEY={key}", f"SIGN_CERT={SNAKEOIL_CERT}")
    assert done.returncode != 0 and not (tmp_path / "x.efi").exists()


@needs_signing
@pytest.mark.parametrize("variable", ["SIGN_KEY", "SIGN_CERT"])
def test_make_sign_names_a_missing_key_or_certificate(variable, signed, tmp_path):
    missing = tmp_path / "missing.file"
    out = tmp_path / "x.efi"
    done = make_sign(signed["kernel"], out, f"{variable}={missing}")
    assert done.returncode != 0 and not out.exists()
    assert f"{variable}={missing}: no such file" in done.stderr, done.stderr
    out.write_bytes(b"an older signed image")  # up to date or not, a missing input is still named
    done = make_sign(signed["kernel"], out, f"{variable}={missing}")
    assert done.returncode != 0 and f"{variable}={missing}" in done.stderr, done.stderr
