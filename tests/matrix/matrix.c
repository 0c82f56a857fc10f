/* SPDX-License-Identifier: MIT */
/*
 * The firmware x kernel acceptance matrix (issue 14), one cell per boot: ccktf behaves as the kernel kind
 * kernel_kind= names, the platform's firmware (on a model, the kind sim_fw= names) does what it does, and
 * this suite (matrix=1 only) prints the cell's figures and then uses memory as that kind of kernel would.
 *
 *  - boot_figures: the "# metric: boot.*" lines (docs/protocol.md "Boot figures"): time from reset to the
 *    kernel being ready, what firmware and kernel accepted before that and how long it took, memory usable
 *    by this kind against memory in the guest. Checks that the kind behaved as its name says. On a model,
 *    also the model's own figures (boot.model.*: its page state when the kernel was ready), which the
 *    harness compares with the kernel's (harness/ccktf/matrix.py model_disagreements()).
 *  - usable_memory_touch: reads every 2 MiB of every range this kind counts as usable (kind_memory.h), as a
 *    kernel that puts all its RAM to use would. A kind that accepts memory accepts the unit first, lazily,
 *    as Linux's accept_memory() does, and reads only the first and last page of each unaccepted range (to
 *    read all of it would accept all of it, which is not what a boot costs). Memory the kind wrongly assumes
 *    accepted is caught by the platform: the model ends the guest as hardware would (#VC 0x404 on SNP, the
 *    TD ends on TDX), and the run is "crashed".
 */
#include <arch/machine.h>
#include <ccktf/boot.h>
#include <ccktf/format.h>
#include <ccktf/ktest.h>
#include <ccktf/metric.h>
#include <ccktf/platform.h>
#include <ccktf/unaccepted.h>
#include "mm/kind_memory.h"

#define PAGE 4096ull
#define STRIDE (2 * MiB)

static const char *matrix_skip_reason(void)
{
	return boot_info.args.matrix ? NULL : "the matrix figures are printed only when asked: matrix=1 (make matrix)";
}

KTEST_SUITE(matrix, KTEST_AFTER_EXIT_BOOT_SERVICES, matrix_skip_reason);

static bool accepts(void)
{
	return kernel_kind_accepts(boot_info.args.kernel_kind);
}

/* On a model: its report taken when the kernel was ready (kernel/main.c), from the model's own state. */
static void firmware_report(struct model_firmware_report *fw)
{
	*fw = (struct model_firmware_report){ "present", 0, 0, 0, "unknown", 0, 0 };
	if (boot_info.model_at_ready_taken)
		*fw = boot_info.model_at_ready;
}

