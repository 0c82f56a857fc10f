/* SPDX-License-Identifier: MIT */
/*
 * A test-and-test-and-set spinlock for the few places several CPUs share state (the hardware models'
 * page state, the accepting list of kernel/mm/accept_parallel.c). Portable: GCC __atomic builtins only, so
 * the host tests (tests/host/test_spinlock.c) race it with pthreads. Acquire on lock, release on unlock
 * (C11 memory model, as GCC documents the builtins). Never taken from NMI context; interrupts are off on
 * every CPU ccktf runs (the kernel never enables them), so no IRQ-safe variant is needed.
 */
#ifndef CCKTF_SPINLOCK_H
#define CCKTF_SPINLOCK_H

#include <ccktf/types.h>

struct spinlock {
	u32 locked; /* 0 free, 1 held */
	u32 contended; /* lock() calls that found it held (diagnostics, benchmarks): updated under the lock */
};

#define SPINLOCK_INIT { 0, 0 }

/* A lock alone on its cache line: for arrays of locks (stripes) that different CPUs take at once. */
struct spinlock_line {
	struct spinlock l;
} __cacheline_aligned;

static inline bool spin_trylock(struct spinlock *l)
{
	return !__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE);
}

static inline void spin_lock(struct spinlock *l)
{
	bool waited = false;

	while (!spin_trylock(l)) {
		waited = true;
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
			__builtin_ia32_pause(); /* PAUSE: SDM vol. 2B, for spin-wait loops */
	}
	if (waited)
		l->contended++;
}

static inline void spin_unlock(struct spinlock *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

#endif
