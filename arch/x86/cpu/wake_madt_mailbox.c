/* SPDX-License-Identifier: MIT */
/*
 * Waking an AP through the ACPI MADT Multiprocessor Wakeup mailbox (arch/ap_wake.h; platforms tdx and
 * sim-tdx: a TD has no INIT/SIPI, its firmware parks the APs in a loop polling the mailbox). ACPI 6.5
 * 5.2.12.19; the OS's side as Linux arch/x86/kernel/acpi/madt_wakeup.c acpi_wakeup_cpu(); the firmware's
 * side TDVF OvmfPkg/TdxDxe (TdxAcpiTable.c RelocateMailbox(), X64/ApRunLoop.nasm). The handshake itself is
 * pure (mp_wake.c, arch/mp_wake.h).
 *
 * prepare (before ExitBootServices): the MADT's Multiprocessor Wakeup structure must be usable
 * (madt_wakeup_usable()); one page below 4 GiB is allocated for the wakeup vectors (mp_wake_stub.asm): the
 * firmware jumps there on its own page tables, which identity-map the first 4 GiB (TDVF's are the reset
 * vector's, ApRunLoop.nasm PT_ADDR(0)).
 * setup (after it): the mailbox must lie in ACPI NVS or reserved memory in the final memory map (ACPI: "It
 * must be in ACPINvs"); the stub is installed with the kernel's CR3, GDT and IDT; on TDX the vCPU count
 * from TDG.VP.INFO (R8[31:0], Linux tdx_parse_tdinfo()) is compared with the MADT's and a disagreement is
 * printed; the INIT and STARTUP IPIs sent so far are noted, so that a test can show this path sent none.
 * start: slot i's vector is the page + 16 * i, so every AP has its own entry and parameters and a late AP
 * (one given up on) can never run with another's; the request is posted (mp_wake_post()): refused for an
 * AP woken before (an AP leaves the firmware's loop for good) or while the mailbox still holds a request
 * not taken; the wait for the firmware's acknowledgement is bounded (Linux waits for ever, so that the VMM
 * cannot wake a CPU the kernel no longer expects: here that AP lands in its own given-up slot and stops,
 * smp.c ap_main()). No INIT or STARTUP IPI is ever sent.
 *
 * mailbox_probe=1 also asks the firmware, around the first AP's wake-up, two things TDVF must refuse
 * (ApRunLoop.nasm): a Wakeup whose Reserved field is not 0 (TDVF compares Command as a dword: no command),
 * and a second Wakeup of that AP once it left the loop; each must stay unanswered for PROBE_NS, after
 * which the kernel takes the request back (Command = 0). One line says what the firmware did; the harness
 * fails the boot when either was answered (harness/tests/test_smp_boot.py).
 */
#include <arch/ap_wake.h>
#include <arch/apic.h>
#include <arch/cpu.h>
#include <arch/mp_wake.h>
#include <arch/mp_wake_stub.h>
#include <arch/tdx.h>
#include <ccktf/args.h>
#include <ccktf/boot.h>
#include <ccktf/console.h>
#include <ccktf/format.h>
#include <ccktf/platform.h>
#include <ccktf/string.h>
#include <ccktf/time.h>
#include "efi/efi_spec.h"

#define MAILBOX_ACK_NS 1000000000ull /* Linux waits without bound; a loaded TCG host answers in microseconds */
#define PROBE_NS 200000000ull	     /* a parked AP polls without pause: it answers in microseconds */
#define PROBE_RESERVED 0x5a5au	     /* the Reserved value the probe writes */
#define BELOW_4G (4 * GiB - 1)
/* What an AP takes over from the boot CPU (SDM vol. 3A 2.5): CR0 PE MP ET NE WP AM PG; CR4 PSE PAE MCE PGE
 * OSFXSR OSXMMEXCPT LA57 (LA57 equal already, the stub checks); never PCIDE/SMEP/SMAP, which the kernel
 * does not use on APs (as wake_init_sipi.c). */
#define STUB_CR0_BITS 0x80050033u
#define STUB_CR4_BITS 0x000016f0u

static u64 stub;     /* the wakeup vectors' page, below 4 GiB; 0 when none */
static struct mp_wake_mailbox *mailbox;
static struct mp_wake_log woken;
static struct mp_wake_stats stats = { .log = &woken };
static bool probe; /* mailbox_probe=1 */

static bool parse_probe(const char *v)
{
	return args_parse_flag(v, &probe);
}

static const struct arg_key_ext mailbox_probe_key = { "mailbox_probe", "0|1", parse_probe };
ARG_KEY_REGISTER(mailbox_probe_key);

const struct mp_wake_stats *mp_wake_stats(void)
{
	return &stats;
}