KTEST(matrix, boot_figures)
{
	struct memmap final = memmap_view(&boot_info.memmap);
	struct model_firmware_report fw;
	struct kind_memory km;
	char ctx[160], model_ctx[200];
	bool model;

	firmware_report(&fw);
	model = boot_info.model_at_ready_taken;
	kind_memory_count(&final, accepts(), &km);
	snprintf(ctx, sizeof(ctx), "kernel_kind=%s firmware=%s", args_kernel_kind_name(boot_info.args.kernel_kind),
		 fw.kind);
	snprintf(model_ctx, sizeof(model_ctx), "%s source=model when=%s", ctx, fw.accepted_when);

	/* TSC 0 at reset (QEMU starts the vCPU's TSC at 0; so does hardware at power-on) */
	metric_u64("boot.to_kernel", boot_info.kernel_ready_ns, "ns", ctx);
	metric_u64("boot.to_entry", tsc_to_ns(boot_info.entry_tsc), "ns", ctx);
	metric_u64("boot.exit_boot_services", boot_info.exit_boot_services_ns, "ns", ctx);
	if (model) {
		metric_u64("boot.unaccepted.at_reset", fw.unaccepted_at_reset, "bytes", model_ctx);
		metric_u64("boot.firmware_accept.bytes", fw.accepted_bytes, "bytes", model_ctx);
		metric_u64("boot.firmware_accept.time", fw.accepted_ns, "ns", model_ctx);
		/* what the outcome rests on, from the model's page state, never from the kernel's accounting */
		metric_u64("boot.model.unaccepted.ready", fw.pending_bytes, "bytes", model_ctx);
		metric_u64("boot.model.os_accept.bytes", fw.os_accepted_bytes, "bytes", model_ctx);
	} else { /* on real firmware only what the maps show: type 15 before ExitBootServices, gone after */
		u64 gone = unaccepted.bytes > unaccepted.final_bytes ? unaccepted.bytes - unaccepted.final_bytes : 0;
		snprintf(model_ctx, sizeof(model_ctx), "%s source=memmap when=ExitBootServices", ctx);
		metric_u64("boot.firmware_accept.bytes", gone, "bytes", model_ctx);
	}
	metric_u64("boot.kernel_accept.bytes", boot_info.boot_accept_bytes, "bytes", ctx);
	metric_u64("boot.kernel_accept.time", boot_info.boot_accept_ns, "ns", ctx);
	metric_u64("boot.unaccepted.final", km.unaccepted, "bytes", ctx);
	metric_u64("boot.unaccepted.left",
		   accepts() && km.unaccepted > boot_info.boot_accept_bytes ? km.unaccepted - boot_info.boot_accept_bytes : 0,
		   "bytes", ctx);
	metric_u64("boot.memory.guest", km.guest, "bytes", ctx);
	metric_u64("boot.memory.usable", km.usable, "bytes", ctx);
	metric_u64("boot.memory.lost", km.lost, "bytes", ctx);

	/* the kind, as its name says */
	KEXPECT_EQ(t, boot_info.args.allow_unaccepted, boot_info.args.kernel_kind == KERNEL_ENLIGHTENED);
	if (!accepts()) {
		KEXPECT_TRUE(t, unaccepted.table == NULL);
		KEXPECT_EQ(t, unaccepted_accepted_bytes(), 0);
	} else if (km.unaccepted) {
		KEXPECT_TRUE(t, unaccepted.table != NULL);
	}
	KEXPECT_LE(t, km.usable, km.guest);
	KEXPECT_EQ(t, km.lost, accepts() ? 0 : km.unaccepted);
}

static u64 touched;

static void touch(u64 addr)
{
	(void)*(volatile const u8 *)(uintptr_t)addr;
	touched++;
}

/* Accept (lazily, the unit around it) then read: what a kernel that accepts does before using a page. */
static bool accept_and_touch(struct ktest *t, u64 page)
{
	struct accept_memory_result res = { 0 };

	if (unaccepted_accept(page, PAGE, &res) != ACCEPT_MEMORY_OK) {
		ktest_fail(t, __FILE__, __LINE__, "accepting the page at 0x%llx before using it failed", page);
		return false;
	}
	touch(page);
	return true;
}

KTEST(matrix, usable_memory_touch)
{
	struct memmap final = memmap_view(&boot_info.memmap);
	const struct efi_memory_descriptor *d;
	u64 ranges = 0;

	touched = 0;
	for_each_memmap_desc(&final, i, d) {
		struct range r = memmap_desc_range(d);
		if (!kind_memory_usable_type(d->type, accepts()) || range_empty(r))
			continue;
		ranges++;
		if (memmap_type_is_unaccepted(d->type)) {
			if (!accept_and_touch(t, r.start) || !accept_and_touch(t, r.end - PAGE))
				return;
			continue;
		}
		if (r.start) /* page 0 is the kernel's NULL guard: never mapped, never used */
			touch(r.start);
		for (u64 a = ALIGN_UP(r.start + 1, STRIDE); a < r.end; a += STRIDE)
			touch(a);
		touch(r.end - PAGE);
	}
	ktest_evidence(t, "kernel_kind=%s: %llu usable range(s), %llu page(s) read, none caught by the platform",
		       args_kernel_kind_name(boot_info.args.kernel_kind), ranges, touched);
	KEXPECT_GT(t, touched, 0);
}
