/* SPDX-License-Identifier: MIT */
/*
 * The SNP model's RMP and its PVALIDATE (APM vol. 2 15.36 "Secure Nested Paging"; APM vol. 3 PVALIDATE).
 *
 * Initial state. Memory the model presents as unaccepted starts hypervisor-owned: RMP Assigned = 0,
 * Validated = 0. That is the state a guest must assume for memory it never validated (GHCB spec 4.1.6:
 * the guest requests the Page State Change to private before validating; Linux snp_accept_memory() and
 * OVMF's MemEncryptSevSnpPreValidateSystemRam() both do), and the strictest one: a guest that forgets the
 * PSC is caught. (KVM with guest_memfd starts guest RAM private and would forgive it.) Pages outside the
 * model's regions are firmware-validated private memory: assigned and validated until changed (the GHCB
 * page is one, when the backend makes it shared); those few are kept in a small table.
 *
 * Page size. The RMP page size of each 2 MiB region follows the host mapping (sim_host_map=, or
 * model->set_host_4k()): a 2M PVALIDATE over 4K RMP entries fails with FAIL_SIZEMISMATCH; a 4K PVALIDATE
 * inside a 2M RMP entry makes the host split it (on hardware an #NPF with the SIZEM bit, APM vol. 2
 * 15.36.10, which KVM resolves with PSMASH), after which the region is 4K.
 *
 * PVALIDATE never writes the page (APM vol. 3: it changes only the RMP entry): the model never zeroes.
 */
#include <arch/snp_spec.h>
#include <ccktf/boot.h>
#include <ccktf/format.h>
#include <ccktf/smp.h>
#include <ccktf/string.h>
#include "../snp/snp.h"
#include "sim_firmware.h"
#include "sim_handoff.h"
#include "snp_model.h"

#define OUTSIDE_PAGES 16
#define INJECTIONS 16

struct rmp_region {
	u8 *assigned, *validated; /* bitmaps, one bit per 4 KiB page from the region's start */
	u8 *shared;		  /* the same: made shared by the guest's PSC (not the reset state) */
	u8 *rmp_4k;		  /* per 2 MiB from ALIGN_DOWN(start, 2M): 1 = 4K RMP entries */
};

struct outside_page {
	u64 pfn;
	bool used, assigned, validated, shared;
};

struct injection {
	u64 pfn, status;
};

struct counter_slot {
	struct snp_model_counters c;
} __cacheline_aligned;

static struct counter_slot counter_slots[SMP_MAX_CPUS];
/* leaves: taken inside a chunk's lock (sim_chunk_lock()), nothing taken inside them */
static struct spinlock_line outside_lock, injection_lock;
static u32 injections_armed; /* entries of injected[] in use: read without the lock on every validation */
static struct sim_memory mem;
static struct rmp_region rmp[SIM_MAX_REGIONS];
static struct outside_page *outside; /* OUTSIDE_PAGES entries, in reserved pages as the bitmaps */
static struct injection injected[INJECTIONS];

static u64 bitmap_bytes(const struct sim_region *r)
{
	return ALIGN_UP((r->end - r->start) / EFI_PAGE_SIZE, 8) / 8;
}

static u64 chunks_2m(const struct sim_region *r)
{
	return (ALIGN_UP(r->end, 2 * MiB) - ALIGN_DOWN(r->start, 2 * MiB)) / (2 * MiB);
}

/* A region's RMP in one block: assigned, validated, shared bitmaps, then the 2 MiB flags. */
static u64 region_state_bytes(const struct sim_region *r)
{
	return 3 * bitmap_bytes(r) + chunks_2m(r);
}

static void region_state_place(struct rmp_region *e, const struct sim_region *r, u8 *block)
{
	e->assigned = block;
	e->validated = block + bitmap_bytes(r);
	e->shared = block + 2 * bitmap_bytes(r);
	e->rmp_4k = block + 3 * bitmap_bytes(r);
}

static bool firmware_accept(u64 start, u64 size);
static void firmware_accept_all(const char *when);
static u8 *secrets_page; /* the CC blob's secrets page (snp_model_blob.c) */
static enum sim_fw_kind fw_kind;

