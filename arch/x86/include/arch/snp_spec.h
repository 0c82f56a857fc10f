/* SPDX-License-Identifier: MIT */
/*
 * AMD SEV-SNP guest ABI: every constant the SNP backend (arch/x86/snp/) and the SNP model
 * (arch/x86/sim/snp_model*.c) use, each with its source. Sources:
 *   APM2   AMD64 Architecture Programmer's Manual vol. 2 (pub. 24593), chapter 15.34-15.36 (SEV, SEV-ES, SNP)
 *   APM3   AMD64 APM vol. 3 (pub. 24594), PVALIDATE
 *   GHCB   SEV-ES Guest-Hypervisor Communication Block Standardization (pub. 56421), v2.x
 *   Linux  arch/x86/include/asm/sev-common.h, sev.h, svm.h, uapi/asm/svm.h
 *   edk2   MdePkg/Include/Register/Amd/Ghcb.h, Fam17Msr.h
 */
#ifndef ARCH_SNP_SPEC_H
#define ARCH_SNP_SPEC_H

/* Detection: CPUID Fn8000_001F (APM3 appendix E.4.17; Linux arch/x86/kernel/cpu/amd.c). */
#define CPUID_EXT_MAX_LEAF 0x80000000u
#define CPUID_SEV_LEAF 0x8000001Fu
#define CPUID_SEV_EAX_SEV (1u << 1)
#define CPUID_SEV_EAX_SEV_ES (1u << 3)
#define CPUID_SEV_EAX_SNP (1u << 4)
#define CPUID_SEV_EAX_SVSM (1u << 28)
#define CPUID_SEV_EBX_CBIT_MASK 0x3fu /* EBX[5:0]: C-bit position in a page-table entry */
/*
 * EBX[31] COHERENCY_SFW_NO: the part needs no software cache-coherency step after validating a page. When
 * clear, the guest reads the first and last byte of every 4 KiB page it just validated, through the
 * private mapping (Linux sev_evict_cache(), commit 7b306dfa326f, X86_FEATURE_COHERENCY_SFW_NO; the same
 * mitigation in edk2 for CVE-2024-36331, OvmfPkg/Library/BaseMemEncryptSevLib).
 */
#define CPUID_SEV_EBX_COHERENCY_SFW_NO (1u << 31)

/* MSRs (APM2 15.34.10 SEV_STATUS, 15.35.5 GHCB MSR; Linux asm/msr-index.h MSR_AMD64_SEV*). */
#define MSR_SEV_GHCB 0xC0010130u
#define MSR_SEV_STATUS 0xC0010131u
#define SEV_STATUS_SEV (1ull << 0)
#define SEV_STATUS_SEV_ES (1ull << 1)
#define SEV_STATUS_SNP (1ull << 2)

/* Instruction bytes (APM3 PVALIDATE, VMGEXIT = REP VMMCALL; Linux asm/sev.h, asm/svm.h). */
#define SNP_PVALIDATE_BYTES 0xF2, 0x0F, 0x01, 0xFF
#define SNP_VMGEXIT_BYTES 0xF3, 0x0F, 0x01, 0xD9
#define SNP_INSN_LEN 4

/* PVALIDATE: ECX = page size, EDX = validate; EAX = status (APM3 PVALIDATE; Linux asm/sev.h). */
#define PVALIDATE_PAGE_4K 0
#define PVALIDATE_PAGE_2M 1
#define PVALIDATE_RESCIND 0
#define PVALIDATE_VALIDATE 1
#define PVALIDATE_SUCCESS 0
#define PVALIDATE_FAIL_INPUT 1
#define PVALIDATE_FAIL_SIZEMISMATCH 6
/* Software-defined by Linux (asm/sev.h) for "success, but CF=1: the RMP entry was not changed". */
#define PVALIDATE_FAIL_NOUPDATE 255

