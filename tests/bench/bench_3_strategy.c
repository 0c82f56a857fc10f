/* SPDX-License-Identifier: MIT */
/*
 * Acceptance strategies (docs/benchmarks.md, bench.strategy.*): lazy (accept a 4 MiB unit on first touch,
 * as Linux accepts on demand), eager (everything left, in bitmap order), and firmware (the time
 * ExitBootServices took; with allow_unaccepted=0 on SNP, OVMF accepts all memory there).
 */
#include <ccktf/boot.h>
#include <ccktf/metric.h>
#include <ccktf/smp.h>
#include <ccktf/time.h>
#include "bench_util.h"

#define LAZY_UNIT (4 * MiB)
#define EAGER_SHORT_BYTES (64 * MiB)

static u64 touch(u64 addr)
{
	u64 start = time_now_ns();

	*(volatile u64 *)(uintptr_t)addr += 1;
	return time_now_ns() - start;
}

/*
 * Repeated bench_reps() times (docs/benchmarks.md "Repetitions"): the median lines are the median of the
 * repetitions' medians with reps= min= max=; min, p99 and max are over every touch.
 */
KTEST(bench, strategy_lazy_first_touch)
{
	unsigned per_rep = bench_per_rep(bench_full() ? 64 : 9);
	static struct bench_rep_latency first, second; /* static: struct samples is too large for the stack */
	struct range r;

	bench_rep_latency_init(&first);
	bench_rep_latency_init(&second);
	for (unsigned rep = 0; rep < bench_reps(); rep++) {
		for (unsigned i = 0; i < per_rep && take_units(LAZY_UNIT / UNACCEPTED_UNIT_SIZE, &r); i++) {
			u64 addr = r.start + (i * 4096) % LAZY_UNIT, start = time_now_ns();
			/* First use of addr: accept the whole lazy unit around it, then touch. */
			KASSERT_EQ(t, unaccepted_accept(r.start, LAZY_UNIT, NULL), ACCEPT_MEMORY_OK);
			bench_rep_latency_add(&first, time_now_ns() - start + touch(addr));
			bench_rep_latency_add(&second, touch(addr));
		}
		bench_rep_latency_next(&first);
		bench_rep_latency_next(&second);
	}
	KASSERT_GT(t, samples_count(&first.all), 0);
	bench_rep_latency_metrics("bench.strategy.lazy.first_touch", &first, "lazy_unit=4194304", BENCH_STAT_ALL);
	bench_rep_latency_metrics("bench.strategy.lazy.second_touch", &second, "lazy_unit=4194304",
				  BENCH_STAT_MEDIAN);
}

/*
 * Everything left (bench=short: the first 64 MiB of it), in bitmap order, cut into bench_reps() parts of
 * whole units, each timed: the throughput is the median of the parts' with reps= min= max=. A part that
 * found nothing to accept (a hole other cases made) is not a repetition.
 */
KTEST(bench, strategy_eager_everything_left)
{
	struct range covered = unaccepted_covered(unaccepted.table);
	u64 bytes_before = bench_unaccepted_left(), values[BENCH_REPS_MAX], total = 0;
	unsigned n = 0;
	struct range first;

	if (!unaccepted_first_unit(&first))
		KTEST_SKIP(t, "nothing left to accept");
	u64 start = first.start, end = bench_full() ? covered.end : MIN(start + EAGER_SHORT_BYTES, covered.end);
	u64 part = (end - start + bench_reps() - 1) / bench_reps(); /* rounded up: at most bench_reps() parts */

	part = MAX((part + UNACCEPTED_UNIT_SIZE - 1) / UNACCEPTED_UNIT_SIZE * UNACCEPTED_UNIT_SIZE,
		   (u64)UNACCEPTED_UNIT_SIZE);
	bench_progress("eager: accepting up to %llu MiB in bitmap order, in %u parts", MIN(end - start, bytes_before) / MiB,
		       bench_reps());
	for (u64 at = start; at < end; at += part) {
		u64 size = MIN(part, end - at), left = bench_unaccepted_left(), ns = time_now_ns();

		KASSERT_EQ(t, unaccepted_accept(at, size, NULL), ACCEPT_MEMORY_OK);
		ns = time_now_ns() - ns;
		u64 accepted = left - bench_unaccepted_left();

		total += accepted;
		if (accepted && n < BENCH_REPS_MAX)
			values[n++] = mibps_milli(accepted, ns);
	}
	KASSERT_GT(t, n, 0);
	bench_metric_repeated("bench.strategy.eager.throughput", values, n, 3, "MiB/s", NULL);
	KEXPECT_EQ(t, total, bytes_before - bench_unaccepted_left());
	if (bench_full())
		KEXPECT_EQ(t, bench_unaccepted_left(), 0);
}

/*
 * One figure per boot: ExitBootServices happens once, it cannot be repeated (docs/benchmarks.md). It grows
 * with the vCPUs the firmware holds (edk2 moves every AP into its final loop there: UefiCpuPkg MpInitLib,
 * DxeMpLib.c MpInitChangeApLoopCallback()), so cpus= (the MADT's processors) is part of its identity.
 */
KTEST(bench, strategy_firmware_exit_boot_services)
{
	char ctx[48];

	snprintf(ctx, sizeof(ctx), "allow_unaccepted=%d cpus=%u", boot_info.args.allow_unaccepted,
		 smp_get()->madt_enabled);
	metric_u64("bench.strategy.firmware.exit_boot_services", boot_info.exit_boot_services_ns, "ns", ctx);
	KEXPECT_GT(t, boot_info.exit_boot_services_ns, 0);
}
