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


@pytest.mark.parametrize("platform", ["sim-tdx"])
def test_a_bench_case_alone_prints_what_it_prints_in_the_suite(ccktf_boot, platform):
    """Issue 10: the zeroing reference is the suite's init, so a single bench case run alone prints the
    same figures (fixed_cost and zero_ratio included) as in the full suite, and the counts behind them
    are equal; only the timings may differ."""
    case = "bench.accept_by_request_size_4k"
    runs = {}
    for label, tests in (("suite", "bench"), ("alone", case)):
        run = ccktf_boot(f"platform={platform} tests={tests} bench=short", label=f"bench-{label}-{platform}",
                         memory="6G", timeout=SHORT_TIMEOUT)
        assert run.verdict.passed, f"{run.verdict}\nserial log: {run.serial_log}\n{run.serial_tail()}"
        runs[label] = [r for r in records_from_ktap(run.ktap) if r.test == case]
    suite, alone = runs["suite"], runs["alone"]
    assert {r.name for r in alone} >= {"bench.accept.fixed_cost", "bench.accept.zero_ratio",
                                       "bench.accept.throughput", "bench.accept.latency"}
    assert sorted(r.key for r in alone) == sorted(r.key for r in suite)
    counts = lambda records: {r.key: r.value for r in records if r.unit == "count"}  # noqa: E731
    assert counts(alone) == counts(suite)
    samples = lambda records: {r.key: r.context.get("samples") for r in records}  # noqa: E731
    assert samples(alone) == samples(suite)
