"""Real boots with several vCPUs (QEMU -smp N under TCG): the kernel brings up every application processor
by INIT-SIPI-SIPI on platform none, through the ACPI MADT Multiprocessor Wakeup mailbox on sim-tdx (whose
model parks the APs as TDVF does), and by SNP AP Creation with a VMSA on sim-snp (whose model answers as
KVM does), and says why it does not where it cannot (docs/protocol.md "CPUs"). Each boot runs only the smp
suites (a few seconds)."""

import re

import pytest

from ccktf.ktap import Status
from ccktf.verdict import Outcome

pytestmark = pytest.mark.boot
CPUS_LINE = re.compile(r"^# cpus: online=(\d+) of (\d+) wake=(\S+)(.*)$", re.MULTILINE)
SMP_TESTS = {"smp.every_madt_cpu_checked_in_once", "smp.each_ap_reports_its_own_apic_id",
             "smp.each_ap_on_its_own_stack_gdt_and_tss", "smp.each_ap_runs_work_and_reports_back",
             "smp.posting_to_the_boot_cpu_or_a_missing_cpu_is_refused"}
MAILBOX_TESTS = {"smp_mailbox.each_online_ap_was_woken_once", "smp_mailbox.no_init_or_startup_ipi_was_sent",
                 "smp_mailbox.tdg_vp_info_vcpus_match_the_madt",
                 "smp_mailbox.the_model_firmware_answered_each_ap_once",
                 "smp_mailbox.the_apic_went_through_the_vmm",
                 "smp_mailbox.each_ap_runs_with_the_kernels_cr0_and_cr4"}
PROBE_LINE = re.compile(r"^# cpus: madt-mailbox probe: apic_id=(\d+) reserved_nonzero=(\S+) second_wake=(\S+)",
                        re.MULTILINE)


def cpus_line(run):
    match = CPUS_LINE.search(run.ktap.kernel_output)
    assert match, f"no '# cpus:' line\n{run.serial_tail(40)}"
    return int(match.group(1)), int(match.group(2)), match.group(3), match.group(4)


@pytest.mark.parametrize("smp", [2, 4])
def test_every_cpu_comes_up_by_init_sipi_sipi(ccktf_boot, smp):
    run = ccktf_boot("platform=none tests=smp*", label=f"smp{smp}", smp=smp)
    assert run.verdict.outcome is Outcome.PASSED, f"{run.verdict}\n{run.serial_tail(40)}"
    online, total, wake, rest = cpus_line(run)
    assert (online, total, wake) == (smp, smp, "init-sipi-sipi"), rest
    assert "boot_apic_id=0" in rest and "trampoline=0x" in rest
    assert "did not come up" not in run.ktap.kernel_output
    results = {t.full_name: t.status for t in run.ktap.tests()}
    assert {name for name in results if name.startswith("smp.")} == SMP_TESTS
    assert all(results[name] is Status.PASS for name in SMP_TESTS), results
    assert all(results[name] is Status.SKIP for name in MAILBOX_TESTS), results


@pytest.mark.parametrize("smp", [2, 4])
def test_every_cpu_comes_up_through_the_madt_mailbox_on_sim_tdx(ccktf_boot, smp):
    """The kernel's TDX path against the model of TDVF: each AP woken once through the mailbox, no INIT or
    STARTUP IPI from the kernel, TDG.VP.INFO agreeing with the MADT; mailbox_probe=1 shows that the modelled
    firmware refuses what TDVF refuses (a nonzero Reserved field, a second wake of one AP): this test fails
    if the model ever answers either."""
    run = ccktf_boot("platform=sim-tdx tests=smp* mailbox_probe=1", label=f"smp{smp}-sim-tdx", smp=smp,
                     memory="6G")
    assert run.verdict.outcome is Outcome.PASSED, f"{run.verdict}\n{run.serial_tail(40)}"
    online, total, wake, rest = cpus_line(run)
    assert (online, total, wake) == (smp, smp, "madt-mailbox"), rest
    # a TD's APIC is the VMM's x2APIC (IDs and IPIs through #VE; smp_mailbox.the_apic_went_through_the_vmm)
    assert "apic=x2apic" in rest, rest
    assert "did not come up" not in run.ktap.kernel_output
    assert "TDG.VP.INFO reports" not in run.ktap.kernel_output
    assert "# cpus: madt-mailbox: mailbox=0x" in run.ktap.kernel_output
    probe = PROBE_LINE.search(run.ktap.kernel_output)
    assert probe, run.serial_tail(40)
    assert probe.group(2, 3) == ("unanswered", "unanswered"), probe.group(0)
    results = {t.full_name: t.status for t in run.ktap.tests()}
    assert all(results.get(name) is Status.PASS for name in SMP_TESTS | MAILBOX_TESTS), results


