"""``python3 -m ccktf matrix``: the firmware x kernel acceptance matrix (issue 14), measured.

The kernel maintainers who merged SNP unaccepted memory named three firmware kinds (deployed, near-future,
far-future) and three kernel kinds (unenlightened, enlightened, protocol-dropped) and guessed the nine
outcomes. This command boots every cell: on ``sim-snp`` the model behaves as each firmware kind (``sim_fw=``,
arch/x86/sim/sim_firmware.c) and ccktf as each kernel kind (``kernel_kind=``); on ``sim-tdx`` the row is
TDVF's; on real firmware (``snp``, ``tdx``) the three kernel kinds run against the firmware present. Boots
run in parallel, ``--jobs`` at a time (default: one per core).

Every figure comes from the kernel's ``# metric: boot.*`` lines (docs/protocol.md "Boot figures"), and the
outcome of a cell is measured, never guessed. On a model the outcome rests on the model's own page state
when the kernel was ready (``boot.model.*``, source=model), not on the kernel's accounting, and a kernel
whose figures disagree with the model's is an error (model_disagreements()):

    crash      the platform ended the guest (on a model: as the hardware would) or the kernel crashed
    slow boot  every byte the platform started with unaccepted was accepted before the kernel was ready
    fast boot  unaccepted memory was still left when the kernel was ready (accepted later, or lost to a
               kernel that cannot use it: the "usable" column says which)
    error      the boot could not be measured (hang, usage error, failed checks): the reasons are shown

Output, in ``--out`` (default ``build/matrix/``): ``matrix.md`` (the grid of outcomes and one row of
figures per cell) and ``matrix.json``. On a model every figure is a MODEL figure, and the files say so.
Exit status: 0 every cell was measured (a crash is a measurement), 2 a cell could not be.
"""

from __future__ import annotations

import argparse
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Optional

from . import kargs, parallel, qemu, runner
from .errors import CcktfError

DEFAULT_OUT = runner.PROJECT_ROOT / "build" / "matrix"
DEFAULT_PLATFORMS = "sim-snp,sim-tdx"
DEFAULT_TESTS = "matrix"
DEFAULT_MEMORY = "6G"  # the models present RAM above 4 GiB as unaccepted, as OVMF does
FIRMWARE_KINDS = ("deployed", "near-future", "far-future")
KERNEL_KINDS = ("unenlightened", "enlightened", "protocol-dropped")
PLATFORMS = ("sim-snp", "sim-tdx", "snp", "tdx")
OUTCOMES = ("fast boot", "slow boot", "crash", "error")


@dataclass(frozen=True)
class Cell:
    platform: str
    firmware: str  # a firmware kind; "tdvf" on sim-tdx; "present" on real firmware
    kernel: str

    @property
    def label(self) -> str:
        return f"{self.platform}/{self.firmware}/{self.kernel}"

    def append(self) -> str:
        """The kernel arguments that make this cell (besides tests= and platform=)."""
        words = ["matrix=1", f"kernel_kind={self.kernel}"]
        if self.platform.startswith("sim-"):
            words.append(f"sim_fw={self.firmware}")
        return " ".join(words)


def cells_for(platforms: list[str]) -> list[Cell]:
    """The cells of each platform: nine on sim-snp, TDVF's row on sim-tdx, the present firmware's row on hardware."""
    cells = []
    for platform in platforms:
        if platform not in PLATFORMS:
            raise ValueError(f"matrix: unknown platform {platform!r}: choose from {', '.join(PLATFORMS)}")
        firmwares = FIRMWARE_KINDS if platform == "sim-snp" else ("tdvf",) if platform == "sim-tdx" else ("present",)
        cells.extend(Cell(platform, fw, kernel) for fw in firmwares for kernel in KERNEL_KINDS)
    return cells


