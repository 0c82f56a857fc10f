/* SPDX-License-Identifier: MIT */
/*
 * Bringing up the application processors (ccktf/smp.h; docs/protocol.md "CPUs"), whatever starts them.
 *
 * Before ExitBootServices: the ACPI MADT says which CPUs exist (kernel/efi/acpi_madt.c); when the platform
 * has a waker (arch/ap_wake.h: INIT-SIPI-SIPI, the MADT wake-up mailbox, SNP AP Creation) and there are
 * APs, the waker takes what it needs from the firmware and one stack region per AP is allocated. After it,
 * on the kernel's page tables, the boot CPU starts the APs one at a time through the waker and waits at
 * most AP_CHECKIN_NS for each to check in. An AP that does not is reported with its APIC ID, its slot is
 * taken back (the waker keeps it from running later where it can), and the boot goes on.
 *
 * An AP arrives in ap_main() below on its own stack and the kernel's CR3: the waker's per-CPU setup
 * (ap_init), its own GDT and TSS (with its own IST stack for NMI, #DF, #MC), the kernel's IDT, shared; the
 * check-in (its APIC ID as cpu_apic_id() reads it: CPUID, or x2APIC MSR 0x802 on a confidential platform;
 * an address on its stack, its GDT and TR, a counter); then the park
 * loop. The shared IDT: its gates and the entry stubs (trap_entry.asm) touch only the stack, which is per
 * CPU, so taking an exception is per-CPU safe; so is the exception-table fixup, which reports
 * the vector in the CPU's own area (arch/percpu.h, set up right after its GDT), so *_safe accessors run on
 * several CPUs at once; the models' #UD answers lock their own state (arch/x86/sim/). A crash on an AP is
 * reported as on the boot CPU, its output possibly interleaved.
 *
 * The park loop: with interrupts off, an AP checks its mailbox (work_seq != done_seq), runs the work, and
 * otherwise HLTs. With IF = 0 only an NMI (or INIT, SMI) ends HLT (SDM vol. 3A, HLT), so the boot CPU wakes
 * an AP with an NMI IPI, which reaches even an APIC that is software-disabled, as an AP's is after INIT;
 * the NMI's hook (smp_nmi) just returns. An NMI sent between the AP's check and its HLT is lost (the AP
 * sleeps on), so smp_wait() sends another each millisecond until the work is done or its bound passes:
 * every wait is bounded, and a parked AP costs the host no CPU time.
 */
#include <arch/ap_wake.h>
#include <arch/apic.h>
#include <arch/cpu.h>
#include <arch/machine.h>
#include <arch/percpu.h>
#include <arch/trap.h>
#include <ccktf/args.h>
#include <ccktf/boot.h>
#include <ccktf/console.h>
#include <ccktf/platform.h>
#include <ccktf/smp.h>
#include <ccktf/string.h>
#include <ccktf/time.h>
#include "efi/acpi_madt.h"
#include "efi/efi_spec.h"

#define AP_STACK_PAGES 4 /* 16 KiB */
#define AP_IST_PAGES 2
#define AP_PAGES (AP_STACK_PAGES + AP_IST_PAGES)
#define AP_CHECKIN_NS 2000000000ull    /* per AP: generous for TCG on a loaded host */
#define IPI_IDLE_NS 100000000ull       /* xAPIC: the previous IPI leaves within this */
#define REWAKE_NS 1000000ull

static struct smp_state smp;
static u64 ap_stacks;	/* (ncpus - 1) * AP_PAGES pages */
static const struct ap_waker *waker; /* the platform's mechanism, NULL when ccktf has none for it */
struct ap_idtr ap_kernel_idtr;
static bool apic_ready; /* lapic_init() succeeded: the boot CPU's APIC ID and mode are known */

/*
 * smp_stall=APIC_ID: that AP stops before it checks in, as a CPU that never answers would, to show that
 * it is reported by its APIC ID within the bounded wait and the boot goes on (harness/tests/
 * test_smp_boot.py). Default none.
 */
static u64 stall_apic_id = ~0ull;

