/* SPDX-License-Identifier: MIT */
/*
 * Acceptance on several CPUs (kernel/mm/accept_parallel.c), raced with pthreads against a fake platform
 * that counts the accepts of every 4 KiB page and takes a little while per call (so that CPUs really
 * overlap). Every test checks: each unit that was unaccepted is accepted exactly once, none other is
 * touched, and the bitmap ends consistent with the fake's own state. One test runs the same race through
 * the single-CPU accept_memory(), which does not claim, to show the checks catch a double accept.
 */
#include <ccktf/ktest.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mm/accept_parallel.h"

KTEST_SUITE(host_accept_parallel, KTEST_AFTER_EXIT_BOOT_SERVICES, NULL);

#define PAGE 4096ull
#define UNIT (2 * MiB)
#define BASE (4 * GiB)
#define UNITS 96 /* 192 MiB: six 32 MiB strides */
#define THREADS 4

struct fake_platform {
	u32 *accepts;	  /* per page: accept calls that covered it (atomic) */
	u64 delay_us;	  /* per call: lets the other threads run meanwhile */
	u64 fail_page;	  /* a call covering this page stops short there; 0: none */
	const struct efi_unaccepted_memory *t; /* the bitmap, watched while the platform runs */
	u32 bit_clear_in_accept; /* units whose bit was already clear when a call to accept them ran (atomic) */
	int hold;		 /* set: a call waits (having set entered) until it is cleared (atomic) */
	int entered;
};

struct fixture {
	struct fake_platform fp;
	struct efi_unaccepted_memory *t;
	struct accept_shared shared;
	bool was_set[UNITS];
};

static u64 fake_accept(void *ctx, u64 start, u64 size)
{
	struct fake_platform *fp = ctx;

	/* A unit's bit may be cleared only once its accept is done (accept_parallel.h): while the platform
	 * runs, the bit says "not yet usable" to every other CPU, or a lazy accepter would use a pending page */
	for (u64 a = ALIGN_DOWN(start, UNIT); fp->t && a < start + size; a += UNIT)
		if (!unaccepted_test(fp->t, (a - BASE) / UNIT))
			__atomic_fetch_add(&fp->bit_clear_in_accept, 1, __ATOMIC_RELAXED);
	if (fp->delay_us)
		usleep(fp->delay_us);
	__atomic_store_n(&fp->entered, 1, __ATOMIC_RELEASE);
	while (__atomic_load_n(&fp->hold, __ATOMIC_ACQUIRE))
		usleep(100);
	for (u64 a = ALIGN_DOWN(start, UNIT); fp->t && a < start + size; a += UNIT)
		if (!unaccepted_test(fp->t, (a - BASE) / UNIT))
			__atomic_fetch_add(&fp->bit_clear_in_accept, 1, __ATOMIC_RELAXED);
	for (u64 a = start; a < start + size; a += PAGE) {
		if (fp->fail_page && a == fp->fail_page)
			return a - start;
		__atomic_fetch_add(&fp->accepts[(a - BASE) / PAGE], 1, __ATOMIC_RELAXED);
	}
	return size;
}

/* Every unit set except those in clear_mask's positions (unit % 7 == 3 when holes). */
static struct fixture *fixture_new(bool holes, u64 delay_us)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct unaccepted_plan plan = { .unit_size = UNIT, .phys_base = BASE, .end = BASE + UNITS * UNIT,
					.bitmap_bytes = UNITS / 8 };

	f->fp.accepts = calloc(UNITS * (UNIT / PAGE), sizeof(u32));
	f->fp.delay_us = delay_us;
	f->t = calloc(1, UNACCEPTED_HEADER_SIZE + UNITS / 8);
	unaccepted_init(f->t, &plan);
	for (u64 u = 0; u < UNITS; u++) {
		f->was_set[u] = !holes || u % 7 != 3;
		if (f->was_set[u])
			unaccepted_set(f->t, u);
	}
	accept_shared_init(&f->shared, f->t);
	f->fp.t = f->t;
	return f;
}

static void fixture_free(struct fixture *f)
{
	free(f->fp.accepts);
	free(f->t);
	free(f);
}

static u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ull + (u64)ts.tv_nsec;
}

/*
 * Each unit that was set: accepted exactly once (every page once) and its bit clear, or (when done is
 * false for it) never accepted and still set; a unit that was clear never accepted. Returns the units
 * accepted more than once.
 */
