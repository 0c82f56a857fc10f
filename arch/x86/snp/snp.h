/* SPDX-License-Identifier: MIT */
/*
 * The SEV-SNP guest backend, shared by the "snp" platform (hardware) and "sim-snp" (the same backend
 * against the model in arch/x86/sim/snp_model*.c). The only thing the two platforms do differently is
 * how they fill struct snp_discovery: from CPUID and SEV_STATUS on hardware, from the model under TCG
 * (which executes CPUID natively, so it could never report SNP).
 */
#ifndef ARCH_X86_SNP_SNP_H
#define ARCH_X86_SNP_SNP_H

#include <ccktf/platform.h>
#include <ccktf/types.h>
#include "mm/accept.h"

struct boot_info;

/* What the platform is, as discovered before anything else runs. */
struct snp_discovery {
	u32 cpuid_eax;    /* CPUID 0x8000001F EAX: SEV, SEV-ES, SNP, SVSM bits */
	u32 cpuid_ebx;    /* CPUID 0x8000001F EBX: C-bit, COHERENCY_SFW_NO */
	unsigned cbit;    /* C-bit position in a page-table entry */
	u64 sev_status;   /* MSR 0xC0010131 */
	const char *source; /* where the facts came from, for the boot log */
};

/* snp.c: CPUID 0x8000001F and SEV_STATUS, safe on machines that have neither. */
bool snp_discover_hardware(struct snp_discovery *d);

/* The attributes every SNP guest has; snp_has() adds those found at run time (an SVSM). */
#define SNP_ATTRS                                                                                   \
	(CC_ATTR_BIT(CC_ATTR_SEV_SNP_GUEST) | CC_ATTR_BIT(CC_ATTR_REACCEPT_IS_FINDING) |            \
	 CC_ATTR_BIT(CC_ATTR_GUEST_STATE_PROTECTED))

/* snp_setup.c: the backend's platform steps, after the platform filled d. */
const char *snp_setup_before_exit(struct boot_info *b, const struct snp_discovery *d);
const char *snp_setup_after_exit(void);
/* In place of snp_setup_before_exit() in a stage without boot services (handoff=self's stage 2): the CC
 * blob from the inherited configuration tables, ghcb_page from that stage's allocator. */
const char *snp_setup_without_boot_services(struct boot_info *b, const struct snp_discovery *d, void *ghcb_page);
/* snp_kexec.c: stage 1 of handoff=self, just before the jump: every page this guest made shared, its GHCB
 * last, private again (Linux snp_kexec_finish()); no port I/O after it. NULL or why not (before anything). */
const char *snp_kexec_refusal(void);
void snp_kexec_finish(void);
void snp_describe(char *buf, size_t size);
/* platform_ops.identify for snp and sim-snp: the secrets page head read before ExitBootServices. */
void snp_identify(char *buf, size_t size);

/*
 * snp_identity.c (pure): what an SNP guest can read of its platform without a guest request to the
 * firmware (docs/abi.md): the secrets page's VERSION, IMIEN and FMS, beside CPUID Fn0000_0001 EAX.
 */
struct snp_secrets_identity {
	bool present; /* a one-page secrets page was named by the CC blob */
	u32 version, imien, fms;
};
void snp_secrets_identity_read(const u8 *page, u64 secrets_pa, u32 secrets_size, struct snp_secrets_identity *out);
void snp_identity_format(const struct snp_secrets_identity *s, u32 cpuid_1_eax, char *buf, size_t size);
bool snp_has(enum cc_attr attr);
__noreturn void snp_terminate(const char *why);
u64 snp_accept_range(u64 start, u64 size, struct accept_stats *stats);
u64 snp_ghcb_gpa(void); /* the boot CPU's GHCB */
/* snp_setup.c, for the AP waker: what HV_FEATURES said; SEV_STATUS; a private page made shared as the
 * GHCB is (rescind, page-state change, C-bit cleared): NULL or why not. */
u64 snp_hv_features(void);
u64 snp_sev_status(void);
const char *snp_make_page_shared(void *page);

/* snp_insn.asm: the instructions themselves. */
u32 snp_pvalidate(u64 va, u32 page_size, u32 validate, bool *rmp_unchanged);
void snp_vmgexit(void);
/* RMPADJUST (APM vol. 3): RAX = VA, RCX = page size, RDX = target VMPL and attributes; the status. */
u32 snp_rmpadjust(u64 va, u32 page_size, u64 attrs);
/* Reads an MSR under whatever IDT is loaded (firmware's or ours): 0, or -1 when it raised #GP. */
int snp_rdmsr_probe(u32 msr, u64 *value);

