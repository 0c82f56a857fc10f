/* SPDX-License-Identifier: MIT */
/*
 * Hardware models for machines without TDX or SNP (arch/x86/sim/). The kernel executes the very same
 * TDCALL / PVALIDATE / VMGEXIT instructions as on hardware; TCG raises #UD for them, and the #UD hook
 * installed here hands the instruction to the model that registered its opcode. The model answers as the
 * TDX module or the SNP firmware would and the dispatcher steps over the instruction.
 *
 * A model also needs memory to present as unaccepted: sim_reserve_unaccepted() takes conventional memory
 * from the firmware before ExitBootServices (sim_unaccepted=above4g, as real OVMF leaves it, or a size),
 * and sim_mark_unaccepted() rewrites the firmware's memory map so those pages read as
 * EfiUnacceptedMemoryType: from there on the kernel's real path (map -> bitmap -> acceptance) runs.
 */
#ifndef ARCH_SIM_H
#define ARCH_SIM_H

#include <arch/trap.h>
#include <ccktf/types.h>

struct boot_info;
struct efi_memmap_snapshot;

#define SIM_MAX_INSNS 4
#define SIM_INSN_MAX_LEN 4
#define SIM_MAX_REGIONS 8

/* Answers one instruction; returns false to let the #UD be a crash (the model does not know it). */
typedef bool (*sim_insn_fn)(struct cpu_regs *regs);

/* Registers a model's instruction (its full opcode bytes) and installs the #UD hook. After ExitBootServices. */
void sim_register_insn(const u8 *opcode, unsigned len, sim_insn_fn answer);

struct sim_region {
	u64 start, end; /* [start, end), 4 KiB aligned */
};

struct sim_memory {
	struct sim_region regions[SIM_MAX_REGIONS];
	unsigned count;
	u64 bytes;
};

/* Before ExitBootServices: takes the memory to present as unaccepted. NULL on success, else why not. */
const char *sim_reserve_unaccepted(struct boot_info *b, struct sim_memory *out);
/* Rewrites the type of every descriptor inside a reserved region to EfiUnacceptedMemoryType. */
void sim_mark_unaccepted(const struct sim_memory *mem, struct efi_memmap_snapshot *m);
/* Before ExitBootServices: zeroed memory for a model's own bookkeeping (LoaderData pages). */
void *sim_alloc(struct boot_info *b, u64 bytes);
/* Which region holds addr, or NULL. */
const struct sim_region *sim_region_of(const struct sim_memory *mem, u64 addr);

#endif
