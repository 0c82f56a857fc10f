/* SPDX-License-Identifier: MIT */
#include <ccktf/boot.h>
#include "lib/accept_util.h"

static u64 next_unit; /* units below this were handed to an earlier test */

const char *accept_skip_reason(void)
{
	if (!platform_current()->accept_range)
		return "this platform has nothing to accept (platform=none)";
	if (!kernel_kind_accepts(boot_info.args.kernel_kind))
		return "kernel_kind=unenlightened: this kernel never accepts memory";
	if (!unaccepted.table)
		return "no unaccepted memory in this guest (model: give it more than 4 GiB, or sim_unaccepted=SIZE)";
	/* The accept suites check the table the EFI entry built against the firmware's memory map; a stage
	 * entered through the boot protocol has neither (its map is synthesized from e820, where unaccepted
	 * memory is RAM): the handoff suite checks the table it inherited instead (tests/handoff/). */
	if (boot_info.no_boot_services)
		return "entered through the 64-bit boot protocol: the table was inherited, not built here (the handoff "
		       "suite checks it)";
	return NULL;
}

bool take_units(u64 n, struct range *r)
{
	const struct efi_unaccepted_memory *t = unaccepted.table;
	u64 start, end, from = next_unit, limit = unaccepted_units(t);

	for (; unaccepted_next_run(t, from, limit, &start, &end); from = end) {
		if (end - start < n)
			continue; /* too short for this request; a later, smaller one may still use it */
		next_unit = start + n;
		*r = range_make(unaccepted_unit_range(t, start).start, unaccepted_unit_range(t, start + n - 1).end);
		return true;
	}
	return false;
}

bool unit_unaccepted(u64 addr)
{
	const struct efi_unaccepted_memory *t = unaccepted.table;

	return unaccepted_test(t, (addr - t->phys_base) / t->unit_size);
}

const struct platform_model_ops *accept_model(void)
{
	return platform_current()->model;
}

bool memory_is_zero(u64 start, u64 len)
{
	return memory_is_pattern(start, len, 0);
}

bool memory_is_pattern(u64 start, u64 len, u64 pattern)
{
	const volatile u64 *p = (const volatile u64 *)(uintptr_t)start;

	for (u64 i = 0; i < len / 8; i++)
		if (p[i] != pattern)
			return false;
	return true;
}

void fill_pattern(u64 start, u64 len, u64 pattern)
{
	volatile u64 *p = (volatile u64 *)(uintptr_t)start;

	for (u64 i = 0; i < len / 8; i++)
		p[i] = pattern;
}
