/* SPDX-License-Identifier: MIT */
/*
 * ccktf's test API, shaped after Linux KUnit: suites of cases that register themselves through linker
 * sections (no central list), assertion macros that report file, line and the compared values, skips
 * with a reason, and KTAP version 1 output (docs/protocol.md).
 *
 *	KTEST_SUITE(efi, KTEST_AFTER_EXIT_BOOT_SERVICES, NULL);
 *
 *	KTEST(efi, descriptor_size_sane)
 *	{
 *		KEXPECT_GE(t, boot_info.memmap.desc_size, 40);
 *	}
 *
 * EXPECT records a failure and goes on; ASSERT records it and returns from the test function (so use it
 * in the test body itself, not in a helper).
 *
 * What KUnit has beyond that, ccktf has too (learnt from include/kunit/test.h, written anew):
 * - suite init and exit (KTEST_SUITE_INIT): init runs once before the suite's first selected case and may
 *   fail, which fails every case of the suite with its reason (as KUnit fails a suite whose suite_init
 *   failed; what the environment lacks belongs in skip_reason, which skips); exit runs once after the last
 *   case, only when init succeeded;
 * - deferred cleanup actions (ktest_add_action): run by the runner in reverse order when the case
 *   returns, whether it ended normally, by a KASSERT, or by a skip, so restoring state never depends on
 *   the case reaching its end;
 * - parameterized cases (KTEST_PARAM): one case over an array of named parameters, each reported as its
 *   own KTAP result named CASE_PARAM (docs/protocol.md "Parameterized cases").
 */
#ifndef CCKTF_KTEST_H
#define CCKTF_KTEST_H

#include <ccktf/exit.h>
#include <ccktf/types.h>

enum ktest_phase {
	KTEST_BEFORE_EXIT_BOOT_SERVICES, /* firmware still owns the machine; boot services usable */
	KTEST_AFTER_EXIT_BOOT_SERVICES,  /* the kernel owns the machine */
	KTEST_PHASES,
};

enum ktest_status { KTEST_PASS, KTEST_FAIL, KTEST_SKIP };

/* Case flags. */
#define KTEST_F_DEMO_FAIL (1u << 0) /* fails on purpose; runs only with demo_fail=1 */

struct ktest_suite {
	const char *name;
	enum ktest_phase phase;
	/* Optional: returns NULL to run the suite, or the reason to skip all of it. */
	const char *(*skip_reason)(void);
	/* Optional: run once before the suite's first selected case (after skip_reason found no reason);
	 * returns NULL, or why it failed: then every case fails with "suite init failed: REASON". */
	const char *(*init)(void);
	/* Optional: run once after the suite's last case, if init succeeded (or there is none). */
	void (*exit)(void);
};

/* One parameter of a parameterized case: name is appended to the case's name, [a-z0-9_]+. */
struct ktest_param {
	const char *name;
	const void *data;
};

struct ktest;

/*
 * A conformance check is a test case with a stable identity (docs/conformance.md): the runner prints
 * "# check: ..." before its result, and its evidence lines tell a firmware vendor what to fix.
 */
enum ktest_severity { KTEST_MUST, KTEST_SHOULD };

struct ktest_check {
	const char *id;	       /* stable, e.g. "MM-003" */
	enum ktest_severity severity;
	const char *spec;      /* where the rule comes from, e.g. "UEFI 2.10 section 7.2" */
	const char *statement; /* one line: what must (or should) hold */
};

struct ktest_case {
	const struct ktest_suite *suite;
	const char *name;
	void (*run)(struct ktest *t);
	unsigned flags;
	const struct ktest_check *check; /* NULL for an ordinary test */
	const struct ktest_param *params; /* NULL, or nparams parameters: the case runs once for each */
	unsigned nparams;
};

/* A deferred cleanup action: fn(ctx), run when the case ends (ktest_add_action). */
typedef void (*ktest_action_fn)(void *ctx);

#define KTEST_MAX_ACTIONS 8
#define KTEST_NAME_MAX 64

struct ktest {
	const struct ktest_case *tcase;
	enum ktest_status status;
	char skip_reason[160];
	const struct ktest_param *param; /* the parameter this run is for; NULL for an ordinary case */
	char name[KTEST_NAME_MAX];	 /* the reported name: the case's, or CASE_PARAM; "" means the case's */
	unsigned nactions;
	struct {
		ktest_action_fn fn;
		void *ctx;
	} actions[KTEST_MAX_ACTIONS];
};

#define KTEST_SUITE_INIT(sname, phase_, skip_reason_, init_, exit_)                      \
	const struct ktest_suite ktest_suite_##sname __section("ktest_suites") __used   \
		__attribute__((aligned(8))) = { .name = #sname, .phase = (phase_),              \
						.skip_reason = (skip_reason_), .init = (init_),  \
						.exit = (exit_) }
#define KTEST_SUITE(sname, phase_, skip_reason_) KTEST_SUITE_INIT(sname, phase_, skip_reason_, NULL, NULL)