def test_a_mailbox_ap_that_never_checks_in_is_reported(ccktf_boot):
    """smp_stall=1 on sim-tdx: the firmware took the Wakeup and APIC ID 1 reached its vector, then stopped
    before its check-in; it is named, with how far it got, and APIC ID 2 still comes up."""
    run = ccktf_boot("platform=sim-tdx tests=smp* smp_stall=1", label="smp-stall-sim-tdx", smp=3, memory="6G")
    assert run.verdict.outcome is Outcome.FAILED, f"{run.verdict}\n{run.serial_tail(40)}"
    out = run.ktap.kernel_output
    assert "# cpus: apic_id=1 did not come up: no check-in within 2000 ms of its madt-mailbox request" in out, \
        run.serial_tail(40)
    assert "# cpus: apic_id=1: madt-mailbox: reached its wakeup vector (stub status 1)" in out, run.serial_tail(40)
    assert cpus_line(run)[:3] == (2, 3, "madt-mailbox")
    results = {t.full_name: t.status for t in run.ktap.tests()}
    assert results["smp.every_madt_cpu_checked_in_once"] is Status.FAIL, results
    assert results["smp_mailbox.no_init_or_startup_ipi_was_sent"] is Status.PASS, results


def test_a_wakeup_the_firmware_never_takes_is_named_for_the_aps_after_it(ccktf_boot):
    """sim_tdvf_unparked=1 on sim-tdx: APIC ID 1 never reached the firmware's loop, so its Wakeup request is
    never taken and stays in the mailbox. APIC ID 1 is reported with the timeout; APIC ID 2, which finds the
    mailbox busy, is reported because of APIC ID 1's request. TDG.VP.INFO still counts the TD's 3 vCPUs (the
    configured count, not the parked APs)."""
    run = ccktf_boot("platform=sim-tdx tests=smp* sim_tdvf_unparked=1", label="smp-unparked-sim-tdx", smp=3,
                     memory="6G")
    assert run.verdict.outcome is Outcome.FAILED, f"{run.verdict}\n{run.serial_tail(40)}"
    out = run.ktap.kernel_output
    assert re.search(r"^# cpus: apic_id=1 did not come up: madt-mailbox: the firmware did not take the Wakeup "
                     r"command within \d+ ms", out, re.MULTILINE), run.serial_tail(40)
    assert re.search(r"^# cpus: apic_id=2 did not come up: madt-mailbox: not posted: the mailbox is not idle: the "
                     r"firmware never took the earlier Wakeup request for APIC ID 1 ", out, re.MULTILINE), \
        run.serial_tail(40)
    assert cpus_line(run)[:3] == (1, 3, "madt-mailbox")
    assert "TDG.VP.INFO reports" not in out, run.serial_tail(40)


def test_an_ap_parked_with_5_level_paging_is_refused_by_name(ccktf_boot):
    """sim_tdvf_la57=1: the modelled TDVF parks the APs with CR4.LA57 (as it does when GPAW is 52) while the
    kernel pages with 4 levels. The wakeup stub refuses to switch paging mode under the AP: APIC ID 1 is
    reported with how far it got, and the boot goes on."""
    run = ccktf_boot("platform=sim-tdx tests=smp* sim_tdvf_la57=1", label="smp-la57-sim-tdx", smp=2, memory="6G")
    out = run.ktap.kernel_output
    assert "# cpus: apic_id=1: madt-mailbox: reached its vector but pages with another CR4.LA57 than the kernel " \
           "(stub status 3)" in out, run.serial_tail(40)
    assert cpus_line(run)[:3] == (1, 2, "madt-mailbox")


SNP_AP_TESTS = {"snp_ap.each_ap_on_its_own_ghcb", "snp_ap.each_ap_created_from_a_vmsa_once",
                "snp_ap.the_host_refuses_a_bad_ap_creation",
                "snp_ap.rmpadjust_sets_the_vmsa_bit_only_as_the_hardware_does"}
