/* SPDX-License-Identifier: MIT */
/* No confidential computing: a plain VM or bare metal. Nothing to accept, native port I/O. */
#include <ccktf/format.h>
#include <ccktf/platform.h>

static bool none_detect(void)
{
	return true;
}

static const char *none_setup_before_exit(struct boot_info *b)
{
	(void)b;
	return NULL;
}

static const char *none_setup_after_exit(void)
{
	return NULL;
}

static void none_describe(char *buf, size_t size)
{
	snprintf(buf, size, "no confidential computing: all memory is accepted, nothing to test here");
}

static const struct platform_ops none_platform = {
	.name = "none",
	.auto_priority = 0,
	.detect = none_detect,
	.setup_before_exit = none_setup_before_exit,
	.setup_after_exit = none_setup_after_exit,
	.describe = none_describe,
	.cpu_wake = CPU_WAKE_INIT_SIPI,
};
PLATFORM_REGISTER(none_platform);
