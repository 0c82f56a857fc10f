#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Fetches Debian's own amd64 kernel image for the tests that need a real Linux bzImage (bzimage-check on
# vmlinuz, docs/bzimage.md; later the kexec hand-off of issue 13): the package the linux-image-amd64
# metapackage depends on, downloaded with `apt-get download` (no root needed) and unpacked with
# `dpkg-deb -x` into build/linux/, never installed into /boot. Cached: a second run does nothing.
# Prints the path of the vmlinuz on success; exits 1 saying why otherwise (tests then skip with that reason).
# Usage: ci/fetch-linux.sh [OUT_DIR]   (default build/linux)
set -euo pipefail

out=${1:-build/linux}
mkdir -p "$out"
out=$(cd "$out" && pwd)

cached() { ls "$out"/root/boot/vmlinuz-* 2>/dev/null | head -n 1; }
if image=$(cached) && [ -n "$image" ]; then
	echo "$image"
	exit 0
fi

for tool in apt-cache apt-get dpkg-deb; do
	command -v "$tool" >/dev/null || { echo "fetch-linux: $tool not found (a Debian host is needed)" >&2; exit 1; }
done

# The metapackage names the current ABI's image: "Depends: linux-image-6.1.0-NN-amd64".
package=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }')
if [ -z "$package" ]; then
	echo "fetch-linux: apt-cache knows no linux-image-amd64 dependency (run apt-get update?)" >&2
	exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if ! (cd "$work" && apt-get download -q "$package" >&2); then
	echo "fetch-linux: apt-get download $package failed (no network, or stale package lists: apt-get update)" >&2
	exit 1
fi
deb=$(ls "$work"/*.deb)
dpkg-deb -x "$deb" "$work/root"
if ! ls "$work"/root/boot/vmlinuz-* >/dev/null 2>&1; then
	echo "fetch-linux: $deb holds no /boot/vmlinuz-*" >&2
	exit 1
fi
# Only /boot is kept (the modules are not needed); moved into place last, so that an interrupted run
# leaves no half cache behind.
rm -rf "$out/root"
mkdir -p "$out/root.new"
mv "$work/root/boot" "$out/root.new/boot"
basename "$deb" >"$out/root.new/package.txt"
mv "$out/root.new" "$out/root"
cached
