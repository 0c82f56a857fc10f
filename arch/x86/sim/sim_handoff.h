/* SPDX-License-Identifier: MIT */
/*
 * A model's state across handoff=self (issue 13; docs/bzimage.md "handoff=self"). On hardware the page state
 * lives outside guest memory (TDX: the S-EPT, kept by the TDX module; SNP: the RMP), so it survives a kexec
 * untouched. The models keep its equivalent in pages allocated as EfiReservedMemoryType before
 * ExitBootServices (sim_alloc_hw()): every later stage sees them as e820 reserved, never RAM, so no stage
 * allocates over the "hardware". At the hand-off stage 1 writes this header into one such page, and a
 * private setup_data node (SIM_SETUP_DATA_TYPE) tells stage 2 where it is; stage 2's model adopts the
 * state in place, without boot services. Physical addresses only: no function pointers, no stage-1 image
 * addresses (stage 2 is a copy at another address).
 */
#ifndef ARCH_SIM_HANDOFF_H
#define ARCH_SIM_HANDOFF_H

#include <arch/sim.h>
#include <ccktf/platform.h>

#define SIM_HANDOFF_MAGIC 0x54534d53544b4343ull /* "CCKTSMST" */
#define SIM_HANDOFF_VERSION 2 /* 2: the SNP model's fields */
#define SIM_HANDOFF_NAME_MAX 16

struct sim_handoff_region {
	u64 start, end;	       /* [start, end) of the model's memory */
	u64 state_pa, state_bytes; /* its page state, in reserved pages (TDX: accepted bits, host mapping bits;
				      SNP: the RMP's assigned, validated, shared bits and 2 MiB page sizes) */
	u32 unreported;	       /* sim_fw_bug=pending-tail */
	u32 reserved;
};

struct sim_handoff {
	u64 magic;
	u32 version, bytes;			 /* bytes: sizeof(struct sim_handoff) */
	char platform[SIM_HANDOFF_NAME_MAX];	 /* the model that wrote it: "sim-tdx", "sim-snp" */
	struct sim_knobs knobs;			 /* the same image on both sides: the same layout */
	u64 tdx_attributes;			 /* TDX: the TD attributes (SEPT_VE_DISABLE) */
	u32 tdx_gpaw;
	u32 count;
	/* SNP: the RMP entries of pages outside the regions, the PSP's state (keys, sequence numbers), in
	 * reserved pages; the modelled firmware's kind and whether it accepted all memory at ExitBootServices */
	u64 snp_outside_pa, snp_outside_bytes, snp_psp_pa, snp_psp_bytes;
	u32 snp_fw_kind, snp_accepted_all_at_exit;
	struct sim_handoff_region regions[SIM_MAX_REGIONS];
};

/* Stage 1: fills h from the live model; NULL or why it cannot. */
typedef const char *(*sim_handoff_save_fn)(struct sim_handoff *h);
/* Stage 2: takes the model's state over from h (checked for magic, version, size and platform). */
typedef const char *(*sim_handoff_adopt_fn)(const struct sim_handoff *h);

/* Stage 2, before the model adopts h (at physical pa): does [start, end) overlap e820 RAM? */
struct sim_handoff_ram {
	bool (*overlaps)(void *ctx, u64 start, u64 end);
	void *ctx;
};
/* NULL, or why stage 2 refuses the header: the wrong magic, version or size (checked first), another model
 * than platform wrote it, it or a state range in e820 RAM, a region empty, reversed,
 * unaligned or overlapping another, too many regions, a TDX GPA width other than 48/52 (sim_handoff_check.c). */
const char *sim_handoff_check(u64 pa, const struct sim_handoff *h, const char *platform,
			      const struct sim_handoff_ram *ram);

/* Stage 1, after its tests (platform_handoff_ops.save): the header written; NULL and its place, or why
 * this model cannot hand off. */
const char *sim_handoff_state(u64 *pa, u64 *bytes);
/* Stage 2 (platform_handoff_ops.adopt): checks the header at [pa, pa + bytes) (sim_handoff.c says in which
 * order) and has the selected model adopt it. */
const char *sim_handoff_adopt(u64 pa, u64 bytes, const struct handoff_stage2 *env);

/* Before ExitBootServices: a model that can hand its state over reserves the header's page. */
const char *sim_handoff_offer(struct boot_info *b, sim_handoff_save_fn save);

/* Stage 2: the model's regions as the header lists them (checked: sim_handoff_check()). */
void sim_handoff_regions(const struct sim_handoff *h, struct sim_memory *mem);

/* sim-tdx (sim_tdx.c / tdx_model.c) */
const char *sim_tdx_handoff_adopt(const struct sim_handoff *h);
/* sim-snp (sim_snp.c / snp_model.c) */
const char *sim_snp_handoff_adopt(const struct sim_handoff *h);

#endif