SNP_SMALL = "sim_unaccepted=256M"  # a 1G guest: the smp suites need no memory above 4 GiB
SNP_LOG = re.compile(r"# each_ap_(?:on_its_own_ghcb|created_from_a_vmsa_once): (.*?)\r?$", re.MULTILINE)
# the snp_ap suite's counters for what a real SNP guest under KVM needs once its APs run (issue 12 review)
SNP_KVM_TESTS = {"snp_ap.each_ap_reaches_the_x2apic_through_its_own_ghcb",
                 "snp_ap.posted_work_wakes_each_ap_every_round",
                 "snp_ap.cpuid_from_the_page_gives_each_ap_its_own_apic_id",
                 "snp_ap.each_ap_starts_with_its_per_cpu_area_in_gs"}
MSR_LOG = re.compile(r"# each_ap_reaches_the_x2apic_through_its_own_ghcb: APIC ID (\d+): MSR exits through "
                     r"its GHCB (\d+), refused (\d+)\r?$", re.MULTILINE)
NMI_LOG = re.compile(r"# posted_work_wakes_each_ap_every_round: APIC ID (\d+): NMIs injected (\d+), "
                     r"completed (\d+), held (\d+)\r?$", re.MULTILINE)


def test_a_mailbox_outside_acpi_nvs_is_refused(ccktf_boot):
    """sim_tdvf_mailbox=loader: the modelled firmware puts the mailbox in EfiLoaderData, memory the OS may
    reuse. The kernel refuses it, says why with the address, starts no AP, and the smp suites skip."""
    run = ccktf_boot("platform=sim-tdx tests=smp* sim_tdvf_mailbox=loader", label="smp-mailbox-loader", smp=2,
                     memory="6G")
    assert run.verdict.outcome is Outcome.PASSED, f"{run.verdict}\n{run.serial_tail(40)}"
    assert cpus_line(run)[:3] == (1, 2, "madt-mailbox")
    assert re.search(r"^# cpus: no AP started: the Multiprocessor Wakeup mailbox is not in ACPI NVS or reserved "
                     r"memory \(the OS could reuse it\) \(mailbox 0x[0-9a-f]+\)", run.ktap.kernel_output,
                     re.MULTILINE), run.serial_tail(40)
    results = {t.full_name: t.status for t in run.ktap.tests()}
    assert all(results[name] is Status.SKIP for name in SMP_TESTS | MAILBOX_TESTS), results