static bool parse_stall(const char *v)
{
	if (!strcmp(v, "none")) {
		stall_apic_id = ~0ull;
		return true;
	}
	return args_parse_size(v, &stall_apic_id) && stall_apic_id < 0xffffffffull;
}

static const struct arg_key_ext smp_stall_key = { "smp_stall", "none|APIC_ID", parse_stall };
ARG_KEY_REGISTER(smp_stall_key);

const struct smp_state *smp_get(void)
{
	return &smp;
}

/* Every waker ccktf has, found by the mechanism the platform declares (its kind). */
static const struct ap_waker *const wakers[] = { &ap_waker_init_sipi, &ap_waker_madt_mailbox, &ap_waker_snp_ap_create };

/* The waker for w; NULL when ccktf has none for it. */
static const struct ap_waker *waker_for(enum cpu_wake w)
{
	for (size_t i = 0; i < ARRAY_SIZE(wakers); i++)
		if (wakers[i]->kind == w)
			return wakers[i];
	return NULL;
}

void smp_prepare(struct boot_info *b)
{
	struct memmap map = memmap_view(&b->memmap_boot);
	const struct ap_waker *found = waker_for(platform_current()->cpu_wake);
	u64 aps;

	smp.wake = found ? found->name : "none";
	madt_read_in(efi_config_table(b->st, EFI_ACPI_20_TABLE_GUID), &map, &smp.madt);
	smp.madt_enabled = smp.madt.error ? 1 : smp.madt.enabled;
	if (!(waker = found))
		smp.skipped = "the platform declares no way to wake application processors";
	if (!waker || smp.madt.error || smp.madt.enabled < 2)
		return;
	aps = smp.madt.enabled - 1;
	if ((smp.skipped = waker->prepare(b, &smp.madt, (u32)aps)))
		return;
	ap_stacks = (u64)(uintptr_t)efi_allocate_pages(b, aps * AP_PAGES, EFI_LOADER_DATA);
	if (!ap_stacks)
		smp.skipped = "no memory for the APs' stacks (AllocatePages)";
}

void smp_prepare_none(const char *why)
{
	smp.wake = "none";
	smp.madt_enabled = 1;
	smp.skipped = why;
}

/* The slot of the CPU running this: its per-CPU area's index (arch/percpu.h), set before anything can
 * send it an NMI. Never CPUID: leaf 0xB raises #VE in a TD and reads vCPU 0's values on SNP. */
static struct smp_cpu *this_cpu(void)
{
	u32 i = this_cpu_index();

	return i < smp.ncpus ? &smp.cpus[i] : NULL;
}

static bool smp_nmi(struct cpu_regs *r)
{
	struct smp_cpu *c = this_cpu();

	(void)r;
	if (!c || !c->index)
		return false; /* an NMI on the boot CPU is still a crash */
	c->wakeups++;
	return true;
}

