"""``python3 -m ccktf bench`` against a fake QEMU that serves a fixture stream per platform= argument."""

import dataclasses
import json
import os
from pathlib import Path

import pytest

from ccktf import __version__, cli
from ccktf.bench_records import Results, host_cpu, load_results, write_results

FIXTURES = Path(__file__).parent / "fixtures"

FAKE_QEMU = """#!/usr/bin/python3
import os, sys
from pathlib import Path
append = sys.argv[sys.argv.index("-append") + 1]
platform = next(w.split("=", 1)[1] for w in append.split() if w.startswith("platform="))
with open(os.environ["BENCH_FAKE_ARGV"], "a") as log:
    log.write(" ".join(sys.argv[1:]) + "\\n")
base = Path(os.environ["BENCH_FAKE_STREAMS"]) / platform
sys.stdout.buffer.write(base.with_suffix(".ktap").read_bytes())
sys.exit(int(base.with_suffix(".status").read_text()))
"""


@pytest.fixture
def bench(tmp_path, monkeypatch, capsys):
    """Serves streams[platform] = (ktap text, QEMU status); runs the CLI; returns (status, out, err, out_dir)."""
    qemu = tmp_path / "fake-qemu"
    qemu.write_text(FAKE_QEMU)
    qemu.chmod(0o755)
    streams = tmp_path / "streams"
    streams.mkdir()
    monkeypatch.setenv("BENCH_FAKE_STREAMS", str(streams))
    monkeypatch.setenv("BENCH_FAKE_ARGV", str(tmp_path / "argv.txt"))
    kernel, firmware = tmp_path / "ccktf.efi", tmp_path / "OVMF.fd"
    kernel.write_bytes(b"MZ")
    firmware.write_bytes(b"fw")
    for platform in ("sim-tdx", "sim-snp"):
        serve(streams, platform, fixture_text(platform), 1)

    def run(*args):
        out_dir = tmp_path / "bench-out"
        status = cli.main(["bench", *args, f"--kernel={kernel}", f"--firmware={firmware}", f"--qemu={qemu}",
                           f"--log-dir={tmp_path / 'runs'}", f"--out={out_dir}", "--timeout=20"])
        out, err = capsys.readouterr()
        return status, out, err, out_dir
    run.streams = streams
    run.argv = lambda: (tmp_path / "argv.txt").read_text().splitlines()
    return run


def fixture_text(platform: str) -> str:
    return (FIXTURES / f"bench_{platform.replace('-', '_')}.ktap").read_text()


def serve(streams: Path, platform: str, text: str, status: int) -> None:
    (streams / f"{platform}.ktap").write_text(text)
    (streams / f"{platform}.status").write_text(str(status))


def test_both_models_by_default_with_6g_and_bench_full(bench):
    status, out, err, out_dir = bench()
    assert status == 0, err
    argv = bench.argv()
    assert [line.split("-append ")[1] for line in argv] == ["tests=bench platform=sim-tdx bench=full",
                                                            "tests=bench platform=sim-snp bench=full"]
    assert all(" -m 6G " in f" {line} " for line in argv)
    document = json.loads((out_dir / "results.json").read_text())
    assert document["status"] == "complete" and document["problems"] == []
    assert [(r["platform"], r["verdict"], r["ccktf_version"], r["memory"], r["is_model"]) for r in document["runs"]] == \
        [("sim-tdx", "passed", "0.1.0", "6G", True), ("sim-snp", "passed", "0.1.0", "6G", True)]
    assert {r["platform"] for r in document["records"]} == {"sim-tdx", "sim-snp"}
    assert document["runs"][0]["boot_metrics"][0]["name"] == "tsc.frequency"
    for name in ("summary.md", "throughput.png", "throughput.svg", "latency.png", "latency.svg"):
        assert (out_dir / name).stat().st_size > 0, name
    assert document["host"]["cpu"] == host_cpu() and document["host"]["harness_version"] == __version__
    assert {"kernel", "qemu"} <= set(document["host"])  # every result traceable to its machine
    summary = (out_dir / "summary.md").read_text()
    assert "## MODEL (sim-snp)" in summary and f"Host CPU: {host_cpu() or 'unknown'}; harness {__version__}" in summary
    assert "ccktf bench: complete" in out


