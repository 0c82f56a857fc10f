/* SPDX-License-Identifier: MIT */
/*
 * The SNP backend's own contract, on hardware ("snp") and against the model ("sim-snp"): PVALIDATE
 * statuses, batched page-state changes, the GHCB page's mapping, and that accepting never zeroes.
 * Each case takes the highest 2 MiB unit the unaccepted table still marks, experiments on it with the
 * backend's own calls, and leaves it accepted through the bitmap layer. Cases that need the model's
 * knobs or its view of the RMP skip on hardware.
 */
#include <arch/cpu.h>
#include <arch/machine.h>
#include <arch/portio.h>
#include <arch/snp_spec.h>
#include <arch/trap.h>
#include <ccktf/format.h>
#include <ccktf/ktest.h>
#include <ccktf/platform.h>
#include <ccktf/string.h>
#include <ccktf/unaccepted.h>
#include "../../arch/x86/sim/snp_model.h"
#include "../../arch/x86/snp/snp.h"
#include "../../arch/x86/snp/snp_cpuid.h"
#include "../../arch/x86/snp/snp_attest.h"
#include "../../arch/x86/sim/snp_model_psp.h"

#define UNIT (2 * MiB)
#define PAGE 4096ull
#define POISON 0xa5

static const char *snp_skip_reason(void)
{
	if (!cc_platform_has(CC_ATTR_SEV_SNP_GUEST))
		return "needs an SEV-SNP guest (platform=snp or sim-snp)";
	if (!unaccepted.table || !unaccepted.final_ranges)
		return "no unaccepted memory left after ExitBootServices in this boot";
	return NULL;
}

KTEST_SUITE(snp, KTEST_AFTER_EXIT_BOOT_SERVICES, snp_skip_reason);

/* The highest unit still marked unaccepted, or 0. */
static u64 take_unit(void)
{
	const struct efi_unaccepted_memory *t = unaccepted.table;

	for (u64 u = unaccepted_units(t); u-- > 0;)
		if (unaccepted_test(t, u) && range_len(unaccepted_unit_range(t, u)) == UNIT)
			return unaccepted_unit_range(t, u).start;
	return 0;
}

static int finish_unit(u64 unit)
{
	return unaccepted_accept(unit, UNIT, NULL);
}

static const struct platform_model_ops *model(void)
{
	return platform_current()->model;
}

/* PVALIDATE as the platform offers it: the instruction at VMPL0, SVSM_CORE_PVALIDATE below an SVSM. */
static u32 pval(u64 va, u32 size, u32 validate, bool *unchanged)
{
	u64 raw;

	return snp_validate(va, size, validate, unchanged, &raw);
}

KTEST(snp, ghcb_page_shared_others_encrypted)
{
	static u64 private_data;
	u64 mask = paging_encryption_mask();

	KASSERT_NE(t, mask, 0);
	ktest_log(t, "C-bit mask 0x%llx; GHCB PTE 0x%llx; kernel data PTE 0x%llx", mask,
		  paging_page_entry(snp_ghcb_gpa()), paging_page_entry((u64)(uintptr_t)&private_data));
	KEXPECT_EQ(t, paging_page_entry(snp_ghcb_gpa()) & mask, 0);
	KEXPECT_EQ(t, paging_page_entry((u64)(uintptr_t)&private_data) & mask, mask);
	KEXPECT_EQ(t, paging_page_entry((u64)(uintptr_t)&private_data + UNIT) & mask, mask);
	if (model())
		KEXPECT_FALSE(t, model()->page_accepted(snp_ghcb_gpa())); /* validation rescinded before sharing */
}

KTEST(snp, serial_goes_through_ghcb_ioio)
{
	u64 before = snp_model_counters_read().ioio_exits;

	KEXPECT_TRUE(t, portio_get_ops() == &snp_portio);
	ktest_log(t, "this line is written through GHCB IOIO exits");
	if (model()) {
		KEXPECT_GT(t, snp_model_counters_read().ioio_exits, before);
		ktest_log(t, "the model has answered %llu IOIO exits so far", snp_model_counters_read().ioio_exits);
	}
}

