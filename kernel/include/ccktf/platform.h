/* SPDX-License-Identifier: MIT */
/*
 * The confidential-computing platform the kernel runs on, behind one ops table (as Linux arch/x86/coco/
 * splits TDX and SEV). Platforms register themselves in the "platforms" linker section; the core never
 * asks "is this TDX?". Hardware models (sim-tdx, sim-snp) are platforms too: they run the real backend
 * and answer its instructions from a trap handler.
 */
#ifndef CCKTF_PLATFORM_H
#define CCKTF_PLATFORM_H

#include <ccktf/types.h>
#include "mm/accept.h"

struct boot_info;
struct efi_memmap_snapshot;

/*
 * What a platform can do or is, asked by tests and the core with cc_platform_has() (after Linux
 * include/linux/cc_platform.h): never by the platform's name.
 */
enum cc_attr {
	CC_ATTR_TDX_GUEST,		/* the TDX guest ABI: TDCALL, TDG.VP.VMCALL, #VE */
	CC_ATTR_SEV_SNP_GUEST,		/* the SEV-SNP guest ABI: PVALIDATE, GHCB, #VC */
	CC_ATTR_HW_MODEL,		/* a software model answers the platform's instructions (sim-*) */
	CC_ATTR_ACCEPT_ZEROES,		/* accepting a page zeroes it (TDX: yes; SNP PVALIDATE: no) */
	CC_ATTR_REACCEPT_IS_FINDING,	/* accepting accepted memory is a protocol violation (SNP CF=1) */
	CC_ATTR_GUEST_STATE_PROTECTED,	/* port I/O and firmware runtime code trap (#VE / #VC) */
	CC_ATTR_SVSM,			/* below VMPL0: validation goes through an SVSM (runtime) */
	CC_ATTRS,
};

#define CC_ATTR_BIT(a) (1ull << (a))

/* What the platform says of one 4 KiB page (platform_ops.page_state). */
enum cc_page_state {
	CC_PAGE_UNKNOWN, /* the platform gave no clear answer (raw status says what it did answer) */
	CC_PAGE_PENDING, /* not accepted when asked */
	CC_PAGE_ACCEPTED,
	/*
	 * Shared with the host, so neither accepted nor pending. SNP: a page the guest made shared (PVALIDATE
	 * rescind, then a Page State Change to shared) is hypervisor-owned in the RMP, Assigned = 0 and
	 * Validated = 0 (APM vol. 2 15.36, the RMP entry; GHCB spec 4.1.6): not validated, nor waiting to be;
	 * the way back is a PSC to private, not a validation. Answered only where the platform knows it
	 * without asking the hardware (the backend's record of what it shared, a model's state), never guessed.
	 */
	CC_PAGE_SHARED,
};

/*
 * A model's firmware (the matrix figures, docs/protocol.md "Boot figures"): which kind it behaves as, how
 * much memory it left unaccepted at reset, and what it accepted by itself (not through AcceptMemory() on
 * the OS's behalf), when, and the model's time for it.
 */
struct model_firmware_report {
	const char *kind;	 /* deployed, near-future, far-future, tdvf */
	u64 unaccepted_at_reset; /* bytes the modelled platform started with not accepted */
	u64 accepted_bytes;	 /* of those, accepted by the firmware on its own */
	u64 accepted_ns;	 /* the model's time doing so (RMP/S-EPT bookkeeping only, no trapped instruction) */
	const char *accepted_when; /* "none", "reset" (before the OS runs), "ExitBootServices" */
	u64 pending_bytes;	 /* the model's own state, when asked: of those, still not accepted */
	u64 os_accepted_bytes;	 /* accepted since reset, net, other than by the firmware on its own */
};

/*
 * How the platform starts its application processors: each has a waker (arch/x86/include/arch/ap_wake.h);
 * one ccktf lacks is reported as skipped, by name.
 */
