"""check_plausible against docs/benchmarks.md: units, context, zero values, completeness, TDX zeroing bound."""

import dataclasses
from pathlib import Path

import pytest

from ccktf import ktap
from ccktf.bench_check import check_plausible
from ccktf.bench_contract import CONTRACT
from ccktf.bench_records import Record, records_from_ktap

FIXTURES = Path(__file__).parent / "fixtures"


def fixture_records(platform: str) -> list[Record]:
    return records_from_ktap(ktap.parse((FIXTURES / f"bench_{platform.replace('-', '_')}.ktap").read_text()))


def replace(records, figure, match=None, **changes):
    """A copy of records where the first figure named ``figure`` (with context ``match``) gets ``changes``."""
    out, done = [], False
    for record in records:
        if not done and record.name == figure and all(record.context.get(k) == v for k, v in (match or {}).items()):
            record, done = dataclasses.replace(record, **changes), True
        out.append(record)
    assert done, f"no {figure} {match} in the fixture"
    return out


@pytest.mark.parametrize("platform", ["sim-tdx", "sim-snp"])
def test_fixture_runs_are_plausible(platform):
    assert check_plausible(fixture_records(platform)) == []


def test_both_platforms_together_are_plausible():
    assert check_plausible(fixture_records("sim-tdx") + fixture_records("sim-snp")) == []


@pytest.mark.parametrize("name, match, changes, message", [
    ("bench.accept.throughput", {}, {"value": 0.0}, "value 0 must be positive"),
    ("bench.round_trip.latency", {"stat": "p99"}, {"value": -1.0}, "value -1 must be positive"),
    ("bench.zero.bandwidth", {"method": "movnti"}, {"unit": "GiB/s"}, "unit GiB/s, docs/benchmarks.md says MiB/s"),
    ("bench.accept.latency", {}, {"unit": ""}, "no unit"),
    ("bench.accept.calls", {}, {"platform": ""}, "no platform"),
    ("bench.accept.latency", {}, {"context": {"level": "4k", "size": "4096"}}, "lacks context key stat="),
    ("bench.accept.throughput", {}, {"context": {"level": "1g", "size": "4096"}}, "context level=1g is not one of"),
    ("bench.accept.throughput", {}, {"context": {"level": "4k", "size": "4K"}}, "size=4K is not a number of bytes"),
    ("bench.zero.bandwidth", {}, {"context": {"method": "rep_stosb", "cpu": "0"}}, "context key(s) cpu not in"),
    ("bench.accept.retries", {}, {"value": -2.0}, "a count cannot be negative"),
    ("bench.accept.calls", {}, {"name": "bench.accept.callz"}, "bench.accept.callz [level=4k size=4096]: figure not in"),
])
def test_each_contract_violation_is_a_problem(name, match, changes, message):
    problems = check_plausible(replace(fixture_records("sim-snp"), name, match, **changes), require_all=False)
    assert any(message in problem for problem in problems), problems


def test_zero_is_allowed_where_the_contract_allows_it():
    records = replace(fixture_records("sim-snp"), "bench.accept.fixed_cost", value=0.0)
    records = replace(records, "bench.accept.fallbacks", value=0.0)
    assert check_plausible(records) == []


def test_missing_figure_is_a_problem_unless_not_required():
    records = [r for r in fixture_records("sim-tdx") if r.name != "bench.strategy.eager.throughput"]
    assert check_plausible(records) == ["sim-tdx bench.strategy.eager.throughput: missing (docs/benchmarks.md lists it)"]
    assert check_plausible(records, require_all=False) == []


def test_every_contract_name_is_in_the_fixture():
    """The one-vCPU fixtures hold every figure but the scaling ones, which need two CPUs."""
    for platform in ("sim-tdx", "sim-snp"):
        assert {r.name for r in fixture_records(platform)} == {
            name for name, spec in CONTRACT.items() if spec.applies_to(platform) and not spec.multi_cpu}