__noreturn void ap_main(struct smp_cpu *c)
{
	struct ap_idtr gdtr;
	u16 tr;
	u32 id;

	u32 starting = SMP_CPU_STARTING;

	percpu_init(c->index); /* before ap_init, which may use a *_safe accessor (arch/percpu.h) */
	if (waker->ap_init)
		waker->ap_init(c);
	if (c->apic_id == stall_apic_id)
		for (;;)
			hlt();
	/* Then: not the AP this slot was started for (a late one, after its slot was given up)? Then
	 * stop before touching the slot's GDT and TSS, which may be live (review of 38951f6). The slot is
	 * trusted for everything else; the ID is checked where the platform can tell it without lying: on a
	 * confidential platform x2APIC MSR 0x802, answered by the hypervisor for this vCPU (#VE/#VC), elsewhere
	 * CPUID (arch/apic.h cpu_apic_id()). */
	if ((id = cpu_apic_id()) != c->apic_id) {
		__atomic_fetch_add(&smp.stray, 1, __ATOMIC_RELAXED);
		for (;;)
			hlt();
	}
	c->seen_apic_id = id;
	gdt_load_cpu(&c->gdt, (void *)(uintptr_t)c->ist_top);
	percpu_init(c->index); /* again: loading GS with the GDT reset its base (arch/percpu.h) */
	asm volatile("lidt %0" : : "m"(ap_kernel_idtr) : "memory");
	asm volatile("sgdt %0" : "=m"(gdtr));
	asm volatile("str %0" : "=r"(tr));
	c->seen_rsp = (u64)(uintptr_t)&tr;
	c->seen_gdt = gdtr.base;
	c->seen_tr = tr;
	__atomic_fetch_add(&c->checkins, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&smp.checked_in, 1, __ATOMIC_RELAXED);
	/* Online only if the boot CPU has not given up on this slot meanwhile (it then owns the slot) */
	if (!__atomic_compare_exchange_n(&c->state, &starting, SMP_CPU_ONLINE, false, __ATOMIC_RELEASE,
					 __ATOMIC_RELAXED)) {
		__atomic_fetch_add(&smp.stray, 1, __ATOMIC_RELAXED);
		for (;;)
			hlt();
	}
	for (;;) {
		u64 seq = __atomic_load_n(&c->work_seq, __ATOMIC_ACQUIRE);

		if (seq != c->done_seq) {
			c->work_fn(c->work_arg);
			__atomic_store_n(&c->done_seq, seq, __ATOMIC_RELEASE);
			continue;
		}
		hlt();
	}
}

/* Starts c through the waker; true once it checked in, within AP_CHECKIN_NS. */
static bool start_ap(struct smp_cpu *c)
{
	u64 start = time_now_ns();

	c->state = SMP_CPU_STARTING;
	if ((c->start_error = waker->start(c)))
		return false;
	while (__atomic_load_n(&c->state, __ATOMIC_ACQUIRE) != SMP_CPU_ONLINE) {
		if (time_now_ns() - start > AP_CHECKIN_NS)
			return false;
		cpu_relax();
	}
	c->up_ns = time_now_ns() - start;
	return true;
}

/* The slots: the boot CPU first, then every enabled MADT CPU in table order, each with its stacks. */
static void fill_slots(void)
{
	u64 next = ap_stacks;

	smp.cpus[0] = (struct smp_cpu){ .index = 0, .apic_id = smp.boot_apic_id, .state = SMP_CPU_ONLINE };
	smp.ncpus = 1;
	for (u32 i = 0; i < smp.madt.count && smp.ncpus < SMP_MAX_CPUS; i++) {
		const struct madt_cpu *m = &smp.madt.cpus[i];
		struct smp_cpu *c = &smp.cpus[smp.ncpus];

		if (!(m->flags & MADT_CPU_ENABLED) || m->apic_id == smp.boot_apic_id)
			continue;
		if (next + AP_PAGES * 4096ull > ap_stacks + (smp.madt.enabled - 1) * AP_PAGES * 4096ull)
			break; /* the boot CPU was not in the MADT: one stack region short */
		*c = (struct smp_cpu){ .index = smp.ncpus, .apic_id = m->apic_id, .state = SMP_CPU_ABSENT };
		c->stack_base = next;
		c->stack_top = next + AP_STACK_PAGES * 4096ull;
		c->ist_top = c->stack_top + AP_IST_PAGES * 4096ull;
		next = c->ist_top;
		smp.ncpus++;
	}
}

static void print_summary(void)
{
	printk("# cpus: online=%u of %u wake=%s", smp.online, smp.madt_enabled, smp.wake);
	if (apic_ready)
		printk(" boot_apic_id=%u apic=%s", smp.boot_apic_id, smp.x2apic ? "x2apic" : "xapic");
	if (smp.trampoline)
		printk(" trampoline=0x%llx", (unsigned long long)smp.trampoline);
	if (smp.madt.enabled < smp.madt.count)
		printk(" online_capable=%u", smp.madt.count - smp.madt.enabled);
	if (smp.madt.invalid || smp.madt.over)
		printk(" madt_invalid=%u madt_over=%u", smp.madt.invalid, smp.madt.over);
	printk("\n");
	if (smp.skipped)
		printk("# cpus: no AP started: %s\n", smp.skipped);
}

