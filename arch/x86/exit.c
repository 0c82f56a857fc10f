/* SPDX-License-Identifier: MIT */
/*
 * Leaving the machine with a verdict (docs/protocol.md "Exit"), in this order:
 *   1. the exit code to QEMU's isa-debug-exit device (port 0xf4; QEMU exits with code*2+1), through the
 *      platform's port-I/O backend (a GHCB IOIO exit on SNP, TDG.VP.VMCALL on TDX);
 *   2. on a confidential guest (CC_ATTR_GUEST_STATE_PROTECTED), power off through ACPI PM1a_CNT, again
 *      through the kernel's own backend (the firmware's ResetSystem() would do native port I/O, which
 *      raises #VC/#VE there and kills the guest after the verdict), then the platform's own termination
 *      call; elsewhere EFI ResetSystem(shutdown) (UEFI 2.10 section 8.5.1, callable in physical mode after
 *      ExitBootServices as long as SetVirtualAddressMap was never called);
 *   3. halt.
 * While the console is held (a confidential guest before its port I/O works, ccktf/console.h) no port is
 * touched at all: the platform's termination call carries the last line instead.
 */
#include <arch/cpu.h>
#include <arch/machine.h>
#include <arch/portio.h>
#include <ccktf/console.h>
#include <ccktf/exit.h>
#include <ccktf/format.h>
#include <ccktf/platform.h>
#include <ccktf/string.h>
#include <ccktf/time.h>
#include "efi/acpi_pm.h"
#include "efi/efi_api.h"

#define TERMINATE_MESSAGE 64

static struct efi_runtime_services *runtime;
static u16 pm1a_cnt;
static char exit_reason[TERMINATE_MESSAGE];

void ccktf_set_exit_reason(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(exit_reason, sizeof(exit_reason), fmt, ap);
	va_end(ap);
}

void machine_set_runtime_services(struct efi_runtime_services *rt)
{
	runtime = rt;
}

void machine_set_acpi_pm1a_cnt(u16 port)
{
	pm1a_cnt = port;
}

#define POWER_OFF_WAIT_NS 1000000000ull /* a VMM may take the power-off asynchronously */
#define POWER_OFF_WAIT_SPINS 4000000000ull /* bounds the wait if the clock does not run */

/* ACPI S5: SLP_TYP 0 (QEMU's S5, as OVMF's ResetSystemLib writes it), then SLP_EN; then a bounded wait, so
 * that a VMM that stops the guest a little later does not see a termination call from a passed run. */
static void acpi_power_off(void)
{
	u64 t0 = time_now_ns();
	u16 v;

	if (!pm1a_cnt)
		return;
	v = (u16)(inw(pm1a_cnt) & ~ACPI_PM1_SLP_TYP_MASK);
	outw(pm1a_cnt, v);
	outw(pm1a_cnt, v | ACPI_PM1_SLP_EN);
	for (u64 spins = 0; spins < POWER_OFF_WAIT_SPINS && time_now_ns() - t0 < POWER_OFF_WAIT_NS; spins++)
		cpu_relax();
}

/* The last line printed (what failed), for a termination call that can carry a message. */
static void last_line(char *msg, size_t size)
{
	char tail[256];
	size_t n = console_held_tail(tail, sizeof(tail));
	char *start = tail;

	while (n && (tail[n - 1] == '\n' || tail[n - 1] == '\r'))
		tail[--n] = '\0';
	for (size_t i = 0; i < n; i++)
		if (tail[i] == '\n')
			start = tail + i + 1;
	while (*start == '#' || *start == ' ')
		start++;
	n = MIN(strlen(start), size - 1);
	memcpy(msg, start, n);
	msg[n] = '\0';
}

static __noreturn void terminate(const char *why)
{
	const struct platform_ops *p = platform_current();

	if (p && p->terminate)
		p->terminate(why);
	cli();
	for (;;)
		hlt();
}

void ccktf_exit(enum ccktf_exit e)
{
	char msg[TERMINATE_MESSAGE];

	if (console_held() && !exit_reason[0])
		last_line(msg, sizeof(msg)); /* before the exit line: what went wrong, not the verdict */
	ccktf_print_exit(e);
	if (console_held())
		terminate(exit_reason[0] ? exit_reason : msg);
	outb(QEMU_DEBUG_EXIT_PORT, (u8)e);
	if (cc_platform_has(CC_ATTR_GUEST_STATE_PROTECTED)) {
		acpi_power_off();
		terminate(ccktf_exit_name(e));
	}
	if (runtime)
		runtime->reset_system(EFI_RESET_SHUTDOWN, e == CCKTF_EXIT_PASSED ? EFI_SUCCESS : EFI_ERROR_BIT | e, 0,
				      NULL);
	terminate(ccktf_exit_name(e));
}
