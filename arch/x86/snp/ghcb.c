/* SPDX-License-Identifier: MIT */
/*
 * The Guest-Hypervisor Communication Block (GHCB spec, pub. 56421): the GHCB MSR with its MSR protocol
 * (GHCB 2.3.1), and the GHCB page protocol (GHCB 2.1, 4.1). After Linux arch/x86/coco/sev/ and
 * edk2 OvmfPkg/Library/CcExitLib/.
 *
 * The GHCB MSR under TCG. QEMU's TCG does not implement MSR 0xC0010130 (nor 0xC0010131), and it does not
 * fault either: RDMSR of an MSR it does not know returns 0 and WRMSR is dropped, without #GP (checked
 * at boot with wrmsr_safe()/rdmsr_safe(): a written value does not read back; the log says which).
 * So every value written is also recorded in ghcb_msr_shadow (this CPU's), and where the CPU does not keep the MSR
 * the shadow IS the register: the responder behind VMGEXIT (the SNP model) reads the request from it
 * and leaves its response there. On hardware the MSR is real and the shadow is only a record.
 */
#include <arch/percpu.h>
#include <arch/snp_spec.h>
#include <arch/trap.h>
#include <ccktf/string.h>
#include "snp.h"

/*
 * Per CPU (GHCB spec 2.3.2: every vCPU registers its own GHCB GPA, and the GHCB MSR is per vCPU, as Linux
 * keeps runtime_data per CPU, arch/x86/coco/sev/core.c). The boot CPU's are the plain variables below (the
 * fuzz target drives them); an AP's live in ap_ghcb[] from snp_ghcb_set_cpu() on. Which CPU runs is read
 * from the GS base (arch/percpu.h) once ghcb_per_cpu is set, when the first AP is about to start; before
 * that only the boot CPU runs and the GS base may still be the firmware's.
 */
u64 ghcb_msr_boot;
static bool msr_native;
static u8 *ghcb;
static u64 ghcb_gpa;

struct ghcb_cpu {
	u64 msr; /* the GHCB MSR's value where the CPU does not keep it (see above) */
	u8 *page;
	u64 gpa;
};
static struct ghcb_cpu ap_ghcb[SMP_MAX_CPUS];
static bool ghcb_per_cpu;

u32 snp_cpu_index(void)
{
	u32 i = ghcb_per_cpu ? this_cpu_index() : 0;

	return i < SMP_MAX_CPUS ? i : 0;
}

u64 *ghcb_msr_slot(void)
{
	u32 i = snp_cpu_index();

	return i ? &ap_ghcb[i].msr : &ghcb_msr_boot;
}

void ghcb_enable_per_cpu(void)
{
	ghcb_per_cpu = true;
}

void snp_ghcb_set_cpu(u32 index, void *page, u64 gpa)
{
	if (index && index < SMP_MAX_CPUS)
		ap_ghcb[index] = (struct ghcb_cpu){ .page = page, .gpa = gpa };
}

/* This CPU's GHCB page and GPA (the boot CPU's before ghcb_page_init(): NULL, 0). */
static u8 *my_page(void)
{
	u32 i = snp_cpu_index();

	return i ? ap_ghcb[i].page : ghcb;
}

u64 ghcb_current_gpa(void)
{
	u32 i = snp_cpu_index();

	return i ? ap_ghcb[i].gpa : ghcb_gpa;
}

/* Does the CPU keep what is written to the GHCB MSR? SEV_INFO_REQ is a harmless value to write. */
void ghcb_msr_probe(void)
{
	u64 v = 0;

	msr_native = wrmsr_safe(MSR_SEV_GHCB, GHCB_MSR_SEV_INFO_REQ) < 0 && rdmsr_safe(MSR_SEV_GHCB, &v) < 0 &&
		     v == GHCB_MSR_SEV_INFO_REQ;
}

bool ghcb_msr_is_native(void)
{
	return msr_native;
}

