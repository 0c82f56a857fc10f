"""handoff=self (issue 13): stage 1 runs its tests under OVMF, then enters a copy of itself through the 64-bit
boot protocol as kexec would (arch/x86/boot/handoff_self.c); stage 2 runs from that entry. One serial log
holds two KTAP documents, stage 1's and stage 2's: each is parsed and judged on its own. Platform none, one
CPU (docs/bzimage.md "handoff=self"). About 20 s under TCG."""

import re

import pytest

from ccktf import ktap, verdict

pytestmark = pytest.mark.boot
TIMEOUT = 240
MARK = "\nKTAP version 1\n"


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
                        r"boot protocol \(boot_params at (0x[0-9a-f]+), command line \"handoff=stage2\"\)", stage1)
    assert handed and entered, stage1[-2000:]
    assert int(entered.group(1), 16) % (2 << 20) == 0, "the copy is aligned to kernel_alignment (2 MiB)"
    # stage 2: entered through the 64-bit entry with what stage 1 built
    assert re.search(rf"# ccktf: entry=boot-protocol loader=0xff protocol=2\.15 boot_params={entered.group(2)} "
                     rf"image={entered.group(1)} paging=[45]-level", stage2), stage2[:3000]
    assert f"# ccktf: e820: {handed.group(1)} entries ({handed.group(1)} from the zero page)" in stage2
    assert re.search(r"# ccktf: setup_data: nodes=1 \(type/len: 4/96\) SETUP_EFI tables=0x[0-9a-f]+", stage2)
    assert '# ccktf: args="handoff=stage2"' in stage2
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


def test_handoff_self_is_refused_on_a_model(ccktf_boot):
    """Stage 2 could not inherit the model's state: refused after stage 1's tests, a usage error."""
    run, out = boot(ccktf_boot, "tests=selftest platform=sim-tdx sim_unaccepted=64M handoff=self")
    assert "# handoff: refused: handoff=self runs on platform none only" in out, out[-3000:]
    assert "# ccktf: exit=usage-error code=2" in out
    assert MARK not in out[out.find(MARK) + 1:], "no stage 2"
