/* SPDX-License-Identifier: MIT */
/*
 * A model of the Intel TDX module for machines without TDX (arch/x86/sim/tdx_model.c answers TDCALL from
 * the #UD hook). Its page state is kept apart (tdx_model_pages.c: no I/O, no kernel services) so that the
 * host unit tests can include it.
 *
 * What TDG.MEM.PAGE.ACCEPT answers, read from the TDX module's own source (github.com/intel/tdx-module,
 * src/td_dispatcher/vm_exits/tdg_mem_page_accept.c, check_tdaccept_failure(); statuses carry the
 * module's operand id / S-EPT level in their low 32 bits, api_error_with_operand_id()):
 *
 *  - RCX reserved bits, level above 2M, GPA not aligned to the level (verify_page_info_input()), GPA at or
 *    above 2^GPAW or with the shared bit (check_gpa_validity(..., PRIVATE_ONLY)):
 *    TDX_OPERAND_INVALID | operand RCX (1).
 *  - A GPA the model does not present as unaccepted: TDX_OPERAND_INVALID | RCX. DELIBERATELY STRICTER than
 *    hardware, where RAM the firmware accepted answers ALREADY_ACCEPTED and an unmapped GPA makes the
 *    module exit to the VMM with an EPT violation: here a kernel accepting outside its unaccepted ranges
 *    gets a hard error a test sees.
 *  - An injected status (model->inject_error) for a page the request covers, once the checks above and the
 *    size check below have passed (the accept that would really work on that page): that status, once.
 *  - 4K, page accepted: TDX_PAGE_ALREADY_ACCEPTED | level of the host's leaf (1 when the host maps the 2 MiB
 *    around it as one accepted 2M leaf, the module's "case 1.1"; else 0).
 *  - 4K, page pending: SUCCESS, page zeroed. Were the host mapping that 2 MiB as one pending 2M leaf, the
 *    module would exit to the VMM with an EPT violation at the accept level ("case 1.2") and KVM would split
 *    the leaf and resume the TD, whose TDCALL then succeeds: the guest sees SUCCESS either way.
 *  - 2M, the host maps the 2 MiB with 4K pages: TDX_PAGE_SIZE_MISMATCH | 1 ("case 3": a non-leaf S-EPT entry
 *    at the requested level), whether none, some or all of the 512 pages are accepted. The host maps 4K
 *    when model->set_host_4k (or sim_host_map=4k) says so, and also, necessarily, when the 512 pages are in
 *    MIXED states (a host splits a pending 2M leaf when the guest accepts one 4K page of it, and can merge it
 *    back only when all 512 are in the same state: TDH.MEM.PAGE.PROMOTE) or when the 2 MiB is not all the
 *    model's memory.
 *  - 2M, one 2M leaf, all 512 accepted: TDX_PAGE_ALREADY_ACCEPTED | 1, nothing zeroed.
 *  - 2M, one 2M leaf, all 512 pending: SUCCESS, 2 MiB zeroed.
 */
#ifndef ARCH_SIM_TDX_MODEL_H
#define ARCH_SIM_TDX_MODEL_H

#include <arch/sim.h>
#include <ccktf/spinlock.h>
#include <ccktf/types.h>

struct boot_info;
struct platform_model_ops;

#define TDX_MODEL_INJECTIONS 8
#define TDX_MODEL_POISON 0x5a5a5a5a5a5a5a5aull /* what model->poison writes into a pending page */

/* tdx_model_pages.c: the pure state */

struct tdx_pages_region {
	u64 start, end;	  /* [start, end), 4 KiB aligned */
	u64 chunk_base;	  /* start rounded down to 2 MiB: host-mapping bit 0 is that 2 MiB */
	u64 *accepted;	  /* a bit per 4 KiB page from start: set = accepted (TDX: S-EPT MAPPED) */
	u64 *host_4k;	  /* a bit per 2 MiB from chunk_base: set = the host maps it with 4 KiB pages */
};

struct tdx_injection {
	u64 page; /* 4 KiB aligned */
	u64 status;
};

/* An accept between its check and its S-EPT update: the module holds the entry's lock meanwhile. */
struct tdx_inflight {
	u64 gpa, bytes; /* bytes 0: free */
};

#define TDX_MODEL_INFLIGHT 64 /* one per vCPU at most (SMP_MAX_CPUS) */