void smp_bring_up(void)
{
	const char *err;

	smp.online = 1;
	if (smp.madt.error && !smp.skipped)
		smp.skipped = smp.madt.error;
	if (!smp.skipped && smp.madt_enabled < 2)
		smp.skipped = "the MADT lists one CPU";
	if (!smp.skipped && (err = lapic_init()))
		smp.skipped = err;
	if (smp.skipped) { /* nothing more is asked of the CPU: CPUID may trap on a confidential guest */
		print_summary();
		return;
	}
	apic_ready = true;
	smp.boot_apic_id = cpu_apic_id();
	smp.x2apic = lapic_is_x2apic();
	if (lapic_id() != smp.boot_apic_id)
		printk("# cpus: the boot CPU's APIC reads ID %u, %s says %u\n", lapic_id(),
		       lapic_x2apic_only() ? "x2APIC MSR 0x802" : "CPUID", smp.boot_apic_id);
	if (!madt_find(&smp.madt, smp.boot_apic_id))
		printk("# cpus: the boot CPU (APIC ID %u) is not in the MADT\n", smp.boot_apic_id);
	if ((err = waker->setup(&smp))) {
		smp.skipped = err;
		print_summary();
		return;
	}
	if (trap_hook(X86_NMI)) {
		smp.skipped = "the NMI vector, which wakes parked APs, already has a hook";
		print_summary();
		return;
	}
	asm volatile("sidt %0" : "=m"(ap_kernel_idtr));
	fill_slots();
	trap_set_hook(X86_NMI, smp_nmi);
	for (u32 i = 1; i < smp.ncpus; i++) {
		struct smp_cpu *c = &smp.cpus[i];

		u32 starting = SMP_CPU_STARTING;

		if (start_ap(c)) {
			smp.online++;
			continue;
		}
		/* Give the slot up unless the AP came online at the last moment (the same exchange as its own) */
		if (!__atomic_compare_exchange_n(&c->state, &starting, SMP_CPU_NO_ANSWER, false, __ATOMIC_ACQ_REL,
						 __ATOMIC_ACQUIRE)) {
			smp.online++;
			continue;
		}
		if (c->start_error)
			printk("# cpus: apic_id=%u did not come up: %s: %s\n", c->apic_id, waker->name, c->start_error);
		else
			printk("# cpus: apic_id=%u did not come up: no check-in within %llu ms of its %s request\n",
			       c->apic_id, AP_CHECKIN_NS / 1000000, waker->name);
		if (waker->give_up)
			waker->give_up(c);
	}
	print_summary();
}

bool smp_post(u32 index, smp_work_fn fn, void *arg)
{
	struct smp_cpu *c;

	if (!index || index >= smp.ncpus)
		return false;
	c = &smp.cpus[index];
	if (c->state != SMP_CPU_ONLINE || c->work_seq != c->done_seq)
		return false;
	c->work_fn = fn;
	c->work_arg = arg;
	__atomic_store_n(&c->work_seq, c->work_seq + 1, __ATOMIC_RELEASE);
	return lapic_send_ipi(c->apic_id, APIC_ICR_DM_NMI | APIC_ICR_ASSERT, IPI_IDLE_NS);
}

bool smp_wait(u32 index, u64 timeout_ns)
{
	u64 start = time_now_ns(), last = start;
	struct smp_cpu *c;

	if (!index || index >= smp.ncpus)
		return false;
	c = &smp.cpus[index];
	while (__atomic_load_n(&c->done_seq, __ATOMIC_ACQUIRE) != c->work_seq) {
		u64 now = time_now_ns();

		if (now - start > timeout_ns)
			return false;
		if (now - last > REWAKE_NS) {
			lapic_send_ipi(c->apic_id, APIC_ICR_DM_NMI | APIC_ICR_ASSERT, IPI_IDLE_NS);
			last = now;
		}
		cpu_relax();
	}
	return true;
}