/* ghcb.c: the GHCB MSR, the MSR protocol and the GHCB page protocol. */
/* See ghcb.c: the register itself where the CPU does not implement it; per CPU, as the MSR is. */
u64 *ghcb_msr_slot(void);
#define ghcb_msr_shadow (*ghcb_msr_slot()) /* this CPU's */
extern u64 ghcb_msr_boot;		   /* the boot CPU's */
/* From the first AP's start on, the GHCB and its MSR are this CPU's (read through the GS base). */
void ghcb_enable_per_cpu(void);
/* AP index's GHCB page (shared) and GPA, before it starts; it registers the GPA itself. */
void snp_ghcb_set_cpu(u32 index, void *page, u64 gpa);
u64 ghcb_current_gpa(void); /* this CPU's GHCB GPA */
u32 snp_cpu_index(void);    /* this CPU's slot (arch/percpu.h) once per-CPU, else 0 */
void ghcb_msr_probe(void);
bool ghcb_msr_is_native(void);
void ghcb_msr_write(u64 value);
u64 ghcb_msr_read(void);
u64 ghcb_msr_call(u64 request); /* write, VMGEXIT, read the response */
void snp_round_trip(void);	 /* an empty VMGEXIT, for the benchmarks */
__noreturn void ghcb_terminate(unsigned reason_set, unsigned reason);
bool ghcb_msr_cpuid(u32 fn, unsigned reg, u32 *value);
/* SEV_INFO and HV_FEATURES; on failure the set-0 termination reason (protocol / SNP unsupported). */
const char *ghcb_negotiate(unsigned *version, unsigned *hv_cbit, u64 *hv_features, unsigned *term_reason);
const char *ghcb_register(u64 gpa);
void ghcb_page_init(void *page, u64 gpa);
bool ghcb_ready(void);
void ghcb_page_retire(void); /* the GHCB page protocol off: MSR protocol only (snp_kexec.c) */
void *ghcb_page(void);
void ghcb_set_field(unsigned offset, u64 value);
u64 ghcb_field(unsigned offset);
bool ghcb_field_valid(unsigned offset);
void ghcb_clear_valid(void);
/* Runs one exit through the GHCB page; returns SW_EXITINFO1[31:0] (0 = no error) and info2. */
u64 ghcb_call(u64 exit_code, u64 info1, u64 info2, u64 *out_info2);

/* svsm.c: below VMPL0, validation goes through the SVSM (SVSM_CORE_PVALIDATE). */
/* After the GHCB protocol is negotiated: NULL (VMPL0, or an SVSM found), or why the guest must stop,
 * with Linux's set-1 reason code in term_reason. */
const char *svsm_setup(u64 secrets_pa, u32 secrets_size, u64 hv_features, unsigned *term_reason);
bool svsm_present(void);
/* Before ExitBootServices: an SVSM the secrets page names is used from then on (svsm_setup() confirms). */
void svsm_read_secrets(u64 secrets_pa, u32 secrets_size);
/* One page through SVSM_CORE_PVALIDATE; returns the SVSM's RAX (SVSM_* in arch/snp_spec.h). */
u64 svsm_pvalidate(u64 gpa, u32 page_size, u32 validate);
void svsm_describe(char *buf, size_t size);
unsigned svsm_guest_vmpl(void); /* the VMPL the guest runs at (0 without an SVSM) */
/* The AP at index calls the SVSM through its own Calling Area at caa_pa (Linux: per-CPU svsm_caa). */
void svsm_set_cpu_caa(u32 index, u64 caa_pa);
/* SVSM_CORE_CREATE_VCPU / DELETE_VCPU (the SVSM's RAX; SVSM_* in arch/snp_spec.h). */
u64 svsm_create_vcpu(u64 vmsa_gpa, u64 caa_gpa, u32 apic_id);
u64 svsm_delete_vcpu(u64 vmsa_gpa);