/* GHCB MSR protocol (GHCB 2.3.1; Linux sev-common.h): GHCBInfo in bits 11:0, GHCBData in 63:12. */
#define GHCB_MSR_INFO_MASK 0xfffull
#define GHCB_MSR_DATA_SHIFT 12
#define GHCB_MSR_SEV_INFO_RESP 0x001
#define GHCB_MSR_SEV_INFO_REQ 0x002
#define GHCB_MSR_CPUID_REQ 0x004
#define GHCB_MSR_CPUID_RESP 0x005
#define GHCB_MSR_REG_GPA_REQ 0x012
#define GHCB_MSR_REG_GPA_RESP 0x013
#define GHCB_MSR_PSC_REQ 0x014
#define GHCB_MSR_PSC_RESP 0x015
#define GHCB_MSR_HV_FT_REQ 0x080
#define GHCB_MSR_HV_FT_RESP 0x081
#define GHCB_MSR_TERM_REQ 0x100
/* SEV_INFO response: max protocol 63:48, min 47:32, C-bit 31:24. */
#define GHCB_MSR_PROTO_MAX_SHIFT 48
#define GHCB_MSR_PROTO_MIN_SHIFT 32
#define GHCB_MSR_CBIT_SHIFT 24
#define GHCB_PROTO_FIELD_MASK 0xffffull
#define GHCB_CBIT_FIELD_MASK 0xffull
/* CPUID request: function 63:32, register 31:30 (0 EAX .. 3 EDX); the response value is in 63:32. */
#define GHCB_MSR_CPUID_FUNC_SHIFT 32
#define GHCB_MSR_CPUID_REG_SHIFT 30
#define GHCB_MSR_CPUID_REG_MASK 0x3ull
#define GHCB_MSR_CPUID_VALUE_SHIFT 32
/* REG_GPA / PSC: GFN in 51:12 (40 bits for PSC), PSC operation in 55:52, PSC error in 63:32. */
#define GHCB_MSR_GFN_MASK 0xffffffffffull
#define GHCB_MSR_REG_GFN_MASK 0xfffffffffffffull
#define GHCB_MSR_PSC_OP_SHIFT 52
#define GHCB_MSR_PSC_OP_MASK 0xfull
#define GHCB_MSR_PSC_ERROR_SHIFT 32
/* HV_FEATURES response: feature bitmap in 63:12; bit 0 = SNP (GHCB 2.3.1 table 5; Linux GHCB_HV_FT_SNP). */
#define GHCB_HV_FT_SNP (1ull << 0)
/* Bit 5: the hypervisor runs guests at VMPLs other than 0 (an SVSM below them): Linux
 * GHCB_HV_FT_SNP_MULTI_VMPL; a guest not at VMPL0 terminates without it (snp_check_hv_features()). */
#define GHCB_HV_FT_SNP_MULTI_VMPL (1ull << 5)
/* SNP Run VMPL request: run the given VMPL (the SVSM, at 0) until it returns (GHCB 2.3.1; Linux
 * GHCB_MSR_VMPL_REQ / _RESP): VMPL in bits 39:32; response error in 63:32, 0 = OK. */
#define GHCB_MSR_VMPL_REQ 0x016
#define GHCB_MSR_VMPL_RESP 0x017
#define GHCB_MSR_VMPL_SHIFT 32
/* TERMINATE: reason set 15:12, reason code 23:16. Set 0 is the GHCB spec's own (GHCB 2.3.1 table 7). */
#define GHCB_MSR_TERM_SET_SHIFT 12
#define GHCB_MSR_TERM_REASON_SHIFT 16
#define GHCB_MSR_TERM_SET_MASK 0xfull
#define GHCB_MSR_TERM_REASON_MASK 0xffull
#define GHCB_TERM_SET_GENERAL 0
#define GHCB_TERM_GENERAL_REQUEST 0       /* "general termination request" */
#define GHCB_TERM_PROTOCOL_UNSUPPORTED 1  /* the hypervisor's protocol range excludes ours */
#define GHCB_TERM_SNP_UNSUPPORTED 2       /* the hypervisor does not support SNP */
/*
 * Reason set 1: Linux's guest-specific codes (arch/x86/include/asm/sev-common.h GHCB_TERM_*). ccktf uses
 * them where the meaning is the same, so host tools that decode a Linux guest's termination decode
 * ccktf's too.
 */
