/* SPDX-License-Identifier: MIT */
/* handoff=self and handoff=stage2 (arch/x86/boot/handoff_self.c), handoff=linux (handoff_linux.c); issue 13. */
#ifndef CCKTF_HANDOFF_H
#define CCKTF_HANDOFF_H

#include <ccktf/exit.h>

enum handoff_mode { HANDOFF_NONE, HANDOFF_SELF, HANDOFF_STAGE2, HANDOFF_LINUX };
/* The byte stage 1 fills boot-services memory with before it hands off (handoff_reclaim=1, the default). */
#define HANDOFF_RECLAIM_BYTE 0xa5
enum handoff_mode handoff_mode(void);
/* With handoff=self, after stage 1's totals: enters a copy of the image through the 64-bit boot protocol
 * (does not return) when stage 1 passed; refuses (usage error) where it cannot; returns otherwise. */
void handoff_if_asked(enum ccktf_exit verdict);

struct boot_info;
/* With handoff=linux, before ExitBootServices (boot services up): reads the bundle from the Linux initrd media
 * device path and checks it; a usage error, before any test runs, when it is missing or wrong. */
void handoff_linux_prepare(struct boot_info *b);
/* With handoff=linux, after stage 1's totals: enters the bundle's Linux (does not return) when stage 1
 * passed; refuses (usage error) where it cannot; returns otherwise. */
void handoff_linux_if_asked(enum ccktf_exit verdict);

#endif
