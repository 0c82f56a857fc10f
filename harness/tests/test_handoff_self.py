"""handoff=self (issue 13): stage 1 runs its tests under OVMF, then enters a copy of itself through the 64-bit
boot protocol as kexec would (arch/x86/boot/handoff_self.c); stage 2 runs from that entry. One serial log
holds two KTAP documents, stage 1's and stage 2's: each is parsed and judged on its own. Platform none and
the sim-tdx and sim-snp models (whose state crosses as hardware state would), one CPU; on the models each of
stage 1's lies (handoff_lie=) makes its named check of stage 2's handoff suite fail (docs/bzimage.md
"handoff=self"). About 10-20 s per boot under TCG."""

import re

import pytest

from ccktf import ktap, verdict

pytestmark = pytest.mark.boot
TIMEOUT = 240
MARK = "\nKTAP version 1\n"


HANDOFF_CHECKS = ("config_tables_in_reclaimed_memory", "dump_reader_skips_unaccepted", "unaccepted_table_valid",
                  "accepted_units_were_accepted", "unaccepted_units_accept_cleanly")
# 32 units of 2 MiB: every check runs in a second or two
MODELS = {"sim-tdx": "platform=sim-tdx sim_unaccepted=64M", "sim-snp": "platform=sim-snp sim_unaccepted=64M"}


def boot(ccktf_boot, append):
    run = ccktf_boot(append, label="handoff", memory="1G", timeout=TIMEOUT)
    return run, ktap.strip_escapes(run.serial_log.read_bytes().decode(errors="replace"))


def split_stages(out):
    """(stage 1's text, stage 2's text): split at the second KTAP version line."""
    first = out.find(MARK)
    second = out.find(MARK, first + 1)
    assert first >= 0 and second > first, out[-3000:]
    return out[:second], out[second:]


def config_tables(text):
    return re.findall(r"^#   ([0-9a-f-]{36}) at (0x[0-9a-f]+) ", text, re.M)


def test_stage1_hands_off_and_stage2_runs_its_suites(ccktf_boot):
    run, out = boot(ccktf_boot, "tests=selftest,cpu,handoff handoff=self")
    stage1, stage2 = split_stages(out)
    one, two = ktap.parse(stage1), ktap.parse(stage2)
    # stage 1: its own document, passed, then the hand-off instead of an exit line
    assert "# ccktf: entry=efi" in stage1
    assert not one.exit, "stage 1 exits instead of handing off"
    assert one.counts()[ktap.Status.PASS] >= 5 and one.counts()[ktap.Status.FAIL] == 0, stage1[-2000:]
    handed = re.search(r"# handoff: e820 from the final memory map: (\d+) entries", stage1)
    entered = re.search(r"# handoff: stage 1 done; entering a copy at (0x[0-9a-f]+) \+ 0x200 through the 64-bit "
                        r"boot protocol \(boot_params at (0x[0-9a-f]+), command line \"handoff=stage2 "
                     r"tests=selftest,cpu,handoff\"\)", stage1)
    assert handed and entered, stage1[-2000:]
    assert int(entered.group(1), 16) % (2 << 20) == 0, "the copy is aligned to kernel_alignment (2 MiB)"
    # stage 2: entered through the 64-bit entry with what stage 1 built
    assert re.search(rf"# ccktf: entry=boot-protocol loader=0xff protocol=2\.15 boot_params={entered.group(2)} "
                     rf"image={entered.group(1)} paging=[45]-level", stage2), stage2[:3000]
    assert f"# ccktf: e820: {handed.group(1)} entries ({handed.group(1)} from the zero page)" in stage2
    assert re.search(r"# ccktf: setup_data: nodes=1 \(type/len: 4/96\) SETUP_EFI tables=0x[0-9a-f]+", stage2)
    assert '# ccktf: args="handoff=stage2 tests=selftest,cpu,handoff"' in stage2
    # platform none accepts nothing and inherits no unaccepted table: the table checks skip, saying why
    for name in HANDOFF_CHECKS[1:]:
        assert two.find(f"handoff.{name}").status is ktap.Status.SKIP, name
    # the same configuration tables, found through efi_info and SETUP_EFI
    assert config_tables(stage2) == config_tables(stage1) and config_tables(stage1), (config_tables(stage1),
                                                                                      config_tables(stage2))
    # what stage 1 left in the memory it reclaimed: OVMF's boot-time tables (HobList is in boot-services data)
    assert "# handoff: reclaimed " in stage1
    found = reclaimed_tables(stage2)
    assert "HobList" in found, stage2[-3000:]
    summary = re.search(r"# evidence: config_tables_in_reclaimed_memory: (\d+) of (\d+) configuration", stage2)
    assert summary and int(summary.group(1)) == len(found) and int(summary.group(2)) == len(config_tables(stage2))
    judged = verdict.decide(two, run.status, run.timed_out, TIMEOUT)
    assert judged.outcome is verdict.Outcome.PASSED, (judged.reasons, stage2[-3000:])
    assert two.counts()[ktap.Status.PASS] >= 5 and two.exit.kind == "passed"