void ghcb_msr_write(u64 value)
{
	ghcb_msr_shadow = value;
	if (msr_native)
		wrmsr_safe(MSR_SEV_GHCB, value);
}

u64 ghcb_msr_read(void)
{
	u64 v;

	if (msr_native && rdmsr_safe(MSR_SEV_GHCB, &v) < 0)
		return v;
	return ghcb_msr_shadow;
}

u64 ghcb_msr_call(u64 request)
{
	ghcb_msr_write(request);
	snp_vmgexit();
	return ghcb_msr_read();
}

/*
 * The benchmarks' empty round trip: a SEV_INFO request over the MSR protocol (GHCB spec 2.3.1) asks the
 * hypervisor nothing it must work for. The MSR then points at the GHCB again, as Linux leaves it.
 */
void snp_round_trip(void)
{
	ghcb_msr_call(GHCB_MSR_SEV_INFO_REQ);
	ghcb_msr_write(ghcb_current_gpa());
}

static bool response_is(u64 resp, u64 code)
{
	return (resp & GHCB_MSR_INFO_MASK) == code;
}

/* GHCB 2.3.1 "Termination Request": the hypervisor never resumes the guest. */
void ghcb_terminate(unsigned reason_set, unsigned reason)
{
	ghcb_msr_write(GHCB_MSR_TERM_REQ | (reason_set & GHCB_MSR_TERM_SET_MASK) << GHCB_MSR_TERM_SET_SHIFT |
		       (u64)(reason & GHCB_MSR_TERM_REASON_MASK) << GHCB_MSR_TERM_REASON_SHIFT);
	for (;;) {
		snp_vmgexit();
		asm volatile("hlt");
	}
}

/* GHCB 2.3.1 "CPUID Request": one register per request. */
bool ghcb_msr_cpuid(u32 fn, unsigned reg, u32 *value)
{
	u64 resp = ghcb_msr_call(GHCB_MSR_CPUID_REQ | (u64)fn << GHCB_MSR_CPUID_FUNC_SHIFT |
				 (reg & GHCB_MSR_CPUID_REG_MASK) << GHCB_MSR_CPUID_REG_SHIFT);

	*value = (u32)(resp >> GHCB_MSR_CPUID_VALUE_SHIFT);
	return response_is(resp, GHCB_MSR_CPUID_RESP);
}

/* SEV_INFO (protocol range, C-bit) then HV_FEATURES (SNP bit), as Linux sev_es_negotiate_protocol()
 * and snp_check_features() do. A mismatch is fatal there; here it is returned as a message. */
const char *ghcb_negotiate(unsigned *version, unsigned *hv_cbit, u64 *hv_features, unsigned *term_reason)
{
	u64 info = ghcb_msr_call(GHCB_MSR_SEV_INFO_REQ), ft;
	unsigned max = (info >> GHCB_MSR_PROTO_MAX_SHIFT) & GHCB_PROTO_FIELD_MASK;
	unsigned min = (info >> GHCB_MSR_PROTO_MIN_SHIFT) & GHCB_PROTO_FIELD_MASK;

	*term_reason = GHCB_TERM_PROTOCOL_UNSUPPORTED;
	if (!response_is(info, GHCB_MSR_SEV_INFO_RESP))
		return "SEV_INFO request got no SEV_INFO response";
	if (max < GHCB_PROTOCOL_SNP || min > GHCB_PROTOCOL_SNP)
		return "the hypervisor does not speak GHCB protocol version 2";
	*version = GHCB_PROTOCOL_SNP;
	*hv_cbit = (info >> GHCB_MSR_CBIT_SHIFT) & GHCB_CBIT_FIELD_MASK;
	ft = ghcb_msr_call(GHCB_MSR_HV_FT_REQ);
	*term_reason = GHCB_TERM_SNP_UNSUPPORTED;
	if (!response_is(ft, GHCB_MSR_HV_FT_RESP) || !((ft >> GHCB_MSR_DATA_SHIFT) & GHCB_HV_FT_SNP))
		return "the hypervisor does not report the SNP feature (HV_FEATURES bit 0)";
	*hv_features = ft >> GHCB_MSR_DATA_SHIFT;
	return NULL;
}

