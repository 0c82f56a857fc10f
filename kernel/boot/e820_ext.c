/* SPDX-License-Identifier: MIT */
/* SETUP_E820_EXT entries after the zero page's (e820_ext.h). */
#include "boot/e820_ext.h"

const char *e820_ext_append(const struct setup_node *node, struct e820_entry *out, unsigned *count,
			    unsigned max)
{
	if (node->type != SETUP_E820_EXT)
		return NULL;
	for (u32 off = 0; node->len - off >= E820_ENTRY_SIZE && off < node->len; off += E820_ENTRY_SIZE) {
		struct e820_entry e = { bp_get(node->data + off, 8), bp_get(node->data + off + 8, 8),
					(u32)bp_get(node->data + off + 16, 4) };

		if (!e.size)
			continue;
		if (e.addr + e.size < e.addr)
			return "a SETUP_E820_EXT entry wraps past 2^64";
		if (*count >= max)
			return "more SETUP_E820_EXT entries than ccktf holds";
		out[(*count)++] = e;
	}
	return NULL;
}