KTEST(snp, pvalidate_before_psc_is_refused)
{
	u64 unit = take_unit();
	bool unchanged;

	if (!model())
		KTEST_SKIP(t, "on hardware this is an #NPF the host resolves its own way");
	KASSERT_NE(t, unit, 0);
	KEXPECT_EQ(t, pval(unit, PVALIDATE_PAGE_4K, PVALIDATE_VALIDATE, &unchanged), SIM_SNP_PVALIDATE_NOT_ASSIGNED);
	KEXPECT_FALSE(t, model()->page_accepted(unit));
	KEXPECT_EQ(t, finish_unit(unit), ACCEPT_MEMORY_OK);
	KEXPECT_TRUE(t, model()->page_accepted(unit));
}

KTEST(snp, pvalidate_statuses)
{
	u64 unit = take_unit();
	bool unchanged;

	KASSERT_NE(t, unit, 0);
	if (model())
		model()->set_host_4k(unit, true);
	KASSERT_EQ(t, psc_set_range(unit, UNIT, SNP_PSC_OP_PRIVATE), UNIT);
	/* A 2M request at a 4K-aligned address: FAIL_INPUT from PVALIDATE, INVALID_PARAMETER from an SVSM. */
	KEXPECT_EQ(t, pval(unit + PAGE, PVALIDATE_PAGE_2M, PVALIDATE_VALIDATE, &unchanged),
		   cc_platform_has(CC_ATTR_SVSM) ? (u32)SVSM_ERR_INVALID_PARAMETER : PVALIDATE_FAIL_INPUT);
	if (model()) /* 2M over the host's 4K mapping */
		KEXPECT_EQ(t, pval(unit, PVALIDATE_PAGE_2M, PVALIDATE_VALIDATE, &unchanged),
			   PVALIDATE_FAIL_SIZEMISMATCH);
	KEXPECT_EQ(t, pval(unit, PVALIDATE_PAGE_4K, PVALIDATE_VALIDATE, &unchanged), PVALIDATE_SUCCESS);
	KEXPECT_FALSE(t, unchanged);
	KEXPECT_EQ(t, pval(unit, PVALIDATE_PAGE_4K, PVALIDATE_VALIDATE, &unchanged), PVALIDATE_SUCCESS);
	KEXPECT_TRUE(t, unchanged); /* CF=1: already validated */
	KEXPECT_EQ(t, pval(unit, PVALIDATE_PAGE_4K, PVALIDATE_RESCIND, &unchanged), PVALIDATE_SUCCESS);
	KEXPECT_FALSE(t, unchanged);
	KEXPECT_EQ(t, pval(unit, PVALIDATE_PAGE_4K, PVALIDATE_RESCIND, &unchanged), PVALIDATE_SUCCESS);
	KEXPECT_TRUE(t, unchanged);
	KEXPECT_EQ(t, finish_unit(unit), ACCEPT_MEMORY_OK);
}

KTEST(snp, psc_batches_more_than_253_entries)
{
	u64 unit = take_unit(), pages = 300, exits = snp_model_counters_read().psc_exits;
	u64 entries = snp_model_counters_read().psc_entries;

	KASSERT_NE(t, unit, 0);
	/* From a 4K offset, so every entry is a 4K one: 253 in the first descriptor, 47 in the second. */
	KEXPECT_EQ(t, psc_set_range(unit + PAGE, pages * PAGE, SNP_PSC_OP_PRIVATE), pages * PAGE);
	if (model()) {
		KEXPECT_EQ(t, snp_model_counters_read().psc_entries - entries, pages);
		/* The model stops after SIM_SNP_PSC_ENTRIES_PER_EXIT: 253 -> 3 exits, 47 -> 1. */
		KEXPECT_EQ(t, snp_model_counters_read().psc_exits - exits, 4);
	}
	KEXPECT_EQ(t, finish_unit(unit), ACCEPT_MEMORY_OK);
}

