/* SPDX-License-Identifier: MIT */
/* Which tests a tests=GLOB[,GLOB] argument selects. */
#include <ccktf/format.h>
#include <ccktf/ktest.h>
#include <ccktf/string.h>

/*
 * '*' matches any run of characters, '?' any one. Iterative, backtracking only to the last '*': O(pattern x
 * text) whatever the pattern (a recursive matcher takes exponential time on a glob of many '*').
 */
bool glob_match(const char *p, const char *end, const char *text)
{
	const char *star = NULL, *resume = NULL;

	while (*text) {
		if (p < end && *p != '*' && (*p == '?' || *p == *text)) {
			p++;
			text++;
		} else if (p < end && *p == '*') {
			star = p++;
			resume = text;
		} else if (star) {
			p = star + 1;
			text = ++resume;
		} else {
			return false;
		}
	}
	while (p < end && *p == '*')
		p++;
	return p == end;
}

static bool has_dot(const char *p, const char *end)
{
	for (; p < end; p++)
		if (*p == '.')
			return true;
	return false;
}

/* "suite.name" matches the glob; a glob without a dot also matches the whole suite by name. */
static bool glob_selects(const char *glob, const char *end, const char *suite, const char *name)
{
	char full[128];

	if (!has_dot(glob, end) && glob_match(glob, end, suite))
		return true;
	snprintf(full, sizeof(full), "%s.%s", suite, name);
	return glob_match(glob, end, full);
}

static bool name_selected(const struct ktest_selection *sel, const char *suite, const char *name)
{
	const char *glob = sel->globs && *sel->globs ? sel->globs : "*";

	for (;;) {
		const char *end = strchr(glob, ',');

		if (!end)
			end = glob + strlen(glob);
		if (end > glob && glob_selects(glob, end, suite, name))
			return true;
		if (!*end)
			return false;
		glob = end + 1;
	}
}

static bool name_char_ok(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_';
}

bool ktest_param_name(const struct ktest_case *c, const struct ktest_param *p, char *buf, size_t size)
{
	int n = p ? snprintf(buf, size, "%s_%s", c->name, p->name) : snprintf(buf, size, "%s", c->name);

	if (n <= 0 || (size_t)n >= size)
		return false;
	for (int i = 0; i < n; i++)
		if (!name_char_ok(buf[i]))
			return false;
	return true;
}

bool ktest_param_selected(const struct ktest_selection *sel, const struct ktest_case *c,
			  const struct ktest_param *p)
{
	char full[KTEST_NAME_MAX];

	if (name_selected(sel, c->suite->name, c->name))
		return true;
	/* A name too long or malformed is still selectable by its case; the runner fails it. */
	return p && ktest_param_name(c, p, full, sizeof(full)) && name_selected(sel, c->suite->name, full);
}

bool ktest_selected(const struct ktest_selection *sel, const struct ktest_case *c)
{
	for (unsigned i = 0; i < ktest_runs(c); i++)
		if (ktest_param_selected(sel, c, ktest_run_param(c, i)))
			return true;
	return false;
}

/* Whether the one glob [glob, end) selects c, or one of its parameters. */
static bool glob_selects_case(const char *glob, const char *end, const struct ktest_case *c)
{
	char full[KTEST_NAME_MAX];

	if (glob_selects(glob, end, c->suite->name, c->name))
		return true;
	for (unsigned i = 0; c->params && i < c->nparams; i++)
		if (ktest_param_name(c, &c->params[i], full, sizeof(full)) &&
		    glob_selects(glob, end, c->suite->name, full))
			return true;
	return false;
}

/*
 * Each glob of sel must select a test of [first, last): a glob that selects nothing is a typo or a renamed
 * test, and a run without it would pass while testing less than was asked. Returns false with the first
 * such glob in unmatched (cut to fit).
 */
bool ktest_globs_all_match(const struct ktest_selection *sel, const struct ktest_case *first,
			   const struct ktest_case *last, char *unmatched, size_t size)
{
	const char *glob = sel->globs && *sel->globs ? sel->globs : "*";

	for (;;) {
		const char *end = strchr(glob, ',');
		bool found = false;

		if (!end)
			end = glob + strlen(glob);
		for (const struct ktest_case *c = first; c < last && end > glob && !found; c++)
			found = glob_selects_case(glob, end, c);
		if (end > glob && !found) {
			snprintf(unmatched, size, "%.*s", (int)(end - glob), glob);
			return false;
		}
		if (!*end)
			return true;
		glob = end + 1;
	}
}
