/* SPDX-License-Identifier: MIT */
/* handoff=self and the platform (handoff_model.c): what a hardware model hands stage 2. */
#ifndef ARCH_X86_BOOT_HANDOFF_MODEL_H
#define ARCH_X86_BOOT_HANDOFF_MODEL_H

#include <ccktf/types.h>

/* NULL when this platform can hand off (a model: its state written for stage 2), else why not. */
const char *handoff_platform_refusal(void);
/* Under a model: the setup_data node naming its state at node (next = 0); false (nothing written) else. */
bool handoff_model_node(u8 *node);
/* The platform's last step before the jump (SNP: shared pages private again); nothing is printed after it. */
void handoff_platform_finish(void);

#endif