static u64 check_exactly_once(struct ktest *t, struct fixture *f, u64 fail_unit)
{
	u64 doubles = 0;

	KEXPECT_EQ(t, f->fp.bit_clear_in_accept, 0); /* no bit cleared before its unit's accept ended */
	for (u64 u = 0; u < UNITS; u++) {
		bool expect_accepted = f->was_set[u] && (fail_unit == U64_MAX || u < fail_unit);
		bool expect_untouched = !f->was_set[u] || (fail_unit != U64_MAX && u > fail_unit);

		for (u64 p = 0; p < UNIT / PAGE; p++) {
			u32 n = f->fp.accepts[u * (UNIT / PAGE) + p];

			if (n > 1) {
				doubles++;
				break;
			}
			if ((expect_accepted && n != 1) || (expect_untouched && n != 0)) {
				ktest_fail(t, __FILE__, __LINE__, "unit %llu page %llu accepted %u times (was set: %d)",
					   u, p, n, f->was_set[u]);
				return doubles;
			}
		}
		if (expect_accepted)
			KEXPECT_FALSE(t, unaccepted_test(f->t, u));
		if (expect_untouched && f->was_set[u])
			KEXPECT_TRUE(t, unaccepted_test(f->t, u));
	}
	return doubles;
}

/* Lazy acceptance: every thread asks for overlapping ranges in its own order */

struct lazy_arg {
	struct fixture *f;
	unsigned seed;
	bool shared; /* accept_memory_shared(); false: the single-CPU accept_memory() */
};

static void *lazy_thread(void *p)
{
	struct lazy_arg *a = p;
	struct range_acceptor ra = { fake_accept, &a->f->fp };

	for (unsigned i = 0; i < 64; i++) {
		u64 first = (a->seed * 31 + i * 17) % UNITS, n = 1 + (a->seed + i) % 5;
		u64 start = BASE + first * UNIT + PAGE * (i % 3), size = n * UNIT - PAGE; /* partial units too */

		if (a->shared)
			accept_memory_shared(&a->f->shared, start, size, &ra, NULL);
		else
			accept_memory(a->f->t, start, size, &ra, NULL);
	}
	/* then everything, so that no unit is left out */
	if (a->shared)
		accept_memory_shared(&a->f->shared, BASE, UNITS * UNIT, &ra, NULL);
	else
		accept_memory(a->f->t, BASE, UNITS * UNIT, &ra, NULL);
	return NULL;
}

