"""The matrix command's pure parts (harness/ccktf/matrix.py): cells, the measured outcome, the table."""

import json

import pytest

from ccktf import matrix
from ccktf.matrix import Cell, CellResult, classify

GIB = 2**30


def figures(**values):
    base = {"boot.to_kernel": 8_000_000_000, "boot.unaccepted.at_reset": 2 * GIB, "boot.firmware_accept.bytes": 0,
            "boot.firmware_accept.time": 0, "boot.kernel_accept.bytes": 0, "boot.kernel_accept.time": 50_000,
            "boot.unaccepted.final": 0, "boot.unaccepted.left": 0, "boot.memory.guest": 6 * GIB,
            "boot.memory.usable": 6 * GIB, "boot.memory.lost": 0}
    base.update({f"boot.{k.replace('__', '.')}": v for k, v in values.items()})
    return base


def result(fw="near-future", kernel="enlightened", verdict="passed", exit_kind="passed", **values):
    return CellResult(Cell("sim-snp", fw, kernel), verdict, exit_kind, figures=figures(**values), model=True)


def test_nine_cells_on_snp_and_a_row_per_other_platform():
    cells = matrix.cells_for(["sim-snp", "sim-tdx", "snp"])
    assert len(cells) == 9 + 3 + 3
    assert {(c.firmware, c.kernel) for c in cells if c.platform == "sim-snp"} == \
        {(f, k) for f in matrix.FIRMWARE_KINDS for k in matrix.KERNEL_KINDS}
    assert {c.firmware for c in cells if c.platform == "sim-tdx"} == {"tdvf"}
    assert {c.firmware for c in cells if c.platform == "snp"} == {"present"}
    with pytest.raises(ValueError, match="unknown platform"):
        matrix.cells_for(["none"])


def test_a_cell_sets_its_kinds_and_the_model_knob_only_on_models():
    assert Cell("sim-snp", "far-future", "unenlightened").append() == \
        "matrix=1 kernel_kind=unenlightened sim_fw=far-future"
    assert Cell("snp", "present", "protocol-dropped").append() == "matrix=1 kernel_kind=protocol-dropped"


def test_outcome_follows_bytes():
    assert classify(result(unaccepted__left=2 * GIB)) == "fast boot"
    assert classify(result(firmware_accept__bytes=2 * GIB)) == "slow boot"
    assert classify(result(kernel="unenlightened", memory__lost=2 * GIB)) == "fast boot"
    # some memory accepted at boot, the rest still left: fast, whatever the times say
    assert classify(result(kernel_accept__bytes=4096, unaccepted__left=GIB, firmware_accept__time=10**10)) == \
        "fast boot"


def test_a_slow_boot_accounts_for_every_byte_unaccepted_at_reset():
    """Review of 62cb0bc: more than 0 bytes accepted was enough for 'slow boot'."""
    assert classify(result(firmware_accept__bytes=2 * GIB, unaccepted__at_reset=2 * GIB)) == "slow boot"
    assert classify(result(firmware_accept__bytes=GIB, kernel_accept__bytes=GIB, unaccepted__at_reset=2 * GIB)) == \
        "slow boot"
    assert classify(result(firmware_accept__bytes=GIB, unaccepted__at_reset=2 * GIB)) == "error"


def test_on_a_model_the_outcome_rests_on_the_models_page_state():
    """Review: left and lost are the kernel's own view; on a model the model's page state decides."""
    model = dict(model__unaccepted__ready=2 * GIB, model__os_accept__bytes=0)
    assert classify(result(unaccepted__left=2 * GIB, **model)) == "fast boot"
    assert classify(result(kernel="unenlightened", memory__lost=2 * GIB, **model)) == "fast boot"
    assert classify(result(firmware_accept__bytes=2 * GIB, model__unaccepted__ready=0,
                           model__os_accept__bytes=0)) == "slow boot"
    assert matrix.model_disagreements(result(unaccepted__left=2 * GIB, **model).figures) == []
    assert matrix.model_disagreements(figures()) == []  # real firmware: no model figures to compare


