/* SPDX-License-Identifier: MIT */
/* Chooses the platform: by name, or (platform=auto) the detected one with the highest priority. */
#include <ccktf/format.h>
#include <ccktf/platform.h>
#include <ccktf/string.h>

extern const struct platform_ops *const __start_platforms[], *const __stop_platforms[];

static const struct platform_ops *current;

#define for_each_platform(p) \
	for (const struct platform_ops *const *p = __start_platforms; p < __stop_platforms; p++)

static const struct platform_ops *detect_best(void)
{
	const struct platform_ops *best = NULL;

	for_each_platform(p)
		if ((*p)->auto_priority >= 0 && (!best || (*p)->auto_priority > best->auto_priority) &&
		    (*p)->detect())
			best = *p;
	return best;
}

static const struct platform_ops *find(const char *name)
{
	for_each_platform(p)
		if (!strcmp((*p)->name, name))
			return *p;
	return NULL;
}

const struct platform_ops *platform_select(const char *name, char *err, size_t err_size)
{
	const struct platform_ops *p = !strcmp(name, "auto") ? detect_best() : find(name);

	if (!p)
		snprintf(err, err_size, "platform '%s' is not built into this kernel", name);
	else if (!p->detect())
		snprintf(err, err_size, "platform '%s' was not detected on this machine", name);
	else
		return current = p;
	return NULL;
}

const struct platform_ops *platform_current(void)
{
	return current;
}

const char *platform_name(void)
{
	return current ? current->name : "none";
}

bool cc_platform_has(enum cc_attr attr)
{
	if (!current || (unsigned)attr >= CC_ATTRS)
		return false;
	return (current->attrs & CC_ATTR_BIT(attr)) || (current->has && current->has(attr));
}

/* "source": who answered. A model's words are the model's, never a hardware reading (README). */
void platform_identity_line(char *buf, size_t size)
{
	const char *source = cc_platform_has(CC_ATTR_HW_MODEL) ? "model"
			     : current && current->identify ? "hardware"
							     : "none";
	int n = snprintf(buf, size, "platform=%s source=%s", platform_name(), source);

	if (current && current->identify && n > 0 && (size_t)n + 1 < size) {
		buf[n] = ' ';
		current->identify(buf + n + 1, size - (size_t)n - 1);
	}
}
