"""Plots: PNG and SVG files that are non-empty and real images, also when figures are missing."""

from pathlib import Path

import pytest

from ccktf import ktap
from ccktf.bench_plot import plot_all, plot_latency, plot_scaling, plot_throughput, scaling_series, series
from ccktf.bench_records import Record, records_from_ktap

FIXTURES = Path(__file__).parent / "fixtures"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def fixture_records(platform: str) -> list[Record]:
    return records_from_ktap(ktap.parse((FIXTURES / f"bench_{platform.replace('-', '_')}.ktap").read_text()))


def assert_images(paths, stems):
    assert sorted(p.name for p in paths) == sorted(f"{s}.{f}" for s in stems for f in ("png", "svg"))
    for path in paths:
        data = path.read_bytes()
        assert len(data) > 1000, path
        if path.suffix == ".png":
            assert data.startswith(PNG_MAGIC)
        else:
            assert b"<svg" in data[:2000]


def test_all_plots_are_written(tmp_path):
    paths = plot_all(fixture_records("sim-tdx") + fixture_records("sim-snp"), tmp_path / "plots")
    assert_images(paths, ["throughput", "latency"])


def test_titles_say_model(tmp_path):
    plot_all(fixture_records("sim-tdx") + fixture_records("sim-snp"), tmp_path)
    svg = (tmp_path / "throughput.svg").read_text()
    assert "MODEL (sim-tdx)" in svg and "MODEL (sim-snp)" in svg
    latency = (tmp_path / "latency.svg").read_text()
    assert "Acceptance latency: MODEL (sim-tdx)" in latency and "Acceptance latency: MODEL (sim-snp)" in latency


@pytest.mark.parametrize("records", [
    [],
    [Record("bench.zero.bandwidth", 100, "MiB/s", "sim-tdx", {"method": "rep_stosb"})],
    [Record("bench.accept.latency", 100, "ns", "tdx", {"level": "4k", "size": "4096", "stat": "p99"})],
], ids=["nothing", "no-acceptance", "one-stat-only"])
def test_missing_figures_still_plot(tmp_path, records):
    assert_images(plot_throughput(records, tmp_path) + plot_latency(records, tmp_path), ["throughput", "latency"])


def test_series_is_sorted_by_size_and_filtered():
    records = fixture_records("sim-snp")
    points = series(records, "bench.accept.throughput", "sim-snp", "4k")
    assert [size for size, _ in points] == [4096, 65536, 2097152, 8388608]
    assert series(records, "bench.accept.throughput", "sim-tdx", "4k") == []
    first = next(r for r in records if r.name == "bench.accept.latency" and r.context == {"level": "2m", "size": "4096", "stat": "max"})
    assert series(records, "bench.accept.latency", "sim-snp", "2m", stat="max")[0] == (4096, first.value)


def test_scaling_plot_is_written_for_a_run_with_two_cpus(tmp_path):
    records = fixture_records("sim-snp-smp2")
    paths = plot_all(records, tmp_path)
    assert_images(paths, ["throughput", "latency", "scaling"])
    svg = (tmp_path / "scaling.svg").read_text()
    assert "MODEL (sim-snp)" in svg and "host gave x" in svg


def test_no_scaling_plot_without_scaling_figures(tmp_path):
    assert plot_scaling(fixture_records("sim-tdx"), tmp_path) == []
    assert not (tmp_path / "scaling.png").exists()


def test_scaling_series_is_by_cpus():
    records = fixture_records("sim-snp-smp2")
    claim = scaling_series(records, "sim-snp", "4k", "claim")
    assert [cpus for cpus, _ in claim] == [1, 2]
    assert [cpus for cpus, _ in scaling_series(records, "sim-snp", "4k", "stride")] == [2]
    assert scaling_series(records, "sim-tdx", "4k", "claim") == []
