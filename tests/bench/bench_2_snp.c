/* SPDX-License-Identifier: MIT */
/*
 * SEV-SNP sweeps (docs/benchmarks.md, bench.snp.*): the Page State Change batch size (entries per request,
 * 1..253, the GHCB shared buffer's limit) and the cache-coherency reads after validation, on and off.
 * Each parameter is its own result; the setting is restored by a cleanup action however the case ends.
 * Where a model can back memory first, the units are warm, so that the host's first touch (which dwarfs
 * both under TCG) does not hide what is swept.
 */
#include <ccktf/metric.h>
#include <ccktf/platform.h>
#include <ccktf/string.h>
#include <ccktf/time.h>
#include "../../arch/x86/snp/psc_plan.h"
#include "../../arch/x86/snp/snp.h"
#include "bench_util.h"

#define UNIT UNACCEPTED_UNIT_SIZE

static const char *snp_only(void)
{
	return cc_platform_has(CC_ATTR_SEV_SNP_GUEST) ? NULL : "SEV-SNP only";
}

/* Takes n fresh units, warm where a model can back them; false when none are left. */
static bool take(unsigned n, struct range *r)
{
	void (*host_back)(u64 start, u64 size) = bench_host_back();

	if (!take_units(n, r))
		return false;
	if (host_back)
		host_back(r->start, range_len(*r));
	return true;
}

static const char *memory_kind(void)
{
	return bench_host_back() ? "warm" : "cold";
}

static u64 accept_timed(struct range r, u64 *ns)
{
	u64 t0 = time_now_ns(), ok = unaccepted_accept(r.start, range_len(r), NULL) == ACCEPT_MEMORY_OK;

	*ns = time_now_ns() - t0;
	return ok;
}

static unsigned units_per_rep(void)
{
	return bench_full() ? 8 : 1;
}

static const unsigned batch_sizes[] = { 1, 16, 64, 253 };
static const struct ktest_param batches[] = {
	{ "1", &batch_sizes[0] }, { "16", &batch_sizes[1] }, { "64", &batch_sizes[2] }, { "253", &batch_sizes[3] },
};

static struct psc_cfg psc_saved;

static void restore_psc(void *saved)
{
	u64 exits = psc_cfg.exits;

	psc_cfg = *(struct psc_cfg *)saved;
	psc_cfg.exits = exits;
}

/* Accepting with 4 KiB PSC entries, at most batch entries per request: 512 entries per 2 MiB. */
KTEST_PARAM(bench, snp_psc_batch, batches)
{
	unsigned batch = *(const unsigned *)t->param->data, n = units_per_rep();
	u64 reps[BENCH_REPS_MAX], exits = 0, expected = 0;
	char ctx[64];
	struct range r;

	if (snp_only())
		KTEST_SKIP(t, "%s: Page State Change requests", snp_only());
	psc_saved = psc_cfg;
	ktest_add_action(t, restore_psc, &psc_saved);
	psc_cfg.max_entries = batch;
	psc_cfg.allow_2m = false;
	KASSERT_TRUE(t, take(1, &r)); /* untimed: under TCG the first call translates the path */
	KASSERT_EQ(t, unaccepted_accept(r.start, UNIT, NULL), ACCEPT_MEMORY_OK);
	for (unsigned rep = 0; rep < bench_reps(); rep++) {
		u64 before = psc_cfg.exits, ns;

		KASSERT_TRUE(t, take(n, &r));
		KASSERT_TRUE(t, accept_timed(r, &ns));
		exits += psc_cfg.exits - before;
		expected += psc_plan_requests(r.start, range_len(r), batch, false);
		reps[rep] = mibps_milli(range_len(r), ns);
	}
	snprintf(ctx, sizeof(ctx), "batch=%u entry=4k memory=%s", batch, memory_kind());
	bench_metric_repeated("bench.snp.psc.throughput", reps, bench_reps(), 3, "MiB/s", ctx);
	metric_u64("bench.snp.psc.exits", exits, "count", ctx);
	/* at least one exit per request; more only if the hypervisor stopped early and the guest re-issued */
	KEXPECT_GE(t, exits, expected);
}

static const bool evict_on = true, evict_off = false;
static const struct ktest_param evict_modes[] = { { "on", &evict_on }, { "off", &evict_off } };

static void restore_evict(void *saved)
{
	snp_pvalidate_cfg.evict = (bool)(uintptr_t)saved;
}

/*
 * Accepting with the cache-coherency reads after each validation (arch/x86/snp/coherency.c) and without.
 * Off is for measuring only: on a part without COHERENCY_SFW_NO the pages accepted here may keep stale
 * lines; nothing reads them afterwards.
 */
KTEST_PARAM(bench, snp_coherency, evict_modes)
{
	bool evict = *(const bool *)t->param->data;
	unsigned n = units_per_rep();
	u64 reps[BENCH_REPS_MAX], pages = 0;
	char ctx[64];
	struct range r;

	if (snp_only())
		KTEST_SKIP(t, "%s: the coherency reads follow PVALIDATE", snp_only());
	ktest_add_action(t, restore_evict, (void *)(uintptr_t)snp_pvalidate_cfg.evict);
	snp_pvalidate_cfg.evict = evict;
	KASSERT_TRUE(t, take(1, &r)); /* untimed warm-up */
	KASSERT_EQ(t, unaccepted_accept(r.start, UNIT, NULL), ACCEPT_MEMORY_OK);
	for (unsigned rep = 0; rep < bench_reps(); rep++) {
		u64 before = snp_evict_totals().pages, ns;

		KASSERT_TRUE(t, take(n, &r));
		KASSERT_TRUE(t, accept_timed(r, &ns));
		pages += snp_evict_totals().pages - before;
		reps[rep] = mibps_milli(range_len(r), ns);
	}
	snprintf(ctx, sizeof(ctx), "evict=%s memory=%s", evict ? "on" : "off", memory_kind());
	bench_metric_repeated("bench.snp.coherency.throughput", reps, bench_reps(), 3, "MiB/s", ctx);
	metric_u64("bench.snp.coherency.pages", pages, "count", ctx);
	KEXPECT_EQ(t, pages, evict ? (u64)bench_reps() * n * UNIT / 4096 : 0);
}