static const char *mailbox_prepare(struct boot_info *b, const struct madt_info *madt, u32 aps)
{
	static char why[200];
	const char *err = madt_wakeup_usable(madt, NULL);
	u64 addr = BELOW_4G;

	if (err) {
		snprintf(why, sizeof(why), "%s (MADT: %u structure(s), mailbox 0x%llx)", err, madt->wakeup.count,
			 (unsigned long long)madt->wakeup.mailbox);
		return why;
	}
	if (aps >= MP_STUB_SLOTS)
		return "more APs than the wakeup page has vectors";
	if (EFI_IS_ERROR(b->st->boot_services->allocate_pages(EFI_ALLOCATE_MAX_ADDRESS, EFI_LOADER_DATA, 1, &addr)))
		return "no free page below 4 GiB for the APs' wakeup vectors (AllocatePages)";
	stub = addr;
	mailbox = (struct mp_wake_mailbox *)(uintptr_t)madt->wakeup.mailbox;
	stats.mailbox = madt->wakeup.mailbox;
	stats.version = madt->wakeup.version;
	stats.reset_vector = madt->wakeup.reset_vector;
	return NULL;
}

/* TDX: TDG.VP.INFO's vCPU count against the MADT's enabled processors (printed, never fatal). */
static void cross_check_vcpus(const struct smp_state *s)
{
	struct tdx_td_info info;
	u64 status;

	if (!cc_platform_has(CC_ATTR_TDX_GUEST))
		return;
	status = tdx_vp_info(&info);
	if (status) {
		printk("# cpus: TDG.VP.INFO failed with status 0x%llx: the vCPU count is not checked\n",
		       (unsigned long long)status);
		return;
	}
	stats.vcpus = info.num_vcpus;
	stats.vcpus_known = true;
	if (info.num_vcpus != s->madt.enabled)
		printk("# cpus: TDG.VP.INFO reports %u vCPUs (max %u), the MADT lists %u enabled processors\n",
		       info.num_vcpus, info.max_vcpus, s->madt.enabled);
}

static u16 segment(bool code)
{
	u16 sel;

	if (code)
		asm volatile("mov %%cs, %0" : "=r"(sel));
	else
		asm volatile("mov %%ds, %0" : "=r"(sel));
	return sel;
}

static const char *install_stub(void)
{
	struct mp_stub_params *p = (void *)((u8 *)(uintptr_t)stub + (mp_stub_params - mp_stub_start));
	struct {
		u16 limit;
		u64 base;
	} __packed gdtr, idtr;

	if ((size_t)(mp_stub_end - mp_stub_start) > 4096 || (mp_stub_params - mp_stub_start) % 8)
		return "the wakeup stub does not fit its page";
	memcpy((void *)(uintptr_t)stub, mp_stub_start, (size_t)(mp_stub_end - mp_stub_start));
	if (p->h.magic != MP_STUB_MAGIC || p->h.size != sizeof(*p))
		return "the wakeup stub's parameter block does not match struct mp_stub_params";
	asm volatile("sgdt %0" : "=m"(gdtr));
	asm volatile("sidt %0" : "=m"(idtr));
	p->h.cs = segment(true);
	p->h.ds = segment(false);
	p->h.gdt_limit = gdtr.limit;
	p->h.gdt_base = gdtr.base;
	p->h.idt_limit = idtr.limit;
	p->h.idt_base = idtr.base;
	p->h.la57 = !!(read_cr4() & X86_CR4_LA57);
	p->h.cr3 = read_cr3();
	p->h.cr0 = (u32)read_cr0() & STUB_CR0_BITS;
	p->h.cr4 = (u32)read_cr4() & STUB_CR4_BITS;
	return NULL;
}

static u32 unanswered_apic_id = MP_WAKE_APIC_INVALID; /* a Wakeup the firmware never took */

static const char *mailbox_setup(struct smp_state *s)
{
	static char why[200];
	struct memmap final = memmap_view(&boot_info.memmap);
	const char *err = madt_wakeup_usable(&s->madt, &final);

	if (err) {
		snprintf(why, sizeof(why), "%s (mailbox 0x%llx)", err, (unsigned long long)s->madt.wakeup.mailbox);
		return why;
	}
	if ((err = install_stub()))
		return err;
	s->trampoline = stub;
	stats.init_sipi_before = lapic_ipis_sent(APIC_ICR_DM_INIT) + lapic_ipis_sent(APIC_ICR_DM_STARTUP);
	cross_check_vcpus(s);
	printk("# cpus: madt-mailbox: mailbox=0x%llx version=%u reset_vector=0x%llx vectors=0x%llx+16*slot\n",
	       (unsigned long long)stats.mailbox, stats.version, (unsigned long long)stats.reset_vector,
	       (unsigned long long)stub);
	return NULL;
}

static bool ack_pending(void *ctx)
{
	u64 *start = ctx;

	cpu_relax();
	return time_now_ns() - *start < MAILBOX_ACK_NS;
}

static struct mp_stub_slot *slot_of(const struct smp_cpu *c)
{
	struct mp_stub_params *p = (void *)((u8 *)(uintptr_t)stub + (mp_stub_params - mp_stub_start));

