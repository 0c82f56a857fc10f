/* SPDX-License-Identifier: MIT */
/*
 * Acceptance strategies (docs/benchmarks.md, bench.strategy.*): lazy (accept a 4 MiB unit on first touch,
 * as Linux accepts on demand), eager (everything left, in bitmap order), and firmware (the time
 * ExitBootServices took; with allow_unaccepted=0 on SNP, OVMF accepts all memory there).
 */
#include <ccktf/boot.h>
#include <ccktf/metric.h>
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

KTEST(bench, strategy_lazy_first_touch)
{
	unsigned samples = bench_full() ? 64 : 8;
	static struct samples first, second;
	struct range r;

	samples_init(&first);
	samples_init(&second);
	for (unsigned i = 0; i < samples && take_units(LAZY_UNIT / UNACCEPTED_UNIT_SIZE, &r); i++) {
		u64 addr = r.start + (i * 4096) % LAZY_UNIT, start = time_now_ns();
		/* First use of addr: accept the whole lazy unit around it, then touch. */
		KASSERT_EQ(t, unaccepted_accept(r.start, LAZY_UNIT, NULL), ACCEPT_MEMORY_OK);
		samples_add(&first, time_now_ns() - start + touch(addr));
		samples_add(&second, touch(addr));
	}
	KASSERT_GT(t, samples_count(&first), 0);
	bench_latency_metrics("bench.strategy.lazy.first_touch", &first, "lazy_unit=4194304", BENCH_STAT_ALL);
	bench_latency_metrics("bench.strategy.lazy.second_touch", &second, "lazy_unit=4194304", BENCH_STAT_MEDIAN);
}

KTEST(bench, strategy_eager_everything_left)
{
	struct range covered = unaccepted_covered(unaccepted.table);
	u64 bytes_before = bench_unaccepted_left(), start, ns;
	struct range first;

	if (!unaccepted_first_unit(&first))
		KTEST_SKIP(t, "nothing left to accept");
	start = first.start;
	u64 size = bench_full() ? covered.end - start : EAGER_SHORT_BYTES;
	bench_progress("eager: accepting %llu MiB in bitmap order", MIN(size, bytes_before) / MiB);
	ns = time_now_ns();
	KASSERT_EQ(t, unaccepted_accept(start, size, NULL), ACCEPT_MEMORY_OK);
	ns = time_now_ns() - ns;
	u64 accepted = bytes_before - bench_unaccepted_left();
	metric_fixed("bench.strategy.eager.throughput", mibps_milli(accepted, ns), 3, "MiB/s", NULL);
	KEXPECT_GT(t, accepted, 0);
	if (bench_full())
		KEXPECT_EQ(t, bench_unaccepted_left(), 0);
}

KTEST(bench, strategy_firmware_exit_boot_services)
{
	char ctx[24];

	snprintf(ctx, sizeof(ctx), "allow_unaccepted=%d", boot_info.args.allow_unaccepted);
	metric_u64("bench.strategy.firmware.exit_boot_services", boot_info.exit_boot_services_ns, "ns", ctx);
	KEXPECT_GT(t, boot_info.exit_boot_services_ns, 0);
}
