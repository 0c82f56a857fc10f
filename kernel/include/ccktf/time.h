/* SPDX-License-Identifier: MIT */
/* Monotonic time for test durations and benchmarks: the TSC in the kernel, clock_gettime on the host. */
#ifndef CCKTF_TIME_H
#define CCKTF_TIME_H

#include <ccktf/types.h>

u64 time_now_ns(void);

#endif
