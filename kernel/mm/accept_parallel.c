/* SPDX-License-Identifier: MIT */
/* Acceptance on several CPUs at once: the accepting list and the two eager strategies (accept_parallel.h). */
#include <ccktf/string.h>
#include <ccktf/time.h>
#include "mm/accept_parallel.h"

void accept_shared_init(struct accept_shared *s, struct efi_unaccepted_memory *t)
{
	memset(s, 0, sizeof(*s));
	s->t = t;
}

bool accept_shared_retarget(struct accept_shared *s, struct efi_unaccepted_memory *t)
{
	bool idle = true;

	spin_lock(&s->lock);
	for (unsigned i = 0; i < ACCEPTING_MAX; i++)
		idle &= !s->accepting[i].end;
	if (idle) {
		s->t = t;
		s->waits = 0;
	}
	spin_unlock(&s->lock);
	return idle;
}

const char *accept_strategy_name(enum accept_strategy s)
{
	switch (s) {
	case ACCEPT_STRATEGY_CLAIM:
		return "claim";
	case ACCEPT_STRATEGY_STRIDE:
		return "stride";
	default:
		return "unknown";
	}
}

/* The accepting list (under s->lock) */

/* The slot of another CPU's range overlapping [first, end), or -1. */
static int overlapping(const struct accept_shared *s, u64 first, u64 end)
{
	for (int i = 0; i < ACCEPTING_MAX; i++)
		if (s->accepting[i].end && first < s->accepting[i].end && s->accepting[i].first < end)
			return i;
	return -1;
}

static int list_add(struct accept_shared *s, u64 first, u64 end)
{
	for (int i = 0; i < ACCEPTING_MAX; i++) {
		if (!s->accepting[i].end) {
			s->accepting[i].first = first;
			s->accepting[i].end = end;
			return i;
		}
	}
	return -1;
}

/*
 * Takes the lock and enters [first, end) into the list once no other CPU's range overlaps it and a slot is
 * free. Returns the slot, the lock held; -1 (lock not held) when either still held after the wait bound
 * (accept_parallel.h), with what it waited for in res. Timed by time_now_ns(), not by rounds.
 */
static int enter_list(struct accept_shared *s, u64 first, u64 end, struct accept_memory_result *res)
{
	const struct efi_unaccepted_memory *t = s->t;
	u64 limit = s->wait_limit_ns ? s->wait_limit_ns : ACCEPT_LIST_WAIT_NS, t0 = 0, busy_first = 0, busy_end = 0;
	bool counted = false;

	for (;;) {
		int slot, busy;

		spin_lock(&s->lock);
		busy = overlapping(s, first, end);
		if (busy < 0 && (slot = list_add(s, first, end)) >= 0)
			return slot;
		if (!counted) {
			s->waits++;
			counted = true;
		}
		busy_first = busy < 0 ? 0 : s->accepting[busy].first;
		busy_end = busy < 0 ? 0 : s->accepting[busy].end;
		spin_unlock(&s->lock);
		if (!t0)
			t0 = time_now_ns();
		else if ((res->waited_ns = time_now_ns() - t0) >= limit)
			break;
		__builtin_ia32_pause();
	}
	res->wait_start = busy_end ? t->phys_base + busy_first * t->unit_size : 0;
	res->wait_end = busy_end ? t->phys_base + busy_end * t->unit_size : 0;
	return -1;
}

/* Accepts every run of set bits in the listed [first, end); the lock is held on entry and on return. */
static bool accept_listed(struct accept_shared *s, u64 first, u64 end, const struct range_acceptor *ra,
			  struct accept_memory_result *res)
{
	struct efi_unaccepted_memory *t = s->t;
	u64 run_start, run_end;

	for (u64 from = first; unaccepted_next_run(t, from, end, &run_start, &run_end); from = run_end) {
		u64 addr = unaccepted_unit_range(t, run_start).start;
		u64 size = (run_end - run_start) * t->unit_size, done;

		spin_unlock(&s->lock); /* the platform works unlocked: other CPUs accept other units meanwhile */
		done = MIN(ra->accept_range(ra->ctx, addr, size), size);
		spin_lock(&s->lock);
		res->runs++;
		unaccepted_clear_units(t, run_start, done / t->unit_size);
		res->units_cleared += done / t->unit_size;
		if (done != size) {
			res->fail_addr = addr + done;
			return false;
		}
	}
	return true;
}

int accept_memory_shared(struct accept_shared *s, u64 start, u64 size, const struct range_acceptor *ra,
			 struct accept_memory_result *result)
{
	struct accept_memory_result scratch;
	struct accept_memory_result *res = result ? result : &scratch;
	struct efi_unaccepted_memory *t = s->t;
	u64 first, end;
	int slot;
	bool ok;