const char *snp_model_init(struct boot_info *b, const struct sim_memory *m)
{
	const char *err;

	mem = *m;
	fw_kind = sim_knobs.fw == SIM_FW_DEFAULT ? SIM_FW_NEAR_FUTURE : sim_knobs.fw;
	if (fw_kind == SIM_FW_TDVF)
		return "sim_fw=tdvf is the TDX model's firmware; the SNP model is deployed, near-future or far-future";
	sim_fw_set_presented(&mem);
	/* The RMP is the hardware's, outside the guest: reserved pages (sim_alloc_hw()), so that it survives
	 * handoff=self as the RMP survives a kexec (sim_handoff.h). */
	outside = sim_alloc_hw(b, OUTSIDE_PAGES * sizeof(*outside));
	if (!outside)
		return "no memory for the SNP model's RMP entries outside its regions";
	for (unsigned i = 0; i < mem.count; i++) {
		u8 *block = sim_alloc_hw(b, region_state_bytes(&mem.regions[i]));
		if (!block)
			return "no memory for the SNP model's RMP bitmaps";
		region_state_place(&rmp[i], &mem.regions[i], block);
		memset(rmp[i].rmp_4k, sim_knobs.host_4k, chunks_2m(&mem.regions[i]));
	}
	if ((err = sim_guard_reserve(b, &mem)) || (err = snp_model_install_cc_blob(b, &secrets_page)) ||
	    (err = snp_model_svsm_init(b, secrets_page)))
		return err;
	if (fw_kind == SIM_FW_DEPLOYED) { /* validated in PEI, no protocol (sim_firmware.c) */
		firmware_accept_all("reset");
		return NULL;
	}
	if ((err = sim_fw_install_accept_protocol(b, firmware_accept)))
		return err;
	return fw_kind == SIM_FW_NEAR_FUTURE ? sim_fw_install_sev_acceptance_protocol(b) : NULL;
}

bool snp_model_firmware_accepted_all(void)
{
	return fw_kind == SIM_FW_DEPLOYED || (boot_info.boot_services_exited && snp_model_exit_boot_services());
}

static void model_firmware(struct model_firmware_report *out)
{
	sim_fw_report(out, fw_kind);
}

/* Counters and locks (snp_model.h) */

struct snp_model_counters *snp_model_count(void)
{
	return &counter_slots[snp_cpu_index()].c; /* the slot of the CPU the trap came from */
}

struct snp_model_counters snp_model_counters_read(void)
{
	struct snp_model_counters sum = { 0 };
	u64 *out = (u64 *)&sum;

	_Static_assert(sizeof(sum) == 9 * sizeof(u64), "snp_model_counters: u64 counts only, 9 of them (sum below)");
	for (unsigned cpu = 0; cpu < SMP_MAX_CPUS; cpu++)
		for (size_t i = 0; i < sizeof(sum) / sizeof(u64); i++)
			out[i] += __atomic_load_n((u64 *)&counter_slots[cpu].c + i, __ATOMIC_RELAXED);
	return sum;
}

/* RMP lookups */

static struct rmp_region *region_of(u64 addr, const struct sim_region **r)
{
	*r = sim_region_of(&mem, addr);
	return *r ? &rmp[*r - mem.regions] : NULL;
}

/* An entry back in the default state (assigned, validated, not shared: a page made private again, as
 * stage 1 of handoff=self leaves its GHCB) says what no entry says: its slot may be reused. */
static bool outside_default(const struct outside_page *o)
{
	return !o->used || (o->assigned && o->validated && !o->shared);
}

static struct outside_page *outside_of(u64 pfn, bool create)
{
	struct outside_page *free = NULL;

	for (unsigned i = 0; i < OUTSIDE_PAGES; i++) {
		if (outside[i].used && outside[i].pfn == pfn)
			return &outside[i];
		if (outside_default(&outside[i]) && !free)
			free = &outside[i];
	}
	if (create && free)
		*free = (struct outside_page){ pfn, true, true, true, false };
	return create ? free : NULL;
}

static bool bit(const u8 *map, u64 i)
{
	return map[i / 8] & (1u << (i % 8));
}

