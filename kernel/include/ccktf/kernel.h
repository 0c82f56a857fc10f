/* SPDX-License-Identifier: MIT */
/* The portable core's run of a boot (kernel/main.c), driven by the firmware entry (kernel/efi/). */
#ifndef CCKTF_KERNEL_H
#define CCKTF_KERNEL_H

#include <ccktf/args.h>
#include <ccktf/ktest.h>

struct efi_memmap_snapshot;

/* list=1: prints the selected tests and exits. */
/* Whether every glob of tests= selects a test; else a usage message naming the one that selects none. */
bool kernel_selection_valid(const struct kernel_args *args, char *err, size_t err_size);
void kernel_list_if_asked(const struct kernel_args *args);
/* Runs one phase of the selected suites; the first call prints the KTAP plan. */
void kernel_run_phase(enum ktest_phase phase);
/* After ExitBootServices, on the kernel's own stack: the remaining suites, then the verdict. */
__noreturn void kernel_main(void);

/* probe=... (kernel/probe.c): runs the asked probe in place of the tests and exits; returns when none was
 * asked. touch_unaccepted reads unaccepted memory, which the platform must stop (the run ends "crashed");
 * if the read returns, the run ends "failed". */
void kernel_probe_if_asked(const struct kernel_args *args);

/* A step of platform setup that returned an error message: report it and exit "crashed". */
void kernel_fatal_if(const char *what, const char *err);

/* kernel/efi/efi_memmap.c */
void memmap_print(const struct efi_memmap_snapshot *m);
u64 memmap_top(const struct efi_memmap_snapshot *m);

#endif
