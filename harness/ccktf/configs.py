"""The boot configurations the kernel's tests run under in pytest (one boot per configuration).

Adding a configuration is one line in ``BOOT_CONFIGS``; its ``id`` becomes part of every item id
(``test_kernel[none:selftest.formatter]``), so ``pytest -k sim-tdx`` selects a configuration.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BootConfig:
    id: str
    platform: str            # passed as platform= (docs/protocol.md "Boot arguments")
    memory: str = "512M"
    extra: str = ""          # further kernel arguments, e.g. "seed=7"
    smp: int = 1
    profile: str = "tcg"


BOOT_CONFIGS = [
    BootConfig("none", platform="none", memory="512M"),
    BootConfig("sim-tdx", platform="sim-tdx", memory="6G"),
    BootConfig("sim-snp", platform="sim-snp", memory="6G"),
    # A host that backs private memory with 2 MiB pages (the models default to 4K, as upstream KVM).
    BootConfig("sim-tdx-host2m", platform="sim-tdx", memory="6G", extra="sim_host_map=2m"),
    # OVMF's AmdSevDxe accepts everything at ExitBootServices when the OS does not call
    # AllowUnacceptedMemory(): the bitmap, filled from the final map, must then be empty.
    BootConfig("sim-snp-fw-accepts", platform="sim-snp", memory="6G", extra="allow_unaccepted=0"),
    # The guest at VMPL 1 below a modelled SVSM: every validation is an SVSM_CORE_PVALIDATE call.
    BootConfig("sim-snp-svsm", platform="sim-snp", memory="6G", extra="sim_svsm=1"),
]