def reclaimed_tables(text):
    return re.findall(r"# evidence: config_tables_in_reclaimed_memory: config table [0-9a-f-]{36} \((\w+)\) at ", text)


def test_without_reclaim_no_table_is_reported(ccktf_boot):
    """The check reads the memory: when stage 1 does not reclaim boot-services memory, no table is in it."""
    run, out = boot(ccktf_boot, "tests=handoff handoff=self handoff_reclaim=0")
    stage1, stage2 = split_stages(out)
    assert "# handoff: reclaimed " not in stage1
    assert reclaimed_tables(stage2) == [], stage2[-3000:]
    assert re.search(r"# evidence: config_tables_in_reclaimed_memory: 0 of [1-9]\d* configuration", stage2), stage2[-3000:]
    assert ktap.parse(stage2).find("handoff.config_tables_in_reclaimed_memory").status is ktap.Status.PASS


def test_handoff_self_is_refused_below_an_svsm(ccktf_boot):
    """The SNP model below a modelled SVSM cannot hand over (the SVSM's calling area and state are not carried):
    refused after stage 1's tests, a usage error saying why."""
    run, out = boot(ccktf_boot, "tests=selftest platform=sim-snp sim_svsm=1 sim_unaccepted=64M handoff=self")
    assert "# handoff: refused: below an SVSM the calling area and the SVSM's own state would have to cross" in out, \
        out[-3000:]
    assert "# ccktf: exit=usage-error code=2" in out
    assert MARK not in out[out.find(MARK) + 1:], "no stage 2"


def test_a_selection_too_long_for_stage_2_is_a_usage_error(ccktf_boot):
    """Stage 2 gets stage 1's tests= on the command line it builds (255 bytes): cut short, stage 2 would run
    another selection than stage 1 was given, and could pass. Refused after stage 1's tests instead (it was
    cut mid-pattern silently before)."""
    tests = ",".join(["selftest*"] * 30)  # every pattern matches (one that matches nothing is refused)
    assert len(tests) > 255
    run, out = boot(ccktf_boot, f"tests={tests} handoff=self")
    assert "# handoff: refused: stage 2's command line (handoff=stage2, platform=, tests=) would not fit" in out, \
        out[-3000:]
    assert "# ccktf: exit=usage-error code=2" in out
    assert MARK not in out[out.find(MARK) + 1:], "no stage 2"


def test_a_lie_without_an_unaccepted_table_is_a_usage_error(ccktf_boot):
    """Platform none has no unaccepted table to lie about: refused after stage 1's tests, saying why."""
    run, out = boot(ccktf_boot, "tests=selftest handoff=self handoff_lie=table-version")
    assert "# handoff: refused: handoff_lie= needs an unaccepted table in stage 1" in out, out[-3000:]
    assert "# ccktf: exit=usage-error code=2" in out
    assert MARK not in out[out.find(MARK) + 1:], "no stage 2"


def model_stages(ccktf_boot, extra="", platform="sim-tdx"):
    run, out = boot(ccktf_boot, f"tests=handoff {MODELS[platform]} handoff=self {extra}".strip())
    stage1, stage2 = split_stages(out)
    return run, stage1, stage2, ktap.parse(stage2)