KTEST(snp, accept_does_not_zero)
{
	u64 unit = take_unit();
	const u8 *p = (const u8 *)(uintptr_t)(unit + 2 * PAGE);

	if (!model())
		KTEST_SKIP(t, "needs the model's poison(): a guest cannot write a page before validating it");
	KASSERT_NE(t, unit, 0);
	model()->poison(unit + 2 * PAGE);
	KEXPECT_EQ(t, finish_unit(unit), ACCEPT_MEMORY_OK);
	KEXPECT_TRUE(t, model()->page_accepted(unit + 2 * PAGE));
	KEXPECT_EQ(t, p[0], POISON);
	KEXPECT_EQ(t, p[PAGE - 1], POISON);
}

KTEST(snp, host_4k_mapping_falls_back_to_4k)
{
	struct accept_stats s;
	u64 unit = take_unit();

	if (!model())
		KTEST_SKIP(t, "needs the model's set_host_4k()");
	KASSERT_NE(t, unit, 0);
	memset(&s, 0, sizeof(s));
	model()->set_host_4k(unit, true);
	KEXPECT_EQ(t, platform_current()->accept_range(unit, UNIT, &s), UNIT);
	KEXPECT_EQ(t, s.size_mismatch_fallbacks, 1);
	KEXPECT_EQ(t, s.calls[ACCEPT_4K], UNIT / PAGE);
	unaccepted_mark_accepted(unit, UNIT); /* validated: accepting it again would be a double validation */
}

/*
 * PVALIDATE at 2 MiB looks at the guest's mapping of the page (the model's decide()). The model's guard
 * splits a pending 2 MiB into 4 KiB entries for its own bookkeeping (here: one page opened for the poison);
 * the guest still maps it as one 2 MiB page, so the 2 MiB validate goes through at 2 MiB, as on hardware.
 * With the guard's split taken for the guest's, it fell back to 512 4K validates.
 */
KTEST(snp, guard_split_is_not_the_guests_mapping)
{
	struct accept_stats s;
	u64 unit = take_unit();

	if (!model())
		KTEST_SKIP(t, "needs the model's set_host_4k() and poison()");
	KASSERT_NE(t, unit, 0);
	memset(&s, 0, sizeof(s));
	model()->set_host_4k(unit, false); /* the RMP entry is 2 MiB, whatever sim_host_map says */
	model()->poison(unit + 5 * PAGE);
	KEXPECT_EQ(t, platform_current()->accept_range(unit, UNIT, &s), UNIT);
	KEXPECT_EQ(t, s.size_mismatch_fallbacks, 0);
	KEXPECT_EQ(t, s.calls[ACCEPT_2M], 1);
	KEXPECT_EQ(t, s.calls[ACCEPT_4K], 0);
	unaccepted_mark_accepted(unit, UNIT); /* validated: accepting it again would be a double validation */
}

KTEST(snp, injected_error_stops_accept)
{
	struct accept_stats s;
	u64 unit = take_unit();

	if (!model())
		KTEST_SKIP(t, "needs the model's inject_error()");
	KASSERT_NE(t, unit, 0);
	memset(&s, 0, sizeof(s));
	model()->set_host_4k(unit, false); /* one 2M PVALIDATE covers the page, whatever sim_host_map says */
	model()->inject_error(unit + 3 * PAGE, PVALIDATE_FAIL_INPUT);
	KEXPECT_EQ(t, platform_current()->accept_range(unit, UNIT, &s), 0);
	KEXPECT_EQ(t, s.errors, 1);
	/* The raw status is what the validator said: PVALIDATE's EAX, or the SVSM's code for it. */
	KEXPECT_EQ(t, s.first_error.status, cc_platform_has(CC_ATTR_SVSM) ? SVSM_PVALIDATE_FAIL_INPUT : PVALIDATE_FAIL_INPUT);
	KEXPECT_EQ(t, s.first_error.answer, ACCEPT_FAILED);
	KEXPECT_EQ(t, finish_unit(unit), ACCEPT_MEMORY_OK); /* the injection is consumed */
}

/*
 * #VC for CPUID, as the hardware delivers it (error code 0x72, RIP at the CPUID instruction): answered
 * from the CPUID page when the firmware gave one, sub-leaf honoured, RIP stepped over the instruction.
 * Under TCG CPUID never raises #VC, so the exception is handed to the installed hook directly.
 */
