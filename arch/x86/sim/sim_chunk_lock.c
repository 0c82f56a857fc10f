/* SPDX-License-Identifier: MIT */
/*
 * The models' page-state locks, one per 2 MiB chunk of guest-physical space (arch/sim.h sim_chunk_lock()).
 * The hardware keeps its page state per 4 KiB entry (the TDX module locks one S-EPT entry per accept,
 * tdg_mem_page_accept.c; the RMP is per entry, APM vol. 2 15.36), so two vCPUs accepting different memory
 * never wait for each other there. One lock over a model's whole state made them: with it, and with counts
 * every vCPU bumped on one cache line, 2 vCPUs accepted 1.3-1.5x as fast as one (docs/benchmarks.md
 * "Scaling"). A chunk is coarser than an entry and never finer: every request a model answers (a 4 KiB or
 * 2 MiB accept or validation, a Page State Change entry) lies in one chunk, and its check and its change
 * are one step under that chunk's lock, as the hardware's are under the entry's. Striped: chunk i takes
 * lock i % SIM_CHUNK_LOCKS, each on a cache line of its own.
 */
#include <arch/sim.h>
#include <ccktf/spinlock.h>

#define SIM_CHUNK_LOCKS 256

static struct spinlock_line chunk_locks[SIM_CHUNK_LOCKS];

struct spinlock *sim_chunk_lock(u64 addr)
{
	return &chunk_locks[(addr / (2 * MiB)) % SIM_CHUNK_LOCKS].l;
}
