#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Fetches the Debian packages the tests with a real Linux need, through the harness's own fetch
# (ccktf.linux_guest.fetch(), the one the tests use; harness/ccktf/debian.py: `apt-get download` and
# `dpkg-deb -x` into build/debian/, no root, never installed into /boot): the kernel the linux-image-amd64 metapackage names (bzimage-check on vmlinuz,
# docs/bzimage.md) and what the kexec guest adds (busybox, kexec-tools: harness/ccktf/linux_guest.py).
# Cached: a second run only checks. Prints the vmlinuz path; exits 1 saying why otherwise (the tests that
# need it then skip with that reason). `make test` runs it as `make fetch-linux`.
set -euo pipefail

cd "$(dirname "$0")/.."
exec env PYTHONPATH="$PWD/harness" /usr/bin/python3 - <<'PY'
import sys

from ccktf import debian, linux_guest

try:
    print(linux_guest.fetch().vmlinuz)
except debian.DebianError as error:
    print(f"fetch-linux: {error}", file=sys.stderr)
    sys.exit(1)
PY
