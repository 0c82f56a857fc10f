/* SPDX-License-Identifier: MIT */
/*
 * The SNP backend's PVALIDATE acceptor (arch/x86/snp/pvalidate.c) over a scripted PVALIDATE: EAX and CF
 * as APM vol. 3 defines them. CF=1 ("the RMP entry was not changed") is a double validation: never
 * success (Linux pvalidate_4k_page() and edk2 terminate the guest on it).
 */
#include <ccktf/ktest.h>
#include <string.h>

#include "../../arch/x86/snp/pvalidate.c"

KTEST_SUITE(host_snp_pvalidate, KTEST_AFTER_EXIT_BOOT_SERVICES, NULL);

struct answer {
	u32 eax;
	bool cf;
};

static struct answer script[8];
static unsigned script_len, script_pos, calls;

u32 snp_pvalidate(u64 va, u32 page_size, u32 validate, bool *rmp_unchanged)
{
	struct answer a = script_pos < script_len ? script[script_pos++] : (struct answer){ 0, false };

	(void)va, (void)page_size, (void)validate;
	calls++;
	*rmp_unchanged = a.cf;
	return a.eax;
}

static bool under_svsm;
static u64 svsm_answer, svsm_calls;

bool svsm_present(void)
{
	return under_svsm;
}

u64 svsm_pvalidate(u64 gpa, u32 page_size, u32 validate)
{
	(void)gpa, (void)page_size, (void)validate;
	svsm_calls++;
	return svsm_answer;
}

static u64 evicted_va, evicted_pages, evict_calls;

u32 snp_cpu_index(void)
{
	return 0; /* one CPU here */
}

void snp_evict_cache(u64 va, u64 pages)
{
	u64 t0 = time_now_ns();

	while (time_now_ns() == t0)
		; /* takes time, as the real reads do: a timed eviction always counts some */
	evict_calls++;
	evicted_va = va;
	evicted_pages += pages;
}

static void play(unsigned n, const struct answer *a)
{
	evict_calls = evicted_pages = evicted_va = 0;
	under_svsm = false;
	svsm_calls = 0;
	snp_pvalidate_cfg = (struct snp_pvalidate_cfg){ .evict = true };
	if (n)
		memcpy(script, a, n * sizeof(*a));
	script_len = n;
	script_pos = calls = 0;
}

KTEST(host_snp_pvalidate, cf1_is_a_double_validation_not_success)
{
	const struct answer a[] = { { PVALIDATE_SUCCESS, true } };
	struct accept_stats s = { 0 };
	char line[240];

	play(1, a);
	KEXPECT_EQ(t, accept_pages(&snp_pvalidate_acceptor, 4 * GiB, 4096, &s), 0);
	KEXPECT_EQ(t, s.errors, 1);
	KEXPECT_EQ(t, s.no_update, 1);
	KEXPECT_EQ(t, s.already_accepted, 0);
	KEXPECT_EQ(t, s.bytes[ACCEPT_4K], 0);
	KEXPECT_EQ(t, s.first_error.addr, 4 * GiB);
	KEXPECT_EQ(t, s.first_error.status, PVALIDATE_FAIL_NOUPDATE);
	KEXPECT_EQ(t, s.first_error.answer, ACCEPT_NO_UPDATE);
	accept_error_format(&s.last_error, line, sizeof(line));
	KEXPECT_TRUE(t, strstr(line, "addr=0x100000000 level=4k status=0xff") == line);
}

KTEST(host_snp_pvalidate, sizemismatch_falls_back_to_4k)
{
	const struct answer a[] = { { PVALIDATE_FAIL_SIZEMISMATCH, false } };
	struct accept_stats s = { 0 };

	play(1, a);
	KEXPECT_EQ(t, accept_pages(&snp_pvalidate_acceptor, 4 * GiB, 2 * MiB, &s), 2 * MiB);
	KEXPECT_EQ(t, s.size_mismatch_fallbacks, 1);
	KEXPECT_EQ(t, s.bytes[ACCEPT_4K], 2 * MiB);
	KEXPECT_EQ(t, calls, 513);
}

/* EAX is looked at before CF: FAIL_INPUT with CF set is a failure carrying EAX. */
KTEST(host_snp_pvalidate, fail_input_keeps_eax)
{
	const struct answer a[] = { { PVALIDATE_FAIL_INPUT, true } };
	struct accept_stats s = { 0 };

	play(1, a);
	KEXPECT_EQ(t, accept_pages(&snp_pvalidate_acceptor, 4 * GiB, 4096, &s), 0);
	KEXPECT_EQ(t, s.first_error.status, PVALIDATE_FAIL_INPUT);
	KEXPECT_EQ(t, s.first_error.answer, ACCEPT_FAILED);
	KEXPECT_EQ(t, s.no_update, 0);
}

