/* SPDX-License-Identifier: MIT */
/*
 * TSC frequency: measured against a firmware delay (Boot Services Stall), cross-checked with CPUID 0x15
 * (TSC/crystal ratio times the crystal frequency) or 0x16 (base frequency in MHz), Intel SDM vol. 2A CPUID.
 * Conversion to ns uses a 32.32 fixed-point multiplier, so no 128-bit division (and no libgcc) is needed.
 */
#include <arch/cpu.h>
#include <arch/machine.h>
#include <ccktf/time.h>

#define CALIBRATION_US 20000
#define CALIBRATION_ROUNDS 3

static u64 measured_hz;
static u64 ns_per_cycle_q32; /* ns per cycle, 32.32 fixed point */

static u64 measure_once(void (*delay_us)(u64 us))
{
	u64 start = rdtsc();

	delay_us(CALIBRATION_US);
	return (rdtsc() - start) * (1000000 / CALIBRATION_US);
}

static u64 median3(u64 a, u64 b, u64 c)
{
	return MAX(MIN(a, b), MIN(MAX(a, b), c));
}

static u64 cpuid_tsc_hz(const char **source)
{
	u32 max_leaf = cpuid(0).eax;
	struct cpuid_regs r;

	if (max_leaf >= 0x15) {
		r = cpuid(0x15); /* EAX denominator, EBX numerator, ECX crystal Hz */
		if (r.eax && r.ebx && r.ecx) {
			*source = "cpuid.15";
			return (u64)r.ecx * r.ebx / r.eax;
		}
	}
	if (max_leaf >= 0x16 && (cpuid(0x16).eax & 0xffff)) {
		*source = "cpuid.16";
		return (u64)(cpuid(0x16).eax & 0xffff) * 1000000;
	}
	*source = "none";
	return 0;
}

void tsc_calibrate(void (*delay_us)(u64 us), struct tsc_info *info)
{
	u64 m[CALIBRATION_ROUNDS];

	for (unsigned i = 0; i < CALIBRATION_ROUNDS; i++)
		m[i] = measure_once(delay_us);
	measured_hz = median3(m[0], m[1], m[2]);
	if (!measured_hz)
		measured_hz = 1; /* a TSC that does not tick: durations read as huge, never as a division fault */
	ns_per_cycle_q32 = (1000000000ull << 32) / measured_hz;
	info->measured_hz = measured_hz;
	info->cpuid_hz = cpuid_tsc_hz(&info->cpuid_source);
}

u64 tsc_hz(void)
{
	return measured_hz;
}

u64 tsc_to_ns(u64 cycles)
{
	return (u64)(((unsigned __int128)cycles * ns_per_cycle_q32) >> 32);
}

u64 time_now_ns(void)
{
	return tsc_to_ns(rdtsc());
}

void delay_ns(u64 ns)
{
	u64 start = time_now_ns();

	while (time_now_ns() - start < ns)
		cpu_relax();
}
