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
/*
 * Stage 2 (boot64.c), before its first allocation: the first HANDOFF_PROBE_BYTES of each configuration table
 * as the previous stage left them (handoff_probe.c); read(pa, len) gives the bytes or NULL. The handoff
 * suite reads handoff_probe(i) for boot_info.config_tables[i]: NULL when it could not be read or when no
 * snapshot was taken (handoff_probe_taken()).
 */
#define HANDOFF_PROBE_BYTES 32 /* 16 for the reclaim pattern; the unaccepted table's 24-byte header */
void handoff_probe_take(const struct boot_info *b, const void *(*read)(u64 pa, u64 len));
bool handoff_probe_taken(void);
const u8 *handoff_probe(u64 i);

/* With handoff=linux, before ExitBootServices (boot services up): reads the bundle from the Linux initrd media
 * device path and checks it; a usage error, before any test runs, when it is missing or wrong. */
void handoff_linux_prepare(struct boot_info *b);
/* With handoff=linux, after stage 1's totals: enters the bundle's Linux (does not return) when stage 1
 * passed; refuses (usage error) where it cannot; returns otherwise. */
void handoff_linux_if_asked(enum ccktf_exit verdict);

#endif
