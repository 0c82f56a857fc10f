/* SPDX-License-Identifier: MIT */
/* The state the kernel set up when it took the machine over (arch/x86/cpu/), and the exception table. */
#include <arch/cpu.h>
#include <arch/trap.h>
#include <ccktf/boot.h>
#include <ccktf/ktest.h>

KTEST_SUITE(cpu, KTEST_AFTER_EXIT_BOOT_SERVICES, NULL);

static u64 read_rflags(void)
{
	u64 f;

	asm volatile("pushfq; popq %0" : "=r"(f));
	return f;
}

static u16 read_cs(void)
{
	u16 cs;

	asm volatile("mov %%cs, %0" : "=r"(cs));
	return cs;
}

KTEST(cpu, interrupts_disabled)
{
	KEXPECT_EQ(t, read_rflags() & (1u << 9), 0); /* RFLAGS.IF */
}

KTEST(cpu, own_code_segment)
{
	KEXPECT_EQ(t, read_cs(), 0x08);
}

static int ud2_safe(void)
{
	exception_vector_reset();
	asm volatile("1: ud2\n2:\n" ASM_EXTABLE("1b", "2b") ::: "memory");
	return exception_vector();
}

static int read_safe(u64 addr, u64 *value)
{
	u64 v = 0;

	exception_vector_reset();
	asm volatile("1: movq (%1), %0\n2:\n" ASM_EXTABLE("1b", "2b") : "+r"(v) : "r"(addr) : "memory");
	*value = v;
	return exception_vector();
}

KTEST(cpu, exception_table_catches_ud)
{
	KEXPECT_EQ(t, ud2_safe(), X86_UD);
	KEXPECT_EQ(t, exception_vector(), -1); /* reading the vector resets it */
}

KTEST(cpu, null_page_is_unmapped)
{
	u64 v;

	KEXPECT_EQ(t, read_safe(0, &v), X86_PF);
	KEXPECT_EQ(t, read_cr2(), 0);
	KEXPECT_EQ(t, read_safe(4096, &v), -1); /* the next page is mapped */
}

KTEST(cpu, non_canonical_address_faults)
{
	u64 v;

	KEXPECT_EQ(t, read_safe(0x8000000000000000ull, &v), X86_GP);
}

KTEST(cpu, paging_enabled_long_mode)
{
	KEXPECT_NE(t, read_cr0() & (1ull << 31), 0); /* CR0.PG */
	KEXPECT_NE(t, read_cr4() & (1ull << 5), 0);  /* CR4.PAE */
}

/* The Stall()-calibrated frequency agrees with CPUID 0x15 / 0x16 where the CPU reports one (within 2%). */
KTEST(cpu, tsc_calibration_matches_cpuid)
{
	u64 measured = boot_info.tsc.measured_hz, reported = boot_info.tsc.cpuid_hz;
	u64 diff = measured > reported ? measured - reported : reported - measured;

	if (!reported)
		KTEST_SKIP(t, "CPUID 0x15/0x16 report no TSC frequency on this CPU");
	ktest_log(t, "measured %llu Hz, %s says %llu Hz", measured, boot_info.tsc.cpuid_source, reported);
	KEXPECT_LE(t, diff * 50, reported);
}
