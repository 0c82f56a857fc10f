"""summary.md: the model disclaimer, per-platform tables, failed runs, missing figures."""

from pathlib import Path

from ccktf import ktap
from ccktf.bench_records import Record, Results, RunInfo, records_from_ktap
from ccktf.bench_summary import human_size, number, render_summary

FIXTURES = Path(__file__).parent / "fixtures"


def fixture_records(platform: str) -> list[Record]:
    return records_from_ktap(ktap.parse((FIXTURES / f"bench_{platform.replace('-', '_')}.ktap").read_text()))


def results(**kwargs) -> Results:
    runs = [RunInfo(p, "tcg", "6G", 1, f"tests=bench platform={p} bench=full", ccktf_version="0.1.0",
                    verdict="passed", seconds=321.0) for p in ("sim-tdx", "sim-snp")]
    return Results(runs=runs, records=fixture_records("sim-tdx") + fixture_records("sim-snp"),
                   host={"cpu": "Example CPU", "harness_version": "0.1.0"}, created="2025-01-01T00:00:00Z", **kwargs)


def section(text: str, heading: str) -> list[str]:
    """The lines under ``heading`` up to the next heading of the same or higher level."""
    lines = text.splitlines()
    start = lines.index(heading)
    level = heading.split(" ")[0]
    end = next((i for i in range(start + 1, len(lines))
                if lines[i].startswith("#") and len(lines[i].split(" ")[0]) <= len(level)), len(lines))
    return lines[start + 1:end]


def test_header_says_models_are_not_hardware():
    text = render_summary(results())
    assert text.startswith("# ccktf benchmarks\n\n**sim-\\* figures come from hardware models running under TCG")
    assert "not hardware numbers" in text.splitlines()[2]
    assert "Status: complete." in text and "Host CPU: Example CPU" in text


def test_one_section_per_platform_titled_model():
    text = render_summary(results())
    assert [l for l in text.splitlines() if l.startswith("## ")] == ["## MODEL (sim-tdx)", "## MODEL (sim-snp)"]
    tdx = section(text, "## MODEL (sim-tdx)")
    assert any("ccktf 0.1.0, QEMU profile `tcg`, 6G guest, 1 vCPU, args `tests=bench platform=sim-tdx bench=full`"
               in line for line in tdx)


def test_acceptance_table_rows():
    tdx = section(render_summary(results()), "## MODEL (sim-tdx)")
    assert "| level | request size | throughput (MiB/s) | ns/page | ratio to cold zeroing | median latency (ns) " \
           "| calls | fallbacks | retries |" in tdx
    # fixtures/bench_sim_tdx.ktap: throughput 344.036, ns_per_page 11354, ratio to cold zeroing 0.332,
    # median 23401614, 8 calls
    assert "| 2m | 8 MiB | 344 | 11354 | 0.332 | 23401614 | 8 | 0 | 0 |" in tdx
    assert "| 4k | 4 KiB | 22.88 | 170692 | 0.022 | 2047 | 32 | 0 | 0 |" in tdx


def test_reference_and_strategy_tables():
    snp = section(render_summary(results()), "## MODEL (sim-snp)")
    # fixtures/bench_sim_snp.ktap, a real bench=short run on the SNP model
    assert "| rep_stosb | 318 |" in snp and "| movnti | 2646 |" in snp and "| best | 2646 |" in snp
    assert "| 4k | 13056 |" in snp and "| 2m | 6912 |" in snp
    assert "| empty platform call | 909 | 1279 | 1535 | 79147 |" in snp
    assert "| firmware: ExitBootServices, allow_unaccepted=1 | ns | 1851151 |" in snp
    assert any(line.startswith("| lazy, 4 MiB unit: first touch | ns | min 11670211, median 12582911") for line in snp)
    assert "| lazy, 4 MiB unit: second touch | ns (median) | 2559 |" in snp
    assert "| eager: accept everything, bitmap order | throughput (MiB/s) | 431.1 |" in snp


def test_failed_run_is_flagged_and_missing_figures_render():
    partial = results(problems=["sim-snp: boot ERROR: timed out after 900 s"])
    partial.records = [r for r in partial.records if r.platform == "sim-tdx" and r.name != "bench.zero.bandwidth"]
    text = render_summary(partial)
    assert "Status: **FAILED**" in text and "- sim-snp: boot ERROR: timed out after 900 s" in text
    assert "No zeroing figures." in section(text, "## MODEL (sim-tdx)")
    snp = section(text, "## MODEL (sim-snp)")
    assert "No acceptance figures." in snp and "| empty platform call | - | - | - | - |" in snp


def test_hardware_platform_is_not_called_a_model():
    records = [Record("bench.zero.bandwidth", 9000, "MiB/s", "tdx", {"method": "rep_stosb"})]
    text = render_summary(Results(records=records))
    assert "## tdx" in text and "MODEL (tdx)" not in text and "_No run metadata._" in text