/*
 * Page i's bit, from region start. The caller holds the lock of the page's 2 MiB chunk, which serializes
 * every writer of a byte wholly inside the chunk; a byte at a chunk's edge may also hold pages of the next
 * chunk (a region need not start 32 KiB-aligned), whose writers hold another lock: that byte is changed
 * atomically. Only there: a locked RMW per page costs a PVALIDATE at 2 MiB several hundred of them under TCG.
 */
static void set_bit_to(u8 *map, u64 start, u64 i, bool v)
{
	u8 mask = (u8)(1u << (i % 8));

	if (sim_bit_word_in_one_chunk(start, i, 8))
		map[i / 8] = v ? map[i / 8] | mask : map[i / 8] & (u8)~mask;
	else if (v)
		__atomic_fetch_or(&map[i / 8], mask, __ATOMIC_RELAXED);
	else
		__atomic_fetch_and(&map[i / 8], (u8)~mask, __ATOMIC_RELAXED);
}

/* One bit of a page: which = 0 assigned, 1 validated (the RMP's), 2 shared by a PSC (the model's). */
enum { RMP_ASSIGNED, RMP_VALIDATED, RMP_SHARED };

static u8 *region_map(struct rmp_region *e, int which)
{
	return which == RMP_SHARED ? e->shared : which == RMP_VALIDATED ? e->validated : e->assigned;
}

static bool *outside_flag(struct outside_page *o, int which)
{
	return which == RMP_SHARED ? &o->shared : which == RMP_VALIDATED ? &o->validated : &o->assigned;
}

static bool rmp_get(u64 pfn, int which)
{
	const struct sim_region *r;
	struct rmp_region *e = region_of(pfn * EFI_PAGE_SIZE, &r);
	struct outside_page *o;
	bool v;

	if (e)
		return bit(region_map(e, which), pfn - r->start / EFI_PAGE_SIZE);
	spin_lock(&outside_lock.l);
	o = outside_of(pfn, false);
	v = o ? *outside_flag(o, which) : which != RMP_SHARED;
	spin_unlock(&outside_lock.l);
	return v;
}

static bool rmp_set(u64 pfn, int which, bool v)
{
	const struct sim_region *r;
	struct rmp_region *e = region_of(pfn * EFI_PAGE_SIZE, &r);
	struct outside_page *o;

	if (e) {
		set_bit_to(region_map(e, which), r->start, pfn - r->start / EFI_PAGE_SIZE, v);
		return true;
	}
	spin_lock(&outside_lock.l);
	if ((o = outside_of(pfn, true)))
		*outside_flag(o, which) = v;
	spin_unlock(&outside_lock.l);
	return o != NULL;
}

/*
 * The hypervisor's RMPUPDATE for a Page State Change: assigning to the guest or taking back clears
 * Validated (APM vol. 2 15.36.4). Taken back, the page is shared: hypervisor-owned, neither validated nor
 * pending validation (GHCB spec 4.1.6), which the model remembers apart from the hypervisor-owned state
 * its unaccepted memory starts in (that memory is pending: the guest must accept it).
 */
bool snp_rmp_assign(u64 pfn, bool private_)
{
	if (rmp_get(pfn, RMP_ASSIGNED) != private_ &&
	    !(rmp_set(pfn, RMP_ASSIGNED, private_) && rmp_set(pfn, RMP_VALIDATED, false)))
		return false;
	return rmp_get(pfn, RMP_SHARED) == !private_ || rmp_set(pfn, RMP_SHARED, !private_);
}

bool snp_rmp_is_assigned(u64 pfn)
{
	return rmp_get(pfn, RMP_ASSIGNED);
}

bool snp_rmp_is_validated(u64 pfn)
{
	return rmp_get(pfn, RMP_VALIDATED);
}

bool snp_rmp_set_validated(u64 pfn, bool v)
{
	return rmp_set(pfn, RMP_VALIDATED, v);
}

u8 *snp_rmp_4k_flag(u64 addr)
{
	const struct sim_region *r;
	struct rmp_region *e = region_of(addr, &r);

	return e ? &e->rmp_4k[(addr - ALIGN_DOWN(r->start, 2 * MiB)) / (2 * MiB)] : NULL;
}

