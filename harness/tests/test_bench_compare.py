"""bench-compare: direction-aware regressions, tolerances, missing figures, platforms that never match."""

import dataclasses
import json
from pathlib import Path

import pytest

from ccktf import cli, ktap
from ccktf.bench_compare import Change, Tolerances, compare, format_comparison, judge, load_tolerance_file, \
    parse_tolerance
from ccktf.bench_contract import Direction
from ccktf.bench_records import BenchError, Record, Results, records_from_ktap, write_results

FIXTURES = Path(__file__).parent / "fixtures"


def fixture_records(platform: str) -> list[Record]:
    return records_from_ktap(ktap.parse((FIXTURES / f"bench_{platform.replace('-', '_')}.ktap").read_text()))


def scaled(records, name, factor, **match):
    """Copy of records with figure ``name`` (context ``match``) multiplied by ``factor``."""
    return [dataclasses.replace(r, value=r.value * factor)
            if r.name == name and all(r.context.get(k) == v for k, v in match.items()) else r for r in records]


def rows_by_change(comparison):
    return {change: [(r.name, r.context) for r in comparison.rows if r.change is change] for change in Change}


BASE = fixture_records("sim-tdx") + fixture_records("sim-snp")
TP = dict(level="2m", size="8388608")


def test_identical_results_hold():
    comparison = compare(Results(records=BASE), Results(records=list(BASE)))
    assert not comparison.failed and comparison.count(Change.HELD) == len(BASE)


@pytest.mark.parametrize("name, factor, context, expected", [
    ("bench.accept.throughput", 0.8, TP, Change.REGRESSED),        # throughput down: worse
    ("bench.accept.throughput", 1.25, TP, Change.IMPROVED),        # throughput up: better
    ("bench.zero.bandwidth", 0.5, {"method": "movnti"}, Change.REGRESSED),
    ("bench.accept.latency", 1.3, dict(TP, stat="p99"), Change.REGRESSED),   # latency up: worse
    ("bench.accept.latency", 0.7, dict(TP, stat="p99"), Change.IMPROVED),    # latency down: better
    ("bench.accept.ns_per_page", 1.2, TP, Change.REGRESSED),
    ("bench.round_trip.latency", 0.5, {"stat": "median"}, Change.IMPROVED),
    ("bench.accept.calls", 1.01, TP, Change.CHANGED),              # counts: exact, either way
    ("bench.accept.calls", 0.99, TP, Change.CHANGED),
])
def test_direction_aware_changes(name, factor, context, expected):
    current = scaled(BASE, name, factor, **context)
    comparison = compare(Results(records=BASE), Results(records=current))
    changed = [r for r in comparison.rows if r.change is not Change.HELD]
    assert {r.change for r in changed} == {expected}
    assert all(r.name == name for r in changed)
    assert comparison.failed is (expected is not Change.IMPROVED)


def test_tolerance_is_respected():
    current = scaled(BASE, "bench.accept.throughput", 0.92, **TP)   # 8 % slower
    assert not compare(Results(records=BASE), Results(records=current)).failed  # default 10 %
    assert compare(Results(records=BASE), Results(records=current), Tolerances(default=5)).failed
    per_name = Tolerances(default=5, patterns={"bench.accept.throughput": 9})
    assert not compare(Results(records=BASE), Results(records=current), per_name).failed


def test_count_tolerance_only_when_named():
    current = scaled(BASE, "bench.accept.retries", 1.0, **TP)
    current = [dataclasses.replace(r, value=100.0) if r.name == "bench.accept.calls" and r.context == TP else r
               for r in current]
    base = [dataclasses.replace(r, value=98.0) if r.name == "bench.accept.calls" and r.context == TP else r
            for r in BASE]
    assert compare(Results(records=base), Results(records=current), Tolerances(default=50)).failed
    assert not compare(Results(records=base), Results(records=current),
                       Tolerances(patterns={"bench.accept.c*": 5})).failed


def test_glob_and_exact_tolerances():
    tolerances = Tolerances(default=10, patterns={"bench.accept.*": 20, "bench.accept.latency": 50, "bench.*": 1})
    assert tolerances.percent("bench.accept.latency", Direction.LOWER) == 50
    assert tolerances.percent("bench.accept.throughput", Direction.HIGHER) == 1   # last glob wins
    assert tolerances.percent("tsc.frequency", Direction.EXACT) == 0
    assert Tolerances(default=10).percent("bench.round_trip.latency", Direction.LOWER) == 10