@pytest.mark.parametrize("platform", sorted(MODELS))
def test_on_a_model_the_model_state_and_the_table_survive_and_agree(ccktf_boot, platform):
    """Stage 1's accept suite accepts some units first, so stage 2 inherits a partly accepted table; stage 2's
    accept suite skips (the table was inherited, not built: it would otherwise read a system table it has
    not got) and its handoff suite finds the table and the model's state in agreement. On sim-snp stage 1
    makes its shared pages private again before the jump (Linux snp_kexec_finish()), and stage 2 shares a
    GHCB page of its own; the PSP's state crosses with the secrets page, so stage 2's attestation works."""
    run, out = boot(ccktf_boot, f"tests=accept,handoff {MODELS[platform]} handoff=self")
    stage1, stage2 = split_stages(out)
    one, two = ktap.parse(stage1), ktap.parse(stage2)
    assert one.counts()[ktap.Status.FAIL] == 0 and one.counts()[ktap.Status.PASS] >= 5, stage1[-3000:]
    assert re.search(rf'command line "handoff=stage2 platform={platform} tests=accept,handoff"', stage1), stage1[-2000:]
    # the model's state crosses through its private setup_data node (type 0x43434b54), after SETUP_EFI
    assert re.search(r"# ccktf: setup_data: nodes=2 \(type/len: 4/96,1128483668/16\)", stage2), stage2[:4000]
    assert f"# ccktf: {platform}: the model's state taken over from the previous stage (setup_data type 0x43434b54)" \
        in stage2
    table = re.search(r"# unaccepted: the inherited table is this stage's bitmap: (\d+) of (\d+) units unaccepted", stage2)
    assert table, stage2[:5000]
    left = int(table.group(1))
    assert 0 < left < 32, f"stage 1's accept suite accepted some of the 32 units, not all: {left} left"
    accept = [suite for suite in two.suites if suite.name == "accept"]
    assert accept and accept[0].tests and all(t.status is ktap.Status.SKIP and "the table was inherited, not built "
                                              "here" in (t.skip_reason or "") for t in accept[0].tests), stage2[-5000:]
    for name in HANDOFF_CHECKS:
        assert two.find(f"handoff.{name}").status is ktap.Status.PASS, (name, stage2[-4000:])
    # the dump reader skipped exactly what the table calls unaccepted, and read the rest
    skipped = re.search(rf"# metric: name=handoff\.dump\.skipped value=(\d+) unit=bytes platform={platform}", stage2)
    read = re.search(rf"# metric: name=handoff\.dump\.read value=(\d+) unit=bytes platform={platform}", stage2)
    assert skipped and int(skipped.group(1)) == left << 21 and read and int(read.group(1)) > 512 << 20, stage2[-4000:]
    assert re.search(rf"evidence: unaccepted_units_accept_cleanly: {left} unit\(s\) the table calls unaccepted "
                     r"accepted; 0 not cleanly", stage2)
    assert f"# metric: name=unaccepted.remaining value=0 unit=bytes platform={platform}" in stage2
    assert two.exit and two.exit.kind == "passed", stage2[-3000:]
    if platform == "sim-snp":
        finish = re.search(r"# handoff: snp: (\d+) shared page\(s\) private again; the GHCB at (0x[0-9a-f]+) next, "
                           r"through the GHCB MSR protocol", stage1)
        assert finish and int(finish.group(1)) >= 1, stage1[-2000:]  # stage 1's guest-request pages at least
        ghcb = re.search(r"# snp: GHCB at GPA (0x[0-9a-f]+) shared and registered", stage2)
        assert ghcb and ghcb.group(1) != finish.group(2), "stage 2 shares a GHCB page of its own"
        assert "AllowUnacceptedMemory: not called: no boot services in this stage" in stage2
        # the host's RMP as stage 2 found it: nothing left shared (fails when stage 1 skips the unsharing)
        assert "; RMP taken over from stage 1 (handoff=self) with 0 page(s) shared" in stage2, stage2[:6000]
        assert re.search(r"# platform-identity: platform=sim-snp source=model .*snp_report=ok ", stage2), stage2[:6000]


# Each lie of stage 1 (arch/x86/boot/handoff_lie.c) and the checks of stage 2 it must fail, with a line of the
# failure; every other check passes or skips (a table that is not valid cannot be used by the rest).
LIES = {
    "table-version": ({"unaccepted_table_valid": r"table version 2, expected 1"}, ""),
    "table-in-reclaimed": ({"unaccepted_table_valid": r"reads 0xa5: stage 1 reclaimed and overwrote its memory"}, ""),
    "accept-behind": ({"unaccepted_units_accept_cleanly":
                       r"unit \[0x[0-9a-f]+-0x[0-9a-f]+\), unaccepted in the table, did not accept cleanly \(512 "
                       r"ALREADY_ACCEPTED answer\(s\), 0 error\(s\)\): addr=0x[0-9a-f]+ level=4k status=0xb0a00000000 "}, ""),
    # without SEPT_VE_DISABLE the touch is a #VE the reader survives (with it, the TD would end, as on hardware)
    "clear-behind": ({"accepted_units_were_accepted": r"is accepted in the table, but 512 of its pages are not, the "
                                                      r"first 0x[0-9a-f]+ pending \(raw status 0x0\)",
                      "dump_reader_skips_unaccepted": r"which the table calls accepted, raised vector 20 \(#VE\)"},
                     "sim_sept_ve_disable=0"),
    # no table handed over, memory still pending: by Linux's contract all of it counts as accepted
    "drop-table": ({"accepted_units_were_accepted": r"unit \[0x[0-9a-f]+-0x[0-9a-f]+\) is accepted by the absence of "
                                                    r"an unaccepted table \(Linux: then all memory is accepted\), but "
                                                    r"512 of its pages are not, the first 0x[0-9a-f]+ pending"}, ""),
}