enum cpu_wake {
	CPU_WAKE_UNDECLARED,	/* the platform says nothing: no AP is started */
	CPU_WAKE_INIT_SIPI,	/* INIT-SIPI-SIPI through the local APIC (Intel SDM vol. 3A 9.4.4) */
	CPU_WAKE_MADT_MAILBOX,	/* ACPI MADT Multiprocessor Wakeup mailbox (Linux madt_wake.c): a TD has no INIT/SIPI */
	CPU_WAKE_SNP_AP_CREATE,	/* SNP AP Creation NAE with a VMSA (Linux wakeup_cpu_via_vmgexit()) */
};

/*
 * What tests may ask of a hardware model, to force the cases real hardware produces only sometimes.
 * NULL on real hardware: tests that need it skip.
 */
struct platform_model_ops {
	/* The host maps the 2 MiB region at addr with 4 KiB pages (a 2M accept then gets SIZE_MISMATCH). */
	void (*set_host_4k)(u64 addr, bool host_4k);
	/* The next accept that touches the 4 KiB page at addr fails with this raw status (0: clear). */
	void (*inject_error)(u64 addr, u64 raw_status);
	/* Writes a non-zero pattern into a page that is not yet accepted (a model has no real protection). */
	void (*poison)(u64 addr);
	/* The model's own view: is the 4 KiB page at addr accepted (TDX) / validated (SNP)? */
	bool (*page_accepted)(u64 addr);
	/*
	 * Accepts since boot that found their page already accepted or being accepted by another vCPU (TDX:
	 * PAGE_ALREADY_ACCEPTED or OPERAND_BUSY on a locked S-EPT entry; SNP: PVALIDATE CF=1). The parallel
	 * acceptance tests read it before and after a race: it must not move. NULL: not counted.
	 */
	u64 (*double_accepts)(void);
	/* Has the guest made the 4 KiB page at addr shared (SNP: a PSC to shared, not since undone)? NULL:
	 * the model has no shared pages. */
	bool (*page_shared)(u64 addr);
	/*
	 * The host backs pending memory in [start, start + size) now, as QEMU's prealloc=on would have (the
	 * model zeroes it with REP STOSQ; acceptance state unchanged). Benchmarks only: it makes "warm" memory to accept
	 * (docs/benchmarks.md "Cold and warm memory"); a real guest cannot ask this of its host.
	 */
	void (*host_back)(u64 start, u64 size);
	/* The modelled firmware: its kind and what it accepted on its own (struct model_firmware_report). */
	void (*firmware)(struct model_firmware_report *out);
	/*
	 * Probes only (kernel/probe.c): the next accept that covers the 4 KiB page at addr, once past its checks
	 * and with the page still pending, sets *state to 1 and waits while it stays 1. NULL: the model's
	 * accept has no such window (SNP's PVALIDATE changes the RMP in one step).
	 */
	void (*hold_accept)(u64 addr, volatile u32 *state);
};

/*
 * What stage 2 of handoff=self (the 64-bit boot-protocol entry, no boot services) lends a platform that
 * takes handed-over state in: a reader of physical memory (NULL: not readable), the question whether a range
 * overlaps e820 RAM, and its early page allocator.
 */
struct handoff_stage2 {
	const void *(*read)(u64 pa, u64 bytes);
	bool (*overlaps_ram)(void *ctx, u64 start, u64 end);
	u64 (*alloc_pages)(u64 pages);
};

/*
 * handoff=self (docs/bzimage.md "handoff=self"): how a platform hands its state to the next ccktf stage.
 * A platform without this table has nothing to hand over; one whose guest state is protected and that is
 * not a model is refused before (stage 2's entry does port I/O before it has a #VE/#VC handler).
 */
struct platform_handoff_ops {
	/* Stage 1, after its tests: NULL and where the state lies (*pa, *bytes, for the platform's setup_data
	 * node), or why it cannot cross. */
	const char *(*save)(u64 *pa, u64 *bytes);
	/* Stage 1, the last step before the jump (SNP: every shared page private again). NULL: none. */
	void (*finish)(void);
	/* Stage 2, before it allocates for the platform: checks and takes over the state at [pa, pa + bytes);
	 * NULL or why it refuses. */
	const char *(*adopt)(u64 pa, u64 bytes, const struct handoff_stage2 *env);
};