def test_helpers():
    assert [human_size(s) for s in ("4096", "2097152", "1073741824", "6144", "4K")] == \
        ["4 KiB", "2 MiB", "1 GiB", "6 KiB", "4K"]
    assert [number(v) for v in (None, 1500.0, 150.25, 0.05, -350.0, 25998.336, 2e9, 0.00001)] == \
        ["-", "1500", "150.2", "0.05", "-350", "25998", "2000000000", "0.000010"]


def test_each_platform_names_what_the_guest_read_of_it():
    with_identity = results()
    with_identity.runs[0].platform_identity = {"platform": "sim-tdx", "source": "model", "module": "1.5"}
    tdx = section(render_summary(with_identity), "## MODEL (sim-tdx)")
    assert "Platform identity: source=model module=1.5" in tdx
    assert not any("Platform identity" in line for line in section(render_summary(results()), "## MODEL (sim-tdx)"))


def test_the_run_line_says_when_the_host_preallocated_guest_memory():
    plain = results()
    assert not any("pre-allocated" in line for line in section(render_summary(plain), "## MODEL (sim-tdx)"))
    prealloc = results()
    prealloc.runs[0].mem_prealloc = True
    assert any("6G guest (pre-allocated by the host: --mem-prealloc)" in line
               for line in section(render_summary(prealloc), "## MODEL (sim-tdx)"))


def test_host_mapping_level_first_touch_cold_zeroing_and_snp_sweeps_are_shown():
    text = render_summary(results())
    tdx, snp = section(text, "## MODEL (sim-tdx)"), section(text, "## MODEL (sim-snp)")
    assert ("Host mapping level: **4 KiB** (8 of 8 2 MiB accepts fell back to 4 KiB on SIZE_MISMATCH); "
            "host first touch: 2855383 ns per 2 MiB (median).") in tdx
    assert "| rep_stosq, cold memory | 1034 |" in tdx
    assert "| PSC batch 253 (4 KiB entries, warm) | 339.2 | 21 |" in snp
    assert "| coherency reads off | 928.4 | 0 |" in snp
    assert not any("PSC batch" in line for line in tdx)


def test_repeated_round_trip_fixed_cost_ratio_and_strategies_show_their_range():
    """fixtures/bench_sim_snp_reps.ktap, a real bench=short run with every timed figure repeated."""
    snp = section(render_summary(Results(records=fixture_records("sim-snp-reps"), host={})), "## MODEL (sim-snp)")
    assert "| empty platform call | 858 | 1044 (1029-1062) | 1324 | 64451 |" in snp
    assert "| 4k | 8924 (8813-9476) |" in snp and "| 2m | 7329 (7242-7448) |" in snp
    assert any(line.startswith("| 4k | 4 KiB | 371.6 (253.9-375.8) **unstable** (spread 33%) | ")
               and "| 0.766 (0.523-0.775) **unstable** (spread 33%) |" in line for line in snp)
    assert "| eager: accept everything, bitmap order | throughput (MiB/s) | 628.3 (602.5-655.3) |" in snp
    assert any(line.startswith("| lazy, 4 MiB unit: first touch | ns | min 7596541, median 7981399 "
                               "(7855730-9013559), p99 -, max 10292893") for line in snp)
    assert "| lazy, 4 MiB unit: second touch | ns (median) | 247 (194-281) **unstable** (spread 35%) |" in snp
    assert any("| 4 MiB | 689.4 (534.7-794) **unstable**" in line and "0.193 (0.157-0.2)" in line for line in snp)
    # the 4 MiB figures are accept_cold_warm's: in the cold/warm table, not as a ratio-only acceptance row
    acceptance = section("\n".join(snp), "### Acceptance by page level and request size")
    assert not any("| 4 MiB |" in line for line in acceptance)


def test_scaling_table_with_the_control_from_a_two_vcpu_run():
    """fixtures/bench_sim_snp_smp2.ktap, a real bench=short run with two vCPUs."""
    text = render_summary(Results(records=fixture_records("sim-snp-smp2"), host={}))
    scaling = section(text, "### Scaling with vCPUs")
    assert scaling[1].startswith("Control (pure computation, 2 vCPUs over 1): **0.993 (0.938-1.04)x**"), scaling
    assert "| 4k | claim | 2 | 163.7 (136.4-173.3) | 0.825 (0.614-1.351) **unstable** (spread 89%) |" in "\n".join(scaling)
    assert any(line.startswith("| idle |") for line in scaling) and any(line.startswith("| busy |") for line in scaling)


def test_no_scaling_section_from_a_one_vcpu_run():
    assert "### Scaling with vCPUs" not in render_summary(results())
