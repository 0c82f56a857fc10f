/* SPDX-License-Identifier: MIT */
/*
 * probe=touch_unaccepted: reads memory the unaccepted table still marks unaccepted, on purpose, once, in a
 * boot of its own. The platform must stop the read (docs/abi.md: TDX, a pending page
 * with SEPT_VE_DISABLE set kills the TD, without it #VE EPT violation, exit reason 48; SNP: #VC
 * with exit code 0x404). So the run is expected to end "crashed" (or never report at all, on hardware);
 * a read that returns is the platform failing to protect the memory, and the run ends "failed".
 */
#include <ccktf/console.h>
#include <ccktf/exit.h>
#include <ccktf/kernel.h>
#include <ccktf/platform.h>
#include <ccktf/unaccepted.h>

static __noreturn void touch_unaccepted(void)
{
	struct range unit;
	u64 value;

	if (!unaccepted_first_unit(&unit)) {
		printk("# ccktf: probe: nothing to probe: the unaccepted table marks no memory unaccepted on %s\n",
		       platform_name());
		ccktf_exit(CCKTF_EXIT_FAILED);
	}
	printk("# ccktf: probe: touching unaccepted memory at 0x%llx on %s (on hardware: TDX with SEPT_VE_DISABLE "
	       "terminates the TD; otherwise #VE / #VC 0x404)\n",
	       unit.start, platform_name());
	value = *(volatile const u64 *)(uintptr_t)unit.start;
	printk("# ccktf: probe: the touch was NOT caught: reading 0x%llx returned 0x%llx; %s did not stop it\n",
	       unit.start, value, platform_name());
	ccktf_exit(CCKTF_EXIT_FAILED);
}

void kernel_probe_if_asked(const struct kernel_args *args)
{
	if (args->probe == PROBE_TOUCH_UNACCEPTED)
		touch_unaccepted();
}
