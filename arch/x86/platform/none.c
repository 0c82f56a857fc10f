/* SPDX-License-Identifier: MIT */
/* No confidential computing: a plain VM or bare metal. Nothing to accept, native port I/O. */
#include <ccktf/platform.h>

static bool none_detect(void)
{
	return true;
}

static const char *nothing_to_set_up(void)
{
	return NULL;
}

static const struct platform_ops none_platform = {
	.name = "none",
	.auto_priority = 0,
	.detect = none_detect,
	.setup_before_exit = nothing_to_set_up,
	.setup_after_exit = nothing_to_set_up,
};
PLATFORM_REGISTER(none_platform);