def test_a_kernel_that_misreports_against_the_model_is_an_error():
    model = dict(model__unaccepted__ready=2 * GIB, model__os_accept__bytes=0)
    # counts 2 MiB it never accepted (the model saw none accepted), consistent with its own left figure
    lying = result(kernel_accept__bytes=2 * 2**20, unaccepted__left=2 * GIB - 2 * 2**20, **model)
    problems = matrix.model_disagreements(lying.figures)
    assert len(problems) == 2 and "accepted 2097152 bytes at boot, the model 0" in problems[0]
    assert classify(lying) == "error"
    # says nothing is left (a slow boot by its own figures) while the model still holds it all pending
    assert classify(result(firmware_accept__bytes=2 * GIB, **model)) == "error"
    # an unenlightened kind that does not count as lost what it cannot use
    assert classify(result(kernel="unenlightened", memory__lost=0, **model)) == "error"
    assert classify(result(unaccepted__left=GIB, memory__lost=GIB, **model)) == "error"  # both at once
    assert "missing" in matrix.model_disagreements({"boot.model.unaccepted.ready": 0})[0]
    # nothing was ever unaccepted: the cell measured nothing
    assert classify(result(unaccepted__at_reset=0, model__unaccepted__ready=0, model__os_accept__bytes=0)) == \
        "error"


def test_outcome_crash_and_error_are_never_guessed():
    assert classify(result(verdict="error", exit_kind="crashed")) == "crash"
    assert classify(result(verdict="failed", exit_kind="failed", unaccepted__left=GIB)) == "error"
    hung = result(unaccepted__left=GIB)
    hung.timed_out = True
    assert classify(hung) == "error"
    missing = result()
    del missing.figures["boot.memory.lost"]
    assert classify(missing) == "error"
    assert classify(result()) == "error"  # nothing was ever unaccepted: nothing measured


def nine():
    out = []
    for fw in matrix.FIRMWARE_KINDS:
        for kernel in matrix.KERNEL_KINDS:
            slow = fw == "deployed" or (fw == "near-future" and kernel != "enlightened")
            lost = 2 * GIB if (fw == "far-future" and kernel == "unenlightened") else 0
            out.append(result(fw, kernel, firmware_accept__bytes=2 * GIB if slow else 0,
                              firmware_accept__time=113_000_000 if slow else 0, memory__lost=lost,
                              memory__usable=6 * GIB - lost,
                              unaccepted__left=0 if slow or lost else 2 * GIB))
    return out


def test_markdown_grid_and_figures():
    text = matrix.render_markdown(nine(), "python3 -m ccktf matrix")
    assert "**MODEL figures**" in text and "Command: `python3 -m ccktf matrix`" in text
    assert "| firmware \\ kernel | unenlightened | enlightened | protocol-dropped |" in text
    assert "| deployed | slow boot | slow boot | slow boot |" in text
    assert "| near-future | slow boot | fast boot | slow boot |" in text
    assert "| far-future | fast boot | fast boot | fast boot |" in text
    assert ("| sim-snp | near-future | protocol-dropped | slow boot | 8000 ms MODEL | 2.00 GiB in 113 ms MODEL | "
            "0.00 GiB in 50 us MODEL | 6.00 GiB of 6.00 GiB MODEL |") in text
    assert "4.00 GiB of 6.00 GiB (2.00 GiB lost) MODEL" in text
    assert "Crashes and errors" not in text


def test_markdown_lists_crashes_with_their_reasons():
    crashed = result(verdict="error", exit_kind="crashed")
    crashed.reasons, crashed.run_dir = ["kernel crashed: vector 29 (#VC)"], "build/runs/x"
    text = matrix.render_markdown([crashed])
    assert "| near-future | - | crash | - |" in text
    assert "- sim-snp/near-future/enlightened: kernel crashed: vector 29 (#VC) (build/runs/x)" in text


def test_real_firmware_has_no_model_notice_and_unknown_times():
    real = CellResult(Cell("snp", "present", "enlightened"), "passed", "passed",
                      figures={"boot.firmware_accept.bytes": 0, "boot.kernel_accept.bytes": 0,
                               "boot.unaccepted.left": GIB, "boot.memory.lost": 0})
    text = matrix.render_markdown([real])
    assert "MODEL" not in text
    assert "0.00 GiB (time unknown)" in text


def test_json_carries_cell_outcome_and_figures():
    data = json.loads(matrix.to_json(nine()))
    assert data["model"] is True and len(data["cells"]) == 9
    first = data["cells"][0]
    assert first["cell"] == {"platform": "sim-snp", "firmware": "deployed", "kernel": "unenlightened"}
    assert first["outcome"] == "slow boot" and first["figures"]["boot.firmware_accept.bytes"] == 2 * GIB


def test_append_may_not_override_a_cells_kinds(ccktf):
    status, _, err = ccktf("matrix", "--platforms", "sim-snp", "--append", "sim_fw=deployed")
    assert status == 2 and "--append may not set sim_fw=" in err
