/* SPDX-License-Identifier: MIT */
/* Monotonic time for test durations and benchmarks: the TSC in the kernel, clock_gettime on the host. */
#ifndef CCKTF_TIME_H
#define CCKTF_TIME_H

#include <ccktf/types.h>

u64 time_now_ns(void);
/* Busy-waits ns nanoseconds on time_now_ns() (the SDM's IPI delays; kernel only: arch/x86/cpu/tsc.c). */
void delay_ns(u64 ns);

#endif