KTEST(snp, vc_cpuid_answers_from_the_cpuid_page_with_subleaf)
{
	static const u8 insn[] = { 0x0f, 0xa2 }; /* CPUID */
	const struct snp_cpuid_table *page = snp_cpuid_page();
	struct cpu_regs r = { .vector = X86_VC, .error_code = SVM_EXIT_CPUID, .rax = 7, .rcx = 0,
			      .rip = (u64)(uintptr_t)insn };
	struct cpu_regs r1 = r;
	u32 want0[4], want1[4];

	if (!page)
		KTEST_SKIP(t, "the firmware gave no CPUID page (CC blob)");
	KASSERT_TRUE(t, trap_hook(X86_VC) != NULL);
	snp_cpuid_lookup(page, 7, 0, want0);
	snp_cpuid_lookup(page, 7, 1, want1);
	r1.rcx = 1;
	KASSERT_TRUE(t, trap_hook(X86_VC)(&r));
	KASSERT_TRUE(t, trap_hook(X86_VC)(&r1));
	ktest_evidence(t, "leaf 7: sub-leaf 0 EBX 0x%x, sub-leaf 1 EAX 0x%x", (u32)r.rbx, (u32)r1.rax);
	KEXPECT_EQ(t, r.rbx, want0[1]);
	KEXPECT_EQ(t, r1.rax, want1[0]);
	KEXPECT_EQ(t, r1.rbx, want1[1]);
	KEXPECT_EQ(t, r.rip, (u64)(uintptr_t)insn + 2);
}

/* Below VMPL0 every validation goes through the SVSM: the accepts of this boot were SVSM calls. */
KTEST(snp, svsm_validates_below_vmpl0)
{
	u64 calls = snp_model_svsm_calls(), unit = take_unit();
	bool unchanged;

	if (!cc_platform_has(CC_ATTR_SVSM))
		KTEST_SKIP(t, "not below an SVSM (the SNP model: sim_svsm=1)");
	KASSERT_NE(t, unit, 0);
	KASSERT_EQ(t, psc_set_range(unit, UNIT, SNP_PSC_OP_PRIVATE), UNIT);
	KEXPECT_EQ(t, pval(unit, PVALIDATE_PAGE_4K, PVALIDATE_VALIDATE, &unchanged), PVALIDATE_SUCCESS);
	KEXPECT_FALSE(t, unchanged);
	KEXPECT_EQ(t, pval(unit, PVALIDATE_PAGE_4K, PVALIDATE_VALIDATE, &unchanged), PVALIDATE_SUCCESS);
	KEXPECT_TRUE(t, unchanged); /* SVSM_PVALIDATE_FAIL_NOCHANGE */
	if (model()) {
		KEXPECT_TRUE(t, model()->page_accepted(unit));
		KEXPECT_EQ(t, snp_model_svsm_calls() - calls, 2);
	}
	KEXPECT_EQ(t, pval(unit, PVALIDATE_PAGE_4K, PVALIDATE_RESCIND, &unchanged), PVALIDATE_SUCCESS);
	KEXPECT_EQ(t, finish_unit(unit), ACCEPT_MEMORY_OK);
}

/*
 * The "# platform-identity:" line (docs/protocol.md): the firmware version and TCB from an attestation
 * report the guest requested at boot (SNP_GUEST_REQUEST, MSG_REPORT_REQ under the VMPCK of its VMPL),
 * then the secrets page head. On the model word for word against the model's documented values
 * (arch/x86/sim/snp_model_psp.h); on hardware the report must have been read and authenticated.
 */
static bool has_word(const char *line, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = line; *p; p++)
		if ((p == line || p[-1] == ' ') && !strncmp(p, word, n) && (p[n] == ' ' || !p[n]))
			return true;
	return false;
}