#define GHCB_TERM_SET_LINUX 1
#define GHCB_TERM_REGISTER 0   /* GHCB GPA registration failure */
#define GHCB_TERM_PSC 1	       /* page state change failure */
#define GHCB_TERM_PVALIDATE 2  /* PVALIDATE failure */
#define GHCB_TERM_NOT_VMPL0 3  /* SNP guest not running at VMPL0 */
#define GHCB_TERM_CPUID 4      /* CPUID page validation failure */
#define GHCB_TERM_CPUID_HV 5   /* CPUID failure during the hypervisor fallback */
#define GHCB_TERM_SECRETS_PAGE 6
#define GHCB_TERM_NO_SVSM 7
#define GHCB_TERM_SVSM_VMPL0 8
#define GHCB_TERM_SVSM_CAA 9

/*
 * RMPADJUST (APM vol. 3; Linux asm/sev.h rmpadjust()): RAX = VA of a private validated page, RCX = page
 * size (0 4K), RDX = target VMPL in 7:0 and permissions above. With target VMPL 1 it succeeds only at VMPL0,
 * else FAIL_PERMISSION: how Linux svsm_setup_ca() and edk2 SevSnpIsVmpl0() tell whether an SVSM is below.
 */
#define SNP_RMPADJUST_BYTES 0xF3, 0x0F, 0x01, 0xFE
#define RMPADJUST_TARGET_VMPL1 1
#define RMPADJUST_FAIL_PERMISSION 2
/* RDX bit 16: the page becomes (1) or stops being (0) a VMSA; only at VMPL0, only on a 4 KiB page (APM vol. 3
 * RMPADJUST; Linux RMPADJUST_VMSA_PAGE_BIT, snp_set_vmsa()). */
#define RMPADJUST_VMSA_PAGE_BIT (1ull << 16)

/*
 * AP Creation NAE (GHCB spec 4.1.8 "SNP AP Creation"; Linux uapi/asm/svm.h SVM_VMGEXIT_AP_*, core.c
 * wakeup_cpu_via_vmgexit()): SW_EXITINFO1 = APIC ID << 32 | VMPL << 16 | event, SW_EXITINFO2 = the VMSA's
 * GPA, RAX = its SEV_FEATURES. The hypervisor offers it with HV_FEATURES bit 1 (GHCB_HV_FT_SNP_AP_CREATION).
 */
#define SVM_VMGEXIT_AP_CREATION 0x80000013u
#define SVM_VMGEXIT_AP_CREATE_ON_INIT 0
#define SVM_VMGEXIT_AP_CREATE 1
#define SVM_VMGEXIT_AP_DESTROY 2
#define SVM_VMGEXIT_AP_EVENT_MASK 0xffffull
#define SVM_VMGEXIT_AP_VMPL_SHIFT 16
#define SVM_VMGEXIT_AP_VMPL_MASK 0xffull
#define SVM_VMGEXIT_AP_APIC_ID_SHIFT 32
#define GHCB_HV_FT_SNP_AP_CREATION (1ull << 1)
/* SEV_FEATURES of a VMSA = SEV_STATUS >> 2 (Linux: vmsa->sev_features = sev_status >> 2); bit 0 SNPActive. */
#define SEV_STATUS_FEATURES_SHIFT 2
#define SEV_FEATURES_SNP_ACTIVE (1ull << 0)

/*
 * The SNP secrets page's head, written by the firmware at launch (SNP_LAUNCH_UPDATE, PAGE_TYPE_SECRETS)
 * [SEV-SNP Firmware ABI 1.51 8.17.2.5 as edk2 MdePkg/Include/Register/Amd/SnpSecretsPage.h quotes it; Linux
 * struct snp_secrets_page, asm/sev.h]: u32 VERSION at 0x0, IMIEN in bit 0 of the u32 at 0x4, u32 FMS
 * ("family, model, stepping") at 0x8, then GOSVW and the VMPCKs. AMD's published SEV firmware source
 * (snp_launch_update_secrets_page_t) and project Oak's secrets page parser (SECRETS_PAGE_VERSION,
 * "Table 68" of pub. 56860) both give version 3 for today's layout. It carries no firmware version or TCB:
 * those are in the attestation report only (docs/abi.md).
 */
#define SECRETS_OFF_VERSION 0x0
#define SECRETS_OFF_IMIEN 0x4
#define SECRETS_IMIEN_BIT 0x1u
#define SECRETS_OFF_FMS 0x8
#define SECRETS_PAGE_VERSION_3 3u

