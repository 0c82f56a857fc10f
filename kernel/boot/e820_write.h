/* SPDX-License-Identifier: MIT */
/*
 * The e820 table a loader writes for the next stage: the first E820_MAX_ENTRIES_ZEROPAGE (128) entries in
 * the zero page (e820_entries at 0x1e8, the table at 0x2d0), the rest in one SETUP_E820_EXT setup_data node
 * appended to the chain's end, as Linux's EFI stub does (drivers/firmware/efi/libstub/x86-stub.c
 * setup_e820(), alloc_e820ext(), add_e820ext()); Linux reads it back in arch/x86/kernel/e820.c
 * e820__memory_setup_extended(), ccktf in kernel/boot/e820_ext.c. Pure, on identity-mapped memory: a node's
 * address is its pointer; tests/host/test_e820_write.c reads what it wrote back through the readers.
 */
#ifndef CCKTF_BOOT_E820_WRITE_H
#define CCKTF_BOOT_E820_WRITE_H

#include "boot/boot_params.h"

/* The bytes (header + entries) of the SETUP_E820_EXT node that n entries need: 0 when they fit the zero page. */
u64 e820_ext_node_bytes(unsigned n);
/*
 * Writes e[0..n) into the zero page bp; when n > 128 the rest into the node at ext (e820_ext_node_bytes(n)
 * bytes: next = 0, type SETUP_E820_EXT, len = 20 * (n - 128)), appended to bp's setup_data chain (walked
 * through the nodes' own next fields, at most SETUP_DATA_MAX_NODES of them). Returns how many entries
 * went to the zero page. ext may be NULL when n <= 128.
 */
unsigned e820_write(u8 *bp, const struct e820_entry *e, unsigned n, u8 *ext);

#endif
