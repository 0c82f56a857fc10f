/* SPDX-License-Identifier: MIT */
/*
 * PVALIDATE as the model answers it, in the order of APM vol. 3 PVALIDATE's checks:
 *   1. RCX not 0/1, or RAX not aligned to the page size             -> EAX = FAIL_INPUT (1)
 *   2. 2M asked but the guest maps the VA with 4 KiB pages          -> FAIL_SIZEMISMATCH (6)
 *      (no public source confirms or denies this rule: the stricter reading, docs/abi.md)
 *   3. a page not assigned to the guest (no PSC to private first)   -> #NPF to the host on hardware;
 *      the model returns SIM_SNP_PVALIDATE_NOT_ASSIGNED (see arch/snp_spec.h for why)
 *   4. 2M asked over 4K RMP entries                                 -> FAIL_SIZEMISMATCH (6)
 *      (4K asked inside a 2M RMP entry: the host splits it, see snp_model.c)
 *   5. the Validated bit already has the asked value                -> EAX = 0, CF = 1
 *   6. otherwise the bit is set (or cleared)                        -> EAX = 0, CF = 0
 * An error injected by a test (model->inject_error) is returned by the first validate that covers its
 * page and passes steps 1-4 (so a 2M request over a 4K host mapping still gets the size mismatch first,
 * and the 4K retry of that page fails). The page itself is never written.
 */
#include <arch/machine.h>
#include <arch/snp_spec.h>
#include <ccktf/boot.h>
#include "snp_model.h"

#define RFLAGS_CF 1ull
#define RCX_SIZE_MAX PVALIDATE_PAGE_2M

struct pvalidate_req {
	u64 va, pfn, pages;
	bool large, validate;
	bool by_svsm; /* the SVSM validates by GPA through its own mapping: no guest page-table check */
};

static u64 take_injection(const struct pvalidate_req *q)
{
	u64 s = 0;

	for (u64 i = 0; i < q->pages && !s; i++)
		s = snp_rmp_take_injection(q->pfn + i);
	return s;
}

static bool all_assigned(const struct pvalidate_req *q)
{
	for (u64 i = 0; i < q->pages; i++)
		if (!snp_rmp_is_assigned(q->pfn + i))
			return false;
	return true;
}

/* The RMP page size check; a 4K request inside a 2M entry splits it (host PSMASH). */
static bool rmp_size_matches(const struct pvalidate_req *q)
{
	u8 *first = snp_rmp_4k_flag(q->va), *last = snp_rmp_4k_flag(q->va + q->pages * EFI_PAGE_SIZE - 1);

	if (!q->large) {
		if (first && !*first) {
			*first = 1;
			SNP_MODEL_COUNT(psmash, 1);
		}
		return true;
	}
	return first && first == last && !*first;
}

static bool already(const struct pvalidate_req *q)
{
	for (u64 i = 0; i < q->pages; i++)
		if (snp_rmp_is_validated(q->pfn + i) != q->validate)
			return false;
	return true;
}

static u64 decide(const struct pvalidate_req *q, bool *unchanged)
{
	u64 injected;

	if (q->large && !q->by_svsm && !sim_guard_maps_large(q->va))
		return PVALIDATE_FAIL_SIZEMISMATCH;
	if (!all_assigned(q))
		return SIM_SNP_PVALIDATE_NOT_ASSIGNED;
	if (!rmp_size_matches(q))
		return PVALIDATE_FAIL_SIZEMISMATCH;
	if (q->validate && (injected = take_injection(q))) /* EAX is 32 bits: keep a wider status non-zero */
		return (u32)injected ? (u32)injected : PVALIDATE_FAIL_INPUT;
	if ((*unchanged = already(q))) {
		SNP_MODEL_COUNT(double_validations, q->validate);
		return PVALIDATE_SUCCESS;
	}
	for (u64 i = 0; i < q->pages; i++)
		snp_rmp_set_validated(q->pfn + i, q->validate);
	if (q->validate) /* the guest may touch it from now on (arch/sim.h: the pending-memory guard) */
		sim_guard_open(q->va, q->va + q->pages * EFI_PAGE_SIZE);
	return PVALIDATE_SUCCESS;
}

static u64 validate(struct pvalidate_req *q, u64 page_size, bool *unchanged)
{
	u64 size = q->large ? 2 * MiB : EFI_PAGE_SIZE;
	struct spinlock *lock;
	u64 status;

	*unchanged = false;
	q->pfn = q->va / EFI_PAGE_SIZE; /* the kernel's identity map: GPA = VA */
	q->pages = size / EFI_PAGE_SIZE;
	if (page_size > RCX_SIZE_MAX || !IS_ALIGNED(q->va, size))
		return PVALIDATE_FAIL_INPUT;
	lock = sim_chunk_lock(q->va); /* q->va is size-aligned: one 2 MiB chunk (snp_model.h) */
	spin_lock(lock);
	SNP_MODEL_COUNT(pvalidates, 1);
	status = decide(q, unchanged);
	spin_unlock(lock);
	return status;
}

u64 snp_model_svsm_validate(u64 gpa, bool large, bool validate_, bool *unchanged)
{
	struct pvalidate_req q = { .va = gpa, .large = large, .validate = validate_, .by_svsm = true };

	return validate(&q, large ? PVALIDATE_PAGE_2M : PVALIDATE_PAGE_4K, unchanged);
}

/*
 * PVALIDATE below VMPL0 (an SVSM below the guest): only VMPL0 may validate (SVSM spec; Linux and edk2
 * route every validation through the SVSM there). The model raises #GP, the stricter reading: whatever
 * the part does, it is never a validation.
 */
bool snp_model_pvalidate(struct cpu_regs *r)
{
	struct pvalidate_req q = { .va = r->rax, .large = r->rcx == PVALIDATE_PAGE_2M, .validate = r->rdx & 1 };
	bool unchanged;

	if (snp_model_guest_vmpl()) {
		r->vector = X86_GP;
		r->error_code = 0;
		return false;
	}
	r->rax = (u32)validate(&q, r->rcx, &unchanged);
	r->rflags = unchanged ? r->rflags | RFLAGS_CF : r->rflags & ~RFLAGS_CF;
	return true;
}
