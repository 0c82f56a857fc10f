# SPDX-License-Identifier: MIT
# ccktf: build the kernel (build/ccktf.efi), run it, test it. See README.md.
#   make            build build/ccktf.efi
#   make run        boot it under QEMU/OVMF and print a summary (PLATFORM=, MEMORY=, TESTS=, ARGS=)
#   make test       host unit tests, a fuzz smoke, the harness's own tests, and every in-kernel test under pytest
#   make bench      acceptance benchmarks on both models: build/bench/ (JSON, plots, summary.md)
#   make conformance  firmware conformance report over a sweep of sizes x vCPUs: build/conformance/ (MD, JSON, HTML, JUnit)
#   make matrix     the firmware x kernel acceptance matrix, measured: build/matrix/ (matrix.md, matrix.json)
#   make fuzz       libFuzzer targets for the parsers of host data, FUZZ_SECONDS each (docs/fuzzing.md)
#   make doctor     what this host can run (TCG, KVM, TDX, SNP guests), and how to fix what it cannot
#   make esp        build/esp/EFI/BOOT/BOOTX64.EFI, for booting from an EFI system partition
#   make sign       build/ccktf.signed.efi, signed for Secure Boot (SIGN_KEY=, SIGN_CERT=; docs/secure-boot.md)
#   make clean
.DEFAULT_GOAL := all
.DELETE_ON_ERROR:
MAKEFLAGS += --no-builtin-rules

CC := gcc
NASM := nasm
LD := ld
OBJCOPY := objcopy
VERSION := $(shell cat VERSION)

# Debian's interpreter has python3-pytest; a python3 earlier on PATH (pyenv, venv) may not.
PYTHON ?= $(shell for p in /usr/bin/python3 python3; do $$p -c 'import pytest' 2>/dev/null && { echo $$p; exit; }; done; echo /usr/bin/python3)

CFLAGS := -Itests -std=gnu11 -O2 -g -ffreestanding -fpie -fvisibility=hidden -mno-red-zone -mgeneral-regs-only \
	-fno-stack-protector -fno-asynchronous-unwind-tables -fno-omit-frame-pointer -fno-toplevel-reorder \
	-fcf-protection=none -Wall -Wextra -Werror -ffile-prefix-map=$(CURDIR)/= \
	-Ikernel/include -Ikernel -Iarch/x86/include -DCCKTF_VERSION='"$(VERSION)"' -MMD -MP
NASMFLAGS := -f elf64 -w+all
LDFLAGS := -nostdlib -pie --no-dynamic-linker -z norelro -z noexecstack --build-id=none -T linker/ccktf.ld

KERNEL_C := $(sort $(wildcard kernel/*.c kernel/*/*.c arch/x86/*.c arch/x86/*/*.c tests/*/*.c))
KERNEL_C := $(filter-out tests/host/% tests/fuzz/%,$(KERNEL_C))
KERNEL_ASM := $(sort $(filter-out arch/x86/boot/pe_header.asm,$(wildcard arch/x86/*/*.asm)))
KERNEL_OBJS := $(patsubst %.c,build/obj/%.o,$(KERNEL_C)) $(patsubst %.asm,build/obj/%.o,$(KERNEL_ASM))
# entry.asm first, so that efi_entry is the first code in .text
KERNEL_OBJS := build/obj/arch/x86/boot/entry.o $(filter-out build/obj/arch/x86/boot/entry.o,$(KERNEL_OBJS))

all: build/ccktf.efi

# V=1 shows the commands.
ifeq ($(V),1)
Q :=
say = @true
else
Q := @
say = @printf '  %-6s %s\n' $(1) $(2)
endif

build/obj/%.o: %.c Makefile VERSION
	@mkdir -p $(dir $@)
	$(call say,CC,$<)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

build/obj/%.o: %.asm Makefile arch/x86/boot/serial_stub.inc
	@mkdir -p $(dir $@)
	$(call say,NASM,$<)
	$(Q)$(NASM) $(NASMFLAGS) -MD $(@:.o=.d) $< -o $@

build/ccktf.elf: $(KERNEL_OBJS) linker/ccktf.ld
	$(call say,LD,$@)
	$(Q)$(LD) $(LDFLAGS) $(KERNEL_OBJS) -o $@