struct tdx_pages {
	struct tdx_pages_region regions[SIM_MAX_REGIONS];
	unsigned count;
	unsigned gpaw;
	struct tdx_injection injections[TDX_MODEL_INJECTIONS]; /* status 0: free */
	struct spinlock injections_lock;			/* tdx_pages_inject()'s choice of a slot */
	struct tdx_inflight inflight[TDX_MODEL_INFLIGHT];
	u64 double_accepts; /* accepts that met a page already accepted or being accepted (BUSY) */
};

/* Bytes of state a region [start, end) needs; the caller hands tdx_pages_add_region() that much, zeroed. */
u64 tdx_pages_state_bytes(u64 start, u64 end);
void tdx_pages_init(struct tdx_pages *p, unsigned gpaw);
/* A region whose state (tdx_pages_state_bytes() at state, as a previous stage left it: handoff=self) is
 * taken over as it is. False when SIM_MAX_REGIONS are in use. */
bool tdx_pages_adopt_region(struct tdx_pages *p, u64 start, u64 end, void *state);
/* Every page pending; every 2 MiB mapped 4K by the host when host_4k. False when SIM_MAX_REGIONS are in use. */
bool tdx_pages_add_region(struct tdx_pages *p, u64 start, u64 end, void *zeroed_state, bool host_4k);
/* TDG.MEM.PAGE.ACCEPT with this RCX: the status, the state updated. The caller zeroes on TDX_SUCCESS. */
u64 tdx_pages_accept(struct tdx_pages *p, u64 page_info);
/*
 * The same in two steps, for several vCPUs. The caller serializes the calls for one 2 MiB chunk (every
 * request lies in one: tdx_model.c takes sim_chunk_lock()), not the zeroing between them; calls for
 * different chunks run at once, and what they share (the bitmap words, the in-flight slots, the injections,
 * the count) changes with atomic operations. The module locks the S-EPT entry, zeroes the page(s), writes
 * the entry MAPPED and unlocks it (tdg_mem_page_accept.c: sept_lock_acquire_guest(), init_sept_4k_page(),
 * sept_lock_release()); a
 * concurrent accept of a locked entry fails to take the lock and gets TDX_OPERAND_BUSY | operand RCX.
 * begin: the status; on TDX_SUCCESS the page(s) are in flight (locked, still pending) until end(), which
 * marks them accepted. Simplification: a 4K accept inside a 2M in flight (on hardware an EPT-violation exit
 * to the VMM, "case 1.2") also gets BUSY.
 */
u64 tdx_pages_accept_begin(struct tdx_pages *p, u64 page_info);
void tdx_pages_accept_end(struct tdx_pages *p, u64 page_info);
void tdx_pages_set_host_4k(struct tdx_pages *p, u64 addr, bool host_4k);
/* The next accept covering the page at addr answers status (0: clears); ignored when the table is full. */
void tdx_pages_inject(struct tdx_pages *p, u64 addr, u64 status);
/* Accepted, or (outside the model's memory) accepted by the firmware long ago. */
bool tdx_pages_accepted(const struct tdx_pages *p, u64 addr);
/* Inside the model's memory and not accepted yet. */
bool tdx_pages_pending(const struct tdx_pages *p, u64 addr);

/* tdx_model_sys.c: TDG.SYS.RD of the modelled 1.5 module (rules and sources there). Returns the status;
 * *value is R8, *next is RDX. */
u64 tdx_model_sys_rd(u64 field_id, u64 *value, u64 *next);

/* tdx_model_msr.c: the VMM's Instruction.RDMSR/WRMSR; a TDVMCALL_STATUS_* for R10. */
u64 tdx_model_vmm_rdmsr(u32 msr, u64 *value);
u64 tdx_model_vmm_wrmsr(u32 msr, u64 value);

/* tdx_model.c: the TDX module behind the #UD hook */

/* Before ExitBootServices: the page state for the memory sim_reserve_unaccepted() took. */
const char *tdx_model_init(struct boot_info *b, const struct sim_memory *mem);
/* handoff=self (sim_handoff.h): stage 1 writes the module's state into h; stage 2 takes it over (no boot
 * services: the page state stays where stage 1's model kept it, in reserved pages). */
struct sim_handoff;
const char *tdx_model_handoff_save(struct sim_handoff *h);
const char *tdx_model_adopt(const struct sim_handoff *h, const struct sim_memory *mem);
/* After ExitBootServices: answers TDCALL from now on. */
void tdx_model_attach(void);
u64 tdx_model_tdcalls_served(void);
extern const struct platform_model_ops tdx_model_ops;

#endif
