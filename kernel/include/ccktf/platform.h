/* SPDX-License-Identifier: MIT */
/*
 * The confidential-computing platform the kernel runs on, behind one ops table (as Linux arch/x86/coco/
 * splits TDX and SEV). Platforms register themselves in the "platforms" linker section; the core never
 * asks "is this TDX?".
 */
#ifndef CCKTF_PLATFORM_H
#define CCKTF_PLATFORM_H

#include <ccktf/types.h>

struct platform_ops {
	const char *name;     /* none, tdx, snp, sim-tdx, sim-snp: printed with every result */
	int auto_priority;    /* platform=auto picks the detected platform with the highest; <0: never auto */
	bool (*detect)(void); /* is the hardware (or model) there? */
	/* Called once before ExitBootServices, then once after it (the platform may install exception hooks
	 * and its port-I/O backend). Return NULL on success or a message saying what failed. */
	const char *(*setup_before_exit)(void);
	const char *(*setup_after_exit)(void);
};

#define PLATFORM_REGISTER(ops_) \
	static const struct platform_ops *const platform_ptr_##ops_ __section("platforms") __used = &(ops_)

/* Picks the platform by name ("auto" detects); NULL with a message in err when it is not available. */
const struct platform_ops *platform_select(const char *name, char *err, size_t err_size);
const struct platform_ops *platform_current(void);
const char *platform_name(void);

#endif
