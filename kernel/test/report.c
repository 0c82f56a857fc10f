/* SPDX-License-Identifier: MIT */
/* What a test says while it runs: diagnostics, failures with their values, skips. */
#include <ccktf/console.h>
#include <ccktf/format.h>
#include <ccktf/ktest.h>
#include <ccktf/string.h>

static void log_va(struct ktest *t, const char *fmt, va_list ap)
{
	char msg[400];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	printk("    # %s: %s\n", ktest_name(t), msg);
}

void ktest_log(struct ktest *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_va(t, fmt, ap);
	va_end(ap);
}

static void evidence_va(const char *name, const char *fmt, va_list ap)
{
	char msg[400];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	printk("    # evidence: %s: %s\n", name, msg);
}

void ktest_evidence(struct ktest *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	evidence_va(ktest_name(t), fmt, ap);
	va_end(ap);
}

bool ktest_evidence_running(const char *fmt, ...)
{
	const char *name = ktest_current_name();
	va_list ap;

	if (!name)
		return false;
	va_start(ap, fmt);
	evidence_va(name, fmt, ap);
	va_end(ap);
	return true;
}

void ktest_fail(struct ktest *t, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	t->status = KTEST_FAIL;
	ktest_log(t, "ASSERTION FAILED at %s:%d", file, line);
	va_start(ap, fmt);
	log_va(t, fmt, ap);
	va_end(ap);
}

void ktest_skip(struct ktest *t, const char *fmt, ...)
{
	va_list ap;

	if (t->status == KTEST_FAIL) /* a failure already recorded is never hidden by a skip */
		return;
	t->status = KTEST_SKIP;
	va_start(ap, fmt);
	vsnprintf(t->skip_reason, sizeof(t->skip_reason), fmt, ap);
	va_end(ap);
}

bool ktest_check_u64(struct ktest *t, const char *file, int line, bool ok, const char *op, u64 a, u64 b,
		     const char *a_text, const char *b_text)
{
	if (ok)
		return true;
	ktest_fail(t, file, line, "expected %s %s %s, %s = 0x%llx (%lld), %s = 0x%llx (%lld)", a_text, op, b_text,
		   a_text, (unsigned long long)a, (long long)a, b_text, (unsigned long long)b, (long long)b);
	return false;
}

bool ktest_check_true(struct ktest *t, const char *file, int line, bool cond, const char *text)
{
	if (!cond)
		ktest_fail(t, file, line, "expected %s to be true", text);
	return cond;
}

bool ktest_check_str(struct ktest *t, const char *file, int line, const char *a, const char *b,
		     const char *a_text, const char *b_text)
{
	if (a && b && !strcmp(a, b))
		return true;
	ktest_fail(t, file, line, "expected %s == %s, %s = \"%s\", %s = \"%s\"", a_text, b_text, a_text,
		   a ? a : "(null)", b_text, b ? b : "(null)");
	return false;
}
