"""Real boots of the bench suite (docs/benchmarks.md) on both models with bench=short, 6G guest: the run
passes and ``check_plausible`` finds no problem with its figures."""

import pytest

from ccktf.bench_check import check_plausible
from ccktf.platforms import is_model
from ccktf.bench_records import records_from_ktap

pytestmark = pytest.mark.boot
SHORT_TIMEOUT = 600  # bench=short takes seconds to a few minutes under TCG


@pytest.mark.parametrize("platform", ["sim-tdx", "sim-snp"])
def test_short_bench_is_plausible(ccktf_boot, platform):
    run = ccktf_boot(f"platform={platform} tests=bench bench=short", label=f"bench-short-{platform}",
                     memory="6G", timeout=SHORT_TIMEOUT)
    assert run.verdict.passed, f"{run.verdict}\nserial log: {run.serial_log}\n{run.serial_tail()}"
    assert run.ktap.platform == platform
    records = records_from_ktap(run.ktap)
    assert records, f"no bench.* figures (serial log {run.serial_log})"
    assert {r.platform for r in records} == {platform} and all(is_model(r.platform) for r in records)
    problems = check_plausible(records)
    assert problems == [], "\n".join(problems) + f"\nserial log: {run.serial_log}"