@dataclass
class CellResult:
    cell: Cell
    verdict: str  # the run's verdict: passed, failed, error
    exit_kind: Optional[str]  # the kernel's exit line: passed, failed, crashed, usage-error; None if none
    timed_out: bool = False
    reasons: list[str] = field(default_factory=list)
    figures: dict[str, int] = field(default_factory=dict)  # boot.* metric name -> value
    model: bool = False  # figures from a hardware model (source=model)
    memory: str = ""
    seconds: float = 0.0
    run_dir: str = ""

    @property
    def outcome(self) -> str:
        return classify(self)


def classify(result: CellResult) -> str:
    """The measured outcome of one cell (the module docstring)."""
    if result.exit_kind == "crashed":
        return "crash"
    if result.verdict != "passed" or result.timed_out:
        return "error"
    f = result.figures
    if MODEL_PENDING in f:
        if model_disagreements(f) or not f.get("boot.unaccepted.at_reset"):
            return "error"  # the kernel misreports, or nothing was ever unaccepted: nothing measured
        return "fast boot" if f[MODEL_PENDING] > 0 else "slow boot"
    needed = ("boot.unaccepted.left", "boot.memory.lost", "boot.firmware_accept.bytes", "boot.kernel_accept.bytes")
    if any(name not in f for name in needed):
        return "error"
    if f["boot.unaccepted.left"] + f["boot.memory.lost"] > 0:
        return "fast boot"
    accepted = f["boot.firmware_accept.bytes"] + f["boot.kernel_accept.bytes"]
    if accepted > 0:
        # slow boot: every byte unaccepted at reset was accepted before the kernel was ready; where the
        # model says how much that was, a shortfall the other figures do not explain is an error (review)
        at_reset = f.get("boot.unaccepted.at_reset")
        return "slow boot" if at_reset is None or accepted >= at_reset else "error"
    return "error"  # nothing was ever unaccepted: the cell measured nothing about acceptance


MODEL_PENDING = "boot.model.unaccepted.ready"
MODEL_OS_ACCEPT = "boot.model.os_accept.bytes"


def model_disagreements(f: dict[str, int]) -> list[str]:
    """Where the kernel's figures disagree with the model's own page state (none without model figures).

    The model counts, in its RMP / S-EPT, what was still not accepted when the kernel was ready and what
    was accepted for the OS; the kernel's figures come from its own accounting. A kernel kind that
    misreports (counts memory it never accepted, or leaves out memory it did) fails here.
    """
    if MODEL_PENDING not in f:
        return []
    names = (MODEL_PENDING, MODEL_OS_ACCEPT, "boot.unaccepted.left", "boot.memory.lost", "boot.kernel_accept.bytes")
    missing = [name for name in names if name not in f]
    if missing:
        return [f"missing figure(s): {', '.join(missing)}"]
    problems = []
    pending, os_accept = f[MODEL_PENDING], f[MODEL_OS_ACCEPT]
    if f["boot.kernel_accept.bytes"] != os_accept:
        problems.append(f"the kernel says it accepted {f['boot.kernel_accept.bytes']} bytes at boot, "
                        f"the model {os_accept}")
    if f["boot.unaccepted.left"] + f["boot.memory.lost"] != pending:
        problems.append(f"the kernel says {f['boot.unaccepted.left']} bytes left + {f['boot.memory.lost']} "
                        f"lost, the model {pending} still not accepted")
    if f["boot.unaccepted.left"] and f["boot.memory.lost"]:
        problems.append("the kernel says memory is both left for later and lost")
    return problems


def figures_of(run: runner.Run) -> tuple[dict[str, int], bool]:
    """The boot.* figures of a matrix boot, and whether any came from a model."""
    figures, model = {}, False
    for metric in run.ktap.metrics:
        if metric.name.startswith("boot."):
            figures[metric.name] = int(metric.value)
            model = model or metric.extra.get("source") == "model"
    return figures, model


# -- booting ------------------------------------------------------------------------------------------

def configure(parser: argparse.ArgumentParser) -> None:
    parser.set_defaults(tests=DEFAULT_TESTS, memory=DEFAULT_MEMORY)
    group = parser.add_argument_group("matrix")
    group.add_argument("--platforms", default=DEFAULT_PLATFORMS, metavar="P[,P]",
                       help="platforms whose rows to boot (default: %(default)s; snp, tdx: the firmware present)")
    group.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="boots at a time (default: %(default)s)")
    group.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory (default: %(default)s)")
    parser.epilog = ("--memory defaults to 6G (the models present RAM above 4 GiB as unaccepted, as OVMF does); "
                     "--platform is not used: --platforms chooses the rows.")