/* GHCB 2.3.2 "GHCB GPA Registration": required under SNP before the page protocol is used. */
const char *ghcb_register(u64 gpa)
{
	u64 gfn = gpa >> GHCB_MSR_DATA_SHIFT;
	u64 resp = ghcb_msr_call(GHCB_MSR_REG_GPA_REQ | (gfn & GHCB_MSR_REG_GFN_MASK) << GHCB_MSR_DATA_SHIFT);

	if (!response_is(resp, GHCB_MSR_REG_GPA_RESP) || resp >> GHCB_MSR_DATA_SHIFT != gfn)
		return "the hypervisor refused to register the GHCB GPA";
	return NULL;
}

void ghcb_page_init(void *page, u64 gpa)
{
	ghcb = page;
	ghcb_gpa = gpa;
	memset(ghcb, 0, GHCB_PAGE_SIZE);
}

/* The GHCB page protocol off (handoff=self's stage 1, before its GHCB is made private again: Linux
 * snp_kexec_finish() clears boot_ghcb and sev_cfg.ghcbs_initialized): the MSR protocol only from here. */
void ghcb_page_retire(void)
{
	ghcb = NULL;
	ghcb_gpa = 0;
}

bool ghcb_ready(void)
{
	return my_page() != NULL;
}

void *ghcb_page(void)
{
	return my_page();
}

void ghcb_set_field(unsigned offset, u64 value)
{
	u8 *g = my_page();

	*(volatile u64 *)(g + offset) = value;
	g[GHCB_OFF_VALID_BITMAP + offset / 64] |= (u8)(1u << (offset / 8 % 8));
}

u64 ghcb_field(unsigned offset)
{
	return *(volatile u64 *)(my_page() + offset);
}

bool ghcb_field_valid(unsigned offset)
{
	return my_page()[GHCB_OFF_VALID_BITMAP + offset / 64] & (1u << (offset / 8 % 8));
}

void ghcb_clear_valid(void)
{
	memset(my_page() + GHCB_OFF_VALID_BITMAP, 0, GHCB_VALID_BITMAP_BYTES);
}

static void set_version_and_usage(void)
{
	u8 *g = my_page();

	*(volatile u16 *)(g + GHCB_OFF_PROTOCOL_VERSION) = GHCB_PROTOCOL_SNP;
	*(volatile u32 *)(g + GHCB_OFF_USAGE) = GHCB_USAGE_DEFAULT;
}

/*
 * One non-automatic exit (GHCB 4.1): the caller has cleared the valid bitmap and set its inputs; the
 * exit code and infos are set here, the MSR points at the GHCB (GHCB 2.3.1: the MSR must hold the GHCB
 * GPA at VMGEXIT time, after any MSR-protocol use), and SW_EXITINFO1[31:0] is the hypervisor's verdict.
 */
u64 ghcb_call(u64 exit_code, u64 info1, u64 info2, u64 *out_info2)
{
	set_version_and_usage();
	ghcb_set_field(GHCB_OFF_SW_EXIT_CODE, exit_code);
	ghcb_set_field(GHCB_OFF_SW_EXIT_INFO_1, info1);
	ghcb_set_field(GHCB_OFF_SW_EXIT_INFO_2, info2);
	ghcb_msr_write(ghcb_current_gpa());
	snp_vmgexit();
	if (out_info2)
		*out_info2 = ghcb_field(GHCB_OFF_SW_EXIT_INFO_2);
	return ghcb_field(GHCB_OFF_SW_EXIT_INFO_1) & GHCB_RESP_MASK;
}