	memset(res, 0, sizeof(*res));
	if (!unaccepted_header_ok(t, NULL))
		return ACCEPT_MEMORY_BAD_TABLE;
	if (!accept_units_of(t, start, size, &first, &end))
		return ACCEPT_MEMORY_OK;
	if ((slot = enter_list(s, first, end, res)) < 0) {
		res->fail_addr = MAX(start, t->phys_base + first * t->unit_size);
		return ACCEPT_MEMORY_LIST_TIMEOUT;
	}
	ok = accept_listed(s, first, end, ra, res);
	s->accepting[slot].end = 0;
	spin_unlock(&s->lock);
	return ok ? ACCEPT_MEMORY_OK : ACCEPT_MEMORY_PLATFORM_ERROR;
}

void accept_shared_mark_accepted(struct accept_shared *s, u64 start, u64 size)
{
	spin_lock(&s->lock);
	unaccepted_clear_inside(s->t, start, size);
	spin_unlock(&s->lock);
}

/* Eager jobs */

bool accept_job_init(struct accept_job *j, struct accept_shared *s, enum accept_strategy strategy, u32 ncpus,
		     u64 start, u64 size, u64 batch_units)
{
	struct efi_unaccepted_memory *t = s->t;

	memset(j, 0, sizeof(*j));
	if (!ncpus || strategy >= ACCEPT_STRATEGIES || !unaccepted_header_ok(t, NULL))
		return false;
	j->shared = s;
	j->strategy = strategy;
	j->ncpus = ncpus;
	j->start = start;
	j->size = size;
	j->batch_units = batch_units ? batch_units : 1;
	j->stride_units = MAX(ACCEPT_STRIDE_BYTES / t->unit_size, 1ull);
	accept_units_of(t, start, size, &j->first, &j->end); /* none: first == end, nothing to do */
	j->cursor = j->first;
	return true;
}

static u64 now(const struct accept_job *j)
{
	return j->now_ns ? j->now_ns() : 0;
}

/* The next batch for this CPU: [*first, *end); false when there is none left. */
static bool next_claim(struct accept_job *j, u64 *first, u64 *end)
{
	u64 u = __atomic_fetch_add(&j->cursor, j->batch_units, __ATOMIC_RELAXED);

	if (u >= j->end)
		return false;
	*first = u;
	*end = MIN(u + j->batch_units, j->end);
	return true;
}

/* The k-th chunk of this CPU: chunks cpu, cpu + ncpus, ... of stride_units each. */
static bool next_stride(const struct accept_job *j, u32 cpu, u64 k, u64 *first, u64 *end)
{
	u64 chunk = (u64)cpu + k * j->ncpus;

	if (chunk > (j->end - j->first) / j->stride_units)
		return false;
	*first = j->first + chunk * j->stride_units;
	if (*first >= j->end)
		return false;
	*end = MIN(*first + j->stride_units, j->end);
	return true;
}

/* Counts this CPU's cleared units and timing around one call. */
struct timed_acceptor {
	const struct range_acceptor *inner;
	const struct accept_job *job;
	struct accept_worker *w;
};

static u64 timed_accept(void *ctx, u64 start, u64 size)
{
	struct timed_acceptor *ta = ctx;
	u64 t0 = now(ta->job), done = ta->inner->accept_range(ta->inner->ctx, start, size);

	ta->w->accept_ns += now(ta->job) - t0;
	return done;
}

static bool run_units(struct accept_job *j, u64 first, u64 end, const struct range_acceptor *timed,
		      struct accept_worker *w)
{
	struct efi_unaccepted_memory *t = j->shared->t;
	struct accept_memory_result res;

	w->claims++;
	w->status = accept_memory_shared(j->shared, t->phys_base + first * t->unit_size,
					 (end - first) * t->unit_size, timed, &res);
	w->units += res.units_cleared;
	if (w->status == ACCEPT_MEMORY_OK)
		return true;
	if (!__atomic_exchange_n(&j->failed, 1, __ATOMIC_ACQ_REL))
		j->fail_addr = res.fail_addr;
	return false;
}

int accept_job_work(struct accept_job *j, u32 cpu, const struct range_acceptor *ra, struct accept_worker *w)
{
	struct timed_acceptor ta = { ra, j, w };
	struct range_acceptor timed = { timed_accept, &ta };
	u64 t0 = now(j), first, end;

	memset(w, 0, sizeof(*w));
	if (cpu >= j->ncpus)
		return w->status = ACCEPT_MEMORY_BAD_TABLE;
	for (u64 k = 0; !__atomic_load_n(&j->failed, __ATOMIC_ACQUIRE); k++) {
		bool more = j->strategy == ACCEPT_STRATEGY_CLAIM ? next_claim(j, &first, &end)
								 : next_stride(j, cpu, k, &first, &end);
		if (!more || !run_units(j, first, end, &timed, w))
			break;
	}
	w->outside_ns = now(j) - t0 - w->accept_ns;
	return w->status;
}
