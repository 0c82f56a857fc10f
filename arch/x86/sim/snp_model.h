/* SPDX-License-Identifier: MIT */
/*
 * The model of the SNP firmware, RMP and hypervisor that answers PVALIDATE and VMGEXIT under TCG.
 * snp_model.c: the RMP (per 4 KiB page: assigned to the guest, validated; per 2 MiB: RMP/host page size)
 * and PVALIDATE. snp_model_hv.c: the hypervisor behind VMGEXIT (MSR protocol and GHCB page protocol).
 */
#ifndef ARCH_X86_SIM_SNP_MODEL_H
#define ARCH_X86_SIM_SNP_MODEL_H

#include <arch/sim.h>
#include <ccktf/platform.h>
#include <ccktf/spinlock.h>

struct snp_discovery;

/*
 * What the model did, for the boot log and the snp suite: u64 counts only (snp_model_counters_read() sums
 * them field by field). Each CPU counts in a slot of its own (SNP_MODEL_COUNT()), so that no count the
 * vCPUs bump on every PVALIDATE moves one cache line between the host's cores (docs/benchmarks.md
 * "Scaling": such lines and one lock over the whole RMP held 2 vCPUs to about 1.3x the speed of one).
 */
struct snp_model_counters {
	u64 pvalidates, psmash, msr_exits, ghcb_exits, ioio_exits, psc_exits, psc_entries, guest_requests;
	u64 double_validations; /* PVALIDATE(validate) of a page already validated: CF=1 */
};
struct snp_model_counters *snp_model_count(void); /* this CPU's slot: only this CPU writes it */
/* Relaxed atomic: an NMI's exit on the same CPU may count in between, and readers load atomically. */
#define SNP_MODEL_COUNT(field, n) __atomic_fetch_add(&snp_model_count()->field, (n), __ATOMIC_RELAXED)
struct snp_model_counters snp_model_counters_read(void);
/*
 * The RMP and the model's other page state, changed from whichever vCPU's #UD answers PVALIDATE or a
 * VMGEXIT, under the lock of the 2 MiB chunk the page lies in (sim_chunk_lock(), arch/sim.h: by chunk,
 * whether or not the page is in one of the model's regions, since a chunk may hold a region's end and pages
 * beyond): held across each PVALIDATE and each Page State Change entry, which never cover more than one
 * chunk, so that a racing second validation of a page sees the first one's result. APM vol. 3 PVALIDATE
 * has no busy status: it returns SUCCESS with CF=0 (the Validated bit changed) or CF=1 (it already had the
 * asked value), FAIL_INPUT or FAIL_SIZEMISMATCH, so two PVALIDATEs of one page take effect one after the
 * other and exactly one of them changes the entry; a lock per chunk gives one such order (coarser than the
 * hardware's per-entry order, never more permissive), and the guard's edits of the chunk's mapping are
 * under the same lock. The small table of pages outside the model's regions has a leaf lock of its own.
 */

/* Before ExitBootServices: the model's bookkeeping for the regions it presents as unaccepted. */
const char *snp_model_init(struct boot_info *b, const struct sim_memory *mem);
void snp_model_discovery(struct snp_discovery *d);
void snp_model_describe(char *buf, size_t size);
/* At ExitBootServices: does the modelled firmware accept everything (no AllowUnacceptedMemory())? */
bool snp_model_exit_boot_services(void);
/* Does the map show no unaccepted memory, the firmware having accepted it all (deployed; near-future at
 * ExitBootServices without AllowUnacceptedMemory())? */
bool snp_model_firmware_accepted_all(void);
bool snp_model_pvalidate(struct cpu_regs *r);
/* After ExitBootServices: memory not validated faults on touch, and the touch becomes #VC 0x404. */
void snp_model_guard_install(void);
bool snp_model_vmgexit(struct cpu_regs *r);
extern const struct platform_model_ops snp_model_ops;

/* The RMP as the hypervisor side changes it (Page State Change). False: not a page the model knows. */
bool snp_rmp_assign(u64 pfn, bool private_);
bool snp_rmp_is_assigned(u64 pfn);
bool snp_rmp_is_validated(u64 pfn);
bool snp_rmp_set_validated(u64 pfn, bool v);
/* The 2 MiB region's "RMP entries are 4K" flag, NULL outside the model's regions. */
u8 *snp_rmp_4k_flag(u64 addr);
/* The status injected for this page (model->inject_error), consumed; 0 if none. */
u64 snp_rmp_take_injection(u64 pfn);
/* snp_model_ghcb.c: one exit through the registered, shared GHCB page at gpa. */
void snp_model_ghcb_page(u64 gpa);
/* snp_model_blob.c: the CC blob with the secrets and CPUID pages (before ExitBootServices). */
const char *snp_model_install_cc_blob(struct boot_info *b, u8 **secrets_page);
/* What the model's part answers for CPUID (leaf 0x8000001F: SNP with SIM_SNP_CBIT). */
void snp_model_cpuid(u32 leaf, u32 subleaf, u32 out[4]);
/* snp_model_svsm.c: the guest below a modelled SVSM (sim_svsm=1). */
unsigned snp_model_guest_vmpl(void);			       /* 0 without an SVSM */
const char *snp_model_svsm_init(struct boot_info *b, u8 *secrets); /* fills the secrets page's SVSM fields */
bool snp_model_rmpadjust(struct cpu_regs *r);
u64 snp_model_svsm_run(u64 req, struct cpu_regs *r); /* an SNP Run VMPL request: the response */
u64 snp_model_svsm_calls(void);
/* snp_model_pvalidate.c: a PVALIDATE the SVSM runs for the guest, by GPA: the status, CF in *unchanged. */
u64 snp_model_svsm_validate(u64 gpa, bool large, bool validate, bool *unchanged);
/* snp_model_guest_req.c: the VMPCKs into the secrets page (at launch, snp_model_blob.c), and an SNP Guest
 * Request exit: the SW_EXITINFO2 to answer (the firmware's status in 31:0, the hypervisor's in 63:32). */
const char *snp_model_psp_init(struct boot_info *b, u8 *secrets);
u64 snp_model_guest_request(u64 req_gpa, u64 resp_gpa);
u64 snp_model_psp_rejected(void);
/* handoff=self (sim_handoff.h): stage 1 names the RMP and the PSP's state; stage 2 adopts them in place. */
struct sim_handoff;
const char *snp_model_handoff_save(struct sim_handoff *h);
const char *snp_model_adopt(const struct sim_handoff *h, const struct sim_memory *m);
/* snp_model_guest_req.c: where the PSP's state (its VMPCKs, last sequence numbers) lives; adopted in stage 2. */
const char *snp_model_psp_state(u64 *pa, u64 *bytes);
const char *snp_model_psp_adopt(u64 pa, u64 bytes);
/* The hypervisor gives up on the guest: native port I/O for the message, then exit "crashed". */
__noreturn void snp_model_fatal(const char *what, u64 value);

#endif
