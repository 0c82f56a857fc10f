/* SPDX-License-Identifier: MIT */
/* Which tests a tests=GLOB[,GLOB] argument selects. */
#include <ccktf/format.h>
#include <ccktf/ktest.h>
#include <ccktf/string.h>

bool glob_match(const char *p, const char *end, const char *text)
{
	for (; p < end; p++, text++) {
		if (*p == '*') {
			for (const char *rest = text;; rest++) {
				if (glob_match(p + 1, end, rest))
					return true;
				if (!*rest)
					return false;
			}
		}
		if (!*text || (*p != '?' && *p != *text))
			return false;
	}
	return !*text;
}

static bool has_dot(const char *p, const char *end)
{
	for (; p < end; p++)
		if (*p == '.')
			return true;
	return false;
}

/* "suite.test" matches the glob; a glob without a dot also matches the whole suite by name. */
static bool glob_selects(const char *glob, const char *end, const struct ktest_case *c)
{
	char full[128];

	if (!has_dot(glob, end) && glob_match(glob, end, c->suite->name))
		return true;
	snprintf(full, sizeof(full), "%s.%s", c->suite->name, c->name);
	return glob_match(glob, end, full);
}

bool ktest_selected(const struct ktest_selection *sel, const struct ktest_case *c)
{
	const char *glob = sel->globs && *sel->globs ? sel->globs : "*";

	for (;;) {
		const char *end = strchr(glob, ',');

		if (!end)
			end = glob + strlen(glob);
		if (end > glob && glob_selects(glob, end, c))
			return true;
		if (!*end)
			return false;
		glob = end + 1;
	}
}