/* psc.c: page-state changes. Return the bytes from start changed (a prefix). */
u64 psc_set_range(u64 start, u64 size, unsigned op);
bool psc_msr_4k(u64 gpa, unsigned op);
u64 psc_last_error(void); /* the raw answer of the last refused change */
/* How psc_set_range() cuts a range (defaults: 253 entries, 2M where possible), and what it cost. The
 * benchmarks sweep it (docs/benchmarks.md bench.snp.psc.*) and restore it. */
struct psc_cfg {
	unsigned max_entries; /* per request, 1..PSC_MAX_ENTRIES */
	bool allow_2m;	      /* 2 MiB entries where the range allows */
	u64 exits;	      /* VMGEXITs for page-state changes through the GHCB so far */
};
extern struct psc_cfg psc_cfg;

/* pvalidate.c: PVALIDATE as the engine's per-page acceptor. */
struct snp_pvalidate_cfg {
	bool evict;	 /* COHERENCY_SFW_NO clear: snp_evict_cache() after every validation */
	/*
	 * Time each eviction (snp_evict_totals().ns): off unless a benchmark asks, since it reads the clock
	 * twice per validation, and under QEMU's TCG every RDTSC takes one lock shared by all vCPUs
	 * (softmmu/cpu-timers.c cpu_get_ticks(): vm_clock_lock, and a write of cpu_ticks_prev).
	 */
	bool time_evict;
};
extern struct snp_pvalidate_cfg snp_pvalidate_cfg;
/* What the coherency step cost so far, summed over the CPUs (each counts its own: see pvalidate.c). */
struct snp_evict_totals {
	u64 pages; /* 4 KiB pages evicted */
	u64 ns;	   /* time spent doing it (kernel clock) while snp_pvalidate_cfg.time_evict was set */
};
struct snp_evict_totals snp_evict_totals(void);
extern const struct page_acceptor snp_pvalidate_acceptor;

/* coherency.c: reads the first and last byte of each 4 KiB page of [va, va + pages * 4 KiB). */
void snp_evict_cache(u64 va, u64 pages);
enum cc_page_state snp_page_state(u64 addr, u64 *raw_status);
/* psc.c tells pvalidate.c what the guest changed: [start, start + size) made shared, or private again. */
void snp_note_page_state(u64 start, u64 size, bool made_shared);
/* The record: its i-th range (false past the last), and whether a range did not fit. */
bool snp_shared_range(unsigned i, u64 *start, u64 *end);
bool snp_shared_record_lost(void);
/*
 * Validates or rescinds one page, natively or through the SVSM: a PVALIDATE status (0, FAIL_INPUT,
 * FAIL_SIZEMISMATCH, or another non-zero value) with CF in *unchanged; *raw is what the hardware or the
 * SVSM really returned.
 */
u32 snp_validate(u64 va, u32 page_size, u32 validate, bool *unchanged, u64 *raw);

/* snp_nmi.c: NMI Complete after each NMI an AP takes (KVM keeps NMIs masked until then). */
void snp_nmi_install(void);			  /* in front of the NMI hook in place (smp's) */
/* AP index's private pages to save its GHCB in: for the NMI hook, and for the NMI Complete stub. */
void snp_nmi_set_backup(u32 index, void *nmi_page, void *stub_page);
u64 snp_nmi_completes(u32 index);		  /* NMI Completes AP index sent */

/* snp_io.c, snp_vc.c */
extern const struct portio_ops snp_portio;
void snp_vc_install(void);
struct cpu_regs;
struct snp_cpuid_table;
/* The #VC hook: CPUID answered (cpuid_table.c), MSR through the GHCB (a refusal becomes the #GP or #UD
 * the hypervisor named, for the *_safe fix-up: returns false then), anything else terminates the guest. */
bool snp_vc_handle(struct cpu_regs *r);
/* Per CPU (slot index): MSR exits taken through its GHCB, refused ones, and the last refusal's raw answer. */
struct snp_vc_msr_record {
	u64 exits, refused;
	u32 last_msr;
	u64 last_info1, last_info2;
};
const struct snp_vc_msr_record *snp_vc_msr_record(u32 cpu);
/* The CPUID page to answer from; NULL: the hypervisor answers (sub-leaf 0 only, checked). */
void snp_vc_set_cpuid_page(const struct snp_cpuid_table *t);
unsigned snp_cbit(void); /* the C-bit position the guest runs with */
/* The SNP CPUID page the firmware provided (a copy), NULL without one. */
const struct snp_cpuid_table *snp_cpuid_page(void);

#endif
