/* SPDX-License-Identifier: MIT */
/*
 * time_now_ns() (ccktf/time.h) for every fuzz target: the host's monotonic clock, as tests/host/host_main.c
 * gives it. kernel/mm/accept_parallel.c bounds its wait by it. Weak, so that a target with its own clock
 * (fuzz_snp.c) keeps it.
 */
#include <ccktf/time.h>
#include <time.h>

__attribute__((weak)) u64 time_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ull + (u64)ts.tv_nsec;
}
