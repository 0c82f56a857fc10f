/* SPDX-License-Identifier: MIT */
#include <ccktf/console.h>
#include <ccktf/metric.h>
#include <ccktf/platform.h>

static bool flat;

void metric_set_flat(bool on)
{
	flat = on;
}

/* "level=4k size=4096" -> ".level-4k.size-4096": the context as part of a LAVA test_case_id ([-_a-zA-Z0-9.]). */
static void print_flat_context(const char *extra)
{
	for (const char *p = extra; p && *p; p++) {
		char c = *p == ' ' ? '.' : *p == '=' ? '-' : *p;
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
			  c == '_';
		printk("%c", ok ? c : '_');
	}
}

static u64 pow10(unsigned n)
{
	u64 p = 1;

	while (n--)
		p *= 10;
	return p;
}

void metric_fixed(const char *name, u64 value, unsigned decimals, const char *unit, const char *extra)
{
	u64 scale = pow10(decimals);

	printk("# metric: name=%s value=%llu", name, value / scale);
	if (decimals)
		printk(".%0*llu", (int)decimals, value % scale);
	printk(" unit=%s platform=%s%s%s\n", unit, platform_name(), extra ? " " : "", extra ? extra : "");
	if (!flat)
		return;
	printk("# lava: case=%s%s", name, extra && *extra ? "." : "");
	print_flat_context(extra);
	printk(" result=pass measurement=%llu", value / scale);
	if (decimals)
		printk(".%0*llu", (int)decimals, value % scale);
	printk(" units=%s\n", unit);
}

void metric_u64(const char *name, u64 value, const char *unit, const char *extra)
{
	metric_fixed(name, value, 0, unit, extra);
}