/*
 * Validation by the firmware (edk2 OvmfPkg/Library/BaseMemEncryptSevLib, MemEncryptSevSnpPreValidate-
 * SystemRam(): a Page State Change to private, then PVALIDATE), for the modelled AcceptMemory(). A page
 * that is already validated makes PVALIDATE answer CF=1, on which edk2 terminates the guest: refused.
 */
static bool firmware_validate(u64 pfn)
{
	return !snp_rmp_is_validated(pfn) && snp_rmp_assign(pfn, true) && snp_rmp_set_validated(pfn, true);
}

static bool firmware_accept(u64 start, u64 size)
{
	for (u64 pfn = start / EFI_PAGE_SIZE; pfn < (start + size) / EFI_PAGE_SIZE; pfn++)
		if (!sim_region_of(&mem, pfn * EFI_PAGE_SIZE) || !firmware_validate(pfn))
			return false;
	return true;
}

static bool accepted_all_at_exit;

/*
 * Every page of the model's regions not yet validated, validated by the firmware (timed, counted). Firmware
 * accepts only the ranges it tracks itself: AmdSevDxe's AcceptAllMemory() walks gDS->GetMemorySpaceMap()
 * and accepts the EfiGcdMemoryTypeUnaccepted entries only (OvmfPkg/AmdSevDxe/AmdSevDxe.c), and PEI's
 * MemEncryptSevSnpPreValidateSystemRam() the ranges of its own resource HOBs (OvmfPkg/PlatformPei/AmdSev.c).
 * An unreported region (sim_fw_bug=pending-tail) is memory the firmware lost track of: it stays pending.
 */
static void firmware_accept_all(const char *when)
{
	u64 start = sim_fw_account_start(), bytes = 0;

	for (unsigned i = 0; i < mem.count; i++)
		for (u64 a = mem.regions[i].start; !mem.regions[i].unreported && a < mem.regions[i].end;
		     a += EFI_PAGE_SIZE)
			if (!snp_rmp_is_validated(a / EFI_PAGE_SIZE) && firmware_validate(a / EFI_PAGE_SIZE))
				bytes += EFI_PAGE_SIZE;
	sim_fw_account(start, bytes, when);
}

/*
 * OvmfPkg/AmdSevDxe/AmdSevDxe.c (near-future): unless the OS called AllowUnacceptedMemory(), the
 * BeforeExitBootServices handler accepts all unaccepted memory (AcceptAllMemory()) and the final map shows
 * it as conventional. Pages already validated through AcceptMemory() are left alone here. A far-future
 * firmware never does; deployed firmware did it all in PEI (snp_model_init()).
 */
bool snp_model_exit_boot_services(void)
{
	if (fw_kind == SIM_FW_DEPLOYED)
		return true;
	if (fw_kind == SIM_FW_FAR_FUTURE || sim_fw_unaccepted_allowed())
		return false;
	if (!accepted_all_at_exit) {
		firmware_accept_all("ExitBootServices");
		accepted_all_at_exit = true;
	}
	return true;
}

/* The model's description, discovery and test hooks */

void snp_model_discovery(struct snp_discovery *d)
{
	memset(d, 0, sizeof(*d));
	d->cpuid_eax = CPUID_SEV_EAX_SEV | CPUID_SEV_EAX_SEV_ES | CPUID_SEV_EAX_SNP;
	d->cbit = SIM_SNP_CBIT;
	d->cpuid_ebx = SIM_SNP_CBIT; /* COHERENCY_SFW_NO clear: the mitigation runs, as on parts without it */
	d->sev_status = SEV_STATUS_SEV | SEV_STATUS_SEV_ES | SEV_STATUS_SNP;
	d->source = "the SNP model";
}

static bool adopted;	     /* handoff=self's stage 2: the RMP came from stage 1 */
static u64 adopted_shared; /* pages the RMP held shared when stage 2 took it over */

