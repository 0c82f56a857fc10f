/* SPDX-License-Identifier: MIT */
/*
 * The setup_data chain a 64-bit boot loader hangs off boot_params.hdr.setup_data (Documentation/arch/x86/
 * boot.rst "setup_data"; struct setup_data and the SETUP_* types: Linux arch/x86/include/uapi/asm/
 * bootparam.h), walked through a physical-memory reader with every pointer and length checked, and the
 * SETUP_EFI node kexec adds (struct efi_setup_data, arch/x86/include/asm/efi.h; filled by
 * arch/x86/kernel/kexec-bzimage64.c setup_efi_state()): the physical addresses of the firmware's
 * configuration-table array, fw_vendor and SMBIOS, which the system table's own pointers no longer give
 * after SetVirtualAddressMap().
 */
#ifndef CCKTF_BOOT_SETUP_DATA_H
#define CCKTF_BOOT_SETUP_DATA_H

#include <ccktf/string.h>

#include "boot_params.h"

#define SETUP_DATA_HEADER 16 /* u64 next, u32 type, u32 len */
#define SETUP_DATA_NEXT 0
#define SETUP_DATA_TYPE 8
#define SETUP_DATA_LEN 12
#define SETUP_E820_EXT 1
#define SETUP_EFI 4
#define SETUP_CC_BLOB 7
#define SETUP_RNG_SEED 9
#define SETUP_INDIRECT (1u << 31)
/* A longer chain is refused as a loop or garbage. Linux's own loaders hang a handful of nodes (kexec: EFI,
 * RNG seed, IMA; QEMU: RNG seed; the EFI stub: PCI ROMs, one per device). */
#define SETUP_DATA_MAX_NODES 256

struct setup_node {
	u64 pa;		  /* of the header */
	u32 type;
	u32 len;	  /* of data */
	const u8 *data;	  /* len readable bytes */
};

/* Writes a node's header at node (next = 0: the caller links it; type; len) and zeroes its len data bytes. */
static inline void setup_data_put(u8 *node, u32 type, u32 len)
{
	memset(node, 0, SETUP_DATA_HEADER + (size_t)len);
	bp_put(node + SETUP_DATA_TYPE, type, 4);
	bp_put(node + SETUP_DATA_LEN, len, 4);
}

/* Calls visit on each node in chain order until it returns false. NULL when the chain ended (next = 0) or
 * visit stopped it; otherwise why it was refused: a header or its data cannot be read, data that wraps past
 * 2^64, a node seen before (a loop), or more than SETUP_DATA_MAX_NODES nodes. *nodes counts the nodes
 * visited. */
const char *setup_data_walk(u64 first, const struct boot_phys *phys,
			    bool (*visit)(void *ctx, const struct setup_node *node), void *ctx, unsigned *nodes);

/* struct efi_setup_data: u64 fw_vendor, u64 __unused, u64 tables, u64 smbios, u64 reserved[8]. */
#define EFI_SETUP_DATA_SIZE 96
#define EFI_SETUP_FW_VENDOR 0
#define EFI_SETUP_TABLES 16
#define EFI_SETUP_SMBIOS 24
#define EFI_SETUP_FIELDS_END 32
struct efi_setup {
	u64 fw_vendor, tables, smbios;
	u32 len;
};
/* The first SETUP_EFI node: NULL and *out, or why not: the chain is refused, there is none, it is shorter
 * than the fields read (32 bytes), or it names no configuration-table array. */
const char *setup_data_find_efi(u64 first, const struct boot_phys *phys, struct efi_setup *out);
/* The same for a SETUP_EFI node a caller's own walk found (NULL: none), so one walk serves every reader. */
const char *setup_data_efi(const struct setup_node *node, struct efi_setup *out);

#endif