def test_missing_figure_fails_and_new_figure_does_not():
    current = [r for r in BASE if r.name != "bench.strategy.eager.throughput"]
    comparison = compare(Results(records=BASE), Results(records=current))
    assert comparison.failed
    assert rows_by_change(comparison)[Change.MISSING] == [("bench.strategy.eager.throughput", "")] * 2
    grown = compare(Results(records=current), Results(records=BASE))
    assert not grown.failed and grown.count(Change.NEW) == 2


def test_model_figures_never_match_hardware_figures():
    hardware = [dataclasses.replace(r, platform="tdx") for r in fixture_records("sim-tdx")]
    with pytest.raises(BenchError, match=r"no platform in common: baseline has sim-tdx \(model\), current has tdx "
                                         r"\(hardware\)"):
        compare(Results(records=fixture_records("sim-tdx")), Results(records=hardware))
    # With a platform in common, the other platform's figures are missing, never matched across platforms.
    mixed = compare(Results(records=fixture_records("sim-tdx") + fixture_records("sim-snp")),
                    Results(records=fixture_records("sim-snp") + hardware))
    assert mixed.failed
    assert mixed.count(Change.MISSING) == len(fixture_records("sim-tdx"))
    assert mixed.count(Change.NEW) == len(hardware)


def test_zero_baseline_allows_no_change():
    assert judge(0, 0, Direction.LOWER, 10) is Change.HELD
    assert judge(0, 5, Direction.LOWER, 10) is Change.REGRESSED
    assert judge(0, 5, Direction.EXACT, 10) is Change.CHANGED
    assert judge(-100, -95, Direction.LOWER, 1) is Change.REGRESSED


def test_unit_change_fails():
    current = [dataclasses.replace(r, unit="GiB/s") if r.name == "bench.zero.bandwidth" else r for r in BASE]
    comparison = compare(Results(records=BASE), Results(records=current))
    assert comparison.failed and all(r.note == "unit MiB/s -> GiB/s" for r in comparison.rows
                                     if r.change is Change.CHANGED)


def test_failed_current_run_fails_the_comparison():
    comparison = compare(Results(records=BASE), Results(records=BASE, problems=["sim-snp: boot ERROR"]))
    assert comparison.failed and "FAIL: the current results are flagged failed: sim-snp: boot ERROR" in comparison.notes


def test_table_lists_changes_and_tally():
    current = scaled(BASE, "bench.accept.throughput", 0.5, **TP)
    text = format_comparison(compare(Results(records=BASE), Results(records=current)))
    lines = text.splitlines()
    assert lines[0].split()[:4] == ["change", "figure", "platform", "context"]
    assert lines[1].startswith("REGRESSED  bench.accept.throughput  sim-tdx   level=2m size=8388608")
    assert "-50.0%" in lines[1] and "higher +/-10%" in lines[1]
    assert lines[-1] == "result: FAILED (regressed, changed or missing figures)"
    assert "2 regressed" in lines[-2]


@pytest.mark.parametrize("text, expected", [("bench.accept.*=15", ("bench.accept.*", 15.0)),
                                            ("bench.x=2.5%", ("bench.x", 2.5))])
def test_parse_tolerance(text, expected):
    assert parse_tolerance(text) == expected


@pytest.mark.parametrize("text", ["15", "=3", "bench.x=fast", "bench.x=-1"])
def test_parse_tolerance_rejects(text):
    with pytest.raises(ValueError):
        parse_tolerance(text)


def test_tolerance_file(tmp_path):
    path = tmp_path / "tol.json"
    path.write_text(json.dumps({"default": 3, "bench.accept.latency": 40}))
    tolerances = load_tolerance_file(path, Tolerances())
    assert tolerances.default == 3 and tolerances.patterns == {"bench.accept.latency": 40}
    path.write_text("[1]")
    with pytest.raises(BenchError, match="expected an object"):
        load_tolerance_file(path, Tolerances())


# -- the command line ---------------------------------------------------------------------------------

@pytest.fixture
def saved(tmp_path):
    def save(name, records, **kwargs):
        path = tmp_path / f"{name}.json"
        write_results(Results(records=records, **kwargs), path)
        return str(path)
    return save