/*
 * The SNP secrets page's SVSM fields (Linux struct snp_secrets_page, asm/sev.h; edk2 MdePkg/Include/
 * Register/Amd/Svsm.h SVSM_INFORMATION): an SVSM is present when svsm_size is non-zero.
 */
#define SECRETS_OFF_SVSM_BASE 0x140
#define SECRETS_OFF_SVSM_SIZE 0x148
#define SECRETS_OFF_SVSM_CAA 0x150
#define SECRETS_OFF_SVSM_MAX_VERSION 0x158
#define SECRETS_OFF_SVSM_GUEST_VMPL 0x15C

/*
 * The SVSM calling convention (SVSM spec, AMD pub. 58019; Linux struct svsm_ca, svsm_issue_call()): the
 * Calling Area holds call_pending (byte 0) and a buffer from byte 8; RAX = protocol << 32 | call, RCX,
 * RDX, R8, R9 arguments; the guest sets call_pending, VMGEXITs with an SNP Run VMPL request for VMPL0,
 * and reads (and clears) call_pending atomically: still 1 means the SVSM never took the call.
 */
#define SVSM_CAA_OFF_CALL_PENDING 0
#define SVSM_CAA_OFF_BUFFER 8
#define SVSM_CORE_PROTOCOL 0
#define SVSM_CORE_PVALIDATE 1
/* SVSM_CORE_CREATE_VCPU: RCX = VMSA GPA, RDX = the new vCPU's Calling Area GPA, R8 = its APIC ID;
 * SVSM_CORE_DELETE_VCPU: RCX = VMSA GPA (SVSM spec, pub. 58019, core protocol calls 2 and 3; Linux
 * snp_set_vmsa(); COCONUT-SVSM core_create_vcpu()). */
#define SVSM_CORE_CREATE_VCPU 2
#define SVSM_CORE_DELETE_VCPU 3
#define SVSM_CALL(protocol, call) ((u64)(protocol) << 32 | (call))
/* Results in RAX (coconut-svsm kernel/src/protocols/errors.rs; edk2 Svsm.h). */
#define SVSM_SUCCESS 0
#define SVSM_ERR_INCOMPLETE 0x80000000ull
#define SVSM_ERR_UNSUPPORTED_PROTOCOL 0x80000001ull
#define SVSM_ERR_UNSUPPORTED_CALL 0x80000002ull
#define SVSM_ERR_INVALID_ADDRESS 0x80000003ull
#define SVSM_ERR_INVALID_PARAMETER 0x80000005ull
#define SVSM_ERR_BUSY 0x80000007ull
#define SVSM_ERR_PVALIDATE_BASE 0x80001000ull /* + the PVALIDATE status the SVSM met */
#define SVSM_PVALIDATE_FAIL_INPUT 0x80001001ull
#define SVSM_PVALIDATE_FAIL_SIZEMISMATCH 0x80001006ull
#define SVSM_PVALIDATE_FAIL_NOCHANGE 0x80001010ull /* CF=1 and the entry's ignore_cf clear */
/* SVSM_CORE_PVALIDATE request (Linux struct svsm_pvalidate_call): u16 entries, u16 next, 4 reserved
 * bytes, then one u64 per page: GPA | ignore_cf << 3 | validate << 2 | page size (0 4K, 1 2M). */
#define SVSM_PVAL_HDR_BYTES 8
#define SVSM_PVAL_ACTION_VALIDATE (1ull << 2)
#define SVSM_PVAL_IGNORE_CF (1ull << 3)
#define SVSM_PVAL_PAGE_SIZE_MASK 0x3ull
#define SVSM_PVAL_GPA_MASK (~0xfffull)
/* Not an SVSM code: ccktf's own, for "the SVSM never took the call / the VMPL request failed". */
#define SVSM_CALL_NOT_TAKEN 0xffffffffffffffffull

/* GHCB protocol version this backend speaks: SNP needs version 2 (GHCB 2.2, 2.3.1). */
#define GHCB_PROTOCOL_MIN 1
#define GHCB_PROTOCOL_MAX 2
#define GHCB_PROTOCOL_SNP 2

