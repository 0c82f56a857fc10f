"""Secure Boot, for real (docs/secure-boot.md): Debian's Secure Boot OVMF with a copy of its snakeoil store boots
the signed ccktf (its default suite, SecureBoot=1) and refuses the unsigned one and one signed with a throw-away
key, each refusal ended by the harness as soon as the firmware says it found nothing to boot (bounded by a
timeout). Three boots; the fast tests of the Secure Boot mode are test_sb_mode.py and test_sb_signing.py.
"""

from __future__ import annotations

import json

import pytest

from ccktf import boot_refusal, firmware, qemu, verdict
from ccktf.firmware import FirmwareError

from test_sb_signing import needs_signing, signed  # noqa: F401 (signed: the fixture)


# --- real boots under Debian's Secure Boot OVMF with a copy of the snakeoil store ------------------------------

BOOT_TIMEOUT = 90.0  # a refusal ends in seconds; a boot that never says anything still ends here


def require_snakeoil_store():
    try:
        fw = firmware.resolve_secure_boot_firmware()
    except FirmwareError as error:
        pytest.fail(f"no Secure Boot firmware: {error}", pytrace=False)
    if fw.vars_template.name != firmware.SNAKEOIL_VARS:
        pytest.fail(f"the Secure Boot store is {fw.vars_template}, not Debian's snakeoil store", pytrace=False)
    return fw


@pytest.mark.boot
@needs_signing
def test_signed_ccktf_boots_and_passes_its_default_suite_with_secure_boot_on(signed, ccktf_secure_boot):
    fw = require_snakeoil_store()
    before = fw.vars_template.read_bytes()
    run = ccktf_secure_boot(signed["snakeoil"], timeout=BOOT_TIMEOUT)
    assert run.verdict.passed, f"{run.verdict}\n{run.serial_tail()}"
    assert run.ktap.args == ""  # booted from the ESP with no ccktf.args: the default suite
    assert run.ktap.secure_boot["secure_boot"] == "1" and run.ktap.secure_boot["setup_mode"] == "0"
    assert run.ktap.secure_boot["mode"] in ("user", "deployed")
    assert (run.run_dir / qemu.VARS_COPY).is_file() and fw.vars_template.read_bytes() == before
    assert json.loads((run.run_dir / "host.json").read_text())["boot"]["secure_boot"] is True


@pytest.mark.boot
@pytest.mark.parametrize("which", ["unsigned", "wrongly signed"])
@needs_signing
def test_firmware_refuses_an_image_not_signed_by_a_key_in_db(which, signed, ccktf_secure_boot):
    require_snakeoil_store()
    image = signed["kernel"] if which == "unsigned" else signed["wrong"]
    run = ccktf_secure_boot(image, label="secure-boot-refused", timeout=BOOT_TIMEOUT)
    assert run.verdict.outcome is verdict.Outcome.ERROR
    assert not run.timed_out, f"the refusal was not seen: {run.verdict}"
    assert not run.ktap.version_seen  # the image never ran
    refused = boot_refusal.refusals(run.ktap.firmware_output)
    assert refused and "PciRoot(" in refused[0], run.ktap.firmware_output  # the ESP's disk, first
    assert any(status in refused[0] for status in boot_refusal.REFUSED_STATUSES)
