/* SPDX-License-Identifier: MIT */
/*
 * Acceptance on several CPUs at once, over the Linux-format bitmap (mm/unaccepted.h). Portable: no arch
 * code, so tests/host/test_accept_parallel.c races it with pthreads.
 *
 * The rule, after Linux drivers/firmware/efi/unaccepted_memory.c accept_memory() and its accepting_list:
 * a CPU that wants units [first, end) takes the lock, and if another CPU's range in the accepting list
 * overlaps, drops the lock, waits and looks again; otherwise it records its range in the list, and for each
 * run of set bits in it drops the lock, has the platform accept the run, retakes the lock and clears the
 * run's bits. Its range leaves the list at the end. So a unit is accepted by the one CPU whose listed range
 * covers it while its bit is set, never twice; a CPU arriving at a unit being accepted waits for it and
 * then finds the bit clear (accept_memory_shared(): the lazy path, any caller, any CPU).
 *
 * Eager acceptance of a whole range by N CPUs (accept_job_work() on each) hands the units out by one of two
 * strategies, both going through the rule above, so that lazy accepters racing them stay correct:
 *  - CLAIM: dynamic. Each CPU takes the next batch_units units with one atomic fetch-and-add on a shared
 *    cursor until the range is exhausted: no CPU idles while work is left, one atomic per batch.
 *  - STRIDE: static, as edk2's TDX firmware does (OvmfPkg PlatformInitLib IntelTdx.c,
 *    BspApAcceptMemoryResourceRange(): ACCEPT_CHUNK_SIZE of 32 MiB, CPU k accepts chunks k, k + N, k + 2N,
 *    ...): no shared cursor at all, but a CPU that finishes early idles.
 */
#ifndef CCKTF_MM_ACCEPT_PARALLEL_H
#define CCKTF_MM_ACCEPT_PARALLEL_H

#include <ccktf/spinlock.h>
#include "mm/accept.h"

#define ACCEPTING_MAX 64		     /* ranges in flight at once: one per CPU (SMP_MAX_CPUS) */
#define ACCEPT_STRIDE_BYTES (32 * MiB)	     /* edk2 IntelTdx.c ACCEPT_CHUNK_SIZE (SIZE_32MB) */
/*
 * The longest a CPU waits for another CPU's overlapping range (or a free list slot) before it gives up with
 * ACCEPT_MEMORY_LIST_TIMEOUT. Linux waits without bound (accept_memory() loops on its accepting_list); a
 * bound turns a stuck CPU into a report. Generous: one CPU may hold a range of the whole of memory, and TCG
 * accepts as slowly as 81 MiB/s (docs/benchmarks.md), so 8 GiB takes ~100 s; a time, not a count of
 * rounds, so a slow or preempted vCPU gets as long as a fast one.
 */
#define ACCEPT_LIST_WAIT_NS (300ull * 1000000000ull)

/* The bitmap and the ranges being accepted, shared by every CPU. */
struct accept_shared {
	struct efi_unaccepted_memory *t;
	struct spinlock lock; /* the bitmap's bits and accepting[] */
	struct {
		u64 first, end; /* units; end == 0: free */
	} accepting[ACCEPTING_MAX];
	u64 waits; /* times a CPU found its units being accepted by another and waited (under lock) */
	u64 wait_limit_ns; /* how long a CPU waits to enter the list; 0: ACCEPT_LIST_WAIT_NS (tests shorten it) */
};

void accept_shared_init(struct accept_shared *s, struct efi_unaccepted_memory *t);
/*
 * Points shared state already in use at a new table (the host and fuzz harnesses boot many times in one
 * process), under its lock, never resetting the lock itself; false, nothing changed, while a CPU still has
 * a range listed on the old table.
 */
bool accept_shared_retarget(struct accept_shared *s, struct efi_unaccepted_memory *t);

/*
 * accept_memory() (accept.h) for several CPUs: the same clipping and whole-unit widening, the same result
 * and return values. ra is this CPU's (its stats must be its own). Waits, spinning, while another CPU
 * accepts an overlapping range or while ACCEPTING_MAX ranges are in flight (never expected with one range
 * per CPU); after s->wait_limit_ns (ACCEPT_LIST_WAIT_NS) of either it returns ACCEPT_MEMORY_LIST_TIMEOUT,
 * nothing touched, with what it waited for in result (wait_start, wait_end, waited_ns, fail_addr).
 */
int accept_memory_shared(struct accept_shared *s, u64 start, u64 size, const struct range_acceptor *ra,
			 struct accept_memory_result *result);

/*
 * Clears the bits of the units wholly inside [start, start + size), under the lock: for memory the caller
 * accepted (or must never accept) outside accept_memory_shared(). Every bitmap write by any CPU goes
 * through the lock, since a bit is cleared by a read-modify-write of its byte.
 */
void accept_shared_mark_accepted(struct accept_shared *s, u64 start, u64 size);

enum accept_strategy { ACCEPT_STRATEGY_CLAIM, ACCEPT_STRATEGY_STRIDE, ACCEPT_STRATEGIES };
const char *accept_strategy_name(enum accept_strategy s);

/* One eager acceptance of [start, start + size) by ncpus CPUs. */
struct accept_job {
	struct accept_shared *shared;
	enum accept_strategy strategy;
	u32 ncpus;
	u64 start, size;
	u64 batch_units;  /* CLAIM: units per claim (at least 1) */
	u64 stride_units; /* STRIDE: units per chunk, ACCEPT_STRIDE_BYTES / unit size (at least 1) */
	u64 first, end;	  /* the units covering [start, start + size) */
	u64 cursor;	  /* CLAIM: the next unclaimed unit (atomic) */
	int failed;	  /* set (atomic) by the first CPU whose platform stopped short: the others stop too */
	u64 fail_addr;
	u64 (*now_ns)(void); /* the clock for accept_worker's times; NULL: not timed */
};

/* What one CPU did in a job. */
struct accept_worker {
	u64 units;	/* units whose bits this CPU cleared */
	u64 claims;	/* batches (CLAIM) or chunks (STRIDE) it took */
	u64 outside_ns;	/* wall time not inside the platform: claims, lock and its waits, list, bitmap, and any
			 * preemption or (TCG) translation meanwhile */
	u64 accept_ns;	/* time inside the platform's range acceptor */
	int status;	/* enum accept_memory_status of its last call */
};

/* Sets the job up; false when the table's header is bad, ncpus is 0 or a strategy is unknown. */
bool accept_job_init(struct accept_job *j, struct accept_shared *s, enum accept_strategy strategy, u32 ncpus,
		     u64 start, u64 size, u64 batch_units);
/* Run by CPU cpu (0 <= cpu < ncpus) of the job, each with its own ra and w (zeroed here). Returns w->status. */
int accept_job_work(struct accept_job *j, u32 cpu, const struct range_acceptor *ra, struct accept_worker *w);

#endif