/* Page-state-change operations (GHCB 4.1.6; Linux enum psc_op). */
#define SNP_PSC_OP_PRIVATE 1
#define SNP_PSC_OP_SHARED 2

/* GHCB page layout (GHCB 2.1 table 2 / edk2 Ghcb.h): byte offsets; valid-bitmap bit = offset / 8. */
#define GHCB_PAGE_SIZE 4096
#define GHCB_OFF_RAX 0x1F8
#define GHCB_OFF_RCX 0x308
#define GHCB_OFF_RDX 0x310
#define GHCB_OFF_RBX 0x318
#define GHCB_OFF_SW_EXIT_CODE 0x390
#define GHCB_OFF_SW_EXIT_INFO_1 0x398
#define GHCB_OFF_SW_EXIT_INFO_2 0x3A0
#define GHCB_OFF_SW_SCRATCH 0x3A8
#define GHCB_OFF_VALID_BITMAP 0x3F0
#define GHCB_VALID_BITMAP_BYTES 16
#define GHCB_OFF_SHARED_BUFFER 0x800
#define GHCB_SHARED_BUFFER_SIZE 2032
#define GHCB_OFF_PROTOCOL_VERSION 0xFFA /* u16 */
#define GHCB_OFF_USAGE 0xFFC            /* u32: 0 = the standard layout */
#define GHCB_USAGE_DEFAULT 0

/* Hypervisor answers in SW_EXITINFO1[31:0] (GHCB 4.1.2; Linux sev-common.h comment on GHCB_ERR_*). */
#define GHCB_RESP_NO_ACTION 0
#define GHCB_RESP_ISSUE_EXCEPTION 1
#define GHCB_RESP_MALFORMED_INPUT 2
#define GHCB_RESP_MASK 0xffffffffull
/* ...and with MALFORMED_INPUT, the reason in SW_EXITINFO2. */
#define GHCB_ERR_NOT_REGISTERED 1
#define GHCB_ERR_INVALID_USAGE 2
#define GHCB_ERR_INVALID_SCRATCH_AREA 3
#define GHCB_ERR_MISSING_INPUT 4
#define GHCB_ERR_INVALID_INPUT 5
#define GHCB_ERR_INVALID_EVENT 6

/* Exit codes (APM2 appendix C table C-1; GHCB 4.1 table 6 for the VMGEXIT-only ones; Linux uapi svm.h). */
#define SVM_EXIT_CPUID 0x072
#define SVM_EXIT_IOIO 0x07B
#define SVM_EXIT_MSR 0x07C
#define SVM_EXIT_NPF 0x400
#define SVM_EXIT_VC_NOT_VALIDATED 0x404 /* #VC: access to a page whose RMP entry is not validated */
#define SVM_VMGEXIT_PSC 0x80000010u
#define SVM_VMGEXIT_NMI_COMPLETE 0x80000003u /* GHCB table 6 "NMI Complete"; Linux sev_es_nmi_complete() */

/* MSR exit (APM vol. 2 table C-1, GHCB table 5; Linux vc_handle_msr()): RCX = the MSR, RAX/RDX = a write's value; SW_EXITINFO1 0
 * read, 1 write. The x2APIC MSRs (SDM vol. 3A 11.12.1.2: 0x800-0x8FF) are intercepted for SEV-ES/SNP
 * guests: KVM sev_es_init_vmcb() passes through only the GHCB MSR, EFER and CR_PAT. */
#define SVM_MSR_EXIT_WRITE 1
#define X2APIC_MSR_FIRST 0x800u
#define X2APIC_MSR_LAST 0x8FFu
#define MSR_X2APIC_APICID 0x802u
#define MSR_X2APIC_ICR 0x830u
/* RDMSR 0F 32, WRMSR 0F 30 (SDM vol. 2). */
#define X86_OPCODE_0F 0x0F
#define X86_OPCODE_RDMSR 0x32
#define X86_OPCODE_WRMSR 0x30
#define X86_MSR_INSN_LEN 2
/* SW_EXITINFO1 = 1 "issue an exception": SW_EXITINFO2 is an event injection (APM vol. 2 15.20 EVENTINJ;
 * Linux svm.h SVM_EVTINJ_*, verify_exception_info()). */
