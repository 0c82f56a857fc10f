"""Acceptance on every CPU (kernel/mm/accept_parallel.h, tests/accept_smp): real boots with QEMU -smp 2 under
multi-threaded TCG, so that the two vCPUs really race. On each model the accept_smp suite must pass: CPUs
racing for the same units never accept one twice (the model counts every accept of a page already accepted
or being accepted), the claim and stride jobs accept every unit exactly once, and the bitmap ends as the
model's own page state says. smp_percpu shows the *_safe accessors' per-CPU report on the same CPUs."""

import re

import pytest

from ccktf.ktap import Status
from ccktf.verdict import Outcome

pytestmark = pytest.mark.boot
CPUS_LINE = re.compile(r"^# cpus: online=(\d+) of (\d+) wake=(\S+)", re.MULTILINE)
NO_AP = re.compile(r"^# cpus: no AP started: (.*)$", re.MULTILINE)
ACCEPT_SMP = {"accept_smp.racing_cpus_over_the_same_units_never_double_accept",
              "accept_smp.racing_cpus_over_partly_overlapping_units_never_double_accept",
              "accept_smp.claim_job_accepts_every_unit_exactly_once",
              "accept_smp.stride_job_accepts_every_unit_exactly_once",
              "accept_smp.the_model_serializes_cpus_accepting_one_page",
              "accept_smp.bitmap_ends_consistent_with_the_model"}
RACE_EVIDENCE = re.compile(r"2 CPUs raced for 8 units: 8 cleared, 0 double accepts \(model\)")
OVERLAP_EVIDENCE = re.compile(r"2 CPUs raced over windows of 6 of 8 units: 8 cleared, 0 double accepts \(model\)")


@pytest.mark.parametrize("platform", ["sim-tdx", "sim-snp"])
def test_parallel_acceptance_on_two_cpus(ccktf_boot, platform):
    run = ccktf_boot(f"platform={platform} tests=accept_smp,smp_percpu", label=f"accept-smp2-{platform}", smp=2,
                     memory="6G")
    out = run.ktap.kernel_output
    no_ap = NO_AP.search(out)
    if no_ap and "not implemented yet" in no_ap.group(1):
        pytest.skip(f"{platform}: this kernel cannot start its APs yet ({no_ap.group(1)})")
    assert run.verdict.outcome is Outcome.PASSED, f"{run.verdict}\n{run.serial_tail(40)}"
    cpus = CPUS_LINE.search(out)
    assert cpus and cpus.group(1, 2) == ("2", "2"), run.serial_tail(40)
    results = {t.full_name: t for t in run.ktap.tests()}
    assert all(results[name].status is Status.PASS for name in ACCEPT_SMP), \
        {name: results[name].status for name in ACCEPT_SMP if name in results}
    assert results["smp_percpu.each_cpu_has_its_own_area_and_safe_accessor_report"].status is Status.PASS
    race = results["accept_smp.racing_cpus_over_the_same_units_never_double_accept"]
    assert any(RACE_EVIDENCE.search(e) for e in race.evidence), race.evidence
    overlap = results["accept_smp.racing_cpus_over_partly_overlapping_units_never_double_accept"]
    assert any(OVERLAP_EVIDENCE.search(e) for e in overlap.evidence), overlap.evidence


def test_parallel_acceptance_skips_saying_why_without_unaccepted_memory(ccktf_boot):
    run = ccktf_boot("platform=none tests=accept_smp,smp_percpu", label="accept-smp2-none", smp=2)
    assert run.verdict.outcome is Outcome.PASSED, f"{run.verdict}\n{run.serial_tail(40)}"
    for name in ACCEPT_SMP:
        test = run.ktap.find(name)
        assert test.status is Status.SKIP and "nothing to accept" in (test.skip_reason or ""), test
    assert run.ktap.find("smp_percpu.each_cpu_has_its_own_area_and_safe_accessor_report").status is Status.PASS