/* COHERENCY_SFW_NO clear: every validated page is evicted, after the validation, and only then. */
KTEST(host_snp_pvalidate, coherency_eviction_after_each_validation)
{
	const struct answer a[] = { { PVALIDATE_SUCCESS, false }, { PVALIDATE_SUCCESS, true } };
	struct accept_stats s = { 0 };
	u64 counted_before = snp_evict_totals().pages;

	play(2, a);
	KEXPECT_EQ(t, accept_pages(&snp_pvalidate_acceptor, 4 * GiB, 2 * MiB, &s), 2 * MiB);
	KEXPECT_EQ(t, evict_calls, 1);
	KEXPECT_EQ(t, evicted_va, 4 * GiB);
	KEXPECT_EQ(t, evicted_pages, 512);
	KEXPECT_EQ(t, snp_evict_totals().pages - counted_before, 512);
	/* CF=1 validated nothing: nothing to evict. */
	KEXPECT_EQ(t, accept_pages(&snp_pvalidate_acceptor, 4 * GiB, 4096, &s), 0);
	KEXPECT_EQ(t, evict_calls, 1);
}

KTEST(host_snp_pvalidate, no_eviction_with_coherency_sfw_no)
{
	const struct answer a[] = { { PVALIDATE_SUCCESS, false } };
	struct accept_stats s = { 0 };

	struct snp_evict_totals before = snp_evict_totals();

	play(1, a);
	snp_pvalidate_cfg.evict = false;
	KEXPECT_EQ(t, accept_pages(&snp_pvalidate_acceptor, 4 * GiB, 4096, &s), 4096);
	KEXPECT_EQ(t, evict_calls, 0);
	KEXPECT_EQ(t, snp_evict_totals().pages, before.pages);
}

/* Evictions are counted always, timed only when a benchmark asks (snp.h: the clock is dear under TCG). */
KTEST(host_snp_pvalidate, evictions_are_timed_only_when_asked)
{
	const struct answer a[] = { { PVALIDATE_SUCCESS, false } };
	struct accept_stats s = { 0 };
	struct snp_evict_totals before = snp_evict_totals();

	play(1, a);
	KEXPECT_EQ(t, accept_pages(&snp_pvalidate_acceptor, 4 * GiB, 2 * MiB, &s), 2 * MiB);
	KEXPECT_EQ(t, snp_evict_totals().pages - before.pages, 512);
	KEXPECT_EQ(t, snp_evict_totals().ns, before.ns);
	play(1, a);
	snp_pvalidate_cfg.time_evict = true;
	KEXPECT_EQ(t, accept_pages(&snp_pvalidate_acceptor, 4 * GiB, 2 * MiB, &s), 2 * MiB);
	KEXPECT_GT(t, snp_evict_totals().ns, before.ns);
}

/* Below an SVSM the same answers come as SVSM codes (edk2 Svsm.h; coconut-svsm errors.rs), and the raw
 * status reported is the SVSM's. */
KTEST(host_snp_pvalidate, svsm_nochange_is_a_double_validation)
{
	struct accept_stats s = { 0 };

	play(0, NULL);
	under_svsm = true;
	svsm_answer = SVSM_PVALIDATE_FAIL_NOCHANGE;
	KEXPECT_EQ(t, accept_pages(&snp_pvalidate_acceptor, 4 * GiB, 4096, &s), 0);
	KEXPECT_EQ(t, s.no_update, 1);
	KEXPECT_EQ(t, s.first_error.status, SVSM_PVALIDATE_FAIL_NOCHANGE);
	KEXPECT_EQ(t, calls, 0); /* never the instruction itself */
	KEXPECT_EQ(t, svsm_calls, 1);
}

KTEST(host_snp_pvalidate, svsm_sizemismatch_falls_back_and_protocol_errors_fail)
{
	struct accept_stats s = { 0 };
	bool unchanged;
	u64 raw;

	play(0, NULL);
	under_svsm = true;
	svsm_answer = SVSM_PVALIDATE_FAIL_SIZEMISMATCH;
	KEXPECT_EQ(t, snp_validate(4 * GiB, PVALIDATE_PAGE_2M, 1, &unchanged, &raw), PVALIDATE_FAIL_SIZEMISMATCH);
	KEXPECT_EQ(t, raw, SVSM_PVALIDATE_FAIL_SIZEMISMATCH);
	svsm_answer = SVSM_CALL_NOT_TAKEN;
	KEXPECT_EQ(t, accept_pages(&snp_pvalidate_acceptor, 4 * GiB, 4096, &s), 0);
	KEXPECT_EQ(t, s.first_error.answer, ACCEPT_FAILED);
	KEXPECT_EQ(t, s.first_error.status, SVSM_CALL_NOT_TAKEN);
	svsm_answer = SVSM_SUCCESS;
	KEXPECT_EQ(t, snp_validate(4 * GiB, PVALIDATE_PAGE_4K, 1, &unchanged, &raw), PVALIDATE_SUCCESS);
	KEXPECT_FALSE(t, unchanged);
}