#define KTEST_DEFINE(sname, tname, flags_, check_)                                           \
	extern const struct ktest_suite ktest_suite_##sname;                                 \
	static void ktest_##sname##_##tname(struct ktest *t);                                \
	static const struct ktest_case ktest_case_##sname##_##tname __section("ktest_cases") \
		__used __attribute__((aligned(8))) = { .suite = &ktest_suite_##sname,       \
						       .name = #tname,                            \
						       .run = ktest_##sname##_##tname,            \
						       .flags = (flags_), .check = (check_) };    \
	static void ktest_##sname##_##tname(struct ktest *t)

#define KTEST_CASE(sname, tname, flags_) KTEST_DEFINE(sname, tname, flags_, NULL)
#define KTEST(sname, tname) KTEST_CASE(sname, tname, 0)

/*
 * A case run once per element of params_ (a static const struct ktest_param array); t->param is the
 * element of this run. Each run is reported as its own result, named CASE_PARAM:
 *
 *	static const struct ktest_param levels[] = { { "4k", &four_k }, { "2m", &two_m } };
 *	KTEST_PARAM(bench, accept_by_request_size, levels)	reports accept_by_request_size_4k, ..._2m
 */
#define KTEST_PARAM(sname, tname, params_)                                                   \
	extern const struct ktest_suite ktest_suite_##sname;                                 \
	static void ktest_##sname##_##tname(struct ktest *t);                                \
	static const struct ktest_case ktest_case_##sname##_##tname __section("ktest_cases") \
		__used __attribute__((aligned(8))) = { .suite = &ktest_suite_##sname,       \
						       .name = #tname,                            \
						       .run = ktest_##sname##_##tname,            \
						       .params = (params_),                       \
						       .nparams = ARRAY_SIZE(params_) };          \
	static void ktest_##sname##_##tname(struct ktest *t)

/*
 *	KTEST_CHECK(conformance, memmap_no_overlap, "MM-004", KTEST_MUST, "UEFI 2.10 section 7.2",
 *		    "memory-map descriptors do not overlap")
 */
