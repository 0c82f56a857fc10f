"""The CLI's readable run summary (ccktf.report): what a user sees after ``make run``."""

from pathlib import Path

from ccktf import ktap, verdict
from ccktf.report import summarize_run
from ccktf.runner import Run
from test_ktap import ACCEPT_ERROR_STREAM


def test_summary_lists_acceptance_errors_with_their_raw_status(tmp_path: Path):
    parsed = ktap.parse(ACCEPT_ERROR_STREAM)
    run = Run(tmp_path, "qemu", parsed, 1, False, 1.0, verdict.decide(parsed, 1))
    text = summarize_run(run)
    assert "Acceptance errors (raw status as the platform returned it):" in text
    assert "accept.error_at_4k: failed at 0x101005000 level 4k, raw status 0xc000010000000001" in text
    assert "boot:deferred: busy at 0x100000000 level 2m, raw status 0x8000020000000000" in text
