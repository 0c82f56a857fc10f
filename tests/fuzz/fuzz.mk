# libFuzzer targets for the kernel's parsers of host- and firmware-controlled data (docs/fuzzing.md).
# Included by the top-level Makefile. Built like the host tests (tests/host/host.mk), with clang,
# -fsanitize=fuzzer and ASan + UBSan, every finding fatal.
#   make fuzz              every target for FUZZ_SECONDS each (default 10), from tests/fuzz/corpus/<target>/
#   make fuzz-smoke        what `make test` runs: the regression inputs, the seed corpus, and a short run
#   make fuzz-replay       only the files in tests/fuzz/regressions/<target>/ (no fuzzing)
#   make fuzz FUZZ_TARGETS='memmap acpi' FUZZ_SECONDS=600 FUZZ_JOBS=2
# A crash, leak or timeout fails the run; libFuzzer writes the input to $(FUZZ_WORK)/artifacts/<target>/,
# and it belongs in tests/fuzz/regressions/<target>/ once the bug is fixed.
FUZZ_CC ?= clang
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all
# Every kernel source is built with the kernel's own formatter (renamed, so that libc keeps its own).
FUZZ_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror -Ikernel/include -Ikernel -Iarch/x86/include -Itests \
	$(FUZZ_SAN) -Dvsnprintf=kernel_vsnprintf -Dsnprintf=kernel_snprintf -MMD -MP
FUZZ_SECONDS ?= 10
FUZZ_SMOKE_SECONDS ?= 1
FUZZ_TIMEOUT ?= 5
FUZZ_MAX_LEN ?= 8192
FUZZ_JOBS ?= $(shell nproc)
# Scratch corpus, logs and crash inputs; give concurrent runs (a long campaign beside make test) their own.
FUZZ_WORK ?= build/fuzz
FUZZ_ALL := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_TARGETS ?= $(FUZZ_ALL)
FUZZ_BINS := $(patsubst %,build/fuzz/fuzz_%,$(FUZZ_ALL))
# Linked into every target; sources tangled with hardware are #included by the target that stubs them.
FUZZ_COMMON_SRCS := kernel/lib/console.c kernel/lib/format.c kernel/efi/efi_names.c kernel/efi/acpi_pm.c kernel/efi/acpi_tables.c \
	$(wildcard kernel/mm/*.c) $(wildcard kernel/conform/*.c) $(wildcard kernel/boot/*.c) tests/fuzz/lib/clock.c
FUZZ_COMMON_OBJS := $(patsubst %.c,build/fuzz/obj/%.o,$(FUZZ_COMMON_SRCS))

build/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(call say,FUZZCC,$<)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_COMMON_OBJS)
	@mkdir -p $(dir $@)
	$(call say,FUZZLD,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -MF $@.d $< $(FUZZ_COMMON_OBJS) -o $@

fuzz-build: $(FUZZ_BINS)
.SECONDARY: $(FUZZ_COMMON_OBJS)

# One target: the regression files (replayed, no fuzzing), then fuzzing from the committed corpus into a
# scratch corpus in $(FUZZ_WORK) for $(2) seconds. Prints "fuzz <target>: <executions> executions".
define fuzz_one
	@set -e; t=$(1); bin=build/fuzz/fuzz_$$t; reg=tests/fuzz/regressions/$$t; w=$(FUZZ_WORK); \
	mkdir -p $$w/corpus/$$t $$w/artifacts/$$t $$w/logs; \
	if ls $$reg/* >/dev/null 2>&1; then \
		$$bin -timeout=$(FUZZ_TIMEOUT) $$reg/* >$$w/logs/$$t.replay.log 2>&1 || \
		{ tail -n 30 $$w/logs/$$t.replay.log; echo "fuzz $$t: a regression input in $$reg fails"; exit 1; }; \
	fi; \
	if [ "$(2)" != 0 ]; then \
		$$bin -max_total_time=$(2) -timeout=$(FUZZ_TIMEOUT) -rss_limit_mb=2048 -max_len=$(FUZZ_MAX_LEN) -print_final_stats=1 \
			-artifact_prefix=$$w/artifacts/$$t/ $(FUZZ_FLAGS) $$w/corpus/$$t tests/fuzz/corpus/$$t \
			>$$w/logs/$$t.log 2>&1 || \
		{ tail -n 40 $$w/logs/$$t.log; echo "fuzz $$t: FAILED; the input is in $$w/artifacts/$$t/"; \
		  echo "fuzz $$t: once fixed, keep it as tests/fuzz/regressions/$$t/<name>"; exit 1; }; \
		echo "fuzz $$t: $$(sed -n 's/^stat::number_of_executed_units: *//p' $$w/logs/$$t.log | tail -n 1) executions in $(2) s"; \
	fi
endef

FUZZ_RUN_RULES := $(patsubst %,fuzz-run-%,$(FUZZ_TARGETS))
FUZZ_SMOKE_RULES := $(patsubst %,fuzz-smoke-%,$(FUZZ_ALL))
FUZZ_REPLAY_RULES := $(patsubst %,fuzz-replay-%,$(FUZZ_ALL))

$(FUZZ_RUN_RULES): fuzz-run-%: build/fuzz/fuzz_%
	$(call fuzz_one,$*,$(FUZZ_SECONDS))
$(FUZZ_SMOKE_RULES): fuzz-smoke-%: build/fuzz/fuzz_%
	$(call fuzz_one,$*,$(FUZZ_SMOKE_SECONDS))
$(FUZZ_REPLAY_RULES): fuzz-replay-%: build/fuzz/fuzz_%
	$(call fuzz_one,$*,0)

# Targets run side by side, FUZZ_JOBS at a time.
fuzz: deps $(FUZZ_BINS)
	@$(MAKE) --no-print-directory -j$(FUZZ_JOBS) $(FUZZ_RUN_RULES)
fuzz-smoke: deps $(FUZZ_BINS)
	@$(MAKE) --no-print-directory -j$(FUZZ_JOBS) $(FUZZ_SMOKE_RULES)
fuzz-replay: deps $(FUZZ_BINS)
	@$(MAKE) --no-print-directory -j$(FUZZ_JOBS) $(FUZZ_REPLAY_RULES)

.PHONY: $(FUZZ_RUN_RULES) $(FUZZ_SMOKE_RULES) $(FUZZ_REPLAY_RULES)
-include $(FUZZ_COMMON_OBJS:.o=.d) $(FUZZ_BINS:=.d)