build/pe_header.bin: arch/x86/boot/pe_header.asm arch/x86/boot/serial_stub.inc build/ccktf.elf linker/pe_layout.sh VERSION
	$(call say,PEHDR,$@)
	$(Q)$(NASM) -f bin -DCCKTF_VERSION='"$(VERSION)"' $$(linker/pe_layout.sh build/ccktf.elf) $< -o $@

build/ccktf.body: build/ccktf.elf
	$(Q)$(OBJCOPY) -O binary $< $@

build/ccktf.efi: build/pe_header.bin build/ccktf.body
	$(call say,EFI,$@)
	$(Q)cat $^ > $@

esp: build/esp/EFI/BOOT/BOOTX64.EFI
build/esp/EFI/BOOT/BOOTX64.EFI: build/ccktf.efi
	@mkdir -p $(dir $@)
	cp $< $@

# Secure Boot (docs/secure-boot.md): an Authenticode signature over the final image (sbsign, from sbsigntool),
# checked with sbverify against the certificate before it is kept. The default is Debian's snakeoil TEST key
# (ovmf's README.Debian: enrolled in OVMF_VARS_4M.snakeoil.fd, passphrase "snakeoil"), for local runs only.
# SIGN_KEY_PASS decrypts an encrypted key into a private temporary file for sbsign, which cannot prompt from
# make; leave it empty for a key that is not encrypted.
SNAKEOIL_KEY := /usr/share/ovmf/PkKek-1-snakeoil.key
SIGN_KEY ?= $(SNAKEOIL_KEY)
SIGN_CERT ?= /usr/share/ovmf/PkKek-1-snakeoil.pem
SIGN_KEY_PASS ?= $(if $(filter $(SNAKEOIL_KEY),$(SIGN_KEY)),snakeoil)
SIGN_IN ?= build/ccktf.efi
SIGN_OUT ?= build/ccktf.signed.efi
sign: $(SIGN_OUT)
# A key or certificate that is not there is named by its variable (as a prerequisite, make would only say it has
# no rule to make it); order-only, so it is checked even when the signed image is up to date.
.PHONY: sign-inputs
sign-inputs:
	@for pair in 'SIGN_KEY=$(SIGN_KEY)' 'SIGN_CERT=$(SIGN_CERT)'; do file=$${pair#*=}; [ -f "$$file" ] || { \
		echo "make sign: $$pair: no such file (make sign SIGN_KEY=your.key SIGN_CERT=your.pem; docs/secure-boot.md)" >&2; \
		exit 1; }; done
$(SIGN_OUT): $(SIGN_IN) $(wildcard $(SIGN_KEY) $(SIGN_CERT)) Makefile | sign-inputs
	@ci/deps.sh
	$(call say,SIGN,$@)
	$(Q)set -e; key='$(SIGN_KEY)'; tmp=; trap 'rm -f "$$tmp" $@.tmp' EXIT; \
	if [ -n '$(SIGN_KEY_PASS)' ]; then tmp=$$(mktemp); \
		openssl pkey -in "$$key" -passin 'pass:$(SIGN_KEY_PASS)' -out "$$tmp"; key=$$tmp; fi; \
	sbsign --key "$$key" --cert '$(SIGN_CERT)' --output $@.tmp $< 2>$@.log || { cat $@.log >&2; exit 1; }; \
	sbverify --cert '$(SIGN_CERT)' $@.tmp >>$@.log 2>&1 || { cat $@.log >&2; exit 1; }; \
	mv $@.tmp $@

include tests/host/host.mk
include tests/fuzz/fuzz.mk

# --- front door -------------------------------------------------------------------------------------
PLATFORM ?= auto
# Models present memory above 4 GiB as unaccepted (as OVMF does): give them a guest large enough.
MEMORY ?= $(if $(filter sim-%,$(PLATFORM)),6G,512M)
TESTS ?=
ARGS ?=
SMP ?= 1
HARNESS := PYTHONPATH=$(CURDIR)/harness $(PYTHON) -m ccktf

deps:
	@ci/deps.sh