KTEST(snp, identity_line_reports_firmware_and_tcb_from_the_report)
{
	char line[640], expected[640];
	u32 eax = cpuid(1).eax;
	unsigned vmpl = cc_platform_has(CC_ATTR_SVSM) ? 1 : 0;

	platform_identity_line(line, sizeof(line));
	ktest_evidence(t, "%s", line);
	if (!cc_platform_has(CC_ATTR_HW_MODEL)) {
		KEXPECT_EQ(t, strncmp(line, "platform=snp source=hardware firmware=", 38), 0);
		KEXPECT_TRUE(t, has_word(line, "snp_report=ok"));
		return;
	}
	snprintf(expected, sizeof(expected),
		 "platform=sim-snp source=model firmware=%u.%u.%u snp_report=ok snp_vmpck=%u snp_report_version=%u "
		 "snp_committed=%u.%u.%u snp_current_tcb=0x%016llx snp_reported_tcb=0x%016llx "
		 "snp_committed_tcb=0x%016llx snp_launch_tcb=0x%016llx snp_tcb_bl=7 snp_tcb_tee=0 snp_tcb_snp=14 "
		 "snp_tcb_ucode=72 snp_platform_info=0x%llx snp_secrets=1 snp_secrets_version=3 snp_imi_en=0 "
		 "snp_fms=0x%08x cpuid_1_eax=0x%08x",
		 SNP_MODEL_CURRENT_MAJOR, SNP_MODEL_CURRENT_MINOR, SNP_MODEL_CURRENT_BUILD, vmpl, SNP_MODEL_REPORT_VERSION,
		 SNP_MODEL_COMMITTED_MAJOR, SNP_MODEL_COMMITTED_MINOR, SNP_MODEL_COMMITTED_BUILD, SNP_MODEL_CURRENT_TCB,
		 SNP_MODEL_REPORTED_TCB, SNP_MODEL_COMMITTED_TCB, SNP_MODEL_LAUNCH_TCB, SNP_MODEL_PLATFORM_INFO, eax, eax);
	KEXPECT_STREQ(t, line, expected);
	/* the model's SNP SVN 14 and microcode 72 are what the line decoded from CURRENT_TCB */
	KEXPECT_EQ(t, SNP_MODEL_CURRENT_TCB, SNP_MODEL_TCB(7, 0, 14, 72));
}

/*
 * A replayed sequence number: the model's PSP refuses it as the firmware does (it accepts a message only
 * at exactly the next number), SW_EXITINFO2 carries its status INVALID_PARAM (0x16), and the identity
 * words show that raw status, not a guessed version. Then the guest retires the key, as Linux does:
 * the next request is not sent at all. Model only: on hardware the replay would reuse an AES-GCM IV
 * under the real VMPCK.
 */
KTEST(snp, replayed_seqno_is_refused_and_the_line_shows_it)
{
	const u8 *secrets = snp_attest_secrets();
	struct snp_attest_result a;
	char words[320], expected[160];
	unsigned vmpl = cc_platform_has(CC_ATTR_SVSM) ? 1 : 0;
	u64 rejected;

	if (!cc_platform_has(CC_ATTR_HW_MODEL))
		KTEST_SKIP(t, "a replay under the real VMPCK would reuse an AES-GCM IV");
	KASSERT_TRUE(t, secrets != NULL);
	rejected = snp_model_psp_rejected();
	snp_attest_rewind_seqno(secrets, vmpl);
	snp_attest_request(secrets, &a);
	snp_attest_format(&a, words, sizeof(words));
	ktest_evidence(t, "%s", words);
	snprintf(expected, sizeof(expected),
		 "firmware=not-read snp_report=err:0x16 snp_report_stage=firmware snp_vmpck=%u", vmpl);
	KEXPECT_STREQ(t, words, expected);
	KEXPECT_EQ(t, a.outcome, SNP_ATTEST_FW_ERROR);
	KEXPECT_EQ(t, a.raw, SEV_RET_INVALID_PARAM);
	KEXPECT_EQ(t, snp_model_psp_rejected(), rejected + 1);
	snp_attest_request(secrets, &a);
	KEXPECT_EQ(t, a.outcome, SNP_ATTEST_NO_VMPCK);
	KEXPECT_EQ(t, snp_model_psp_rejected(), rejected + 1); /* nothing more reached the PSP */
}