def test_a_two_cpu_run_holds_every_figure_and_is_plausible():
    records = fixture_records("sim-snp-smp2")
    assert {r.name for r in records} == {name for name, spec in CONTRACT.items() if spec.applies_to("sim-snp")}
    assert check_plausible(records) == []


def test_scaling_figures_are_required_once_a_run_prints_any():
    one_cpu = fixture_records("sim-snp")
    assert check_plausible(one_cpu) == []  # a one-vCPU run is complete without them
    partial = [r for r in fixture_records("sim-snp-smp2") if r.name != "bench.scaling.outside_platform"]
    assert check_plausible(partial) == ["sim-snp bench.scaling.outside_platform: missing (docs/benchmarks.md lists it)"]


def test_scaling_context_is_checked():
    records = replace(fixture_records("sim-snp-smp2"), "bench.scaling.throughput",
                      context={"level": "4k", "strategy": "round-robin", "cpus": "2"})
    assert any("strategy=round-robin is not one of claim|stride" in p for p in check_plausible(records))


def test_snp_only_figures_are_not_required_on_tdx():
    assert not CONTRACT["bench.accept.coherency_ns"].applies_to("sim-tdx")
    assert CONTRACT["bench.accept.coherency_ns"].applies_to("snp")


def test_duplicates_are_a_problem():
    records = fixture_records("sim-tdx")
    problems = check_plausible(records + [records[3]])
    assert problems == [f"sim-tdx {records[3].name} [{records[3].describe_context()}]: printed 2 times"]


def test_no_bench_figures_at_all_is_a_problem():
    assert "no bench.* figures" in check_plausible([Record("tsc.frequency", 1e9, "Hz", "sim-tdx")])[0]


def value_of(records, name, **context):
    return next(r.value for r in records if r.name == name and all(r.context.get(k) == v for k, v in context.items()))


def best_zeroing(platform):
    return value_of(fixture_records(platform), "bench.zero.bandwidth", method="best")


def cold_zeroing(platform):
    return value_of(fixture_records(platform), "bench.zero.bandwidth", memory="cold")


def cold_as_warm(records, platform):
    """As with the host's memory pre-allocated: zeroing on cold memory as fast as on warm (cold ratios kept
    consistent)."""
    scale = cold_zeroing(platform) / best_zeroing(platform)
    records = [dataclasses.replace(r, value=int(r.value * scale * 1000) / 1000)
               if r.name == "bench.accept.zero_ratio" and r.context.get("memory") == "cold" else r for r in records]
    return replace(records, "bench.zero.bandwidth", {"memory": "cold"}, value=best_zeroing(platform))


WHERE = {"level": "2m", "size": "8388608"}


def faster(factor, lowest=None, ratio_memory="warm"):
    """sim-tdx fixture with the 2m / 8 MiB acceptance throughput at ``factor`` x the best zeroing (ratio kept
    consistent, and called ``ratio_memory``: cold_as_warm() made the two references equal); every repetition
    as fast, or the lowest at ``lowest`` x."""
    low = factor if lowest is None else lowest
    records = cold_as_warm(fixture_records("sim-tdx"), "sim-tdx")
    for name, unit in (("bench.accept.throughput", best_zeroing("sim-tdx")), ("bench.accept.zero_ratio", 1.0)):
        record = next(r for r in records if r.name == name and all(r.context.get(k) == v for k, v in WHERE.items()))
        context = dict(record.context)
        if "min" in context or lowest is not None:
            context.update(reps="3", min=f"{unit * low:g}", max=f"{unit * factor:g}")
        if name == "bench.accept.zero_ratio":
            context["memory"] = ratio_memory
        records = replace(records, name, WHERE, value=unit * factor, context=context)
    return records


def test_tdx_acceptance_faster_than_zeroing_is_implausible():
    problems = [p for p in check_plausible(faster(1.2)) if "ratio" not in p]
    assert len(problems) == 1 and f"exceeds the best zeroing bandwidth {best_zeroing('sim-tdx'):g} MiB/s" in problems[0]
    assert "level=2m size=8388608" in problems[0]