struct platform_ops {
	const char *name;     /* none, tdx, snp, sim-tdx, sim-snp: printed with every result */
	int auto_priority;    /* platform=auto picks the detected platform with the highest; <0: never auto */
	bool (*detect)(void); /* is the hardware (or model) there? */
	/*
	 * Before ExitBootServices (boot services usable): e.g. SNP's AllowUnacceptedMemory(), a model taking
	 * the memory it will present as unaccepted. Returns NULL, or a message saying what failed.
	 */
	const char *(*setup_before_exit)(struct boot_info *b);
	/* A model presents part of memory as unaccepted: rewrites the types in a map the firmware returned. */
	void (*adjust_memmap)(struct efi_memmap_snapshot *m);
	/* After ExitBootServices, on the kernel's IDT: exception hooks, the port-I/O backend. */
	const char *(*setup_after_exit)(void);
	/* One line saying what was detected (TD attributes and GPAW, SEV status, ...), for the boot log. */
	void (*describe)(char *buf, size_t size);
	/*
	 * After describe: the key=value words that identify the platform's firmware (TDX module version, SNP
	 * secrets page and what is missing), for the "# platform-identity:" line (docs/protocol.md). Raw
	 * statuses where a read failed, never a guessed value. NULL: nothing to identify.
	 */
	void (*identify)(char *buf, size_t size);
	/*
	 * Accepts [start, start + size), 4 KiB aligned; returns the bytes accepted from start (a prefix: less
	 * than size is a hard error, recorded in stats). NULL: the platform has nothing to accept.
	 */
	u64 (*accept_range)(u64 start, u64 size, struct accept_stats *stats);
	/*
	 * Is the 4 KiB page at addr accepted, as the platform itself reports it? Hardware has no read-only
	 * query: the page is accepted again at 4K (TDX: PAGE_ALREADY_ACCEPTED; SNP: PVALIDATE CF=1), so a
	 * PENDING answer leaves it accepted. Models answer from their state. Works before ExitBootServices.
	 * SHARED where the platform knows the guest shared the page (then nothing is asked of the hardware).
	 */
	enum cc_page_state (*page_state)(u64 addr, u64 *raw_status);
	/* One call into the platform that does nothing useful (a TDCALL, a VMGEXIT): the fixed cost of a
	 * round trip, for the benchmarks. NULL when there is nothing to call. */
	void (*round_trip)(void);
	/*
	 * Ends the guest through the platform's own channel, saying why as far as it can: SNP a GHCB
	 * termination request (a reason code), TDX TDG.VP.VMCALL<ReportFatalError> (a 64-byte message). Used
	 * where the console cannot be written (before the platform's port I/O works) and as the last step of
	 * every exit on a confidential guest. NULL: none (the kernel halts).
	 */
	__noreturn void (*terminate)(const char *why);
	u64 attrs;			       /* CC_ATTR_BIT()s that always hold */
	bool (*has)(enum cc_attr attr);	       /* those found at run time (NULL: none) */
	const struct platform_model_ops *model; /* NULL on real hardware */
	enum cpu_wake cpu_wake;		       /* how its application processors are started */
	const struct platform_handoff_ops *handoff; /* handoff=self; NULL: nothing crosses */
};

#define PLATFORM_REGISTER(ops_) \
	static const struct platform_ops *const platform_ptr_##ops_ __section("platforms") __used = &(ops_)

/* Picks the platform by name ("auto" detects); NULL with a message in err when it is not available. */
const struct platform_ops *platform_select(const char *name, char *err, size_t err_size);
const struct platform_ops *platform_current(void);
const char *platform_name(void);
/*
 * The "# platform-identity:" line's words (docs/protocol.md): platform=NAME source=hardware|model|none,
 * then the platform's identify() words.
 */
void platform_identity_line(char *buf, size_t size);
/* Does the current platform have attr? False before a platform is selected. */
bool cc_platform_has(enum cc_attr attr);

#endif