def test_short_and_platform_list(bench):
    status, _, err, out_dir = bench("--short", "--platform", "sim-snp", "--append", "seed=3", "--smp", "2")
    assert status == 0, err
    assert bench.argv()[0].split("-append ")[1] == "tests=bench platform=sim-snp bench=short seed=3"
    run = load_results(out_dir / "results.json").runs[0]
    assert run["bench_mode"] == "short" and run["smp"] == 2


def test_mem_prealloc_reaches_qemu_and_the_results(bench):
    status, _, err, out_dir = bench("--short", "--platform", "sim-tdx", "--mem-prealloc")
    assert status == 0, err
    assert "-object memory-backend-ram,id=ccktf-ram,size=6G,prealloc=on -machine memory-backend=ccktf-ram" \
        in bench.argv()[0]
    assert load_results(out_dir / "results.json").runs[0]["mem_prealloc"] is True
    assert "(pre-allocated by the host: --mem-prealloc)" in (out_dir / "summary.md").read_text()


def test_failed_boot_writes_results_flagged_failed_and_exits_2(bench):
    truncated = fixture_text("sim-snp").split("    ok 3 ")[0]
    serve(bench.streams, "sim-snp", truncated, 0)
    status, out, err, out_dir = bench()
    assert status == 2
    results = load_results(out_dir / "results.json")
    assert not results.complete
    assert results.problems and results.problems[0].startswith("sim-snp: boot ERROR: ")
    assert {r.platform for r in results.records} == {"sim-tdx", "sim-snp"}  # kept, but the run is failed
    assert "Status: **FAILED**" in (out_dir / "summary.md").read_text()
    assert "ccktf bench: FAILED" in out and "problem: sim-snp: boot ERROR" in err


def test_failing_test_is_not_a_pass(bench):
    text = fixture_text("sim-tdx").replace("    ok 1 zeroing_bandwidth", "    not ok 1 zeroing_bandwidth") \
        .replace("pass:7 fail:0", "pass:6 fail:1").replace("ok 1 bench", "not ok 1 bench") \
        .replace("exit=passed code=0", "exit=failed code=1")
    serve(bench.streams, "sim-tdx", text, 3)
    status, _, _, out_dir = bench("--platform", "sim-tdx")
    assert status == 2
    assert load_results(out_dir / "results.json").problems[0].startswith("sim-tdx: boot FAILED: 1 test(s) failed")


def test_implausible_figures_fail_unless_no_check(bench):
    text = fixture_text("sim-tdx").replace("value=344.036 unit=MiB/s platform=sim-tdx level=2m size=8388608",
                                           "value=90000 unit=MiB/s platform=sim-tdx level=2m size=8388608")
    serve(bench.streams, "sim-tdx", text, 1)
    status, _, err, out_dir = bench("--platform", "sim-tdx")
    assert status == 2 and "implausible: sim-tdx bench.accept.throughput [level=2m size=8388608]" in err
    assert bench("--platform", "sim-tdx", "--no-check")[0] == 0


def test_baseline_regression_exits_1(bench, tmp_path):
    status, _, _, out_dir = bench()
    assert status == 0
    baseline = load_results(out_dir / "results.json")
    faster = [dataclasses.replace(r, value=r.value * 2) if r.name == "bench.accept.throughput" else r
              for r in baseline.records]
    write_results(Results(runs=baseline.runs, records=faster), tmp_path / "baseline.json")
    status, out, _, _ = bench("--baseline", str(tmp_path / "baseline.json"))
    assert status == 1 and "REGRESSED  bench.accept.throughput" in out
    status, out, _, _ = bench("--baseline", str(tmp_path / "baseline.json"), "--tolerance", "bench.accept.*=60")
    assert status == 0 and "result: all held" in out


@pytest.mark.parametrize("args, message", [
    (["--platform", "sim-tdx,bogus"], "cannot benchmark platform(s) bogus"),
    (["--platform", "none"], "cannot benchmark platform(s) none"),
    (["--append", "bench=short"], "--append may not set bench= or platform="),
])
def test_bad_options_exit_2(bench, args, message):
    status, _, err, _ = bench(*args)
    assert status == 2 and message in err