# SECURE_BOOT=1: boot the signed image under the Secure Boot firmware (docs/secure-boot.md).
SECURE_BOOT ?=
RUN_KERNEL := $(if $(filter 1,$(SECURE_BOOT)),build/ccktf.signed.efi,build/ccktf.efi)
run: deps $(RUN_KERNEL)
	$(HARNESS) run --kernel $(RUN_KERNEL) $(if $(filter 1,$(SECURE_BOOT)),--secure-boot) \
		--platform $(PLATFORM) --memory $(MEMORY) --smp $(SMP) \
		$(if $(TESTS),--tests '$(TESTS)') $(if $(ARGS),--append '$(ARGS)')

# Benchmarks (docs/benchmarks.md): both models by default, or PLATFORM=...; BASELINE=results.json gates.
bench: deps build/ccktf.efi
	$(HARNESS) bench --kernel build/ccktf.efi --out build/bench $(if $(filter-out auto,$(PLATFORM)),--platform $(PLATFORM)) \
		$(if $(BASELINE),--baseline '$(BASELINE)') $(if $(ARGS),--append '$(ARGS)')

# Firmware conformance (docs/conformance.md): one report with a column per configuration of SWEEP (memory
# sizes x vCPU counts, booted JOBS at a time) in build/conformance/: report.md, report.json, report.html,
# report.xml. SWEEP= (empty) boots once with MEMORY and SMP. MATRIX=auto|off|PATH: the firmware x kernel
# matrix section (booted where the platform has one, or read from a matrix.json). With a sweep, MEMORY and
# SMP are passed only when given (the harness warns when the sweep overrides them; its defaults are these).
SWEEP ?= default
MATRIX ?= auto
conformance: deps build/ccktf.efi
	$(HARNESS) conformance --kernel build/ccktf.efi --platform $(PLATFORM) \
		$(if $(or $(filter-out file,$(origin MEMORY)),$(if $(SWEEP),,1)),--memory $(MEMORY)) \
		$(if $(or $(filter-out file,$(origin SMP)),$(if $(SWEEP),,1)),--smp $(SMP)) \
		--out build/conformance --jobs $(JOBS) --matrix '$(MATRIX)' $(if $(SWEEP),--sweep '$(SWEEP)') \
		$(if $(ARGS),--append '$(ARGS)')

# The firmware x kernel acceptance matrix (harness/ccktf/matrix.py): every cell on both models, in parallel;
# build/matrix/matrix.md and matrix.json. PLATFORMS=snp (or tdx) fills the row of the firmware present.
PLATFORMS ?= sim-snp,sim-tdx
matrix: deps build/ccktf.efi
	$(HARNESS) matrix --kernel build/ccktf.efi --platforms $(PLATFORMS) --jobs $(JOBS) --out build/matrix \
		$(if $(ARGS),--append '$(ARGS)')

# The host checks behind every boot's QEMU profile (harness/ccktf/hostcheck.py).
doctor: deps
	$(HARNESS) doctor

test-host: $(HOST_TESTS)
	$(HOST_TESTS)

# The harness's own tests (parser, command line, real boots: crash, hang, usage error, ESP), then every
# in-kernel test as its own pytest item (one boot per configuration in harness/ccktf/configs.py).
# Boots run in parallel, one pytest-xdist worker per core (JOBS=1: serially); every boot has its own run
# directory, and all the items of one configuration go to one worker, which boots it once.
JOBS ?= $(shell nproc)
test: deps build/ccktf.efi test-host fuzz-smoke fetch-linux
	$(PYTHON) -m pytest -n $(JOBS) --dist loadgroup harness/tests harness/kernel_tests

# Debian's own kernel, busybox and kexec-tools, for the tests with a real Linux (ci/fetch-linux.sh: apt-get
# download and dpkg-deb -x into build/debian/, cached). Without network it says why, and those tests skip.
fetch-linux:
	@ci/fetch-linux.sh >/dev/null || echo "ccktf: no Debian kernel in build/debian/: the tests that need one will skip" >&2

clean:
	rm -rf build

.PHONY: all esp sign deps run test test-host bench conformance matrix doctor clean fuzz fuzz-smoke fuzz-replay fuzz-build fetch-linux
-include $(KERNEL_OBJS:.o=.d)
