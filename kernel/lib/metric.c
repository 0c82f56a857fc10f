/* SPDX-License-Identifier: MIT */
#include <ccktf/console.h>
#include <ccktf/metric.h>
#include <ccktf/platform.h>

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
}

void metric_u64(const char *name, u64 value, const char *unit, const char *extra)
{
	metric_fixed(name, value, 0, unit, extra);
}
