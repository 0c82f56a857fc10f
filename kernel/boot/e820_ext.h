/* SPDX-License-Identifier: MIT */
/*
 * SETUP_E820_EXT: the e820 entries beyond the zero page's 128, which a loader hangs off the setup_data chain
 * (Documentation/arch/x86/boot.rst "setup_data"; the node's data is an array of struct boot_e820_entry,
 * 20 bytes each, Linux arch/x86/include/uapi/asm/bootparam.h; Linux reads it in arch/x86/kernel/e820.c
 * e820__memory_setup_extended()). Read as untrusted bytes: a trailing partial entry is ignored, as Linux's
 * `len / sizeof(*extmap)` ignores it; zero-size entries are dropped as boot_params_e820() drops them; an
 * entry that wraps past 2^64 is refused.
 */
#ifndef CCKTF_BOOT_E820_EXT_H
#define CCKTF_BOOT_E820_EXT_H

#include "boot/setup_data.h"

/* Appends a SETUP_E820_EXT node's entries to out[*count..max) (other node types add nothing): NULL, or why
 * the node is refused (an entry wraps past 2^64, or out has no room left). *count grows either way by what
 * was appended before the refusal. */
const char *e820_ext_append(const struct setup_node *node, struct e820_entry *out, unsigned *count,
			    unsigned max);

#endif
