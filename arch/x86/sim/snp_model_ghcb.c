/* SPDX-License-Identifier: MIT */
/*
 * The model's side of the GHCB page protocol (GHCB spec 2.1 layout, 4.1 exits). Like KVM
 * (arch/x86/kvm/svm/sev.c, sev_es_validate_vmgexit() and sev_es_sync_from_ghcb()), it checks the
 * version, usage and the valid bits of the inputs each exit needs, takes the inputs, clears the valid
 * bitmap and marks only what it writes back. Errors go back as SW_EXITINFO1 = 2 with a reason in
 * SW_EXITINFO2 (GHCB 4.1.2; Linux sev-common.h GHCB_ERR_*). MSR exits and NMI Complete: snp_model_apic.c.
 */
#include <arch/portio.h>
#include <arch/snp_msg_spec.h>
#include <arch/snp_spec.h>
#include <ccktf/string.h>
#include "snp_model.h"
#include "snp_model_ap.h"

struct ghcb_view {
	u8 *page;
	u64 gpa;
};

static u64 *field(const struct ghcb_view *g, unsigned off)
{
	return (u64 *)(g->page + off);
}

static bool valid(const struct ghcb_view *g, unsigned off)
{
	return g->page[GHCB_OFF_VALID_BITMAP + off / 64] & (1u << (off / 8 % 8));
}

static void put(const struct ghcb_view *g, unsigned off, u64 v)
{
	*field(g, off) = v;
	g->page[GHCB_OFF_VALID_BITMAP + off / 64] |= (u8)(1u << (off / 8 % 8));
}

static void answer(const struct ghcb_view *g, u64 info1, u64 info2)
{
	put(g, GHCB_OFF_SW_EXIT_INFO_1, info1);
	put(g, GHCB_OFF_SW_EXIT_INFO_2, info2);
}

static void malformed(const struct ghcb_view *g, u64 reason)
{
	answer(g, GHCB_RESP_MALFORMED_INPUT, reason);
}

/* IOIO (APM vol. 2 15.10.2 EXITINFO1); string and REP forms need a scratch area: not supported here. */
static void ioio(const struct ghcb_view *g, u64 info1, u64 rax, bool rax_valid)
{
	u16 port = (info1 >> IOIO_PORT_SHIFT) & IOIO_PORT_MASK;
	unsigned size = info1 & IOIO_SZ8 ? 1 : info1 & IOIO_SZ16 ? 2 : info1 & IOIO_SZ32 ? 4 : 0;

	SNP_MODEL_COUNT(ioio_exits, 1);
	if (!size || (info1 & (IOIO_TYPE_STR | IOIO_REP)))
		return malformed(g, GHCB_ERR_INVALID_INPUT);
	if (info1 & IOIO_TYPE_IN) {
		put(g, GHCB_OFF_RAX, native_in(port, size));
	} else {
		if (!rax_valid)
			return malformed(g, GHCB_ERR_MISSING_INPUT);
		native_out(port, size, (u32)rax);
	}
	answer(g, GHCB_RESP_NO_ACTION, 0);
}

/* PSC (GHCB 4.1.6): the descriptor must lie in the GHCB's shared buffer. */
struct psc_hdr {
	u16 cur_entry, end_entry;
	u32 reserved;
};

static bool psc_entry(u64 e)
{
	u64 gfn = (e >> PSC_ENTRY_GFN_SHIFT) & PSC_ENTRY_GFN_MASK;
	unsigned op = (e >> PSC_ENTRY_OP_SHIFT) & PSC_ENTRY_OP_MASK;
	u64 pages = e & PSC_ENTRY_2M ? 2 * MiB / EFI_PAGE_SIZE : 1;

	if ((op != SNP_PSC_OP_PRIVATE && op != SNP_PSC_OP_SHARED) || !IS_ALIGNED(gfn, pages))
		return false;
	struct spinlock *l = sim_chunk_lock(gfn * EFI_PAGE_SIZE); /* an entry is one 2 MiB chunk at most */

	spin_lock(l); /* several vCPUs: snp_model.h */
	for (u64 i = 0; i < pages; i++)
		if (!snp_rmp_assign(gfn + i, op == SNP_PSC_OP_PRIVATE)) {
			spin_unlock(l);
			return false;
		}
	SNP_MODEL_COUNT(psc_entries, 1);
	spin_unlock(l);
	return true;
}

static void psc(const struct ghcb_view *g, u64 scratch)
{
	struct psc_hdr *h = (void *)(g->page + GHCB_OFF_SHARED_BUFFER);
	u64 *entries = (u64 *)(h + 1);

	SNP_MODEL_COUNT(psc_exits, 1);
	if (scratch != g->gpa + GHCB_OFF_SHARED_BUFFER)
		return malformed(g, GHCB_ERR_INVALID_SCRATCH_AREA);
	if (h->end_entry >= PSC_MAX_ENTRIES || h->cur_entry > h->end_entry)
		return answer(g, GHCB_RESP_NO_ACTION, PSC_ERROR_INVALID_HDR);
	for (unsigned n = 0; n < SIM_SNP_PSC_ENTRIES_PER_EXIT && h->cur_entry <= h->end_entry; n++, h->cur_entry++)
		if (!psc_entry(entries[h->cur_entry]))
			return answer(g, GHCB_RESP_NO_ACTION, PSC_ERROR_INVALID_ENTRY);
	answer(g, GHCB_RESP_NO_ACTION, 0);
}