def test_tdx_margin_is_respected():
    records = faster(1.05)
    assert check_plausible(records) == []
    assert check_plausible(records, margin=0.01) != []


def test_tdx_zero_ratio_above_one_is_implausible():
    assert any("ratio 1.2 (lowest repetition 1.2) > 1.1" in p for p in check_plausible(faster(1.2)))


def test_tdx_cold_ratio_is_not_bounded_by_an_unrepeated_reference():
    """CI failed make test on a sim-tdx short bench whose 4k / 4 MiB cold ratio was 1.244 (lowest repetition
    1.13): its reference, bench.zero.bandwidth memory=cold, is one pass at the suite's start, and it ranged
    from 149 to 1363 MiB/s over this machine's boots. A cold ratio above 1 is no evidence; a warm one is."""
    records = fixture_records("sim-tdx")
    throughput = round(cold_zeroing("sim-tdx") * 1.244, 3)
    records = replace(records, "bench.accept.throughput", WHERE, value=throughput)
    ratio = next(r for r in records if r.name == "bench.accept.zero_ratio"
                 and all(r.context.get(k) == v for k, v in WHERE.items()))
    records = replace(records, "bench.accept.zero_ratio", WHERE, value=1.244,
                      context={**ratio.context, "reps": "3", "min": "1.13", "max": "1.247"})
    assert throughput < best_zeroing("sim-tdx") and check_plausible(records) == []
    assert len([p for p in check_plausible(faster(1.2, lowest=1.05, ratio_memory="warm")) if "ratio" in p]) == 0
    assert len([p for p in check_plausible(faster(1.2, lowest=1.15, ratio_memory="warm")) if "ratio" in p]) == 1
    # the throughput bound still catches acceptance that beats warm zeroing on cold memory
    assert len([p for p in check_plausible(faster(1.2, ratio_memory="cold")) if "exceeds" in p]) == 1


def test_tdx_bound_is_judged_by_the_lowest_repetition():
    """One repetition slowed by a busy host is noise: a non-zeroing model is above the bound in every one. The
    sim-tdx short bench failed make test on a loaded host with ratios 1.12 and 1.20 in single repetitions."""
    assert [p for p in check_plausible(faster(1.2, lowest=1.05)) if "zero" in p] == []
    assert len([p for p in check_plausible(faster(1.2, lowest=1.15)) if "zero" in p]) == 2


def test_snp_may_accept_faster_than_it_zeroes():
    records = replace(cold_as_warm(fixture_records("sim-snp"), "sim-snp"), "bench.accept.throughput", WHERE,
                      value=best_zeroing("sim-snp") * 2.9)
    records = replace(records, "bench.accept.zero_ratio", WHERE, value=2.9)
    assert check_plausible(records) == []


def test_tdx_without_zeroing_reference_is_a_problem():
    records = [r for r in fixture_records("sim-tdx") if not (r.name == "bench.zero.bandwidth"
                                                             and r.context["method"] == "best")]
    assert any("cannot bound acceptance throughput" in p for p in check_plausible(records, require_all=False))


SMALL = {"level": "4k", "size": "65536"}


def test_zero_ratio_must_be_against_zeroing_on_memory_as_cold():
    records = fixture_records("sim-snp")
    expected = value_of(records, "bench.accept.throughput", **SMALL) / cold_zeroing("sim-snp")
    problems = check_plausible(replace(records, "bench.accept.zero_ratio", SMALL, value=expected * 2 + 0.1))
    assert len(problems) == 1
    assert f"/ cold zeroing {cold_zeroing('sim-snp'):g} MiB/s = {expected:.3f}" in problems[0]
    # against the warm (method=best) zeroing it would be a different figure: also a problem
    warm = value_of(records, "bench.accept.throughput", **SMALL) / best_zeroing("sim-snp")
    assert len(check_plausible(replace(records, "bench.accept.zero_ratio", SMALL, value=warm))) == 1


