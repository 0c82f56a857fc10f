"""The conformance sweep (``python3 -m ccktf conformance --sweep SPEC``, ``make conformance SWEEP=...``): the
same conformance boot under several guest configurations, ``--jobs`` at a time, one report with a column per
configuration (ccktf.sweep_report).

Almost every firmware bug the FB checks guard depends on the guest's size or vCPU count (issue 14): TDVF
left the last MiB of a 2813M or 2815M guest pending (edk2 PR 11525), GetMemoryMap's size depends on how
many type-15 descriptors there are. A sweep is written as space-separated ``key=v1,v2`` words::

    mem=2G,2813M,2815M,6G smp=1,2     every memory size with every vCPU count (8 boots)
    default                           DEFAULT_SWEEP
    mem=6145M                         one size; smp= from --smp

Sizes are QEMU ``-m`` sizes (``512M``, ``6G``, ``2813M``: any MiB count, not only multiples of 2 MiB).
vCPU counts above 1 boot with ``-smp N``; whether the APs come up is the platform's business (today only
platform none wakes them) and no conformance check depends on them, so a platform without APs runs the
configuration all the same.

On a hardware model, a guest below 2816M has no RAM above 4 GiB (QEMU's q35 board keeps all of a guest
smaller than 0xb0000000 below 4 GiB, hw/i386/pc_q35.c pc_q35_init()), which is where OVMF leaves memory
unaccepted and so where the models present theirs by default (``sim_unaccepted=above4g``). For such a
configuration the sweep passes ``sim_unaccepted=SMALL_GUEST_UNACCEPTED`` (unless ``--append`` sets
``sim_unaccepted`` itself), so that the model still has memory to present as unaccepted; the report's
column says so.
"""

from __future__ import annotations

import argparse
import copy
from dataclasses import dataclass
from typing import Callable, Optional

from . import parallel, qemu

DEFAULT_SWEEP = "mem=2G,2813M,2815M,6G,6145M smp=1,2"
SWEEP_KEYS = ("mem", "smp")
Q35_LOWMEM_SPLIT_MIB = 0xb0000000 >> 20  # 2816: from this size on, q35 puts RAM above 4 GiB
SMALL_GUEST_UNACCEPTED = "512M"
_MIB_PER = {"K": 1 / 1024, "": 1, "M": 1, "G": 1024, "T": 1024 * 1024}  # QEMU -m: no suffix means MiB


class SweepError(ValueError):
    """A sweep specification that cannot be run (the message says which word and why)."""


def size_mib(size: str) -> float:
    """A QEMU ``-m`` size in MiB (``2813M`` -> 2813, ``6G`` -> 6144); SweepError when it is not one."""
    if not qemu.MEMORY_SIZE.fullmatch(size):  # the very rule QEMU's command line is checked with
        raise SweepError(f"sweep: {size!r} is not a memory size like 512M, 2813M or 6G")
    unit = size[-1].upper() if size[-1].isalpha() else ""
    return int(size[:-1] if unit else size) * _MIB_PER[unit]


@dataclass(frozen=True)
class SweepConfig:
    memory: str
    smp: int

    @property
    def label(self) -> str:
        """The column title, and (``slug``) the configuration's output directory."""
        return f"{self.memory} smp={self.smp}"

    @property
    def slug(self) -> str:
        return f"{self.memory}-smp{self.smp}"

    def extra_args(self, platform: Optional[str], append: str) -> str:
        """Kernel arguments this configuration adds (the module docstring: small guests on a model)."""
        if not (platform or "").startswith("sim-") or size_mib(self.memory) >= Q35_LOWMEM_SPLIT_MIB:
            return ""
        if any(word.startswith("sim_unaccepted=") for word in append.split()):
            return ""
        return f"sim_unaccepted={SMALL_GUEST_UNACCEPTED}"


def _values(key: str, text: str) -> list[str]:
    values = text.split(",")
    if not text or any(not v for v in values):
        raise SweepError(f"sweep: {key}= needs a comma-separated list without empty items, got {text!r}")
    if len(set(values)) != len(values):
        raise SweepError(f"sweep: {key}= lists a value twice: {text!r}")
    return values


def _smp(value: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= 255:
        raise SweepError(f"sweep: smp={value!r} is not a vCPU count from 1 to 255")
    return int(value)


def parse_sweep(spec: str, memory: str = "512M", smp: int = 1) -> list[SweepConfig]:
    """The configurations of ``spec`` (module docstring), every size with every vCPU count, in the order
    given; ``memory`` and ``smp`` stand in for a key the spec leaves out."""
    words = spec.split()
    if words == ["default"]:
        words = DEFAULT_SWEEP.split()
    if not words:
        raise SweepError("sweep: empty specification (write e.g. 'mem=2G,2813M smp=1,2', or 'default')")
    lists: dict[str, list[str]] = {}
    for word in words:
        key, sep, text = word.partition("=")
        if not sep or key not in SWEEP_KEYS:
            raise SweepError(f"sweep: {word!r} is not one of {', '.join(k + '=A,B' for k in SWEEP_KEYS)} "
                             f"(or 'default': {DEFAULT_SWEEP})")
        if key in lists:
            raise SweepError(f"sweep: {key}= given twice")
        lists[key] = _values(key, text)
    memories = lists.get("mem", [memory])
    for size in memories:
        size_mib(size)
    counts = [_smp(v) for v in lists["smp"]] if "smp" in lists else [smp]
    return [SweepConfig(m, n) for m in memories for n in counts]


def config_args(args: argparse.Namespace, config: SweepConfig) -> argparse.Namespace:
    """A copy of the command's arguments for one configuration: its memory, vCPUs, added kernel arguments,
    and its own log label."""
    one = copy.copy(args)
    one.memory, one.smp = config.memory, config.smp
    extra = config.extra_args(args.platform, args.append)
    one.append = f"{args.append} {extra}".strip()
    return one


SweepInterrupted = parallel.Stopped  # a stop signal ended the sweep; .results: what finished (None: not)


def _isolated(run_one: Callable, on_error: Callable, one: argparse.Namespace, config: SweepConfig):
    """One configuration; an exception in it (a full disk, a run directory that cannot be made) is its own
    result (``on_error``), never the end of every other configuration's."""
    try:
        return run_one(one, config)
    except Exception as error:  # noqa: BLE001 (isolation: any failure of one configuration)
        return on_error(config, error)


def run_all(args: argparse.Namespace, configs: list[SweepConfig], run_one: Callable[[argparse.Namespace,
            SweepConfig], object], jobs: int, on_error: Callable[[SweepConfig, Exception], object]) -> list:
    """``run_one(args_for_config, config)`` for every configuration, ``jobs`` at a time, in the order given;
    on a stop signal, SweepInterrupted with what finished (ccktf.parallel)."""
    return parallel.run_parallel([lambda c=c: _isolated(run_one, on_error, config_args(args, c), c) for c in configs],
                                 jobs)