def test_cli_exit_0_when_all_held(saved, capsys):
    assert cli.main(["bench-compare", saved("a", BASE), saved("b", BASE)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "result: all held"


def test_cli_exit_1_on_regression_and_tolerance_options(saved, capsys):
    base, cur = saved("a", BASE), saved("b", scaled(BASE, "bench.accept.latency", 1.3, stat="max"))
    assert cli.main(["bench-compare", base, cur]) == 1
    assert "REGRESSED  bench.accept.latency" in capsys.readouterr().out
    assert cli.main(["bench-compare", base, cur, "--tolerance", "bench.accept.latency=35"]) == 0
    assert cli.main(["bench-compare", base, cur, "--default-tolerance", "31"]) == 0
    assert cli.main(["bench-compare", base, cur, "--default-tolerance", "31",
                     "--tolerance", "bench.accept.*=5"]) == 1
    tolerance_file = Path(base).with_name("tolerances.json")
    tolerance_file.write_text(json.dumps({"bench.accept.latency": 35}))
    assert cli.main(["bench-compare", base, cur, "--tolerance-file", str(tolerance_file)]) == 0
    assert cli.main(["bench-compare", base, cur, "--tolerance-file", str(tolerance_file),
                     "--tolerance", "bench.accept.latency=1"]) == 1   # the command line wins


def test_cli_exit_2_on_platform_mismatch_and_bad_files(saved, tmp_path, capsys):
    hardware = [dataclasses.replace(r, platform="snp") for r in fixture_records("sim-snp")]
    assert cli.main(["bench-compare", saved("a", fixture_records("sim-snp")), saved("b", hardware)]) == 2
    assert "a model figure is not a hardware figure" in capsys.readouterr().err
    assert cli.main(["bench-compare", str(tmp_path / "missing.json"), saved("b", BASE)]) == 2
    assert "cannot read" in capsys.readouterr().err


def repeated(value, low, high, **context):
    ctx = {"level": "4k", "size": "4096", **context, "reps": "3", "min": str(low), "max": str(high)}
    return Record("bench.accept.throughput", value, "MiB/s", "sim-tdx", ctx)


def test_a_spread_above_the_bound_is_unstable():
    """docs/benchmarks.md "Repetitions": (max - min) / median above 25% flags the figure."""
    assert repeated(100.0, 90.0, 115.0).spread == pytest.approx(0.25)
    assert not repeated(100.0, 90.0, 115.0).unstable
    assert repeated(100.0, 80.0, 110.0).unstable
    assert Record("bench.accept.throughput", 1.0, "MiB/s", "sim-tdx", {"level": "4k", "size": "1"}).spread is None
    data = repeated(100.0, 50.0, 110.0).to_json()
    assert data["unstable"] is True and data["spread"] == 0.6


@pytest.mark.parametrize("factor", [0.7, 1.15])
def test_an_unstable_figure_is_neither_a_regression_nor_an_improvement(factor):
    base = [repeated(100.0, 60.0, 110.0)]  # unstable baseline; the current repetitions overlap its range
    cur = [repeated(100.0 * factor, 100.0 * factor * 0.95, 100.0 * factor * 1.05)]
    comparison = compare(Results(records=base), Results(records=cur))
    assert [row.change for row in comparison.rows] == [Change.UNSTABLE]
    assert "baseline spread 50%" in comparison.rows[0].note
    assert not comparison.failed
    # the same medians with stable repetitions on both sides: a real verdict
    stable = compare(Results(records=[repeated(100.0, 98.0, 102.0)]), Results(records=cur))
    assert [row.change for row in stable.rows] == [Change.REGRESSED if factor < 1 else Change.IMPROVED]
    assert stable.failed is (factor < 1)


@pytest.mark.parametrize("base, cur, change", [
    (repeated(1000.0, 990.0, 1010.0), repeated(400.0, 300.0, 500.0), Change.REGRESSED),   # a noisy 2.5x drop
    (repeated(1000.0, 700.0, 1300.0), repeated(300.0, 299.0, 301.0), Change.REGRESSED),   # a noisy baseline
    (repeated(300.0, 299.0, 301.0), repeated(1000.0, 700.0, 1300.0), Change.IMPROVED),
])
def test_a_change_beyond_every_repetition_is_real_however_unstable(base, cur, change):
    """Review of 7713ea9: 'unstable' hid any regression, even when no repetition of one side came near the
    other's; a single noisy baseline switched the gate off for that figure for good."""
    comparison = compare(Results(records=[base]), Results(records=[cur]))
    assert [row.change for row in comparison.rows] == [change]
    assert "every repetition beyond the other side's" in comparison.rows[0].note
    assert comparison.failed is (change is Change.REGRESSED)


def test_a_lower_is_better_figure_beyond_every_repetition_regresses():
    base = Record("bench.accept.fixed_cost", 100.0, "ns", "sim-tdx", {"level": "4k", "reps": "3", "min": "50",
                                                                      "max": "150"})
    cur = Record("bench.accept.fixed_cost", 900.0, "ns", "sim-tdx", {"level": "4k", "reps": "3", "min": "600",
                                                                     "max": "1400"})
    assert [row.change for row in compare(Results(records=[base]), Results(records=[cur])).rows] == [Change.REGRESSED]


def test_an_unstable_current_figure_is_flagged_and_matches_its_baseline():
    """reps=, min= and max= describe a figure: it still matches a baseline printed without them."""
    base = [Record("bench.accept.throughput", 100.0, "MiB/s", "sim-tdx", {"level": "4k", "size": "4096"})]
    comparison = compare(Results(records=base), Results(records=[repeated(40.0, 10.0, 90.0)]))
    assert [row.change for row in comparison.rows] == [Change.UNSTABLE]
    assert "current spread 200%" in comparison.rows[0].note and not comparison.failed


def test_summary_marks_unstable_figures():
    from ccktf.bench_summary import render_summary

    text = render_summary(Results(records=[repeated(100.0, 60.0, 110.0), repeated(50.0, 49.0, 51.0, size="65536")],
                                  host={}))
    assert "100 (60-110) **unstable** (spread 50%)" in text
    assert "50 (49-51) |" in text


def test_equal_repetitions_are_stable_even_at_zero():
    """A fixed cost of 0 ns in every repetition (zeroing dominates) has no spread: stable, not 'inf'."""
    zero = Record("bench.accept.fixed_cost", 0.0, "ns", "sim-tdx", {"level": "4k", "reps": "3", "min": "0", "max": "0"})
    assert zero.spread == 0.0 and not zero.unstable
    assert Record("bench.accept.fixed_cost", 0.0, "ns", "sim-tdx",
                  {"level": "4k", "reps": "3", "min": "0", "max": "5"}).unstable


def latency_median(value, low, high):
    return Record("bench.round_trip.latency", value, "ns", "sim-snp",
                  {"stat": "median", "samples": "498", "reps": "3", "min": str(low), "max": str(high)})


def test_an_unstable_round_trip_median_is_not_a_regression():
    base = [latency_median(1000.0, 990.0, 1010.0)]
    comparison = compare(Results(records=base), Results(records=[latency_median(2000.0, 1000.0, 2600.0)]))
    assert [row.change for row in comparison.rows] == [Change.UNSTABLE] and not comparison.failed
    stable = compare(Results(records=base), Results(records=[latency_median(2000.0, 1990.0, 2010.0)]))
    assert [row.change for row in stable.rows] == [Change.REGRESSED] and stable.failed
    # a baseline from before the round trip was repeated (no reps=, other samples=) still matches
    old = [Record("bench.round_trip.latency", 1000.0, "ns", "sim-snp", {"stat": "median", "samples": "500"})]
    assert [row.change for row in compare(Results(records=old), Results(records=base)).rows] == [Change.HELD]


def test_exit_boot_services_on_more_vcpus_is_another_figure_not_a_regression():
    """ExitBootServices grows with the vCPUs (edk2 moves every AP at it): 1.8-2.2 ms on one vCPU here, 12-13
    ms on two. Without cpus= in its identity a one-vCPU baseline made a two-vCPU run a 6x regression."""
    from ccktf.bench_check import record_problems

    def ebs(value, cpus):
        return Record("bench.strategy.firmware.exit_boot_services", value, "ns", "sim-snp",
                      {"allow_unaccepted": "1", "cpus": cpus})

    assert record_problems(ebs(12.2e6, "2")) == []
    comparison = compare(Results(records=[ebs(2.0e6, "1")]), Results(records=[ebs(12.2e6, "2")]))
    assert rows_by_change(comparison)[Change.REGRESSED] == []
    assert comparison.count(Change.NEW) == 1 and comparison.count(Change.MISSING) == 1
