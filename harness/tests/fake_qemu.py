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


def main() -> int:
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
