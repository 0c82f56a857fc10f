/* SPDX-License-Identifier: MIT */
/* One function on several CPUs at once (smp_util.h). */
#include <arch/cpu.h>
#include <ccktf/time.h>
#include "lib/smp_util.h"

#define BARRIER_NS 5000000000ull

struct run {
	smp_util_fn fn;
	void *arg;
	u32 ncpus;
	u32 arrived; /* the start barrier */
	struct smp_util_call calls[SMP_MAX_CPUS];
};

u32 smp_util_online(void)
{
	const struct smp_state *s = smp_get();
	u32 n = 1;

	for (u32 i = 1; i < s->ncpus; i++)
		n += s->cpus[i].state == SMP_CPU_ONLINE;
	return n;
}

u32 smp_util_cpu(u32 nth)
{
	const struct smp_state *s = smp_get();

	if (!nth)
		return 0;
	for (u32 i = 1; i < s->ncpus; i++)
		if (s->cpus[i].state == SMP_CPU_ONLINE && !--nth)
			return i;
	return 0;
}

/* Every CPU waits here until all ncpus arrived (bounded: a late CPU only costs the race, never a hang). */
static void start_together(struct run *r)
{
	u64 start = time_now_ns();

	__atomic_fetch_add(&r->arrived, 1, __ATOMIC_ACQ_REL);
	while (__atomic_load_n(&r->arrived, __ATOMIC_ACQUIRE) < r->ncpus && time_now_ns() - start < BARRIER_NS)
		cpu_relax();
}

static struct run *current;
/* APs that were still working when a run timed out: the run's state is theirs until they end */
static bool straggler[SMP_MAX_CPUS];

/* True when no AP of an earlier timed-out run is still working (smp_wait() with no wait: ended or not). */
static bool stragglers_done(void)
{
	for (u32 i = 1; i < SMP_MAX_CPUS; i++) {
		if (straggler[i] && !smp_wait(i, 0))
			return false;
		straggler[i] = false;
	}
	return true;
}

static void on_cpu(void *arg)
{
	const struct smp_util_call *c = arg;

	start_together(current);
	current->fn(c);
}

bool smp_util_run(u32 ncpus, smp_util_fn fn, void *arg, const char **why)
{
	static struct run r;
	bool ok = true;

	*why = NULL;
	if (!stragglers_done()) { /* it would still be reading and writing the run this call sets up */
		*why = "an AP of an earlier run that timed out is still working: refused";
		return false;
	}
	if (!ncpus || ncpus > smp_util_online()) {
		*why = "more CPUs asked for than are online";
		return false;
	}
	r = (struct run){ .fn = fn, .arg = arg, .ncpus = ncpus };
	current = &r;
	for (u32 n = 0; n < ncpus; n++)
		r.calls[n] = (struct smp_util_call){ .nth = n, .ncpus = ncpus, .arg = arg };
	for (u32 n = 1; n < ncpus; n++) {
		if (!smp_post(smp_util_cpu(n), on_cpu, &r.calls[n])) {
			*why = "smp_post refused an online AP";
			r.ncpus = n; /* the others need not wait for it */
			ncpus = n;
			ok = false;
			break;
		}
	}
	on_cpu(&r.calls[0]);
	for (u32 n = 1; n < ncpus; n++)
		if (!smp_wait(smp_util_cpu(n), SMP_UTIL_TIMEOUT_NS)) {
			*why = "an AP did not finish its work in time and may still be running it (its results and "
			       "fn's argument are not to be trusted; later runs are refused until it ends)";
			straggler[smp_util_cpu(n)] = true;
			ok = false;
		}
	return ok;
}