void snp_model_describe(char *buf, size_t size)
{
	int n = snprintf(buf, size, "RMP over %u region(s), %llu MiB, hypervisor-owned until a PSC; host maps %s pages "
		 "(sim_host_map); guest at VMPL %u%s; firmware %s (sim_fw) %s",
		 mem.count, mem.bytes / MiB, sim_host_map_name(), snp_model_guest_vmpl(),
		 snp_model_guest_vmpl() ? " below a modelled SVSM (sim_svsm)" : "", sim_fw_kind_name(fw_kind),
		 fw_kind == SIM_FW_DEPLOYED ? "validated all memory before the OS ran"
		 : accepted_all_at_exit	    ? "accepted all memory at ExitBootServices (no AllowUnacceptedMemory())"
					    : "left unaccepted memory to the OS");
	if (adopted && n > 0 && (size_t)n < size)
		snprintf(buf + n, size - (size_t)n, "; RMP taken over from stage 1 (handoff=self) with %llu page(s) shared",
			 adopted_shared);
}

u64 snp_rmp_take_injection(u64 pfn)
{
	u64 s = 0;

	if (!__atomic_load_n(&injections_armed, __ATOMIC_ACQUIRE))
		return 0;
	spin_lock(&injection_lock.l);
	for (unsigned i = 0; i < INJECTIONS && !s; i++) {
		if (injected[i].status && injected[i].pfn == pfn) {
			s = injected[i].status;
			injected[i].status = 0;
			__atomic_fetch_sub(&injections_armed, 1, __ATOMIC_RELEASE);
		}
	}
	spin_unlock(&injection_lock.l);
	return s;
}

static void inject_error(u64 addr, u64 status)
{
	u64 pfn = addr / EFI_PAGE_SIZE;
	struct injection *slot = NULL;

	spin_lock(&injection_lock.l);
	for (unsigned i = 0; i < INJECTIONS; i++)
		if ((injected[i].status && injected[i].pfn == pfn) || (!slot && !injected[i].status))
			slot = &injected[i];
	if (slot) {
		if (!slot->status && status)
			__atomic_fetch_add(&injections_armed, 1, __ATOMIC_RELEASE);
		else if (slot->status && !status)
			__atomic_fetch_sub(&injections_armed, 1, __ATOMIC_RELEASE);
		*slot = (struct injection){ pfn, status };
	}
	spin_unlock(&injection_lock.l);
}

static void set_host_4k(u64 addr, bool host_4k)
{
	u8 *flag = snp_rmp_4k_flag(addr);

	if (flag)
		__atomic_store_n(flag, host_4k, __ATOMIC_RELAXED);
}

/* A test writing into memory the guest has not validated: that 4 KiB page stays present afterwards, since
 * the tests read the poison back before validating (tests/accept validate_keeps_contents). Under the chunk's
 * lock, as PVALIDATE's guard changes (snp_model_pvalidate.c decide()): both edit the same page tables. */
static void poison(u64 addr)
{
	struct spinlock *l = sim_chunk_lock(addr);

	spin_lock(l);
	sim_guard_open(addr, addr + 1);
	memset((void *)(uintptr_t)ALIGN_DOWN(addr, EFI_PAGE_SIZE), 0xa5, EFI_PAGE_SIZE);
	spin_unlock(l);
}

static bool page_accepted(u64 addr)
{
	return snp_rmp_is_validated(addr / EFI_PAGE_SIZE);
}

static u64 double_accepts(void)
{
	return snp_model_counters_read().double_validations;
}

static bool page_shared(u64 addr)
{
	return rmp_get(addr / EFI_PAGE_SIZE, RMP_SHARED);
}

/* Touching memory that is not validated (#VC 0x404, GHCB spec table 6; docs/abi.md) */

static bool unit_pending(u64 unit)
{
	for (u64 pfn = unit / EFI_PAGE_SIZE; pfn < (unit + 2 * MiB) / EFI_PAGE_SIZE; pfn++)
		if (snp_rmp_is_validated(pfn))
			return false;
	return true;
}

/* The hardware's answer: #VC (vector 29) with exit code 0x404, "page not validated", to the guest's own
 * #VC handler (arch/x86/snp/snp_vc.c). Without one, or if it declines, the dispatcher reports the crash
 * with vector 29 and error 0x404. */
static bool touch_not_validated(struct cpu_regs *regs, u64 addr)
{
	trap_hook_fn vc = trap_hook(X86_VC);

	(void)addr;
	regs->vector = X86_VC;
	regs->error_code = SVM_EXIT_VC_NOT_VALIDATED;
	return vc && vc(regs);
}