def run_options(args: argparse.Namespace, cell: Cell) -> runner.RunOptions:
    for word in args.append.split():
        if word.startswith(("kernel_kind=", "sim_fw=", "matrix=", "platform=", "allow_unaccepted=")):
            raise ValueError(f"--append may not set {word.split('=')[0]}=: the matrix sets it per cell")
    append = kargs.kernel_args(kargs.split_globs(args.tests), cell.platform, extra=f"{cell.append()} {args.append}")
    launch = qemu.choose_launch(cell.platform, args.profile, args.firmware, args.qemu, args.boot)
    return runner.RunOptions.launching(
        launch, kernel=args.kernel, append=append, memory=args.memory, smp=args.smp, timeout=args.timeout,
        mem_prealloc=args.mem_prealloc, log_dir=args.log_dir, label=f"matrix-{cell.firmware}-{cell.kernel}",
        mode="run", qemu=args.qemu)


def boot_cell(args: argparse.Namespace, cell: Cell) -> CellResult:
    try:
        run = runner.run(run_options(args, cell))
    except CcktfError as error:
        return CellResult(cell, "error", None, reasons=[f"boot could not start: {error}"], memory=args.memory)
    figures, model = figures_of(run)
    result = CellResult(cell, run.verdict.outcome.value, run.ktap.exit.kind if run.ktap.exit else None,
                        timed_out=run.timed_out, reasons=list(run.verdict.reasons), figures=figures, model=model,
                        memory=args.memory, seconds=round(run.seconds, 1), run_dir=str(run.run_dir))
    print(f"ccktf matrix: {cell.label}: {result.outcome} ({run.seconds:.1f} s, serial log {run.serial_log})",
          flush=True)
    return result


def boot_all(args: argparse.Namespace, cells: list[Cell]) -> list[CellResult]:
    """Every cell, ``--jobs`` at a time; a stop signal stops the running boots at once (parallel.Stopped)."""
    return parallel.run_parallel([lambda cell=cell: boot_cell(args, cell) for cell in cells], args.jobs)


# -- rendering ----------------------------------------------------------------------------------------

def _ms(ns: Optional[int]) -> str:
    return "-" if ns is None else f"{ns / 1e6:.0f} ms" if ns >= 1e6 else f"{ns / 1e3:.0f} us"


def _gib(n: Optional[int]) -> str:
    return "-" if n is None else f"{n / 2**30:.2f} GiB"


def _accepted(result: CellResult, who: str) -> str:
    f = result.figures
    nbytes, ns = f.get(f"boot.{who}_accept.bytes"), f.get(f"boot.{who}_accept.time")
    if nbytes is None:
        return "-"
    return f"{_gib(nbytes)} in {_ms(ns)}" if ns is not None else f"{_gib(nbytes)} (time unknown)"


def _usable(result: CellResult) -> str:
    f = result.figures
    if "boot.memory.usable" not in f:
        return "-"
    text = f"{_gib(f['boot.memory.usable'])} of {_gib(f.get('boot.memory.guest'))}"
    return text + (f" ({_gib(f['boot.memory.lost'])} lost)" if f.get("boot.memory.lost") else "")


def rows_for_grid(results: list[CellResult]) -> dict[str, list[list[str]]]:
    """Per platform: one row per firmware kind, one column per kernel kind, each cell its outcome."""
    grids: dict[str, dict[str, dict[str, str]]] = {}
    for r in results:
        grids.setdefault(r.cell.platform, {}).setdefault(r.cell.firmware, {})[r.cell.kernel] = r.outcome
    return {platform: [[fw] + [row.get(k, "-") for k in KERNEL_KINDS] for fw, row in by_fw.items()]
            for platform, by_fw in grids.items()}


