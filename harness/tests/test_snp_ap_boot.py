"""SNP application processors against the model of KVM (issue 12 review): what a real SNP guest under KVM
needs once its APs run, each shown to have RUN in a boot through the model's own counters, logged by the
snp_ap suite (tests/snp/snp_ap.c):

- the APIC is the hypervisor's x2APIC: every x2APIC MSR access raises #VC (exit 0x7C) and goes through the
  AP's own GHCB; a refused one (a write to the read-only x2APIC ID) is a #GP for the *_safe accessor, not a
  termination;
- the host keeps an AP's NMIs masked until it sends NMI Complete: a parked AP is woken for every round of
  posted work only if the kernel sends it (the old kernel ran one round, then never woke again);
- CPUID from the CPUID page gives each AP its own APIC ID (the page holds vCPU 0's);
- the AP's VMSA carries its per-CPU area in GS base."""

import re

import pytest

from ccktf.ktap import Status
from ccktf.verdict import Outcome

pytestmark = pytest.mark.boot
SNP_SMALL = "sim_unaccepted=256M"
MSR_LOG = re.compile(r"# each_ap_reaches_the_x2apic_through_its_own_ghcb: APIC ID (\d+): MSR exits through "
                     r"its GHCB (\d+), refused (\d+)\r?$", re.MULTILINE)
NMI_LOG = re.compile(r"# posted_work_wakes_each_ap_every_round: APIC ID (\d+): NMIs injected (\d+), "
                     r"completed (\d+), held (\d+)\r?$", re.MULTILINE)
NEW_TESTS = {"snp_ap.each_ap_reaches_the_x2apic_through_its_own_ghcb",
             "snp_ap.posted_work_wakes_each_ap_every_round",
             "snp_ap.cpuid_from_the_page_gives_each_ap_its_own_apic_id",
             "snp_ap.each_ap_starts_with_its_per_cpu_area_in_gs"}


@pytest.mark.parametrize("svsm", [0, 1])
def test_snp_aps_talk_to_the_host_as_under_kvm(ccktf_boot, svsm):
    run = ccktf_boot(f"platform=sim-snp tests=snp_ap {SNP_SMALL} sim_svsm={svsm}", label=f"snp-ap-kvm-svsm{svsm}",
                     smp=3, memory="1G")
    assert run.verdict.outcome is Outcome.PASSED, f"{run.verdict}\n{run.serial_tail(40)}"
    out = run.ktap.kernel_output
    assert "apic=x2apic" in out, run.serial_tail(40)  # the hypervisor's x2APIC, reached through #VC
    results = {t.full_name: t.status for t in run.ktap.tests()}
    assert all(results.get(name) is Status.PASS for name in NEW_TESTS), results
    msr = {int(m[0]): (int(m[1]), int(m[2])) for m in MSR_LOG.findall(out)}
    assert set(msr) == {1, 2}, out  # every AP made MSR exits through its own GHCB, one refused
    assert all(exits >= 2 and refused == 1 for exits, refused in msr.values()), msr
    nmi = {int(m[0]): tuple(map(int, m[1:])) for m in NMI_LOG.findall(out)}
    assert set(nmi) == {1, 2}, out
    # every round woke the AP, and each NMI the host delivered was completed (one may be in flight)
    assert all(done >= 3 and injected <= done + 1 for injected, done, _ in nmi.values()), nmi