#define KTEST_CHECK(sname, tname, id_, severity_, spec_, statement_)                             \
	static const struct ktest_check ktest_check_##sname##_##tname = { (id_), (severity_), (spec_), \
									 (statement_) };           \
	KTEST_DEFINE(sname, tname, 0, &ktest_check_##sname##_##tname)

/*
 * Defers fn(ctx) to the end of the running case: actions run in reverse order of registration once the
 * case function returns, however it returned (an ASSERT, a skip, or its end). When all KTEST_MAX_ACTIONS
 * slots are taken, fn(ctx) runs at once, the case fails, and false is returned.
 */
bool ktest_add_action(struct ktest *t, ktest_action_fn fn, void *ctx);
/* The name this run is reported under: the case's, or CASE_PARAM for a parameterized one. */
const char *ktest_name(const struct ktest *t);

/* Reporting, used by the macros below and by tests directly. */
void ktest_log(struct ktest *t, const char *fmt, ...) __printf(2, 3);
void ktest_fail(struct ktest *t, const char *file, int line, const char *fmt, ...) __printf(4, 5);
void ktest_skip(struct ktest *t, const char *fmt, ...) __printf(2, 3);
/* What a check found, for the report: "# evidence: NAME: ...". Print it whether the check passes or not. */
void ktest_evidence(struct ktest *t, const char *fmt, ...) __printf(2, 3);
/* Evidence for whatever test is running (code below a test, e.g. acceptance); false when none is. */
bool ktest_evidence_running(const char *fmt, ...) __printf(1, 2);
bool ktest_check_u64(struct ktest *t, const char *file, int line, bool ok, const char *op, u64 a, u64 b,
		     const char *a_text, const char *b_text);
bool ktest_check_true(struct ktest *t, const char *file, int line, bool cond, const char *text);
bool ktest_check_str(struct ktest *t, const char *file, int line, const char *a, const char *b,
		     const char *a_text, const char *b_text);

/* Evaluates each operand once; compares as u64, prints hex and signed decimal. */
#define KTEST_CMP(t, a, op, b)                                                                 \
	({                                                                                     \
		u64 ktest_a_ = (u64)(a), ktest_b_ = (u64)(b);                                  \
		ktest_check_u64((t), __FILE__, __LINE__, ktest_a_ op ktest_b_, #op, ktest_a_, \
				ktest_b_, #a, #b);                                             \
	})

#define KEXPECT_EQ(t, a, b) ((void)KTEST_CMP(t, a, ==, b))
#define KEXPECT_NE(t, a, b) ((void)KTEST_CMP(t, a, !=, b))
#define KEXPECT_LT(t, a, b) ((void)KTEST_CMP(t, a, <, b))
#define KEXPECT_LE(t, a, b) ((void)KTEST_CMP(t, a, <=, b))
#define KEXPECT_GT(t, a, b) ((void)KTEST_CMP(t, a, >, b))
#define KEXPECT_GE(t, a, b) ((void)KTEST_CMP(t, a, >=, b))
#define KEXPECT_TRUE(t, c) ((void)ktest_check_true((t), __FILE__, __LINE__, (c), #c))
#define KEXPECT_FALSE(t, c) ((void)ktest_check_true((t), __FILE__, __LINE__, !(c), "!(" #c ")"))
#define KEXPECT_STREQ(t, a, b) ((void)ktest_check_str((t), __FILE__, __LINE__, (a), (b), #a, #b))

#define KTEST_RETURN_UNLESS(check) \
	do {                       \
		if (!(check))      \
			return;    \
	} while (0)

#define KASSERT_EQ(t, a, b) KTEST_RETURN_UNLESS(KTEST_CMP(t, a, ==, b))
#define KASSERT_NE(t, a, b) KTEST_RETURN_UNLESS(KTEST_CMP(t, a, !=, b))
#define KASSERT_LT(t, a, b) KTEST_RETURN_UNLESS(KTEST_CMP(t, a, <, b))
#define KASSERT_LE(t, a, b) KTEST_RETURN_UNLESS(KTEST_CMP(t, a, <=, b))
#define KASSERT_GT(t, a, b) KTEST_RETURN_UNLESS(KTEST_CMP(t, a, >, b))
#define KASSERT_GE(t, a, b) KTEST_RETURN_UNLESS(KTEST_CMP(t, a, >=, b))
#define KASSERT_TRUE(t, c) KTEST_RETURN_UNLESS(ktest_check_true((t), __FILE__, __LINE__, (c), #c))
#define KASSERT_FALSE(t, c) KTEST_RETURN_UNLESS(ktest_check_true((t), __FILE__, __LINE__, !(c), "!(" #c ")"))

/* Skips the rest of the test, with a reason. */
#define KTEST_SKIP(t, ...)                  \
	do {                                \
		ktest_skip((t), __VA_ARGS__); \
		return;                     \
	} while (0)

/* Selection and running (kernel/test/runner.c). */
struct ktest_selection {
	const char *globs; /* comma-separated, from tests= */
	bool demo_fail;    /* demo_fail=1 */
	bool flat;	   /* lava=1: a flat "# lava:" line per result too (docs/protocol.md) */
};

struct ktest_totals {
	unsigned pass, fail, skip;
};

void ktest_list(const struct ktest_selection *sel);
/* Prints the top-level plan (the number of selected suites); call once before the first phase. */
void ktest_begin(const struct ktest_selection *sel);
void ktest_run_phase(const struct ktest_selection *sel, enum ktest_phase phase, struct ktest_totals *totals);
/* Every suite of phase is skipped with reason (NULL: run them again), without asking the suite: the boot
 * cannot offer that phase (no boot services after the 64-bit boot-protocol entry). */
void ktest_skip_phase(enum ktest_phase phase, const char *reason);
/* Prints the closing totals line; returns the verdict they give (failed if any test failed). */
enum ccktf_exit ktest_finish(const struct ktest_totals *totals);
/* The test that is running now, or NULL: lets the crash handler name it. */
const struct ktest_case *ktest_current(void);
/* The reported name of the test that is running now (CASE_PARAM for a parameterized one), or NULL. */
const char *ktest_current_name(void);
/*
 * Runs the cases of s found in [first, last) that sel selects, as one nested suite numbered number
 * (a suite's whole life: init, cases with their actions, exit), adding to totals. ktest_run_phase uses it
 * over the registered cases; the framework's own tests call it over cases of their own.
 */
void ktest_run_suite(const struct ktest_selection *sel, const struct ktest_suite *s,
		     const struct ktest_case *first, const struct ktest_case *last, unsigned number,
		     struct ktest_totals *totals);

/* Glob matching with '*' and '?' over [pattern, pattern_end) (kernel/test/select.c). */
bool glob_match(const char *pattern, const char *pattern_end, const char *text);
bool ktest_selected(const struct ktest_selection *sel, const struct ktest_case *c);
/* Whether every glob of sel selects a case of [first, last); if not, the first that selects none. */
bool ktest_globs_all_match(const struct ktest_selection *sel, const struct ktest_case *first,
			   const struct ktest_case *last, char *unmatched, size_t size);
/* The same over the registered cases (kernel/test/runner.c). */
bool ktest_selection_all_match(const struct ktest_selection *sel, char *unmatched, size_t size);
/* Whether sel selects parameter p of c: a glob naming the case selects all of them, or one by CASE_PARAM. */
bool ktest_param_selected(const struct ktest_selection *sel, const struct ktest_case *c,
			  const struct ktest_param *p);
/* A case runs once per parameter, or once (with no parameter, NULL) when it has none. */
static inline unsigned ktest_runs(const struct ktest_case *c)
{
	return c->params ? c->nparams : 1;
}

static inline const struct ktest_param *ktest_run_param(const struct ktest_case *c, unsigned i)
{
	return c->params ? &c->params[i] : NULL;
}

/* Writes CASE_PARAM (or CASE when p is NULL) to buf; false if it does not fit or is not [a-z0-9_]+. */
bool ktest_param_name(const struct ktest_case *c, const struct ktest_param *p, char *buf, size_t size);

#endif
