/* SPDX-License-Identifier: MIT */
/*
 * PVALIDATE as the acceptance engine's per-page acceptor (mm/accept.h). Status mapping, from APM vol. 3
 * PVALIDATE and Linux arch/x86/coco/sev/core.c (pvalidate_pages(), is_validated_private_page()):
 *   EAX 0, CF 0               the validated bit was set          -> ACCEPT_DONE
 *   EAX 0, CF 1               it already was (RMP not changed)    -> ACCEPT_NO_UPDATE, raw 255 (Linux's
 *                             software-defined PVALIDATE_FAIL_NOUPDATE): NEVER success. Linux
 *                             (pvalidate_4k_page(), pval_pages()) and edk2 (AmdSvsmLib.c) terminate the
 *                             guest on it: a double validation means the guest's bookkeeping is wrong or
 *                             the hypervisor replayed a page. The engine makes it a hard error, a finding.
 *   EAX 6 FAIL_SIZEMISMATCH   2M asked, the RMP entry is 4K       -> ACCEPT_SIZE_MISMATCH (the engine
 *                             redoes the 2M as 512 4K, as Linux does)
 *   anything else             FAIL_INPUT (1) or unknown           -> ACCEPT_FAILED with the raw EAX
 * EAX is looked at before CF: CF only means "unchanged" for an instruction that succeeded (MSVC's
 * __pvalidate documentation: status 0 "whether or not the validated bit changed").
 */
#include <arch/snp_spec.h>
#include <ccktf/smp.h>
#include <ccktf/time.h>
#include "snp.h"

struct snp_pvalidate_cfg snp_pvalidate_cfg = { .evict = true }; /* the safe default until discovery */

/*
 * Each CPU counts its own evictions on cache lines of its own: one count that every vCPU bumps after every
 * validation moves its line between the cores each time, which costs the accepting CPUs more than the
 * count is worth (docs/benchmarks.md "Scaling": such shared lines held 2 vCPUs of the SNP model to 1.3x).
 */
struct evict_count {
	u64 pages, ns;
} __cacheline_aligned;
static struct evict_count evict_counts[SMP_MAX_CPUS];

struct snp_evict_totals snp_evict_totals(void)
{
	struct snp_evict_totals sum = { 0 };

	for (unsigned i = 0; i < SMP_MAX_CPUS; i++) {
		sum.pages += __atomic_load_n(&evict_counts[i].pages, __ATOMIC_RELAXED);
		sum.ns += __atomic_load_n(&evict_counts[i].ns, __ATOMIC_RELAXED);
	}
	return sum;
}

static enum accept_answer answer_of(u32 status, bool unchanged, u64 *raw)
{
	*raw = status;
	if (status == PVALIDATE_SUCCESS && unchanged) {
		*raw = PVALIDATE_FAIL_NOUPDATE;
		return ACCEPT_NO_UPDATE;
	}
	if (status == PVALIDATE_SUCCESS)
		return ACCEPT_DONE;
	if (status == PVALIDATE_FAIL_SIZEMISMATCH)
		return ACCEPT_SIZE_MISMATCH;
	return ACCEPT_FAILED;
}

/* The cache-coherency step after a validation (arch/snp_spec.h CPUID_SEV_EBX_COHERENCY_SFW_NO). */
static void after_validation(struct snp_pvalidate_cfg *cfg, u64 addr, enum accept_level level)
{
	struct evict_count *mine = &evict_counts[snp_cpu_index()];
	u64 t0 = 0;

	if (!cfg->evict)
		return;
	if (cfg->time_evict)
		t0 = time_now_ns();
	snp_evict_cache(addr, accept_level_size(level) / EFI_PAGE_SIZE);
	/* only this CPU writes its slot; the relaxed stores keep a reader's sum from seeing a torn value */
	if (cfg->time_evict)
		__atomic_store_n(&mine->ns, mine->ns + time_now_ns() - t0, __ATOMIC_RELAXED);
	__atomic_store_n(&mine->pages, mine->pages + accept_level_size(level) / EFI_PAGE_SIZE, __ATOMIC_RELAXED);
}

/*
 * An SVSM_CORE_PVALIDATE result as the PVALIDATE status behind it (coconut-svsm reports a failed PVALIDATE
 * as 0x80001000 + its status; CF=1 as FAIL_NOCHANGE 0x80001010, edk2 Svsm.h). Anything else (a protocol
 * error, the call never taken) stays as it is: non-zero and no PVALIDATE status, so a hard error.
 */
static u32 from_svsm(u64 rax, bool *unchanged)
{
	*unchanged = false;
	if (rax == SVSM_SUCCESS)
		return PVALIDATE_SUCCESS;
	if (rax == SVSM_PVALIDATE_FAIL_NOCHANGE) {
		*unchanged = true;
		return PVALIDATE_SUCCESS;
	}
	if ((rax & ~0xfffull) == SVSM_ERR_PVALIDATE_BASE && (rax & 0xfff))
		return (u32)(rax & 0xfff);
	return (u32)rax ? (u32)rax : PVALIDATE_FAIL_INPUT;
}