void snp_model_guard_install(void)
{
	sim_guard_install(&mem, unit_pending, touch_not_validated);
}

const struct platform_model_ops snp_model_ops = {
	.set_host_4k = set_host_4k,
	.inject_error = inject_error,
	.poison = poison,
	.page_accepted = page_accepted,
	.double_accepts = double_accepts,
	.page_shared = page_shared,
	.host_back = sim_host_back,
	.firmware = model_firmware,
};

/*
 * handoff=self (sim_handoff.h): the RMP crosses to stage 2 in place (its reserved pages), as the real RMP
 * survives a kexec; the header names them, the PSP's state (snp_model_guest_req.c, reserved too) and the
 * firmware's kind. Refused: a modelled SVSM (its calling areas and its own memory are not carried), and
 * a test's injected status (not the hardware's). The guest's shared pages are made private again by stage 1
 * just before the jump (arch/x86/snp/snp_kexec.c, as Linux's snp_kexec_finish()); the RMP entries that
 * records cross too, since they are written in place.
 */
const char *snp_model_handoff_save(struct sim_handoff *h)
{
	if (snp_model_guest_vmpl())
		return "sim_svsm=1: the modelled SVSM's state (its calling areas, its own memory) is not carried to stage 2";
	for (unsigned i = 0; i < INJECTIONS; i++)
		if (injected[i].status)
			return "a test left an injected PVALIDATE status behind";
	h->count = mem.count;
	for (unsigned i = 0; i < mem.count; i++) {
		const struct sim_region *r = &mem.regions[i];
		h->regions[i] = (struct sim_handoff_region){ .start = r->start, .end = r->end,
							     .state_pa = (u64)(uintptr_t)rmp[i].assigned,
							     .state_bytes = region_state_bytes(r),
							     .unreported = r->unreported };
	}
	h->snp_outside_pa = (u64)(uintptr_t)outside;
	h->snp_outside_bytes = OUTSIDE_PAGES * sizeof(*outside);
	h->snp_fw_kind = fw_kind;
	h->snp_accepted_all_at_exit = accepted_all_at_exit;
	return snp_model_psp_state(&h->snp_psp_pa, &h->snp_psp_bytes);
}

/* The host's count of the pages its RMP holds shared (region bits and entries outside): what a guest left
 * shared across a kexec, for the model's line. Linux's snp_kexec_finish() leaves none. */
static u64 shared_pages(void)
{
	u64 n = 0;

	for (unsigned i = 0; i < mem.count; i++)
		for (u64 p = 0; p < (mem.regions[i].end - mem.regions[i].start) / EFI_PAGE_SIZE; p++)
			n += bit(rmp[i].shared, p);
	for (unsigned i = 0; i < OUTSIDE_PAGES; i++)
		n += outside[i].used && outside[i].shared;
	return n;
}

/* Stage 2: the RMP where stage 1's model left it; the guard's tables from this stage's allocator. No
 * firmware runs any more (its accept protocol is gone with boot services), and no SVSM (refused above). */
const char *snp_model_adopt(const struct sim_handoff *h, const struct sim_memory *m)
{
	mem = *m;
	if (h->snp_outside_bytes != OUTSIDE_PAGES * sizeof(*outside) || !h->snp_outside_pa)
		return "the SNP model's RMP entries outside its regions from stage 1 have the wrong size";
	outside = (struct outside_page *)(uintptr_t)h->snp_outside_pa;
	for (unsigned i = 0; i < mem.count; i++) {
		if (h->regions[i].state_bytes != region_state_bytes(&mem.regions[i]) || !h->regions[i].state_pa)
			return "the SNP model's RMP from stage 1 does not match its regions";
		region_state_place(&rmp[i], &mem.regions[i], (u8 *)(uintptr_t)h->regions[i].state_pa);
	}
	fw_kind = (enum sim_fw_kind)h->snp_fw_kind;
	accepted_all_at_exit = h->snp_accepted_all_at_exit != 0;
	adopted = true;
	adopted_shared = shared_pages();
	return snp_model_psp_adopt(h->snp_psp_pa, h->snp_psp_bytes) ?: sim_guard_reserve(&boot_info, &mem);
}