def notice(results: list[CellResult]) -> str:
    if any(r.model or r.cell.platform.startswith("sim-") for r in results):
        return ("**MODEL figures** (sim-*: a software model of the SNP/TDX firmware and the platform under QEMU TCG; "
                "not hardware numbers). The model's own acceptance as firmware is bookkeeping without a trapped "
                "instruction, so compare bytes, not times, between firmware and kernel. Outcomes follow from "
                "bytes, not times (docs/protocol.md \"Boot figures\").")
    return "Figures measured on the firmware present."


def render_markdown(results: list[CellResult], command: str = "") -> str:
    lines = ["# Firmware x kernel acceptance matrix", "", notice(results), ""]
    if command:
        lines += [f"Command: `{command}`", ""]
    for platform, rows in rows_for_grid(results).items():
        model = " (MODEL)" if platform.startswith("sim-") else ""
        lines += [f"## {platform}{model}", "", "| firmware \\ kernel | " + " | ".join(KERNEL_KINDS) + " |",
                  "|---|" + "---|" * len(KERNEL_KINDS)]
        lines += ["| " + " | ".join(row) + " |" for row in rows]
        lines.append("")
    lines += ["## Figures", "",
              "| platform | firmware | kernel | outcome | boot to kernel | accepted by firmware | "
              "accepted by kernel at boot | usable by this kernel of guest RAM |",
              "|---|---|---|---|---:|---:|---:|---:|"]
    for r in results:
        source = " MODEL" if r.model or r.cell.platform.startswith("sim-") else ""
        lines.append(f"| {r.cell.platform} | {r.cell.firmware} | {r.cell.kernel} | {r.outcome} | "
                     f"{_ms(r.figures.get('boot.to_kernel'))}{source} | {_accepted(r, 'firmware')}{source} | "
                     f"{_accepted(r, 'kernel')}{source} | {_usable(r)}{source} |")
    problems = [f"- {r.cell.label}: " + "; ".join(r.reasons or ["(no reason)"]) + (f" ({r.run_dir})" if r.run_dir else "")
                for r in results if r.outcome in ("error", "crash")]
    if problems:
        lines += ["", "## Crashes and errors", ""] + problems
    return "\n".join(lines) + "\n"


def to_json(results: list[CellResult]) -> str:
    cells = []
    for r in results:
        record = asdict(r)
        record["cell"] = asdict(r.cell)
        record["outcome"] = r.outcome
        cells.append(record)
    return json.dumps({"model": any(r.model for r in results), "cells": cells}, indent=2) + "\n"


def results_from_json(text: str) -> list[CellResult]:
    """The cells of a ``matrix.json`` (to_json()), e.g. for the conformance report's matrix section; ValueError
    when it is not one."""
    try:
        cells = json.loads(text)["cells"]
        results = []
        for record in cells:
            record = dict(record)
            record.pop("outcome", None)
            cell = Cell(**record.pop("cell"))
            results.append(CellResult(cell, **record))
        return results
    except (KeyError, TypeError, json.JSONDecodeError) as error:
        raise ValueError(f"not a matrix.json written by 'ccktf matrix': {error}") from error


def execute(args: argparse.Namespace) -> int:
    platforms = [p for p in args.platforms.split(",") if p]
    cells = cells_for(platforms)
    print(f"ccktf matrix: {len(cells)} cell(s) on {', '.join(platforms)}, {args.jobs} at a time, {args.memory} guests",
          flush=True)
    results = boot_all(args, cells)
    args.out.mkdir(parents=True, exist_ok=True)
    command = f"python3 -m ccktf matrix --platforms {args.platforms} --memory {args.memory}" + \
        (f" --append '{args.append}'" if args.append else "")
    markdown = render_markdown(results, command)
    (args.out / "matrix.md").write_text(markdown)
    (args.out / "matrix.json").write_text(to_json(results))
    print(markdown)
    print(f"ccktf matrix: wrote {args.out / 'matrix.md'} and {args.out / 'matrix.json'}")
    return 2 if any(r.outcome == "error" for r in results) else 0