/* MSR (snp_model_apic.c): RCX, and RAX/RDX for a write, as KVM sev_es_validate_vmgexit() wants them. */
static void msr(const struct ghcb_view *g, u64 info1, u64 rax, bool rax_valid, u64 rdx, bool rdx_valid, u64 rcx,
		bool rcx_valid)
{
	u64 info2, st;

	if (!rcx_valid || (info1 == SVM_MSR_EXIT_WRITE && (!rax_valid || !rdx_valid)))
		return malformed(g, GHCB_ERR_MISSING_INPUT);
	if (info1 > SVM_MSR_EXIT_WRITE)
		return malformed(g, GHCB_ERR_INVALID_INPUT);
	st = snp_model_msr_exit(info1, (u32)rcx, &rax, &rdx, &info2);
	if (!st && info1 != SVM_MSR_EXIT_WRITE) {
		put(g, GHCB_OFF_RAX, rax);
		put(g, GHCB_OFF_RDX, rdx);
	}
	answer(g, st, info2);
}

/* CPUID (KVM sev_es_validate_vmgexit(): RAX and RCX valid, and XCR0 for leaf 0xD, which the model never
 * takes as valid: refused as missing): the host's CPUID on the asking vCPU (TCG's, snp_model_cpuid()), so
 * its own APIC IDs. */
static void cpuid_exit(const struct ghcb_view *g, u64 rax, bool rax_valid, u64 rcx, bool rcx_valid)
{
	u32 v[4];

	if (!rax_valid || !rcx_valid)
		return malformed(g, GHCB_ERR_MISSING_INPUT);
	if ((u32)rax == 0xd)
		return malformed(g, GHCB_ERR_MISSING_INPUT);
	snp_model_cpuid((u32)rax, (u32)rcx, v);
	put(g, GHCB_OFF_RAX, v[0]);
	put(g, GHCB_OFF_RBX, v[1]);
	put(g, GHCB_OFF_RCX, v[2]);
	put(g, GHCB_OFF_RDX, v[3]);
	answer(g, GHCB_RESP_NO_ACTION, 0);
}

static bool header_ok(const struct ghcb_view *g)
{
	u16 version = *(u16 *)(g->page + GHCB_OFF_PROTOCOL_VERSION);
	u32 usage = *(u32 *)(g->page + GHCB_OFF_USAGE);

	return version >= GHCB_PROTOCOL_MIN && version <= GHCB_PROTOCOL_MAX && usage == GHCB_USAGE_DEFAULT;
}

static bool inputs_valid(const struct ghcb_view *g)
{
	return valid(g, GHCB_OFF_SW_EXIT_CODE) && valid(g, GHCB_OFF_SW_EXIT_INFO_1) &&
	       valid(g, GHCB_OFF_SW_EXIT_INFO_2);
}

void snp_model_ghcb_page(u64 gpa)
{
	struct ghcb_view g = { (u8 *)(uintptr_t)gpa, gpa };
	u64 code = *field(&g, GHCB_OFF_SW_EXIT_CODE), info1 = *field(&g, GHCB_OFF_SW_EXIT_INFO_1);
	u64 info2 = *field(&g, GHCB_OFF_SW_EXIT_INFO_2);
	u64 rax = *field(&g, GHCB_OFF_RAX), scratch = *field(&g, GHCB_OFF_SW_SCRATCH);
	u64 rcx = *field(&g, GHCB_OFF_RCX), rdx = *field(&g, GHCB_OFF_RDX);
	bool rax_valid = valid(&g, GHCB_OFF_RAX), scratch_valid = valid(&g, GHCB_OFF_SW_SCRATCH);
	bool rcx_valid = valid(&g, GHCB_OFF_RCX), rdx_valid = valid(&g, GHCB_OFF_RDX);
	bool ok = header_ok(&g), inputs = inputs_valid(&g);

	memset(g.page + GHCB_OFF_VALID_BITMAP, 0, GHCB_VALID_BITMAP_BYTES);
	if (!ok)
		return malformed(&g, GHCB_ERR_INVALID_USAGE);
	if (!inputs)
		return malformed(&g, GHCB_ERR_MISSING_INPUT);
	if (code == SVM_EXIT_IOIO)
		return ioio(&g, info1, rax, rax_valid);
	if (code == SVM_EXIT_CPUID)
		return cpuid_exit(&g, rax, rax_valid, rcx, rcx_valid);
	if (code == SVM_EXIT_MSR)
		return msr(&g, info1, rax, rax_valid, rdx, rdx_valid, rcx, rcx_valid);
	if (code == SVM_VMGEXIT_NMI_COMPLETE) { /* no inputs (KVM sev_es_validate_vmgexit()) */
		snp_model_nmi_complete();
		return answer(&g, GHCB_RESP_NO_ACTION, 0);
	}
	if (code == SVM_VMGEXIT_GUEST_REQUEST) /* request and response GPAs in SW_EXITINFO1/2 */
		return answer(&g, GHCB_RESP_NO_ACTION, snp_model_guest_request(info1, info2));
	if (code == SVM_VMGEXIT_AP_CREATION) { /* RAX = SEV_FEATURES (snp_model_ap.c) */
		u64 reason = snp_model_ap_creation(info1, info2, rax, rax_valid);

		return reason ? malformed(&g, reason) : answer(&g, GHCB_RESP_NO_ACTION, 0);
	}
	if (code == SVM_VMGEXIT_PSC)
		return scratch_valid ? psc(&g, scratch) : malformed(&g, GHCB_ERR_MISSING_INPUT);
	malformed(&g, GHCB_ERR_INVALID_EVENT);
}