def test_zero_ratio_rounding_is_tolerated():
    records = fixture_records("sim-snp")
    expected = value_of(records, "bench.accept.throughput", **SMALL) / cold_zeroing("sim-snp")
    truncated = int(expected * 1000) / 1000  # the kernel prints three decimals, truncated
    assert check_plausible(replace(records, "bench.accept.zero_ratio", SMALL, value=truncated)) == []

def test_p99_needs_100_samples_and_samples_is_descriptive():
    """docs/benchmarks.md "Precision": a p99 from fewer than 100 samples is not a p99; samples= and exact=
    describe a statistic without being part of its identity."""
    from ccktf.bench_check import record_problems
    from ccktf.bench_records import Record

    def p99(samples):
        return Record("bench.round_trip.latency", 900.0, "ns", "sim-tdx", {"stat": "p99", "samples": samples})

    assert record_problems(p99("100")) == []
    assert any("p99 from 64 samples" in p for p in record_problems(p99("64")))
    inexact = Record("bench.round_trip.latency", 900.0, "ns", "sim-tdx",
                     {"stat": "p99", "samples": "20000", "exact": "0"})
    assert record_problems(inexact) == []
    assert inexact.key == p99("64").key == Record("bench.round_trip.latency", 1.0, "ns", "sim-tdx",
                                                    {"stat": "p99"}).key


def test_repeated_figures_carry_numbers_for_min_and_max():
    from ccktf.bench_check import record_problems
    from ccktf.bench_records import Record

    ctx = {"method": "best", "reps": "3", "min": "1581.854", "max": "4114.491"}
    assert record_problems(Record("bench.zero.bandwidth", 3000.0, "MiB/s", "sim-tdx", ctx)) == []
    bad = record_problems(Record("bench.zero.bandwidth", 3000.0, "MiB/s", "sim-tdx", {**ctx, "min": "x"}))
    assert bad and "min=x is not a number" in bad[0]


# fixtures/bench_sim_snp_reps.ktap: a real bench=short run on the SNP model once every timed figure was
# repeated (docs/benchmarks.md "Repetitions")
REPEATED_NOW = {"bench.zero.bandwidth", "bench.accept.throughput", "bench.accept.zero_ratio",
                "bench.accept.fixed_cost", "bench.round_trip.latency", "bench.snp.psc.throughput",
                "bench.snp.coherency.throughput", "bench.strategy.eager.throughput",
                "bench.strategy.lazy.first_touch", "bench.strategy.lazy.second_touch"}


def test_a_run_with_every_timed_figure_repeated_is_plausible():
    records = fixture_records("sim-snp-reps")
    assert check_plausible(records) == []
    assert {r.name for r in records if "reps" in r.context} == REPEATED_NOW
    # latency figures: only the median line is repeated; min, p99 and max are over every value
    for name in ("bench.round_trip.latency", "bench.strategy.lazy.first_touch"):
        assert {r.context["stat"] for r in records if r.name == name and "reps" in r.context} == {"median"}


@pytest.mark.parametrize("name, match", [
    ("bench.accept.fixed_cost", {"level": "4k"}),
    ("bench.round_trip.latency", {"stat": "median"}),
    ("bench.strategy.eager.throughput", {}),
])
def test_a_median_outside_its_own_repetitions_is_implausible(name, match):
    records = fixture_records("sim-snp-reps")
    record = next(r for r in records if r.name == name and all(r.context.get(k) == v for k, v in match.items()))
    high = float(record.context["max"])
    problems = check_plausible(replace(records, name, match, value=high * 1.5 + 1))
    assert len(problems) == 1 and "is outside their min" in problems[0] and name in problems[0], problems
    assert check_plausible(replace(records, name, match, value=high)) == []  # the bounds are inclusive


def test_repetitions_on_a_figure_measured_once_per_boot_are_not_in_the_contract():
    records = replace(fixture_records("sim-snp-reps"), "bench.strategy.firmware.exit_boot_services",
                      context={"allow_unaccepted": "1", "reps": "3", "min": "1", "max": "9999999"})
    assert any("context key(s) max, min, reps not in" in p for p in check_plausible(records))
