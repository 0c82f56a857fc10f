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
#include <ccktf/platform.h>
#include <ccktf/types.h>

struct spinlock;

struct boot_info;
struct efi_memmap_snapshot;
struct memmap;

/*
 * Which firmware a model behaves as (sim_fw=, sim_firmware.c cites the edk2 sources of each). DEFAULT: the
 * platform's firmware as OVMF ships it today (SNP: near-future, AmdSevDxe; TDX: TDVF).
 */
enum sim_fw_kind { SIM_FW_DEFAULT, SIM_FW_DEPLOYED, SIM_FW_NEAR_FUTURE, SIM_FW_FAR_FUTURE, SIM_FW_TDVF };

/* The models' knobs (sim_knobs.c: boot arguments sim_unaccepted, sim_host_map, sim_sept_ve_disable). */
struct sim_knobs {
	u64 unaccepted;	      /* bytes to present as unaccepted; 0: all memory above 4 GiB */
	bool host_4k;	      /* the host maps private memory with 4 KiB pages (default, as upstream KVM) */
	bool sept_ve_disable; /* sim-tdx: the TD attribute SEPT_VE_DISABLE */
	bool fail_setup;      /* sim_fail=setup: the host refuses the platform's first step after EBS */
	bool tdx_module_1_0;  /* sim_tdx_module=1.0: a TDX 1.0 module, without TDG.SYS.RD */
	enum sim_fw_kind fw;  /* sim_fw=: the firmware kind the model behaves as */
};
extern struct sim_knobs sim_knobs;
const char *sim_host_map_name(void); /* for model descriptions: which host was modelled */

#define SIM_MAX_INSNS 4
#define SIM_INSN_MAX_LEN 4
#define SIM_MAX_REGIONS 8

/* Answers one instruction; returns false to let the #UD be a crash (the model does not know it). */
typedef bool (*sim_insn_fn)(struct cpu_regs *regs);

/* Registers a model's instruction (its full opcode bytes) and installs the #UD hook. After ExitBootServices. */
void sim_register_insn(const u8 *opcode, unsigned len, sim_insn_fn answer);