#define SVM_EVTINJ_VEC_MASK 0xffu
#define SVM_EVTINJ_TYPE_MASK (7u << 8)
#define SVM_EVTINJ_TYPE_EXEPT (3u << 8)
#define SVM_EVTINJ_VALID_ERR (1u << 11)
#define SVM_EVTINJ_VALID (1u << 31)
/* SEV_STATUS bit 11: Secure TSC (APM vol. 2 15.34.10; Linux MSR_AMD64_SNP_SECURE_TSC). */
#define SEV_STATUS_SECURE_TSC (1ull << 11)
/* RMPADJUST's status when the page is a VMSA the hardware marked in use by a running vCPU (APM vol. 2
 * 15.36.12: a VMSA is IN_USE from VMRUN until #VMEXIT, and RMP changes to it fail with FAIL_INUSE). */
#define RMPADJUST_FAIL_INUSE 3

/* IOIO EXITINFO1 (APM2 15.10.2 figure 15-2; edk2 CcExitVcHandler.c). */
#define IOIO_TYPE_IN (1ull << 0)
#define IOIO_TYPE_STR (1ull << 2)
#define IOIO_REP (1ull << 3)
#define IOIO_SZ8 (1ull << 4)
#define IOIO_SZ16 (1ull << 5)
#define IOIO_SZ32 (1ull << 6)
#define IOIO_ADDR64 (1ull << 9)
#define IOIO_PORT_SHIFT 16
#define IOIO_PORT_MASK 0xffffull

/* PSC via the GHCB page (GHCB 4.1.6; Linux struct psc_hdr / psc_entry, VMGEXIT_PSC_*). */
#define PSC_MAX_ENTRIES 253 /* (2032 - 8) / 8: the descriptor fills the shared buffer */
#define PSC_HDR_BYTES 8     /* u16 cur_entry, u16 end_entry (inclusive), u32 reserved */
#define PSC_ENTRY_GFN_SHIFT 12 /* entry: cur_page 11:0, gfn 51:12, operation 55:52, pagesize 56 */
#define PSC_ENTRY_GFN_MASK 0xffffffffffull
#define PSC_ENTRY_OP_SHIFT 52
#define PSC_ENTRY_OP_MASK 0xfull
#define PSC_ENTRY_2M (1ull << 56)
#define PSC_ERROR_INVALID_HDR ((1ull << 32) | 1)
#define PSC_ERROR_INVALID_ENTRY ((1ull << 32) | 2)
#define PSC_ERROR_GENERIC (0x100ull << 32)

/*
 * The SNP model's own choices (arch/x86/sim/snp_model*.c), not SNP constants.
 *
 * C-bit 52: real parts put the C-bit at 47 or 51 (CPUID 0x8000001F EBX[5:0]). Under TCG the CPU walks the
 * kernel's page tables natively, and bits 47-51 are address bits (a reserved-bit #PF above MAXPHYADDR),
 * while bits 52-58 of a paging-structure entry are ignored by the processor (Intel SDM vol. 3A table
 * 4-19; APM vol. 2 5.4 "available to software"). So the model reports 52: every entry carries the mask
 * exactly as on hardware, and nothing faults.
 */
#define SIM_SNP_CBIT 52
/*
 * PVALIDATE of a page that is not assigned to the guest (no Page State Change to private first) has no
 * guest-visible status on hardware: APM vol. 3 PVALIDATE lists only 0, FAIL_INPUT and FAIL_SIZEMISMATCH,
 * and the RMP check failure is a nested page fault to the hypervisor (#NPF, error code bit 31 "RMP",
 * APM vol. 2 15.36.10). What the guest then sees is the host's choice (KVM converts the page implicitly;
 * a strict host terminates the guest). The model reports it in EAX as the exit code the host would get,
 * SVM_EXIT_NPF, so the guest's protocol error is visible to a test instead of being hidden.
 */
#define SIM_SNP_PVALIDATE_NOT_ASSIGNED SVM_EXIT_NPF
/* The model returns from a GHCB PSC exit after this many entries, as a hypervisor may (GHCB 4.1.6). */
#define SIM_SNP_PSC_ENTRIES_PER_EXIT 100

#endif
