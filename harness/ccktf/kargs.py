"""The kernel's boot-argument string (docs/protocol.md "Boot arguments": space-separated key=value words)."""

from __future__ import annotations

from typing import Iterable, Optional, Sequence


# Where the harness's own words come from, for the message when --append repeats one.
HARNESS_KEYS = {"tests": "--tests", "platform": "--platform", "list": "the list command"}


def kernel_args(tests: Optional[Sequence[str]] = None, platform: Optional[str] = None,
                list_only: bool = False, extra: str = "") -> str:
    """Build the append string; values may not contain spaces, since words are space-separated.

    A key given twice is an error before the boot (the kernel refuses it too, docs/protocol.md): with
    ``--platform sim-tdx --append platform=none`` the run would otherwise test something else than asked.
    """
    words = []
    if tests:
        words.append("tests=" + ",".join(tests))
    if platform:
        words.append(f"platform={platform}")
    if list_only:
        words.append("list=1")
    for word in words:
        if any(c.isspace() for c in word):
            raise ValueError(f"kernel argument {word!r} contains white space")
    return " ".join(check_unique(words, extra.split()))


def check_unique(own: list[str], extra: list[str]) -> list[str]:
    """``own + extra``, or ValueError naming a key that appears twice and where each came from."""
    seen: dict[str, tuple[str, str]] = {}
    for word, origin in [(w, HARNESS_KEYS.get(w.partition("=")[0], "")) for w in own] + [(w, "--append") for w in extra]:
        key, sep, _ = word.partition("=")
        if not sep or not key:
            raise ValueError(f"kernel argument {word!r} is not a key=value word")
        if key in seen:
            first, first_origin = seen[key]
            raise ValueError(f"kernel argument {key}= given twice: {first!r} (from {first_origin}) and {word!r} "
                             f"(from {origin})")
        seen[key] = (word, origin)
    return own + extra


def split_globs(text: str) -> list[str]:
    """``"a.*,b"`` -> ``["a.*", "b"]`` (the CLI's --tests syntax, the same as the kernel's)."""
    return [glob for glob in text.split(",") if glob]


def compact_selection(selected: Iterable[str], available: Sequence[str]) -> list[str]:
    """The shortest ``tests=`` globs selecting exactly ``selected`` (``suite.test`` names) out of ``available``.

    A suite whose every listed test is selected is named by suite alone (a glob without a dot matches a
    whole suite); an empty list means "everything" (the kernel's default ``*``).
    """
    chosen = set(selected)
    if not chosen:
        raise ValueError("no tests selected")
    unknown = chosen.difference(available)
    if unknown:
        raise ValueError(f"not in the kernel's listing: {', '.join(sorted(unknown))}")
    if chosen == set(available):
        return []
    globs: list[str] = []
    for suite in dict.fromkeys(name.split(".", 1)[0] for name in available):
        members = [name for name in available if name.split(".", 1)[0] == suite]
        picked = [name for name in members if name in chosen]
        globs.extend([suite] if picked == members else picked)
    return globs
