"""Real boots of the bench suite (docs/benchmarks.md) on both models with bench=short, 6G guest: the run
passes and ``check_plausible`` finds no problem with its figures."""

import pytest

from ccktf.bench_check import check_plausible
from ccktf.platforms import is_model
from ccktf.bench_records import records_from_ktap

# One worker boots each platform's short bench once for every test here (module fixture short_bench).
pytestmark = [pytest.mark.boot, pytest.mark.xdist_group("bench-short")]
SHORT_TIMEOUT = 600  # bench=short takes seconds to a few minutes under TCG


@pytest.fixture(scope="module")
def short_bench(ccktf_boot):
    """The whole bench suite with bench=short, booted once per platform for every test of this module."""
    runs = {}

    def boot(platform):
        if platform not in runs:
            # two vCPUs, as make bench boots one per host core: the scaling figures too (docs/benchmarks.md)
            runs[platform] = ccktf_boot(f"platform={platform} tests=bench bench=short",
                                        label=f"bench-short-{platform}", memory="6G", timeout=SHORT_TIMEOUT,
                                        smp=2)
        return runs[platform]
    return boot


@pytest.mark.parametrize("platform", ["sim-tdx", "sim-snp"])
def test_short_bench_is_plausible(short_bench, platform):
    run = short_bench(platform)
    assert run.verdict.passed, f"{run.verdict}\nserial log: {run.serial_log}\n{run.serial_tail()}"
    # Progress lines are diagnostics of the running test: none may read as a test named after the suite
    # (a boot that died mid-benchmark was blamed on 'bench.bench').
    assert not [line for suite in run.ktap.suites for line in suite.diagnostics if line.startswith("bench:")]
    assert any(test.diagnostics for test in run.ktap.tests() if test.status.value == "pass")
    assert run.ktap.platform == platform
    records = records_from_ktap(run.ktap)
    assert records, f"no bench.* figures (serial log {run.serial_log})"
    assert {r.platform for r in records} == {platform} and all(is_model(r.platform) for r in records)
    problems = check_plausible(records)
    assert problems == [], "\n".join(problems) + f"\nserial log: {run.serial_log}"
    # issue 10: cold and warm memory, the host's mapping level, and (SNP) the PSC and coherency sweeps
    names = {(r.name, r.context.get("memory")) for r in records}
    assert {("bench.host.first_touch", None), ("bench.host.map_level", None), ("bench.zero.bandwidth", "cold"),
            ("bench.accept.throughput", "warm"), ("bench.accept.zero_ratio", "warm")} <= names
    # every timed figure is repeated (bench_reps=3 by default), ExitBootServices (once per boot) is not
    repeated = {r.name for r in records if r.context.get("reps") == "3"}
    assert {"bench.round_trip.latency", "bench.accept.fixed_cost", "bench.accept.zero_ratio",
            "bench.strategy.eager.throughput", "bench.strategy.lazy.first_touch",
            "bench.strategy.lazy.second_touch"} <= repeated
    assert "bench.strategy.firmware.exit_boot_services" not in repeated
    # issue 12: scaling with CPUs, claim at 1 and 2 CPUs, stride at 2, each CPU's share, and the control
    scaling = {(r.context.get("strategy"), r.context.get("cpus")) for r in records if r.name == "bench.scaling.throughput"}
    assert scaling == {("claim", "1"), ("claim", "2"), ("stride", "2")}, scaling
    shares = [r for r in records if r.name == "bench.scaling.per_cpu" and r.context["strategy"] == "claim"
              and r.context["cpus"] == "2"]
    assert sorted(r.context["cpu"] for r in shares) == ["0", "0", "1", "1"]  # per level
    # the control runs once inside each scaling repetition of each level, seeing the host when they did
    control = [r for r in records if r.name == "bench.scaling.control_speedup"]
    assert len(control) == 1, control
    reps = int(next(r for r in records if r.name == "bench.scaling.throughput").context["reps"])
    assert control[0].context["reps"] == str(2 * reps), (control[0].context, reps)
    level = next(r for r in records if r.name == "bench.host.map_level")
    assert level.value == 4096 and level.context["fallbacks"] == level.context["attempts"]  # sim_host_map=4k
    if platform == "sim-snp":
        exits = {int(r.context["batch"]): r.value for r in records if r.name == "bench.snp.psc.exits"}
        assert sorted(exits) == [1, 16, 64, 253] and exits[1] > exits[16] > exits[64] >= exits[253]
        pages = {r.context["evict"]: r.value for r in records if r.name == "bench.snp.coherency.pages"}
        assert pages["off"] == 0 and pages["on"] > 0


@pytest.mark.parametrize("platform", ["sim-tdx"])
def test_a_bench_case_alone_prints_what_it_prints_in_the_suite(ccktf_boot, short_bench, platform):
    """Issue 10: the zeroing reference is the suite's init, so a single bench case run alone prints the
    same figures (fixed_cost and zero_ratio included) as in the full suite, and the counts behind them
    are equal; only the timings may differ."""
    case = "bench.accept_by_request_size_4k"
    runs = {}
    alone = ccktf_boot(f"platform={platform} tests={case} bench=short", label=f"bench-alone-{platform}",
                       memory="6G", timeout=SHORT_TIMEOUT)
    for label, run in (("suite", short_bench(platform)), ("alone", alone)):
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
