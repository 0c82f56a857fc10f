/* SPDX-License-Identifier: MIT */
/* Acceptance semantics (see accept_checks.h), through the platform's real accept path. */
#include "lib/accept_checks.h"

#define UNIT UNACCEPTED_UNIT_SIZE
#define PAGE 4096ull
#define POISON 0x5a5a5a5aa5a5a5a5ull

static bool skip_unless_acceptable(struct ktest *t)
{
	const char *why = accept_skip_reason();

	if (why)
		ktest_skip(t, "%s", why);
	return !why;
}

void accept_check_reads_zero(struct ktest *t)
{
	const struct platform_model_ops *model = accept_model();
	struct range r;

	KTEST_RETURN_UNLESS(skip_unless_acceptable(t));
	if (!cc_platform_has(CC_ATTR_ACCEPT_ZEROES))
		KTEST_SKIP(t, "%s does not zero on accept (SNP PVALIDATE leaves contents as they are)", platform_name());
	TAKE_UNITS_OR_SKIP(t, 1, &r);
	if (model) { /* a model has no protection: put something there that the accept must erase */
		model->poison(r.start);
		model->poison(r.end - PAGE);
	}
	ktest_evidence(t, "accepting [0x%llx, 0x%llx) through %s%s", r.start, r.end, platform_name(),
		       model ? " after poisoning its first and last page" : "");
	KASSERT_EQ(t, unaccepted_accept(r.start, UNIT, NULL), ACCEPT_MEMORY_OK);
	KEXPECT_TRUE(t, memory_is_zero(r.start, UNIT));
}

/*
 * Accepting accepted memory again, straight through the platform (the bitmap would not call it). On TDX it
 * is reported as already accepted and is harmless (edk2 TdAcceptPages() counts it as success). Where it is
 * a protocol violation (SNP: PVALIDATE CF=1, a double validation) it must never count as accepted: a hard
 * error with the raw status. Either way the contents stay.
 */
void accept_check_double_accept(struct ktest *t)
{
	struct accept_stats before = unaccepted.stats;
	const struct accept_stats *now = &unaccepted.stats;
	bool finding = cc_platform_has(CC_ATTR_REACCEPT_IS_FINDING);
	char fields[240];
	struct range r;

	KTEST_RETURN_UNLESS(skip_unless_acceptable(t));
	TAKE_UNITS_OR_SKIP(t, 1, &r);
	KASSERT_EQ(t, unaccepted_accept(r.start, UNIT, NULL), ACCEPT_MEMORY_OK);
	fill_pattern(r.start, UNIT, POISON);
	u64 done = platform_current()->accept_range(r.start, UNIT, &unaccepted.stats);
	ktest_evidence(t, "second accept of [0x%llx, 0x%llx) accepted 0x%llx bytes: already-accepted +%llu, "
		       "no-update +%llu, errors +%llu",
		       r.start, r.end, done, now->already_accepted - before.already_accepted,
		       now->no_update - before.no_update, now->errors - before.errors);
	if (finding) {
		accept_error_format(&now->last_error, fields, sizeof(fields));
		ktest_evidence(t, "reported as a finding: %s", fields);
		KEXPECT_EQ(t, done, 0);
		KEXPECT_EQ(t, now->errors - before.errors, 1);
		KEXPECT_EQ(t, now->no_update - before.no_update, 1);
		KEXPECT_EQ(t, now->last_error.addr, r.start);
		KEXPECT_EQ(t, now->last_error.answer, ACCEPT_NO_UPDATE);
		KEXPECT_EQ(t, now->already_accepted, before.already_accepted);
	} else {
		KEXPECT_EQ(t, done, UNIT);
		KEXPECT_GT(t, now->already_accepted, before.already_accepted);
		KEXPECT_EQ(t, now->errors, before.errors);
	}
	KEXPECT_TRUE(t, memory_is_pattern(r.start, UNIT, POISON));
	KEXPECT_EQ(t, unaccepted_accept(r.start, UNIT, NULL), ACCEPT_MEMORY_OK); /* bit clear: a no-op */
	KEXPECT_TRUE(t, memory_is_pattern(r.start, UNIT, POISON));
}

void accept_check_size_mismatch_falls_back(struct ktest *t)
{
	const struct platform_model_ops *model = accept_model();
	struct accept_stats before = unaccepted.stats;
	struct range r;

	KTEST_RETURN_UNLESS(skip_unless_acceptable(t));
	if (!model)
		KTEST_SKIP(t, "needs a hardware model to make the host map 4 KiB pages");
	TAKE_UNITS_OR_SKIP(t, 1, &r);
	model->set_host_4k(r.start, true);
	KASSERT_EQ(t, unaccepted_accept(r.start, UNIT, NULL), ACCEPT_MEMORY_OK);
	ktest_evidence(t, "[0x%llx, 0x%llx) with 4 KiB host pages: %llu size-mismatch fallback(s), %llu 4 KiB accepts",
		       r.start, r.end, unaccepted.stats.size_mismatch_fallbacks - before.size_mismatch_fallbacks,
		       unaccepted.stats.calls[ACCEPT_4K] - before.calls[ACCEPT_4K]);
	KEXPECT_EQ(t, unaccepted.stats.size_mismatch_fallbacks - before.size_mismatch_fallbacks, 1);
	KEXPECT_EQ(t, unaccepted.stats.bytes[ACCEPT_4K] - before.bytes[ACCEPT_4K], UNIT);
	KEXPECT_EQ(t, unaccepted.stats.calls[ACCEPT_4K] - before.calls[ACCEPT_4K], UNIT / PAGE);
	KEXPECT_FALSE(t, unit_unaccepted(r.start));
	for (u64 a = r.start; a < r.end; a += PAGE)
		KASSERT_TRUE(t, model->page_accepted(a));
}
