"""The LAVA job (lava/ccktf-qemu.yaml): valid against LAVA's own job schema (Debian's lava-common), and its
monitor pattern reads every result and figure from a real boot with lava=1, as LAVA's monitor would."""

import re
from pathlib import Path

import pytest
import yaml
from lava_common.schemas import validate

from ccktf.ktap import Status

ROOT = Path(__file__).resolve().parents[2]
JOB = ROOT / "lava" / "ccktf-qemu.yaml"


def job() -> dict:
    return yaml.safe_load(JOB.read_text())


def monitor() -> dict:
    test = next(action["test"] for action in job()["actions"] if "test" in action)
    return test["monitors"][0]


def test_job_passes_lavas_schema():
    validate(job(), strict=True)


def test_a_broken_job_fails_lavas_schema():
    broken = job()
    broken["actions"][1]["boot"]["method"] = "not-a-method"
    with pytest.raises(Exception):
        validate(broken, strict=True)


@pytest.mark.boot
def test_monitor_pattern_reads_every_result_of_a_real_boot(ccktf_boot):
    kernel_args = re.search(r'-append "([^"]*)"', job()["actions"][0]["deploy"]["images"]["kernel"]["image_arg"]).group(1)
    run = ccktf_boot(f"{kernel_args} tests=selftest,accept", label="lava", memory="6G", timeout=60)
    assert run.verdict.passed, run.verdict
    text = run.ktap.kernel_output
    assert monitor()["start"] in text and monitor()["end"] in text
    pattern = re.compile(monitor()["pattern"])
    found = {m.group("test_case_id"): m for m in pattern.finditer(text)}
    tests = list(run.ktap.tests())
    assert tests and all(t.full_name in found for t in tests)
    for t in tests:
        want = {Status.PASS: "pass", Status.FAIL: "fail", Status.SKIP: "skip"}[t.status]
        assert found[t.full_name].group("result") == want, t.full_name
    figure = found["accept.bytes.level-4k"]
    assert figure.group("units") == "bytes" and float(figure.group("measurement")) >= 0