@pytest.mark.parametrize("svsm", [0, 1])
@pytest.mark.parametrize("smp", [2, 4])
def test_every_cpu_comes_up_through_ap_creation_on_sim_snp(ccktf_boot, smp, svsm):
    """The kernel's SNP path against the model of KVM and the RMP: each AP from its own VMSA (RMPADJUST at
    VMPL0, SVSM_CORE_CREATE_VCPU below an SVSM), created and entered exactly once, on its own registered
    GHCB, with no INIT or STARTUP IPI from the kernel; the model refuses a page that is not a VMSA (the
    snp_ap suite fails if it ever accepts one). Once the APs run, what a real SNP guest under KVM needs, each
    shown to have RUN through the model's own counters (tests/snp/snp_ap.c): every x2APIC MSR access is a #VC
    (exit 0x7C) through the AP's own GHCB, a refused one (a write to the read-only x2APIC ID) a #GP for the
    *_safe accessor rather than a termination; the host keeps an AP's NMIs masked until NMI Complete, so a
    parked AP is woken for every round of posted work only if the kernel sends it; CPUID from the CPUID page
    gives each AP its own APIC ID; each AP's VMSA carries its per-CPU area in GS base."""
    run = ccktf_boot(f"platform=sim-snp tests=smp*,snp_ap {SNP_SMALL} sim_svsm={svsm}",
                     label=f"smp{smp}-sim-snp-svsm{svsm}", smp=smp, memory="1G")
    assert run.verdict.outcome is Outcome.PASSED, f"{run.verdict}\n{run.serial_tail(40)}"
    online, total, wake, rest = cpus_line(run)
    assert (online, total, wake) == (smp, smp, "snp-ap-create"), rest
    assert "trampoline=" not in rest  # the kernel installed no INIT-SIPI trampoline
    assert "did not come up" not in run.ktap.kernel_output
    assert ("VMPL 1 below an SVSM" in run.ktap.kernel_output) == bool(svsm)
    results = {t.full_name: t.status for t in run.ktap.tests()}
    assert all(results.get(name) is Status.PASS for name in SMP_TESTS | SNP_AP_TESTS), results
    logs = SNP_LOG.findall(run.ktap.kernel_output)
    ghcbs = {line.split("GHCB at ")[1].split()[0] for line in logs if "GHCB at" in line}
    assert len(ghcbs) == smp - 1, logs  # one GHCB per AP, none shared
    created = [line for line in logs if "created 1, entered 1" in line]
    assert len(created) == smp - 1, logs
    assert any(line.startswith("IPIs: INIT ") and line.endswith("all sent by the model") for line in logs), logs
    out = run.ktap.kernel_output
    assert "apic=x2apic" in out, run.serial_tail(40)  # the hypervisor's x2APIC, reached through #VC
    assert all(results.get(name) is Status.PASS for name in SNP_KVM_TESTS), results
    aps = set(range(1, smp))
    msr = {int(m[0]): (int(m[1]), int(m[2])) for m in MSR_LOG.findall(out)}
    assert set(msr) == aps, out  # every AP made MSR exits through its own GHCB, one refused
    assert all(exits >= 2 and refused == 1 for exits, refused in msr.values()), msr
    nmi = {int(m[0]): tuple(map(int, m[1:])) for m in NMI_LOG.findall(out)}
    assert set(nmi) == aps, out
    # every round woke the AP, and each NMI the host delivered was completed (one may be in flight)
    assert all(done >= 3 and injected <= done + 1 for injected, done, _ in nmi.values()), nmi
    assert "TDG.VP.INFO reports" not in out, run.serial_tail(40)


def test_an_snp_ap_that_never_checks_in_is_destroyed(ccktf_boot):
    """smp_stall=1 on sim-snp: APIC ID 1 was created from its VMSA and stopped before its check-in; it is
    named, the host is asked to DESTROY it, its page stops being a VMSA, and APIC ID 2 still comes up."""
    run = ccktf_boot(f"platform=sim-snp tests=smp*,snp_ap {SNP_SMALL} smp_stall=1", label="smp-stall-sim-snp",
                     smp=3, memory="1G")
    assert run.verdict.outcome is Outcome.FAILED, f"{run.verdict}\n{run.serial_tail(40)}"
    assert ("# cpus: apic_id=1 did not come up: no check-in within 2000 ms of its snp-ap-create request"
            in run.ktap.kernel_output), run.serial_tail(40)
    assert cpus_line(run)[:3] == (2, 3, "snp-ap-create")
    results = {t.full_name: t.status for t in run.ktap.tests()}
    assert results["smp.every_madt_cpu_checked_in_once"] is Status.FAIL, results
    assert results["snp_ap.a_given_up_ap_is_destroyed_and_its_vmsa_taken_back"] is Status.PASS, results
    assert "APIC ID 1: destroyed, VMSA 0x" in run.ktap.kernel_output


def test_a_cpu_that_never_checks_in_is_reported_and_the_boot_goes_on(ccktf_boot):
    """smp_stall=1: APIC ID 1 stops before its check-in. The boot CPU gives up on it after the bounded wait,
    names it, starts the next one, and the smp suite reports the missing CPU as a failure."""
    run = ccktf_boot("platform=none tests=smp* smp_stall=1", label="smp-stall", smp=3)
    assert run.verdict.outcome is Outcome.FAILED, f"{run.verdict}\n{run.serial_tail(40)}"
    assert ("# cpus: apic_id=1 did not come up: no check-in within 2000 ms of its init-sipi-sipi request"
            in run.ktap.kernel_output), run.serial_tail(40)
    assert "apic_id=2 did not come up" not in run.ktap.kernel_output
    assert cpus_line(run)[:3] == (2, 3, "init-sipi-sipi")
    results = {t.full_name: t.status for t in run.ktap.tests()}
    assert results["smp.every_madt_cpu_checked_in_once"] is Status.FAIL, results
    assert results["smp.each_ap_runs_work_and_reports_back"] is Status.PASS, results
