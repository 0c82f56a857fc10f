# Host-side unit tests: the kernel's portable logic and test framework, built as a Linux program with
# sanitizers. Included by the top-level Makefile.
HOST_CC ?= gcc
HOST_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror -Ikernel/include -Ikernel -Iarch/x86/include \
	-fsanitize=address,undefined -fno-sanitize-recover=all -MMD -MP -fno-toplevel-reorder
# Portable kernel sources that also run on the host. The formatter is renamed so that libc keeps its own.
HOST_SRCS := $(wildcard kernel/test/*.c) kernel/lib/console.c kernel/lib/exit.c kernel/lib/histogram.c kernel/lib/aes_gcm.c kernel/efi/acpi_tables.c \
	$(wildcard kernel/mm/*.c) $(wildcard kernel/conform/*.c) $(wildcard kernel/boot/*.c) $(wildcard tests/host/*.c)
HOST_OBJS := $(patsubst %.c,build/host/%.o,$(HOST_SRCS)) build/host/kernel/lib/format.o
HOST_TESTS := build/host/ccktf-host-tests

build/host/kernel/lib/format.o: kernel/lib/format.c
	@mkdir -p $(dir $@)
	$(call say,HOSTCC,$<)
	$(Q)$(HOST_CC) $(HOST_CFLAGS) -Dvsnprintf=kernel_vsnprintf -Dsnprintf=kernel_snprintf -c $< -o $@

build/host/%.o: %.c
	@mkdir -p $(dir $@)
	$(call say,HOSTCC,$<)
	$(Q)$(HOST_CC) $(HOST_CFLAGS) -c $< -o $@

$(HOST_TESTS): $(HOST_OBJS)
	$(call say,HOSTLD,$@)
	$(Q)$(HOST_CC) $(HOST_CFLAGS) $^ -o $@

-include $(HOST_OBJS:.o=.d)
