/* SPDX-License-Identifier: MIT */
/*
 * probe=touch_unaccepted: reads memory the unaccepted table still marks unaccepted, on purpose, once, in a
 * boot of its own. The platform must stop the read (docs/abi.md: TDX, a pending page
 * with SEPT_VE_DISABLE set kills the TD, without it #VE EPT violation, exit reason 48; SNP: #VC
 * with exit code 0x404). So the run is expected to end "crashed" (or never report at all, on hardware);
 * a read that returns is the platform failing to protect the memory, and the run ends "failed".
 *
 * probe=touch_pending_ram (models only): reads the first page of RAM the final map reports as usable (not
 * unaccepted) that the platform holds pending, FB-004's finding (a firmware that lost track of memory,
 * sim_fw_bug=pending-tail), as an OS that trusted the map would. The model must stop it just the same, at
 * 4 KiB. Hardware has no read-only page-state question (platform_ops.page_state accepts there), so on
 * hardware there is nothing this probe may ask.
 */
#include <arch/cpu.h>
#include <ccktf/boot.h>
#include <ccktf/console.h>
#include <ccktf/exit.h>
#include <ccktf/kernel.h>
#include <ccktf/platform.h>
#include <ccktf/smp.h>
#include <ccktf/time.h>
#include <ccktf/unaccepted.h>
#include "mm/memmap.h"

static __noreturn void touch(u64 addr, const char *what)
{
	u64 value;

	printk("# ccktf: probe: touching %s at 0x%llx on %s (on hardware: TDX with SEPT_VE_DISABLE terminates the "
	       "TD; otherwise #VE / #VC 0x404)\n",
	       what, addr, platform_name());
	value = *(volatile const u64 *)(uintptr_t)addr;
	printk("# ccktf: probe: the touch was NOT caught: reading 0x%llx returned 0x%llx; %s did not stop it\n",
	       addr, value, platform_name());
	ccktf_exit(CCKTF_EXIT_FAILED);
}

static __noreturn void nothing_to_probe(const char *why)
{
	printk("# ccktf: probe: nothing to probe: %s on %s\n", why, platform_name());
	ccktf_exit(CCKTF_EXIT_FAILED);
}

static __noreturn void touch_unaccepted(void)
{
	struct range unit;

	if (!unaccepted_first_unit(&unit))
		nothing_to_probe("the unaccepted table marks no memory unaccepted");
	touch(unit.start, "unaccepted memory");
}

static __noreturn void touch_pending_ram(void)
{
	const struct platform_ops *p = platform_current();
	struct memmap m = memmap_view(&boot_info.memmap);
	const struct efi_memory_descriptor *d;
	u64 raw;

	if (!p->model || !p->page_state)
		nothing_to_probe("only a model answers page_state without accepting");
	for_each_memmap_desc(&m, i, d) {
		struct range r = memmap_desc_range(d);
		for (u64 a = r.start; memmap_type_is_ram(d->type) && a < r.end; a += EFI_PAGE_SIZE)
			if (p->page_state(a, &raw) == CC_PAGE_PENDING)
				touch(a, "pending RAM the map reports as usable");
	}
	nothing_to_probe("no RAM the map reports is pending");
}

/* The first page of the first unit the table marks unaccepted: wholly pending, as the table says. */
static u64 first_pending_page(void)
{
	struct range unit;

	if (!unaccepted_first_unit(&unit))
		nothing_to_probe("the unaccepted table marks no memory unaccepted");
	return unit.start;
}

/* Accepts the 4 KiB page; on failure prints the platform's error with its raw status (kernel/mm/accept.h). */
static bool accept_4k(u64 page)
{
	struct accept_stats stats = { 0 };
	char fields[240];

	if (platform_current()->accept_range(page, EFI_PAGE_SIZE, &stats) == EFI_PAGE_SIZE)
		return true;
	accept_error_format(&stats.first_error, fields, sizeof(fields));
	printk("# ccktf: probe: accept-error: %s\n", fields);
	return false;
}

static __noreturn void touch_beside_accepted(void)
{
	u64 page = first_pending_page();

	if (!platform_current()->accept_range)
		nothing_to_probe("the platform accepts nothing");
	if (!accept_4k(page))
		nothing_to_probe("accepting the unit's first 4 KiB page failed");
	printk("# ccktf: probe: accepted the 4 KiB page at 0x%llx alone\n", page);
	touch(page + EFI_PAGE_SIZE, "the pending page next to a 4 KiB page just accepted");
}

static void accept_on_ap(void *arg)
{
	accept_4k(*(u64 *)arg);
}

static __noreturn void touch_during_accept(void)
{
	const struct platform_ops *p = platform_current();
	static u64 page;
	volatile u32 state = 0;
	u64 deadline;

	if (!p->model || !p->model->hold_accept)
		nothing_to_probe("only a model that can hold an accept in its window runs this probe");
	if (smp_get()->online < 2)
		nothing_to_probe("two CPUs are needed (SMP=2)");
	page = first_pending_page();
	p->model->hold_accept(page, &state);
	if (!smp_post(1, accept_on_ap, &page))
		nothing_to_probe("CPU 1 did not take the work");
	deadline = time_now_ns() + 10000000000ull; /* TCG on a shared host can take a while */
	while (state != 1 && time_now_ns() < deadline)
		cpu_relax();
	if (state != 1)
		nothing_to_probe("CPU 1's accept never reached the model's window within 10 s");
	printk("# ccktf: probe: CPU 1's accept of 0x%llx is held after its checks, the page not yet accepted\n",
	       page);
	touch(page, "a page whose accept is in flight on CPU 1");
}

void kernel_probe_if_asked(const struct kernel_args *args)
{
	if (args->probe == PROBE_TOUCH_BESIDE_ACCEPTED)
		touch_beside_accepted();
	if (args->probe == PROBE_TOUCH_DURING_ACCEPT)
		touch_during_accept();
	if (args->probe == PROBE_TOUCH_UNACCEPTED)
		touch_unaccepted();
	if (args->probe == PROBE_TOUCH_PENDING_RAM)
		touch_pending_ram();
}
