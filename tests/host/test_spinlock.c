/* SPDX-License-Identifier: MIT */
/* ccktf/spinlock.h under real contention: pthreads increment a plain counter under the lock. */
#include <ccktf/ktest.h>
#include <ccktf/spinlock.h>
#include <pthread.h>

KTEST_SUITE(host_spinlock, KTEST_AFTER_EXIT_BOOT_SERVICES, NULL);

#define THREADS 4
#define ROUNDS 200000

struct counter {
	struct spinlock lock;
	volatile u64 value; /* a read-modify-write the lock must keep whole */
};

static void *add_many(void *arg)
{
	struct counter *c = arg;

	for (unsigned i = 0; i < ROUNDS; i++) {
		spin_lock(&c->lock);
		c->value = c->value + 1;
		spin_unlock(&c->lock);
	}
	return NULL;
}

KTEST(host_spinlock, no_increment_is_lost_under_contention)
{
	static struct counter c = { SPINLOCK_INIT, 0 };
	pthread_t th[THREADS];

	for (unsigned i = 0; i < THREADS; i++)
		KASSERT_EQ(t, pthread_create(&th[i], NULL, add_many, &c), 0);
	for (unsigned i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	KEXPECT_EQ(t, c.value, (u64)THREADS * ROUNDS);
	KEXPECT_EQ(t, c.lock.locked, 0);
	ktest_log(t, "%u threads x %u rounds, %u contended acquisitions", THREADS, ROUNDS, c.lock.contended);
}

KTEST(host_spinlock, trylock_fails_while_held)
{
	struct spinlock l = SPINLOCK_INIT;

	KEXPECT_TRUE(t, spin_trylock(&l));
	KEXPECT_FALSE(t, spin_trylock(&l));
	spin_unlock(&l);
	KEXPECT_TRUE(t, spin_trylock(&l));
	spin_unlock(&l);
}
