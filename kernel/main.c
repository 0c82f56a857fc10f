/* SPDX-License-Identifier: MIT */
/* One boot's run: the selected suites in their phases, then the totals and the verdict. */
#include <ccktf/boot.h>
#include <ccktf/console.h>
#include <ccktf/exit.h>
#include <ccktf/format.h>
#include <ccktf/handoff.h>
#include <ccktf/kernel.h>
#include <ccktf/platform.h>
#include <ccktf/smp.h>
#include <ccktf/time.h>
#include <ccktf/unaccepted.h>

static struct ktest_totals totals;
static bool plan_printed;

static struct ktest_selection selection(const struct kernel_args *args)
{
	return (struct ktest_selection){ .globs = args->tests, .demo_fail = args->demo_fail, .flat = args->lava };
}

bool kernel_selection_valid(const struct kernel_args *args, char *err, size_t err_size)
{
	struct ktest_selection sel = selection(args);
	char glob[KTEST_NAME_MAX * 2];

	if (ktest_selection_all_match(&sel, glob, sizeof(glob)))
		return true;
	snprintf(err, err_size, "tests=%s: '%s' selects no test (list=1 lists them)", args->tests, glob);
	return false;
}

void kernel_list_if_asked(const struct kernel_args *args)
{
	struct ktest_selection sel = selection(args);

	if (!args->list)
		return;
	ktest_list(&sel);
	ccktf_exit(CCKTF_EXIT_PASSED);
}

void kernel_run_phase(enum ktest_phase phase)
{
	struct ktest_selection sel = selection(&boot_info.args);

	if (!plan_printed)
		ktest_begin(&sel);
	plan_printed = true;
	ktest_run_phase(&sel, phase, &totals);
}

void kernel_fatal_if(const char *what, const char *err)
{
	if (!err)
		return;
	printk("# ccktf: FATAL: platform %s: %s failed: %s\n", platform_name(), what, err);
	ccktf_set_exit_reason("ccktf: %s: %s", what, err);
	ccktf_exit(CCKTF_EXIT_CRASHED);
}

static void setup_platform_after_exit(void)
{
	const struct platform_ops *p = platform_current();
	char line[640]; /* the SNP identity line alone is about 450 characters */

	kernel_fatal_if("setup after ExitBootServices", p->setup_after_exit());
	console_release(); /* the platform's port I/O works now: what was printed meanwhile goes out */
	p->describe(line, sizeof(line));
	printk("# platform: %s: %s\n", p->name, line);
	platform_identity_line(line, sizeof(line));
	printk("# platform-identity: %s\n", line);
	unaccepted_print_final();
	kernel_fatal_if("recording unaccepted memory from the final map", unaccepted.final_error);
	u64 start = time_now_ns(), before = unaccepted_accepted_bytes();
	kernel_fatal_if("accepting the parts Linux accepts at boot", unaccepted_accept_deferred());
	boot_info.kernel_ready_ns = time_now_ns();
	boot_info.boot_accept_ns = boot_info.kernel_ready_ns - start;
	boot_info.boot_accept_bytes = unaccepted_accepted_bytes() - before;
	if (boot_info.args.matrix && p->model && p->model->firmware) { /* the matrix's model figures */
		p->model->firmware(&boot_info.model_at_ready);
		boot_info.model_at_ready_taken = true;
	}
}

void kernel_main(void)
{
	/* On TDX and SNP the console is held until the platform's setup has made port I/O work; a failure
	 * before that ends through the platform's own channel (ccktf_exit()), never through the UART. */
	setup_platform_after_exit();
	if (boot_info.no_boot_services)
		printk("# ccktf: %s; the kernel owns the machine\n", boot_info.no_boot_services);
	else
		printk("# ccktf: ExitBootServices done after %u attempt(s); the kernel owns the machine\n",
		       boot_info.exit_boot_services_attempts);
	smp_bring_up();
	if (boot_info.args.crash != CRASH_NONE) {
		printk("# ccktf: injecting a crash as asked (crash=%s)\n", args_crash_name(boot_info.args.crash));
		machine_inject_crash(boot_info.args.crash);
	}
	kernel_probe_if_asked(&boot_info.args);
	kernel_run_phase(KTEST_AFTER_EXIT_BOOT_SERVICES);
	unaccepted_print_stats();
	enum ccktf_exit verdict = ktest_finish(&totals);

	handoff_if_asked(verdict); /* handoff=self: enters stage 2 when stage 1 passed (docs/bzimage.md) */
	handoff_linux_if_asked(verdict); /* handoff=linux: enters Linux when stage 1 passed */
	ccktf_exit(verdict);
}
