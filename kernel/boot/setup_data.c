/* SPDX-License-Identifier: MIT */
/* The setup_data chain and its SETUP_EFI node (setup_data.h). */
#include <ccktf/string.h>

#include "setup_data.h"

const char *setup_data_walk(u64 first, const struct boot_phys *phys,
			    bool (*visit)(void *ctx, const struct setup_node *node), void *ctx, unsigned *nodes)
{
	u64 seen[SETUP_DATA_MAX_NODES];
	u64 pa = first;

	for (*nodes = 0; pa; (*nodes)++) {
		struct setup_node node = { .pa = pa };
		const u8 *header;

		if (*nodes == SETUP_DATA_MAX_NODES)
			return "the setup_data chain is longer than 256 nodes";
		for (unsigned i = 0; i < *nodes; i++)
			if (seen[i] == pa)
				return "the setup_data chain loops";
		seen[*nodes] = pa;
		if (pa + SETUP_DATA_HEADER < pa || !(header = phys->read(phys->ctx, pa, SETUP_DATA_HEADER)))
			return "a setup_data header cannot be read";
		node.type = (u32)bp_get(header + SETUP_DATA_TYPE, 4);
		node.len = (u32)bp_get(header + SETUP_DATA_LEN, 4);
		if (pa + SETUP_DATA_HEADER + node.len < pa + SETUP_DATA_HEADER)
			return "a setup_data node wraps past 2^64";
		node.data = node.len ? phys->read(phys->ctx, pa + SETUP_DATA_HEADER, node.len) : header + SETUP_DATA_HEADER;
		if (!node.data)
			return "a setup_data node's data cannot be read";
		pa = bp_get(header + SETUP_DATA_NEXT, 8); /* before visit: the callback may not keep header alive */
		if (!visit(ctx, &node)) {
			(*nodes)++;
			return NULL;
		}
	}
	return NULL;
}

struct find_efi {
	bool found;
	struct setup_node node;
};

static bool stop_at_efi(void *ctx, const struct setup_node *node)
{
	struct find_efi *f = ctx;

	if (node->type != SETUP_EFI)
		return true;
	f->found = true;
	f->node = *node;
	return false;
}

const char *setup_data_find_efi(u64 first, const struct boot_phys *phys, struct efi_setup *out)
{
	struct find_efi f = { 0 };
	unsigned nodes;
	const char *why = setup_data_walk(first, phys, stop_at_efi, &f, &nodes);

	if (why) {
		memset(out, 0, sizeof(*out));
		return why;
	}
	return setup_data_efi(f.found ? &f.node : NULL, out);
}

const char *setup_data_efi(const struct setup_node *node, struct efi_setup *out)
{
	memset(out, 0, sizeof(*out));
	if (!node)
		return "no SETUP_EFI node in the setup_data chain";
	out->len = node->len;
	if (node->len < EFI_SETUP_FIELDS_END)
		return "the SETUP_EFI node is shorter than struct efi_setup_data's fields";
	out->fw_vendor = bp_get(node->data + EFI_SETUP_FW_VENDOR, 8);
	out->tables = bp_get(node->data + EFI_SETUP_TABLES, 8);
	out->smbios = bp_get(node->data + EFI_SETUP_SMBIOS, 8);
	if (!out->tables)
		return "the SETUP_EFI node names no configuration-table array";
	return NULL;
}