struct sim_region {
	u64 start, end;	 /* [start, end), 4 KiB aligned */
	bool unreported; /* pending, yet never marked unaccepted in the map (sim_fw_bug=pending-tail) */
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
/*
 * sim_fw_bug= (sim_fw_bugs.c): the modelled firmware reproduces a firmware bug that shipped. Called by
 * sim_reserve_unaccepted() after the regions are taken; may add a region, may wrap GetMemoryMap().
 */
const char *sim_fw_bugs_setup(struct boot_info *b, const struct memmap *m, struct sim_memory *mem);
/* Allocates conventional [start, end) as EfiLoaderData (the firmware never uses it again) and adds it as a
 * region; unreported: pending, yet never marked unaccepted (sim_fw_bug=pending-tail). */
const char *sim_take_region(struct boot_info *b, struct sim_memory *mem, u64 start, u64 end, bool unreported);
/* Before ExitBootServices: zeroed memory for a model's own bookkeeping (LoaderData pages). */
void *sim_alloc(struct boot_info *b, u64 bytes);
/*
 * Memory for state the hardware keeps outside the guest (the S-EPT, the RMP): EfiReservedMemoryType pages,
 * zeroed, so that every later stage (handoff=self) sees them as e820 reserved, never RAM. Before
 * ExitBootServices.
 */
void *sim_alloc_hw(struct boot_info *b, u64 bytes);
/* A stage without boot services (handoff=self's stage 2) gives sim_alloc() its allocator; sim_alloc_hw()
 * returns NULL there (the hardware's state is adopted, never created). */
void sim_alloc_without_boot_services(u64 (*pages_fn)(u64 pages));

/*
 * handoff=self under a model (sim_handoff.c, sim_handoff.h): the model's state crosses to stage 2 in
 * reserved pages, found through a private setup_data node of this type, which exists only under a model.
 * Linux ignores types it does not know (arch/x86/kernel/setup.c parse_setup_data(): no case, no action);
 * bit 31 (SETUP_INDIRECT) is clear. Payload: u64 physical address of the header, u64 its size.
 */
#define SIM_SETUP_DATA_TYPE 0x43434b54u /* "TKCC": ccktf-private */
#define SIM_SETUP_DATA_LEN 16

/* platform_ops.page_state for a model platform: the model's own view (sim_memory.c). */
enum cc_page_state sim_page_state(u64 addr, u64 *raw_status);
/* Which region holds addr, or NULL. */
const struct sim_region *sim_region_of(const struct sim_memory *mem, u64 addr);

/*
 * Pending memory that faults on touch (sim_guard.c). On hardware, touching memory the guest has not
 * accepted is caught (TDX: the TD stops, or #VE without SEPT_VE_DISABLE; SNP: #VC 0x404; docs/abi.md); under TCG it would silently
 * read RAM. So a model keeps the pages it holds pending NOT PRESENT in the kernel's page tables, and its
 * touch() turns the resulting #PF into what the hardware does. The model opens a page (present again) only
 * once its accept has completed; what the model itself writes meanwhile (TDX's zeroing) goes through its own
 * alias mapping, so another vCPU touching the page during the accept is caught, as on hardware.
 *
 * The granule is the 4 KiB page, as on hardware: a 2 MiB unit is hidden whole while all of it is pending,
 * split into 4 KiB entries when part of it is accepted (tables reserved per unit before ExitBootServices),
 * and joined again when all of it is. Pending memory in a 2 MiB only partly inside a reported region is
 * NOT caught (a region's ragged ends; the unreported region of sim_fw_bug=pending-tail is caught at 4 KiB).
 */
typedef bool (*sim_unit_pending_fn)(u64 unit);		     /* all of [unit, unit + 2 MiB) pending */
typedef bool (*sim_touch_fn)(struct cpu_regs *regs, u64 addr); /* false: the #PF is a crash */

/* Before ExitBootServices, once the regions are final: a page table per 2 MiB unit the guard may split. */
const char *sim_guard_reserve(struct boot_info *b, const struct sim_memory *mem);
u64 sim_guard_units(const struct sim_memory *mem);
/* After ExitBootServices (the kernel's page tables in place): hides the pending pages, hooks #PF. */
void sim_guard_install(const struct sim_memory *mem, sim_unit_pending_fn pending, sim_touch_fn touch);
/* Makes every 4 KiB page that [start, end) overlaps present again: once they are accepted, or for a write
 * of the model's own (a test's poison). Under the chunk's lock (sim_chunk_lock()), as every edit of the
 * guard's tables: one unit's table is one chunk's. */
void sim_guard_open(u64 start, u64 end);
/* Does the guest map the 2 MiB around va as one 2 MiB page? The guard's own 4 KiB split of it (for pages
 * that are still pending) counts as the 2 MiB page it stands for: it is the model's, not the guest's. */
bool sim_guard_maps_large(u64 va);
/* platform_model_ops.host_back of both models: the host backs pending memory now (zeroes it), states
 * unchanged; takes each chunk's lock (sim_chunk_lock()) itself. */
void sim_host_back(u64 start, u64 size);
/* The lock of the 2 MiB chunk addr lies in (sim_chunk_lock.c): a model's page state of that chunk and the
 * guard's tables for it change only under it. */
struct spinlock *sim_chunk_lock(u64 addr);
/*
 * Does the bitmap word (of word_bits bits, one per 4 KiB page from region_start) that holds page bit lie in
 * one 2 MiB chunk? Then its writers all hold that chunk's lock and may store plainly; a word at a chunk's
 * edge (a region need not start aligned) is changed atomically.
 */
static inline bool sim_bit_word_in_one_chunk(u64 region_start, u64 bit, u64 word_bits)
{
	u64 first = region_start + ALIGN_DOWN(bit, word_bits) * 4096;

	return ALIGN_DOWN(first, 2 * MiB) == ALIGN_DOWN(first + (word_bits - 1) * 4096, 2 * MiB);
}

/*
 * A confidential guest's limits after ExitBootServices (sim_protect.c): native port I/O becomes the
 * exception the hardware raises, handed to trap (false: no handler took it, the guest is lost), and the
 * firmware's runtime code is unmapped. Install first thing after ExitBootServices.
 */
typedef bool (*sim_io_trap_fn)(u16 port, unsigned size, bool in, u32 *value);
void sim_protect_install(const char *model_name, sim_io_trap_fn trap);
/* The model (the host) ends the run: prints natively what happened, exits "crashed". */
__noreturn void sim_stop(const char *what, u64 value);

#endif
