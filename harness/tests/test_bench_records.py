"""Bench records from KTAP fixtures (docs/benchmarks.md, docs/protocol.md "Metric lines") and the JSON schema."""

import json
from pathlib import Path

import pytest

from ccktf import ktap
from ccktf.bench_records import SCHEMA, BenchError, Record, Results, RunInfo, bench_mode, host_cpu, load_results, \
    records_from_ktap, split_metrics, write_results

FIXTURES = Path(__file__).parent / "fixtures"


def parsed(platform: str) -> ktap.KtapResult:
    return ktap.parse((FIXTURES / f"bench_{platform.replace('-', '_')}.ktap").read_text())


def test_records_are_the_bench_metric_lines_in_order():
    records = records_from_ktap(parsed("sim-tdx"))
    assert records[0] == Record("bench.zero.bandwidth", 605.203, "MiB/s", "sim-tdx", {"method": "rep_stosb"},
                                "bench.zeroing_bandwidth")
    assert all(r.name.startswith("bench.") and r.platform == "sim-tdx" and r.is_model for r in records)
    throughput = [r for r in records if r.name == "bench.accept.throughput"]
    assert [(r.context["level"], r.context["size"]) for r in throughput] == [
        (level, size) for level in ("4k", "2m") for size in ("4096", "65536", "2097152", "8388608")]
    assert throughput[-1].value == 344.036
    assert all(r.test == "bench.accept_4k_by_request_size" for r in throughput[:4])


def test_non_bench_metrics_are_kept_apart():
    bench, other = split_metrics(parsed("sim-snp").metrics)
    assert other[0].name == "tsc.frequency" and not any(m.name.startswith("bench.") for m in other)
    assert other[0].test is None and other[0].context == {"source": "stall"}
    assert len(bench) == len(records_from_ktap(parsed("sim-snp")))


def test_key_is_name_platform_and_sorted_context():
    a = Record("bench.accept.latency", 1, "ns", "sim-tdx", {"stat": "p99", "level": "2m", "size": "4096"})
    b = Record("bench.accept.latency", 2, "ns", "sim-tdx", {"size": "4096", "level": "2m", "stat": "p99"})
    assert a.key == b.key
    assert a.key != Record("bench.accept.latency", 1, "ns", "tdx", dict(a.context)).key


def test_model_flag_follows_the_platform():
    assert Record("x", 1, "ns", "sim-snp").is_model and not Record("x", 1, "ns", "snp").is_model


def sample_results(tmp_path) -> tuple[Results, dict]:
    records = records_from_ktap(parsed("sim-tdx"))
    run = RunInfo("sim-tdx", "tcg", "6G", 1, "tests=bench platform=sim-tdx bench=short", ccktf_version="0.1.0",
                  verdict="passed", boot_metrics=split_metrics(parsed("sim-tdx").metrics)[1])
    results = Results(runs=[run], records=records)
    return results, write_results(results, tmp_path / "out" / "results.json")


def test_json_document_has_the_documented_fields(tmp_path):
    results, document = sample_results(tmp_path)
    on_disk = json.loads((tmp_path / "out" / "results.json").read_text())
    assert on_disk == document
    assert document["schema"] == SCHEMA and document["status"] == "complete" and document["problems"] == []
    assert {"cpu", "cpu_family", "cpu_model", "cpu_stepping", "kernel", "qemu", "harness_version"} <= set(document["host"])
    assert document["created"].endswith("Z")
    run = document["runs"][0]
    assert run["platform"] == "sim-tdx" and run["is_model"] is True and run["bench_mode"] == "short"
    assert {"qemu_profile", "memory", "smp", "ccktf_version", "kernel_args", "verdict", "boot_metrics"} <= set(run)
    record = document["records"][0]
    assert record == {"name": "bench.zero.bandwidth", "value": 605.203, "unit": "MiB/s", "platform": "sim-tdx",
                      "is_model": True, "context": {"method": "rep_stosb"}, "test": "bench.zeroing_bandwidth"}


def test_json_round_trip(tmp_path):
    results, _ = sample_results(tmp_path)
    loaded = load_results(tmp_path / "out" / "results.json")
    assert loaded.records == results.records and loaded.complete
    assert loaded.run_for("sim-tdx")["memory"] == "6G"


def test_problems_make_the_document_failed(tmp_path):
    document = write_results(Results(problems=["sim-snp: boot ERROR: timed out"]), tmp_path / "r.json")
    assert document["status"] == "failed"
    assert not load_results(tmp_path / "r.json").complete


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d.update(schema="other/1"), "schema 'other/1'"),
    (lambda d: d.update(status="partial"), "status 'partial'"),
    (lambda d: d["records"][0].pop("unit"), "record 0: lacks unit"),
    (lambda d: d["records"][1].update(value="fast"), "record 1: value 'fast' is not a number"),
    (lambda d: d["records"][0].update(is_model=False), "is_model=False contradicts platform sim-tdx"),
    (lambda d: d["records"][0].update(context={"size": 4096}), "context must map keys to strings"),
])
def test_schema_violations_are_reported(tmp_path, mutate, message):
    _, document = sample_results(tmp_path)
    mutate(document)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document))
    with pytest.raises(BenchError, match=message.replace("(", r"\(")):
        load_results(path)


def test_unreadable_files_are_clear_errors(tmp_path):
    with pytest.raises(BenchError, match="cannot read"):
        load_results(tmp_path / "nope.json")
    (tmp_path / "x.json").write_text("{")
    with pytest.raises(BenchError, match="not JSON"):
        load_results(tmp_path / "x.json")


def test_bench_mode_and_host_cpu(tmp_path):
    assert bench_mode("tests=bench platform=sim-tdx bench=full seed=3") == "full"
    assert bench_mode("tests=bench") is None
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nmodel name\t: Example CPU @ 2.0GHz\n")
    assert host_cpu(cpuinfo) == "Example CPU @ 2.0GHz"
    assert host_cpu(tmp_path / "missing") is None
