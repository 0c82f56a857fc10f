"""What the harness knows about platforms (docs/protocol.md, ``platform=``): which ones are hardware models.

A figure or a check result from a model (``sim-*``) comes from a hardware model running under TCG and must
never read as a hardware result: every report labels it with ``platform_label()``.
"""

from __future__ import annotations

MODEL_PLATFORMS = frozenset({"sim-tdx", "sim-snp"})


def is_model(platform: str) -> bool:
    """True for the hardware models (``sim-*``): their results are MODEL results under TCG."""
    return platform in MODEL_PLATFORMS


def platform_label(platform: str) -> str:
    """``MODEL (sim-tdx)`` for a model platform, the bare name for hardware: for titles and headings."""
    return f"MODEL ({platform})" if is_model(platform) else platform