u32 snp_validate(u64 va, u32 page_size, u32 validate, bool *unchanged, u64 *raw)
{
	u32 status;

	*unchanged = false;
	if (svsm_present()) {
		*raw = svsm_pvalidate(va, page_size, validate); /* identity map: GPA = VA */
		return from_svsm(*raw, unchanged);
	}
	status = snp_pvalidate(va, page_size, validate, unchanged);
	*raw = status;
	return status;
}

/* The kernel identity-maps memory, so the virtual address PVALIDATE wants equals the physical one. */
static enum accept_answer pvalidate_page(void *ctx, u64 addr, enum accept_level level, u64 *raw)
{
	u32 size = level == ACCEPT_2M ? PVALIDATE_PAGE_2M : PVALIDATE_PAGE_4K;
	bool unchanged = false;
	u64 hw_raw;
	u32 status = snp_validate(addr, size, PVALIDATE_VALIDATE, &unchanged, &hw_raw);
	enum accept_answer answer = answer_of(status, unchanged, raw);

	if (hw_raw != status) /* through the SVSM: report what it said */
		*raw = hw_raw;
	if (answer == ACCEPT_DONE)
		after_validation(ctx, addr, level);
	return answer;
}

const struct page_acceptor snp_pvalidate_acceptor = {
	.name = "PVALIDATE",
	.level_mask = ACCEPT_LEVELS_4K_2M, /* PVALIDATE has no 1G size (ECX is 0 or 1) */
	.accept_page = pvalidate_page,
	.ctx = &snp_pvalidate_cfg,
};

/*
 * The pages this guest made shared itself (the GHCB page, the guest-request pages), as its own Page State
 * Changes recorded them (psc.c): [start, end) ranges, a change to private taking pages back out. A shared
 * page is hypervisor-owned (RMP Assigned = 0), so a PVALIDATE of it would not ask what page_state asks;
 * the backend answers SHARED from this record and asks the hardware nothing. Should a range not fit, the
 * record is incomplete: from then on no page outside it is put to the hardware (UNKNOWN), since it might
 * be a shared one.
 */
#define SHARED_RANGES 8
static struct {
	u64 start, end;
} shared[SHARED_RANGES];
static unsigned shared_count;
static bool shared_lost;

static void shared_remove(u64 start, u64 end)
{
	for (unsigned i = 0; i < shared_count;) {
		u64 s = shared[i].start, e = shared[i].end;

		if (e <= start || end <= s) {
			i++;
			continue;
		}
		shared[i] = shared[--shared_count]; /* drop it, then keep what lies outside [start, end) */
		if (s < start)
			snp_note_page_state(s, start - s, true);
		if (end < e)
			snp_note_page_state(end, e - end, true);
	}
}

void snp_note_page_state(u64 start, u64 size, bool made_shared)
{
	if (!size)
		return;
	shared_remove(start, start + size);
	if (!made_shared)
		return;
	if (shared_count == SHARED_RANGES) {
		shared_lost = true;
		return;
	}
	shared[shared_count].start = start;
	shared[shared_count++].end = start + size;
}

bool snp_shared_range(unsigned i, u64 *start, u64 *end)
{
	if (i >= shared_count)
		return false;
	*start = shared[i].start;
	*end = shared[i].end;
	return true;
}

bool snp_shared_record_lost(void)
{
	return shared_lost;
}

static bool shared_by_guest(u64 addr)
{
	for (unsigned i = 0; i < shared_count; i++)
		if (addr >= shared[i].start && addr < shared[i].end)
			return true;
	return false;
}

/*
 * platform_ops.page_state: PVALIDATE 4K validate; CF=1 says it already was (nothing changed). A page the
 * guest made shared is SHARED, from its record, with no instruction run (raw status 0).
 */
enum cc_page_state snp_page_state(u64 addr, u64 *raw_status)
{
	bool unchanged = false;
	u32 status;

	*raw_status = 0;
	if (shared_by_guest(addr))
		return CC_PAGE_SHARED;
	if (shared_lost)
		return CC_PAGE_UNKNOWN;
	status = snp_validate(addr, PVALIDATE_PAGE_4K, PVALIDATE_VALIDATE, &unchanged, raw_status);

	if (status == PVALIDATE_SUCCESS && unchanged && *raw_status == PVALIDATE_SUCCESS)
		*raw_status = PVALIDATE_FAIL_NOUPDATE;
	if (status != PVALIDATE_SUCCESS)
		return CC_PAGE_UNKNOWN;
	return unchanged ? CC_PAGE_ACCEPTED : CC_PAGE_PENDING;
}