static void race_lazy(struct fixture *f, bool shared)
{
	pthread_t th[THREADS];
	struct lazy_arg args[THREADS];

	for (unsigned i = 0; i < THREADS; i++) {
		args[i] = (struct lazy_arg){ f, i, shared };
		pthread_create(&th[i], NULL, lazy_thread, &args[i]);
	}
	for (unsigned i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
}

KTEST(host_accept_parallel, racing_lazy_accepts_accept_every_unit_exactly_once)
{
	struct fixture *f = fixture_new(true, 20);

	race_lazy(f, true);
	KEXPECT_EQ(t, check_exactly_once(t, f, U64_MAX), 0);
	KEXPECT_EQ(t, unaccepted_count_set(f->t), 0);
	ktest_log(t, "%d threads, %llu waits for a unit another thread was accepting", THREADS, f->shared.waits);
	fixture_free(f);
}

/* The same race without the claim: the checks above must see double accepts, or they prove nothing. */
KTEST(host_accept_parallel, the_race_catches_acceptance_without_a_claim)
{
	u64 doubles = 0;

	for (unsigned round = 0; round < 20 && !doubles; round++) {
		struct fixture *f = fixture_new(true, 50);

		race_lazy(f, false);
		for (u64 p = 0; p < UNITS * (UNIT / PAGE); p++)
			doubles += f->fp.accepts[p] > 1;
		fixture_free(f);
	}
	ktest_log(t, "pages accepted more than once without the claim: %llu", doubles);
	KEXPECT_GT(t, doubles, 0);
}

/* Eager jobs, with lazy accepters racing them */

struct eager_arg {
	struct fixture *f;
	struct accept_job *job;
	u32 cpu;
	struct accept_worker w;
};

static void *eager_thread(void *p)
{
	struct eager_arg *a = p;
	struct range_acceptor ra = { fake_accept, &a->f->fp };

	accept_job_work(a->job, a->cpu, &ra, &a->w);
	return NULL;
}

static void *lazy_intruder(void *p)
{
	struct fixture *f = p;
	struct range_acceptor ra = { fake_accept, &f->fp };

	for (u64 u = UNITS; u-- > 0;) /* from the top, against the eager CPUs' order */
		accept_memory_shared(&f->shared, BASE + u * UNIT + PAGE, PAGE, &ra, NULL);
	return NULL;
}

static u64 run_job(struct ktest *t, struct fixture *f, enum accept_strategy s, u64 batch, bool intruder,
		   struct eager_arg *args)
{
	static struct accept_job job;
	pthread_t th[THREADS], lazy;
	u64 units = 0;

	if (!accept_job_init(&job, &f->shared, s, THREADS, BASE, UNITS * UNIT, batch)) {
		ktest_fail(t, __FILE__, __LINE__, "accept_job_init refused");
		return 0;
	}
	job.now_ns = now_ns;
	if (intruder)
		pthread_create(&lazy, NULL, lazy_intruder, f);
	for (u32 i = 0; i < THREADS; i++) {
		args[i] = (struct eager_arg){ f, &job, i, { 0 } };
		pthread_create(&th[i], NULL, eager_thread, &args[i]);
	}
	for (u32 i = 0; i < THREADS; i++) {
		pthread_join(th[i], NULL);
		units += args[i].w.units;
	}
	if (intruder)
		pthread_join(lazy, NULL);
	return units;
}

static void eager_case(struct ktest *t, enum accept_strategy s, u64 batch, bool intruder)
{
	struct fixture *f = fixture_new(true, 20);
	struct eager_arg args[THREADS];
	u64 set = unaccepted_count_set(f->t), units = run_job(t, f, s, batch, intruder, args), claims = 0;

	KEXPECT_EQ(t, check_exactly_once(t, f, U64_MAX), 0);
	KEXPECT_EQ(t, unaccepted_count_set(f->t), 0);
	if (!intruder)
		KEXPECT_EQ(t, units, set); /* every cleared unit was cleared by exactly one worker */
	KEXPECT_LE(t, units, set);
	for (u32 i = 0; i < THREADS; i++)
		claims += args[i].w.claims;
	/* CLAIM: every batch taken by exactly one CPU, one atomic fetch-and-add each; a cursor read and
	 * written apart would hand a batch to two CPUs (more claims) or skip one (a unit left out). */
	if (s == ACCEPT_STRATEGY_CLAIM)
		KEXPECT_EQ(t, claims, (UNITS + batch - 1) / batch);
	for (u32 i = 0; i < THREADS; i++) {
		KEXPECT_EQ(t, args[i].w.status, ACCEPT_MEMORY_OK);
		ktest_log(t, "%s cpu %u: %llu units in %llu claims", accept_strategy_name(s), i, args[i].w.units,
			  args[i].w.claims);
	}
	fixture_free(f);
}

KTEST(host_accept_parallel, claim_accepts_every_unit_exactly_once)
{
	eager_case(t, ACCEPT_STRATEGY_CLAIM, 1, false);
	eager_case(t, ACCEPT_STRATEGY_CLAIM, 5, false);
}

KTEST(host_accept_parallel, stride_accepts_every_unit_exactly_once)
{
	eager_case(t, ACCEPT_STRATEGY_STRIDE, 0, false);
}

KTEST(host_accept_parallel, eager_jobs_stay_exact_with_a_lazy_accepter_racing_them)
{
	eager_case(t, ACCEPT_STRATEGY_CLAIM, 1, true);
	eager_case(t, ACCEPT_STRATEGY_STRIDE, 0, true);
}

/* STRIDE hands out 32 MiB chunks round-robin: with every unit set, each of 4 CPUs gets 6 / 4 chunks. */
KTEST(host_accept_parallel, stride_gives_cpu_k_chunks_k_plus_n_times_i)
{
	struct fixture *f = fixture_new(false, 0);
	struct eager_arg args[THREADS];
	u64 per_chunk = ACCEPT_STRIDE_BYTES / UNIT;

	run_job(t, f, ACCEPT_STRATEGY_STRIDE, 0, false, args);
	KASSERT_EQ(t, per_chunk, 16);
	KEXPECT_EQ(t, args[0].w.units, 2 * per_chunk); /* chunks 0 and 4 */
	KEXPECT_EQ(t, args[1].w.units, 2 * per_chunk); /* chunks 1 and 5 */
	KEXPECT_EQ(t, args[2].w.units, per_chunk);
	KEXPECT_EQ(t, args[3].w.units, per_chunk);
	KEXPECT_EQ(t, check_exactly_once(t, f, U64_MAX), 0);
	fixture_free(f);
}

/* A platform error stops every CPU; what was not accepted stays marked, nothing past it was touched. */
KTEST(host_accept_parallel, a_platform_error_stops_the_job_and_leaves_the_rest_marked)
{
	struct fixture *f = fixture_new(false, 0);
	static struct accept_job job;
	struct range_acceptor ra = { fake_accept, &f->fp };
	struct accept_worker w;
	u64 fail_unit = 40;

	f->fp.fail_page = BASE + fail_unit * UNIT + 3 * PAGE;
	KASSERT_TRUE(t, accept_job_init(&job, &f->shared, ACCEPT_STRATEGY_CLAIM, 1, BASE, UNITS * UNIT, 1));
	KEXPECT_EQ(t, accept_job_work(&job, 0, &ra, &w), ACCEPT_MEMORY_PLATFORM_ERROR);
	KEXPECT_EQ(t, job.failed, 1);
	KEXPECT_EQ(t, job.fail_addr, f->fp.fail_page);
	KEXPECT_EQ(t, w.units, fail_unit);
	KEXPECT_TRUE(t, unaccepted_test(f->t, fail_unit));
	check_exactly_once(t, f, fail_unit);
	KEXPECT_EQ(t, f->shared.accepting[0].end, 0); /* its range left the list */
	fixture_free(f);
}

/* A CPU whose range overlaps one being accepted waits a time, not a count of rounds, then says what for. */
struct holder_arg {
	struct fixture *f;
	int status;
};

static void *holder_thread(void *p)
{
	struct holder_arg *a = p;
	struct range_acceptor ra = { fake_accept, &a->f->fp };

	a->status = accept_memory_shared(&a->f->shared, BASE, 4 * UNIT, &ra, NULL);
	return NULL;
}

KTEST(host_accept_parallel, a_wait_for_an_overlapping_range_is_bounded_by_time_and_names_it)
{
	struct fixture *f = fixture_new(false, 0);
	struct range_acceptor ra = { fake_accept, &f->fp };
	struct holder_arg h = { f, 1 };
	struct accept_memory_result res;
	pthread_t th;
	u64 t0;

	f->fp.hold = 1;
	pthread_create(&th, NULL, holder_thread, &h);
	while (!__atomic_load_n(&f->fp.entered, __ATOMIC_ACQUIRE)) /* units 0-3 listed, the platform held */
		usleep(100);
	f->shared.wait_limit_ns = 50 * 1000000ull;
	t0 = now_ns();
	KEXPECT_EQ(t, accept_memory_shared(&f->shared, BASE + 2 * UNIT, 4 * UNIT, &ra, &res),
		   ACCEPT_MEMORY_LIST_TIMEOUT);
	KEXPECT_GE(t, now_ns() - t0, 50 * 1000000ull);
	KEXPECT_GE(t, res.waited_ns, 50 * 1000000ull);
	KEXPECT_EQ(t, res.wait_start, BASE); /* the holder's range */
	KEXPECT_EQ(t, res.wait_end, BASE + 4 * UNIT);
	KEXPECT_EQ(t, res.fail_addr, BASE + 2 * UNIT);
	KEXPECT_EQ(t, res.runs, 0); /* nothing touched */
	KEXPECT_TRUE(t, unaccepted_test(f->t, 4));
	KEXPECT_EQ(t, f->fp.accepts[4 * (UNIT / PAGE)], 0);
	__atomic_store_n(&f->fp.hold, 0, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	KEXPECT_EQ(t, h.status, ACCEPT_MEMORY_OK);
	KEXPECT_EQ(t, accept_memory_shared(&f->shared, BASE + 2 * UNIT, 4 * UNIT, &ra, &res), ACCEPT_MEMORY_OK);
	KEXPECT_EQ(t, res.units_cleared, 2); /* units 4 and 5: 2 and 3 were the holder's */
	fixture_free(f);
}

/* A full list (never expected: one range per CPU) is waited out the same way; no range is named. */
KTEST(host_accept_parallel, a_full_accepting_list_times_out_without_naming_a_range)
{
	struct fixture *f = fixture_new(false, 0);
	struct range_acceptor ra = { fake_accept, &f->fp };
	struct accept_memory_result res;

	for (u64 i = 0; i < ACCEPTING_MAX; i++) { /* other CPUs' ranges, none overlapping unit 0 */
		f->shared.accepting[i].first = 1000 + i;
		f->shared.accepting[i].end = 1001 + i;
	}
	f->shared.wait_limit_ns = 20 * 1000000ull;
	KEXPECT_EQ(t, accept_memory_shared(&f->shared, BASE, UNIT, &ra, &res), ACCEPT_MEMORY_LIST_TIMEOUT);
	KEXPECT_GE(t, res.waited_ns, 20 * 1000000ull);
	KEXPECT_EQ(t, res.wait_end, 0);
	KEXPECT_EQ(t, res.fail_addr, BASE);
	KEXPECT_TRUE(t, unaccepted_test(f->t, 0));
	fixture_free(f);
}

/*
 * Marking memory accepted outside the list races the accepters clearing bits in the same byte: both write
 * under the lock, or a clear is lost (the byte read before another CPU's clear is written back after it:
 * the unit stays set and is accepted again). One thread marks unit 0 over and over while another accepts
 * units 1-7, the rest of its byte, round after round.
 */
#define MARK_ROUNDS 2000

struct marker_arg {
	struct fixture *f;
	int stop; /* atomic */
};

static void *marker_thread(void *p)
{
	struct marker_arg *a = p;

	while (!__atomic_load_n(&a->stop, __ATOMIC_ACQUIRE))
		accept_shared_mark_accepted(&a->f->shared, BASE, UNIT);
	return NULL;
}

KTEST(host_accept_parallel, marking_accepted_never_loses_another_cpus_clear)
{
	struct fixture *f = fixture_new(false, 0);
	struct range_acceptor ra = { fake_accept, &f->fp };
	struct marker_arg a = { f, 0 };
	u64 lost = 0;
	pthread_t th;

	pthread_create(&th, NULL, marker_thread, &a);
	for (int r = 0; r < MARK_ROUNDS; r++) {
		spin_lock(&f->shared.lock);
		unaccepted_set_units(f->t, 1, 7);
		spin_unlock(&f->shared.lock);
		for (u64 u = 1; u < 8; u++)
			accept_memory_shared(&f->shared, BASE + u * UNIT, UNIT, &ra, NULL);
		spin_lock(&f->shared.lock);
		for (u64 u = 1; u < 8; u++)
			lost += unaccepted_test(f->t, u); /* accepted, so clear, unless the marker wrote it back */
		spin_unlock(&f->shared.lock);
	}
	__atomic_store_n(&a.stop, 1, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	ktest_log(t, "%d rounds: %llu clears lost", MARK_ROUNDS, lost);
	KEXPECT_EQ(t, lost, 0);
	fixture_free(f);
}

/* Shared state in use is pointed at a new table under its lock: refused while a range is listed. */
KTEST(host_accept_parallel, retargeting_refuses_while_a_range_is_listed_and_keeps_the_lock)
{
	struct fixture *f = fixture_new(false, 0);
	struct fixture *g = fixture_new(false, 0);
	struct range_acceptor ra = { fake_accept, &g->fp };

	f->shared.accepting[5].first = 1;
	f->shared.accepting[5].end = 2; /* another CPU's range on the old table */
	f->shared.waits = 7;
	KEXPECT_FALSE(t, accept_shared_retarget(&f->shared, g->t));
	KEXPECT_TRUE(t, f->shared.t == f->t);
	KEXPECT_EQ(t, f->shared.waits, 7);
	f->shared.accepting[5].end = 0;
	KEXPECT_TRUE(t, accept_shared_retarget(&f->shared, g->t));
	KEXPECT_TRUE(t, f->shared.t == g->t);
	KEXPECT_EQ(t, f->shared.waits, 0);
	g->fp.t = g->t;
	KEXPECT_EQ(t, accept_memory_shared(&f->shared, BASE, UNIT, &ra, NULL), ACCEPT_MEMORY_OK); /* lock usable */
	KEXPECT_FALSE(t, unaccepted_test(g->t, 0));
	KEXPECT_TRUE(t, unaccepted_test(f->t, 0));
	fixture_free(g);
	fixture_free(f);
}

KTEST(host_accept_parallel, bad_jobs_are_refused)
{
	struct fixture *f = fixture_new(false, 0);
	static struct accept_job job;
	struct range_acceptor ra = { fake_accept, &f->fp };
	struct accept_worker w;

	KEXPECT_FALSE(t, accept_job_init(&job, &f->shared, ACCEPT_STRATEGY_CLAIM, 0, BASE, UNIT, 1));
	KEXPECT_FALSE(t, accept_job_init(&job, &f->shared, ACCEPT_STRATEGIES, 1, BASE, UNIT, 1));
	KASSERT_TRUE(t, accept_job_init(&job, &f->shared, ACCEPT_STRATEGY_STRIDE, 2, BASE, UNIT, 1));
	KEXPECT_EQ(t, accept_job_work(&job, 2, &ra, &w), ACCEPT_MEMORY_BAD_TABLE); /* cpu out of range */
	KEXPECT_EQ(t, accept_job_work(&job, 1, &ra, &w), ACCEPT_MEMORY_OK);	   /* nothing for cpu 1 */
	KEXPECT_EQ(t, w.units, 0);
	KEXPECT_EQ(t, accept_job_work(&job, 0, &ra, &w), ACCEPT_MEMORY_OK);
	KEXPECT_EQ(t, w.units, 1);
	f->t->version = 2;
	KEXPECT_EQ(t, accept_memory_shared(&f->shared, BASE, UNIT, &ra, NULL), ACCEPT_MEMORY_BAD_TABLE);
	fixture_free(f);
}

/*
 * The claim itself under contention: a large table with nothing left to accept, so that the CPUs do little
 * but take batches, back to back. Each batch must be taken exactly once: with a cursor read and written
 * apart, two threads take the same one.
 */
#define MANY_UNITS (1u << 16)
#define CLAIM_ROUNDS 10

struct claim_arg {
	struct accept_job *job;
	u32 cpu;
	struct accept_worker w;
};

static u64 never_called(void *ctx, u64 start, u64 size)
{
	(void)start;
	(void)size;
	__atomic_fetch_add((u64 *)ctx, 1, __ATOMIC_RELAXED);
	return 0;
}

static void *claim_thread(void *p)
{
	struct claim_arg *a = p;
	static u64 calls;
	struct range_acceptor ra = { never_called, &calls };

	accept_job_work(a->job, a->cpu, &ra, &a->w);
	return NULL;
}

KTEST(host_accept_parallel, each_batch_is_claimed_exactly_once_under_contention)
{
	struct efi_unaccepted_memory *tb = calloc(1, UNACCEPTED_HEADER_SIZE + MANY_UNITS / 8);
	struct unaccepted_plan plan = { .unit_size = UNIT, .phys_base = BASE, .end = BASE + (u64)MANY_UNITS * UNIT,
					.bitmap_bytes = MANY_UNITS / 8 };
	static struct accept_shared shared;
	static struct accept_job job;
	struct claim_arg args[THREADS];
	pthread_t th[THREADS];
	u64 claims = 0;

	unaccepted_init(tb, &plan); /* every bit clear: nothing to accept, only batches to take */
	accept_shared_init(&shared, tb);
	for (unsigned round = 0; round < CLAIM_ROUNDS; round++) { /* a lost race is rare: give it many chances */
		claims = 0;
		KASSERT_TRUE(t, accept_job_init(&job, &shared, ACCEPT_STRATEGY_CLAIM, THREADS, BASE,
						(u64)MANY_UNITS * UNIT, 1));
		for (u32 i = 0; i < THREADS; i++) {
			args[i] = (struct claim_arg){ &job, i, { 0 } };
			pthread_create(&th[i], NULL, claim_thread, &args[i]);
		}
		for (u32 i = 0; i < THREADS; i++) {
			pthread_join(th[i], NULL);
			claims += args[i].w.claims;
		}
		KEXPECT_EQ(t, claims, MANY_UNITS);
	}
	ktest_log(t, "%d threads took %u batches of one unit, %u times", THREADS, MANY_UNITS, CLAIM_ROUNDS);
	free(tb);
}
