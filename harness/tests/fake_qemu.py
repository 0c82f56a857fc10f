#!/usr/bin/python3
"""Stands in for qemu-system-x86_64 in fast tests: prints a canned serial stream and exits.

Driven by the environment (set by the ``fake_qemu`` fixture in conftest.py):
  FAKE_QEMU_STREAM  file whose bytes are written to stdout (the serial line)
  FAKE_QEMU_STATUS  exit status (default 0)
  FAKE_QEMU_HANG    if set, sleep forever after the stream (a hung kernel)
  FAKE_QEMU_ARGV    file to record the command line in, one argument per line
  FAKE_QEMU_STREAMS directory: serve STREAMS/list.ktap when -append has list=1, else STREAMS/run.ktap,
                    exiting with the number in STREAMS/list.status or run.status if present
                    (lets one pytest session serve its listing boot and its test boot)
  FAKE_QEMU_VERSION "MAJOR.MINOR.PATCH" printed for --version (default 7.2.22, Debian 12's)
  FAKE_QEMU_OBJECTS comma-separated object types printed for -object help (default: none of note)
The --version and -object help probes are answered and not recorded: they are not boots.
"""
import os
import sys
import time
from pathlib import Path


def stream_and_status() -> tuple[Path, int]:
    status = int(os.environ.get("FAKE_QEMU_STATUS", "0"))
    if "FAKE_QEMU_STREAMS" not in os.environ:
        return Path(os.environ["FAKE_QEMU_STREAM"]), status
    append = sys.argv[sys.argv.index("-append") + 1] if "-append" in sys.argv else ""
    base = Path(os.environ["FAKE_QEMU_STREAMS"]) / ("list" if "list=1" in append.split() else "run")
    status_file = base.with_suffix(".status")
    return base.with_suffix(".ktap"), int(status_file.read_text()) if status_file.exists() else status


def probe() -> bool:
    """Answers QEMU's own queries the way QEMU prints them; True when argv was one."""
    if sys.argv[1:] == ["--version"]:
        version = os.environ.get("FAKE_QEMU_VERSION", "7.2.22")
        print(f"QEMU emulator version {version} (fake)\nCopyright (c) 2003-2025 Fabrice Bellard and the QEMU Project developers")
        return True
    if sys.argv[1:] == ["-object", "help"]:
        objects = sorted(filter(None, os.environ.get("FAKE_QEMU_OBJECTS", "memory-backend-ram").split(",")))
        print("List of user creatable objects:\n" + "".join(f"  {name}\n" for name in objects), end="")
        return True
    return False


def main() -> int:
    if probe():
        return 0
    if "FAKE_QEMU_ARGV" in os.environ:
        with open(os.environ["FAKE_QEMU_ARGV"], "a") as record:
            record.write("\n".join(sys.argv[1:]) + "\n--\n")
    stream, status = stream_and_status()
    sys.stdout.buffer.write(stream.read_bytes())
    sys.stdout.flush()
    if os.environ.get("FAKE_QEMU_HANG"):
        while True:
            time.sleep(60)
    return status


if __name__ == "__main__":
    sys.exit(main())
