#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Checks that the tools ccktf needs are installed, and installs the missing Debian packages when it can
# (as root), or prints the exact command to run when it cannot. Used by `make run`, `make test`,
# `make bench`, `make conformance`, `make fuzz` and .ci/run. matplotlib draws the benchmark plots, which
# `make test` also exercises.
set -euo pipefail

missing=()
need() { # need PACKAGE CHECK...: the package is missing when the check fails
	local pkg=$1
	shift
	"$@" >/dev/null 2>&1 || missing+=("$pkg")
}
have() { command -v "$1"; }
ovmf_present() { ls /usr/share/qemu/firmware/*.json && ls /usr/share/OVMF/OVMF_CODE*.fd; }

need make have make
need gcc have gcc
need binutils have objcopy
need nasm have nasm
need qemu-system-x86 have qemu-system-x86_64
need ovmf ovmf_present
# Secure Boot (docs/secure-boot.md): `make sign` signs with sbsign and checks with sbverify; the tests make a
# throw-away key with openssl. Debian's ovmf ships the snakeoil key and the secboot firmware.
need sbsigntool have sbsign
need openssl have openssl
# Debian's Python modules, found (not imported: importing them all took over a second) in one interpreter:
#   python3-pytest-xdist  make test runs its boots in parallel
#   python3-yaml          the CI workflow and LAVA job are checked
#   lava-common           LAVA's own job schema
#   python3-lxml          JUnit files are validated against Jenkins' schema
#   python3-hypothesis    property-based tests of the parsers and the gate
python_missing() {
	/usr/bin/python3 - "$@" <<'PY' 2>/dev/null || printf '%s ' "${@%%=*}" # no Python: all of them
import importlib.util, sys
def present(module):
    try:
        return importlib.util.find_spec(module) is not None
    except ImportError:
        return False
pairs = [arg.split("=") for arg in sys.argv[1:]]
print(" ".join(package for package, module in pairs if not present(module)))
PY
}
# shellcheck disable=SC2207
missing+=($(python_missing python3-pytest=pytest python3-matplotlib=matplotlib python3-pytest-xdist=xdist \
	python3-yaml=yaml lava-common=lava_common.schemas python3-lxml=lxml.etree python3-hypothesis=hypothesis))
need git have git # the build test snapshots the tree with git ls-files
# The fuzz targets (tests/fuzz/, make fuzz; make test runs a smoke of each): clang, and libFuzzer's runtime,
# which Debian ships apart from clang (dpkg -S libclang_rt.fuzzer-x86_64.a: libclang-rt-14-dev).
fuzzer_runtime() { ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a; }
need clang have clang
need libclang-rt-14-dev fuzzer_runtime

[ ${#missing[@]} -eq 0 ] && exit 0
cmd="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
	echo "ccktf: missing Debian packages: ${missing[*]}" >&2
	echo "ccktf: install them with: sudo apt-get update && sudo $cmd" >&2
	exit 1
fi
echo "ccktf: installing missing Debian packages: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
$cmd