# On sim-snp: a lie about the table and one about the platform's state (the other two are the same code on
# either model; clear-behind's #VE knob is the TDX model's). PVALIDATE of a validated page: CF=1, "no update".
SNP_LIES = {
    "table-version": LIES["table-version"],
    "accept-behind": ({"unaccepted_units_accept_cleanly":
                       r"unit \[0x[0-9a-f]+-0x[0-9a-f]+\), unaccepted in the table, did not accept cleanly \(0 "
                       r"ALREADY_ACCEPTED answer\(s\), 1 error\(s\)\): addr=0x[0-9a-f]+ level=4k status=0xff "
                       r"answer=\"no update\""}, ""),
}
CASES = [("sim-tdx", lie, LIES[lie]) for lie in sorted(LIES)] + [("sim-snp", lie, SNP_LIES[lie]) for lie in sorted(SNP_LIES)]


@pytest.mark.parametrize("platform,lie,expected", CASES, ids=[f"{p}-{lie}" for p, lie, _ in CASES])
def test_each_lie_of_stage1_fails_its_check(ccktf_boot, platform, lie, expected):
    failing, extra = expected
    run, stage1, stage2, two = model_stages(ccktf_boot, f"handoff_lie={lie} {extra}", platform)
    assert f"# handoff: lie: handoff_lie={lie}" in stage1, stage1[-3000:]
    for name in HANDOFF_CHECKS:
        result = two.find(f"handoff.{name}")
        assert result, (name, stage2[-4000:])
        if name in failing:
            assert result.status is ktap.Status.FAIL, (name, stage2[-4000:])
            assert any(re.search(failing[name], d) for d in result.diagnostics), (name, result.diagnostics)
        else:
            assert result.status in (ktap.Status.PASS, ktap.Status.SKIP), (name, stage2[-4000:])
    assert two.exit and two.exit.kind == "failed", stage2[-3000:]


def test_pending_memory_outside_the_table_fails(ccktf_boot):
    """TDVF's odd-size bug (sim_fw_bug=pending-tail) leaves the tail of low RAM pending and reports it as RAM,
    outside the table's bitmap: by Linux's contract accepted (accept_memory() accepts nothing outside it), so
    stage 2's walk of all e820 RAM finds it pending (before the dump reader, which then meets it as a #VE)."""
    run = ccktf_boot(f"tests=handoff {MODELS['sim-tdx']} handoff=self sim_fw_bug=pending-tail sim_sept_ve_disable=0",
                     label="handoff", memory="2881472K", timeout=TIMEOUT)
    out = ktap.strip_escapes(run.serial_log.read_bytes().decode(errors="replace"))
    stage1, stage2 = split_stages(out)
    assert re.search(r"# sim: sim_fw_bug=pending-tail: \d+ KiB of conventional memory in \[0x[0-9a-f]+, 0x[0-9a-f]+\) "
                     r"left pending and unreported", stage1), stage1[-3000:]
    result = ktap.parse(stage2).find("handoff.accepted_units_were_accepted")
    assert result and result.status is ktap.Status.FAIL, stage2[-4000:]
    assert any(re.search(r"is accepted as memory outside the table's bitmap, but \d+ of its pages are not, the first "
                         r"0x[0-9a-f]+ pending", d) for d in result.diagnostics), result.diagnostics
    assert ktap.parse(stage2).find("handoff.unaccepted_table_valid").status is ktap.Status.PASS


@pytest.mark.parametrize("lie", ["none", "drop-table"])
def test_stage2_allocator_never_hands_out_pending_memory(ccktf_boot, lie):
    """Stage 2 allocating as a larger kernel would (handoff_stage2_alloc=32M) reaches below the free memory at
    the top of RAM: with the truth it gets accepted memory below the reserved unaccepted units; without a
    table (drop-table) its allocator lands in the model's pending memory, which ends the boot as the first
    write there would end a TD, naming the page."""
    run, stage1, stage2, two = model_stages(ccktf_boot, f"handoff_lie={lie} handoff_stage2_alloc=32M")
    assert "handoff_stage2_alloc=33554432" in stage1, stage1[-2000:]
    if lie == "none":
        assert re.search(r"# ccktf: handoff_stage2_alloc: \[0x[0-9a-f]+-0x[0-9a-f]+\) from the early allocator", stage2)
        assert two.exit and two.exit.kind == "passed", stage2[-3000:]
        return
    assert re.search(r"# ccktf: sim-tdx: the early allocator handed out \[0x[0-9a-f]+-0x[0-9a-f]+\), whose page "
                     r"0x[0-9a-f]+ the model holds pending \(raw status 0x0\)", stage2), stage2[-3000:]
    assert "# ccktf: exit=crashed code=3" in stage2
    assert "handoff_stage2_alloc: [" not in stage2