	return &p->slots[c->index];
}

/*
 * The probe's raw request (never mp_wake_post(), which refuses both on purpose): true when the firmware
 * cleared Command within PROBE_NS; else the request is taken back.
 */
static bool raw_request_answered(u32 apic_id, u64 vector, u32 first_dword)
{
	u64 start = time_now_ns();

	__atomic_store_n(&mailbox->apic_id, apic_id, __ATOMIC_RELAXED);
	__atomic_store_n(&mailbox->wakeup_vector, vector, __ATOMIC_RELAXED);
	__atomic_store_n((u32 *)&mailbox->command, first_dword, __ATOMIC_RELEASE);
	while (time_now_ns() - start < PROBE_NS)
		if (!(__atomic_load_n((u32 *)&mailbox->command, __ATOMIC_ACQUIRE) & 0xffffu))
			return true;
	__atomic_store_n((u32 *)&mailbox->command, 0, __ATOMIC_RELEASE);
	return false;
}

static const char *answered(bool a)
{
	return a ? "answered" : "unanswered";
}

static void probe_before(struct smp_cpu *c, u64 vector)
{
	stats.probe_reserved_answered =
		raw_request_answered(c->apic_id, vector, MP_WAKE_CMD_WAKEUP | (u32)PROBE_RESERVED << 16);
}

static void probe_after(struct smp_cpu *c, u64 vector)
{
	stats.probe_second_answered = raw_request_answered(c->apic_id, vector, MP_WAKE_CMD_WAKEUP);
	stats.probed = true;
	printk("# cpus: madt-mailbox probe: apic_id=%u reserved_nonzero=%s second_wake=%s\n", c->apic_id,
	       answered(stats.probe_reserved_answered), answered(stats.probe_second_answered));
}

static const char *mailbox_start(struct smp_cpu *c)
{
	static char why[MP_STUB_SLOTS][160];
	struct mp_stub_slot *slot = slot_of(c);
	u64 vector = stub + (u64)c->index * MP_STUB_SLOT_CODE, start;
	bool probing = probe && !stats.probed && !stats.acked;
	u32 raw;
	enum mp_wake_result r;

	if (c->index >= MP_STUB_SLOTS)
		return "no wakeup vector for this slot";
	*slot = (struct mp_stub_slot){ .stack = c->stack_top, .entry = (u64)(uintptr_t)ap_main,
				       .arg = (u64)(uintptr_t)c };
	if (probing)
		probe_before(c, vector);
	start = time_now_ns();
	r = mp_wake_post(mailbox, &woken, c->apic_id, vector, ack_pending, &start, &raw);
	if (r == MP_WAKE_OK) {
		stats.acked++;
		if (probing)
			probe_after(c, vector);
		return NULL;
	}
	if (r == MP_WAKE_REFUSED)
		snprintf(why[c->index], sizeof(why[0]), "not posted: APIC ID %u was woken through the mailbox "
			 "before (an AP can be woken once) or is the broadcast or invalid ID", c->apic_id);
	else if (r == MP_WAKE_BUSY && unanswered_apic_id != MP_WAKE_APIC_INVALID)
		snprintf(why[c->index], sizeof(why[0]), "not posted: the mailbox is not idle: the firmware never took "
			 "the earlier Wakeup request for APIC ID %u (Command/Reserved dword 0x%x)", unanswered_apic_id,
			 raw);
	else if (r == MP_WAKE_BUSY)
		snprintf(why[c->index], sizeof(why[0]), "not posted: the mailbox is not idle (Command/Reserved "
			 "dword 0x%x)", raw);
	else {
		/* The request stays in the mailbox (ACPI 6.5 5.2.12.19 has no way to take it back): every later
		 * post finds it busy, and says because of which AP. */
		unanswered_apic_id = c->apic_id;
		snprintf(why[c->index], sizeof(why[0]), "the firmware did not take the Wakeup command within "
			 "%llu ms (Command/Reserved dword 0x%x)", MAILBOX_ACK_NS / 1000000, raw);
	}
	return why[c->index];
}

/* No way to take an AP back from a mailbox wake-up; say how far it got. */
static void mailbox_give_up(struct smp_cpu *c)
{
	static const char *const status[] = { "never reached its wakeup vector", "reached its wakeup vector",
					      "reached a vector the kernel had not armed",
					      "reached its vector but pages with another CR4.LA57 than the kernel" };
	u64 st = slot_of(c)->status;

	printk("# cpus: apic_id=%u: madt-mailbox: %s (stub status %llu)\n", c->apic_id,
	       st < ARRAY_SIZE(status) ? status[st] : "unknown", (unsigned long long)st);
}

const struct ap_waker ap_waker_madt_mailbox = {
	.kind = CPU_WAKE_MADT_MAILBOX,
	.name = "madt-mailbox",
	.prepare = mailbox_prepare,
	.setup = mailbox_setup,
	.start = mailbox_start,
	.give_up = mailbox_give_up,
};
