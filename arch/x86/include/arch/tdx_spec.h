/* SPDX-License-Identifier: MIT */
/*
 * Intel TDX guest ABI constants, each with where it comes from. Sources:
 *   [ABI]    Intel TDX Module ABI spec / the module itself, github.com/intel/tdx-module:
 *            include/tdx_api_defs.h, include/auto_gen/tdx_error_codes_defs.h, src/td_dispatcher/
 *   [GHCI]   Intel TDX Guest-Hypervisor Communication Interface (TDG.VP.VMCALL)
 *   [LINUX]  arch/x86/include/asm/shared/tdx.h, arch/x86/kvm/vmx/tdx_errno.h, arch/x86/coco/tdx/
 *   [EDK2]   MdePkg/Include/IndustryStandard/Tdx.h
 *   [SDM]    Intel SDM vol. 3C, table 28-5 (I/O exit qualification), appendix C (exit reasons)
 * Nothing else in arch/x86/tdx/ or the TDX model spells a TDX number.
 */
#ifndef ARCH_TDX_SPEC_H
#define ARCH_TDX_SPEC_H

#include <ccktf/types.h>

/* Detection: CPUID(0x21, 0) returns "IntelTDX    " in EBX, EDX, ECX [LINUX shared/tdx.h TDX_IDENT]. */
#define TDX_CPUID_LEAF 0x21u
#define TDX_CPUID_SIG_EBX 0x65746e49u /* "Inte" */
#define TDX_CPUID_SIG_EDX 0x5844546cu /* "lTDX" */
#define TDX_CPUID_SIG_ECX 0x20202020u /* "    " */

/* TDCALL is 66 0F 01 CC [ABI; LINUX arch/x86/virt/vmx/tdx/tdxcall.S]. */
#define TDX_TDCALL_BYTES 0x66, 0x0f, 0x01, 0xcc
#define TDX_TDCALL_LEN 4

/* RAX in: bits 15:0 leaf, 23:16 version, 63:24 reserved (tdx_leaf_and_version_t) [ABI tdx_api_defs.h]. */
#define TDX_LEAF_MASK 0xffffull
#define TDX_LEAF_VERSION_SHIFT 16
#define TDX_LEAF_VERSION_MASK 0xffull
#define TDX_LEAF_RESERVED_SHIFT 24

/* Leaves [ABI tdcall_leaf_opcode_t; LINUX shared/tdx.h]. */
#define TDG_VP_VMCALL 0
#define TDG_VP_INFO 1
#define TDG_VP_VEINFO_GET 3
#define TDG_MR_REPORT 4
#define TDG_MEM_PAGE_ACCEPT 6
#define TDG_VM_RD 7
#define TDG_VM_WR 8
#define TDG_SYS_RD 11

/*
 * Completion status in RAX [ABI api_error_code_t]: bit 63 error, 62 non-recoverable, 47:40 class,
 * 39:32 details L1, 31:0 details L2 = the operand id (api_error_with_operand_id() adds it). Callers
 * compare the upper 32 bits (tdx_status_code()); edk2 masks with ~0xFFFF, Linux KVM with 0xFFFFFFFF00000000.
 */
#define TDX_SUCCESS 0ull
#define TDX_OPERAND_INVALID 0xC000010000000000ull	/* [LINUX tdx_errno.h; ABI] */
#define TDX_OPERAND_BUSY 0x8000020000000000ull		/* [LINUX tdx_errno.h; ABI] */
/* TDX module 1.5: the host holds the S-EPT entry with priority (TDH.MEM.* in progress); a busy to retry
 * [ABI branch tdx_1.5 include/auto_gen/tdx_error_codes_defs.h TDX_OPERAND_BUSY_HOST_PRIORITY]. The module's
 * TDCALL dispatcher rewrites it to TDX_OPERAND_BUSY for older TDs' sake, so a guest should only ever see
 * plain BUSY; ccktf retries either. */
#define TDX_OPERAND_BUSY_HOST_PRIORITY 0x8000020400000000ull
#define TDX_NO_VALID_VE_INFO 0xC000070400000000ull	/* [LINUX tdx_errno.h; ABI tdg_vp_veinfo_get.c] */
#define TDX_PAGE_ALREADY_ACCEPTED 0x00000B0A00000000ull /* [EDK2 Tdx.h; ABI] */
#define TDX_PAGE_SIZE_MISMATCH 0xC0000B0B00000000ull	/* [EDK2 Tdx.h; ABI] */
#define TDX_STATUS_CODE_SHIFT 32
#define TDX_STATUS_OPERAND_MASK 0xffffffffull

/* Operand ids in the status' low bits [ABI tdx_api_defs.h; LINUX tdx_errno.h TDX_OPERAND_ID_RCX]. */
#define TDX_OPERAND_ID_RAX 0ull
#define TDX_OPERAND_ID_RCX 1ull

static inline u32 tdx_status_code(u64 status)
{
	return (u32)(status >> TDX_STATUS_CODE_SHIFT);
}

/* Does status carry code (a TDX_* constant), whatever operand id it names? */
static inline bool tdx_status_is(u64 status, u64 code)
{
	return tdx_status_code(status) == tdx_status_code(code);
}

/*
 * TDG.MEM.PAGE.ACCEPT RCX (page_info_api_input_t) [ABI tdx_api_defs.h]: bits 2:0 level, 11:3 reserved,
 * 51:12 GPA, 63:52 reserved. The module accepts level 0 (4K) and 1 (2M) only
 * (tdg_mem_page_accept.c: verify_page_info_input(..., LVL_PT, LVL_PD)).
 */
#define TDX_PS_4K 0
#define TDX_PS_2M 1
#define TDX_PS_1G 2
#define TDX_PAGE_INFO_LEVEL_MASK 0x7ull
#define TDX_PAGE_INFO_GPA_MASK 0x000ffffffffff000ull
#define TDX_PAGE_INFO_RESERVED_MASK (~(TDX_PAGE_INFO_GPA_MASK | TDX_PAGE_INFO_LEVEL_MASK))

/* Bytes a level covers: 4 KiB, 2 MiB, 1 GiB (nine address bits per paging level). */
static inline u64 tdx_level_bytes(u64 level)
{
	return 4096ull << (9 * level);
}

/*
 * TDG.VP.INFO outputs [ABI tdg_vp_info.c; LINUX coco/tdx/tdx.c tdx_parse_tdinfo()]: RCX[5:0] GPAW (the
 * module reports only 48 or 52: MAX_PA_FOR_GPA_NOT_WIDE / MAX_PA_FOR_GPAW), RDX attributes, R8 NUM_VCPUS
 * (31:0) and MAX_VCPUS (63:32), R9 VCPU_INDEX, R10 commands available (bit 0: TDG.SYS.RD, module 1.5+).
 */
#define TDX_GPAW_MASK 0x3full
/* R10 (tdg_commands_available_t): bit 0 TDG_SYS_RD_AVAILABLE, set by module 1.5+; a 1.0 module leaves R10
 * reserved (0) and has no leaf 11 [ABI tdg_vp_info.c]. */
#define TDX_VP_INFO_R10_SYS_RD (1ull << 0)
#define TDX_GPAW_48 48
#define TDX_GPAW_52 52
#define TDX_VCPUS_MAX_SHIFT 32
#define TDX_VCPUS_NUM_MASK 0xffffffffull

/*
 * TDG.SYS.RD (leaf 11, module 1.5+) [ABI src/td_dispatcher/vm_exits/tdg_sys_rd.c, tdx_td_dispatcher.c
 * td_call()]: RDX in = a metadata field identifier (leaf version 0 only); out: RAX status, R8 the element's
 * value (masked by the field's guest read mask, 0 on failure), RDX the next guest-readable element's
 * identifier (all ones after the last, or on failure). RDX = all ones in asks for the first one: status
 * TDX_METADATA_FIRST_FIELD_ID_IN_CONTEXT. The statuses carry no operand id.
 *
 * Field identifier (md_field_id_t) [ABI include/tdx_api_defs.h; LINUX arch/x86/virt/vmx/tdx/tdx.h]: bits
 * 23:0 field code, 31:24 reserved, 33:32 element size code (0..3: 1, 2, 4, 8 bytes), 37:34 last element in
 * field, 46:38 last field in sequence, 49:47 reserved, 50 inc size, 51 write mask valid, 54:52 context code
 * (the module sets it to SYS), 55 reserved, 61:56 class code, 62 reserved, 63 non-architectural. For a
 * single-element read the reserved bits and both "last" fields must be 0, else METADATA_FIELD_ID_INCORRECT
 * (metadata_generic.c md_check_as_single_element_id()); the field is found by class and field code alone
 * (md_find_entry_idx()).
 */
#define TDX_MD_FIELD_ID_NA 0xffffffffffffffffull
#define TDX_MD_ELEMENT_SIZE_SHIFT 32
#define TDX_MD_ELEMENT_SIZE_MASK 0x3ull
#define TDX_MD_FIELD_CODE_MASK 0x0000000000ffffffull
#define TDX_MD_CLASS_CODE_MASK 0x3f00000000000000ull
#define TDX_MD_SINGLE_ELEMENT_MBZ 0x4083fffcff000000ull /* 31:24, 37:34, 46:38, 49:47, 55, 62 */

/*
 * The global (SYS context) fields that identify the module, their identifiers and element sizes, and
 * whether a TD may read them (guest_rd_mask) [ABI include/auto_gen/global_sys_fields_lookup.c; the same in
 * the 1.5-era copy niooss-ledger/tdx-module; LINUX tdx_global_metadata.c reads the same identifiers with
 * the host's TDH.SYS.RD]. A TD gets VENDOR_ID, MINOR/MAJOR_VERSION, SYS_ATTRIBUTES, NUM_TDX_FEATURES and
 * TDX_FEATURES0; BUILD_DATE, BUILD_NUM, UPDATE_VERSION and INTERNAL_VERSION have a guest read mask of 0
 * and answer TDX_METADATA_FIELD_NOT_READABLE (metadata_sys.c md_sys_read_element()).
 */
#define TDX_MD_VENDOR_ID 0x0800000200000000ull	      /* u32, guest-readable; 0x8086 */
#define TDX_MD_BUILD_DATE 0x8800000200000001ull	      /* u32, host only (yyyymmdd) */
#define TDX_MD_BUILD_NUM 0x8800000100000002ull	      /* u16, host only */
#define TDX_MD_MINOR_VERSION 0x0800000100000003ull    /* u16, guest-readable */
#define TDX_MD_MAJOR_VERSION 0x0800000100000004ull    /* u16, guest-readable */
#define TDX_MD_UPDATE_VERSION 0x0800000100000005ull   /* u16, host only */
#define TDX_MD_INTERNAL_VERSION 0x0800000100000006ull /* u16, host only */
#define TDX_MD_SYS_ATTRIBUTES 0x0A00000200000000ull   /* u32, guest-readable; bit 31 debug module */
#define TDX_MD_NUM_TDX_FEATURES 0x0A00000000000001ull /* u8, guest-readable */
#define TDX_MD_TDX_FEATURES0 0x0A00000300000008ull    /* u64, guest-readable */
#define TDX_VENDOR_ID_INTEL 0x8086u		      /* [ABI metadata_sys.c md_sys_get_elements()] */

/* Metadata statuses [ABI include/auto_gen/tdx_error_codes_defs.h]. */
#define TDX_METADATA_FIELD_ID_INCORRECT 0xC0000C0000000000ull
#define TDX_METADATA_FIELD_NOT_READABLE 0xC0000C0200000000ull
#define TDX_METADATA_FIRST_FIELD_ID_IN_CONTEXT 0x00000C0B00000000ull

/* Bytes of one element of field id (1, 2, 4 or 8). */
static inline unsigned tdx_md_element_bytes(u64 field_id)
{
	return 1u << ((field_id >> TDX_MD_ELEMENT_SIZE_SHIFT) & TDX_MD_ELEMENT_SIZE_MASK);
}

/* TD attributes [LINUX shared/tdx.h TDX_ATTR_*; ABI td_param_attributes_t]. */
#define TDX_ATTR_DEBUG (1ull << 0)
#define TDX_ATTR_HGS_PLUS_PROF (1ull << 4)
#define TDX_ATTR_PERF_PROF (1ull << 5)
#define TDX_ATTR_PMT_PROF (1ull << 6)
#define TDX_ATTR_ICSSD (1ull << 16)
#define TDX_ATTR_LASS (1ull << 27)
#define TDX_ATTR_SEPT_VE_DISABLE (1ull << 28)
#define TDX_ATTR_MIGRTABLE (1ull << 29)
#define TDX_ATTR_PKS (1ull << 30)
#define TDX_ATTR_KL (1ull << 31)
#define TDX_ATTR_TPA (1ull << 62)
#define TDX_ATTR_PERFMON (1ull << 63)

/*
 * TDG.VP.VMCALL [GHCI; ABI tdg_vp_vmcall.c]: RCX bits 15:0 select the GPRs the VMM sees (bit n = GPR n in
 * the order RAX RCX RDX RBX RSP RBP RSI RDI R8..R15), 31:16 XMMs, 63:32 reserved. RAX, RCX and RSP
 * (bits 0, 1, 4) and the reserved bits must be 0, else TDX_OPERAND_INVALID with operand id RCX.
 */
#define TDX_GPR_BIT(n) (1ull << (n))
#define TDX_GPR_RDX 2
#define TDX_GPR_RBX 3
#define TDX_GPR_RSI 6
#define TDX_GPR_RDI 7
#define TDX_GPR_R8 8
#define TDX_GPR_R9 9
#define TDX_GPR_R10 10
#define TDX_GPR_R11 11
#define TDX_GPR_R12 12
#define TDX_GPR_R13 13
#define TDX_GPR_R14 14
#define TDX_GPR_R15 15
#define TDVMCALL_GPR_FORBIDDEN (TDX_GPR_BIT(0) | TDX_GPR_BIT(1) | TDX_GPR_BIT(4))
#define TDVMCALL_RESERVED_MASK 0xffffffff00000000ull
/* R10..R15: all that a standard sub-function uses (Linux's decompressor exposes the same). */
#define TDVMCALL_EXPOSE_R10_R15                                                                      \
	(TDX_GPR_BIT(TDX_GPR_R10) | TDX_GPR_BIT(TDX_GPR_R11) | TDX_GPR_BIT(TDX_GPR_R12) |            \
	 TDX_GPR_BIT(TDX_GPR_R13) | TDX_GPR_BIT(TDX_GPR_R14) | TDX_GPR_BIT(TDX_GPR_R15))

/* RDX, RBX, RSI, RDI, R8-R15 = 0xFFCC: what Linux exposes (TDVMCALL_EXPOSE_REGS_MASK, shared/tdx.h) and
 * what ReportFatalError's message needs. */
#define TDVMCALL_EXPOSE_ALL                                                                          \
	(TDX_GPR_BIT(TDX_GPR_RDX) | TDX_GPR_BIT(TDX_GPR_RBX) | TDX_GPR_BIT(TDX_GPR_RSI) |            \
	 TDX_GPR_BIT(TDX_GPR_RDI) | TDX_GPR_BIT(TDX_GPR_R8) | TDX_GPR_BIT(TDX_GPR_R9) | TDVMCALL_EXPOSE_R10_R15)

/* R10 in: 0 selects the GHCI-standard sub-functions [GHCI; LINUX TDX_HYPERCALL_STANDARD]. */
#define TDVMCALL_STANDARD 0
/* R11 in: the sub-function; standard ones use the VMX exit reason numbers [GHCI; SDM appendix C]. */
#define TDVMCALL_CPUID 10
#define TDVMCALL_HLT 12
#define TDVMCALL_IO 30
#define TDVMCALL_MSR_READ 31
#define TDVMCALL_MSR_WRITE 32
#define TDVMCALL_MMIO 48
#define TDVMCALL_MAP_GPA 0x10001
#define TDVMCALL_GET_QUOTE 0x10002
/*
 * ReportFatalError [GHCI; LINUX coco/tdx/tdx.c tdx_panic(); QEMU target/i386/kvm/tdx.c
 * tdx_handle_report_fatal_error()]: R12 error code (0: panic; bits 15:0 must be 0 or QEMU ignores the
 * report; bit 63: R13 holds a GPA), and a 64-byte NUL-padded message in R14, R15, RBX, RDI, RSI, R8, R9,
 * RDX, eight bytes each, little-endian, in that order. The TD never resumes usefully: loop on it.
 */
#define TDVMCALL_REPORT_FATAL_ERROR 0x10003
#define TDVMCALL_FATAL_MESSAGE_BYTES 64
/* Instruction.HLT: R12 = 1 when the guest halts with interrupts disabled (then KVM never wakes it for an
 * interrupt: tdx_interrupt_allowed(), arch/x86/kvm/vmx/tdx.c) [GHCI; LINUX coco/tdx/tdx.c __halt()]. */
#define TDVMCALL_HLT_IRQ_DISABLED 1
/* Instruction.IO: R12 size (1, 2, 4), R13 direction, R14 port, R15 value out; R11 value in [GHCI]. */
#define TDVMCALL_IO_READ 0
#define TDVMCALL_IO_WRITE 1

/* R10 out: the VMCALL status [GHCI; LINUX shared/tdx.h TDVMCALL_STATUS_*]. */
#define TDVMCALL_STATUS_SUCCESS 0x0000000000000000ull
#define TDVMCALL_STATUS_RETRY 0x0000000000000001ull
#define TDVMCALL_STATUS_INVALID_OPERAND 0x8000000000000000ull
#define TDVMCALL_STATUS_ALIGN_ERROR 0x8000000000000002ull
/* GHCI 1.5 (Linux v6.16, KVM returns it for sub-functions it does not implement). */
#define TDVMCALL_STATUS_SUBFUNC_UNSUPPORTED 0x8000000000000003ull

/*
 * TDG.VP.VEINFO.GET outputs [ABI tdg_vp_veinfo_get.c; LINUX coco/tdx/tdx.c tdx_get_ve_info()]: RCX exit
 * reason (31:0), RDX exit qualification, R8 GLA, R9 GPA, R10 instruction length (31:0) and info (63:32).
 */
#define TDX_VE_EXIT_REASON_MASK 0xffffffffull
#define TDX_VE_INSN_LEN_MASK 0xffffffffull
#define TDX_VE_INSN_INFO_SHIFT 32

/* VMX basic exit reasons a #VE reports [SDM appendix C; LINUX uapi/asm/vmx.h]. */
#define TDX_EXIT_REASON_CPUID 10
#define TDX_EXIT_REASON_HLT 12
#define TDX_EXIT_REASON_VMCALL 18
#define TDX_EXIT_REASON_IO_INSTRUCTION 30
#define TDX_EXIT_REASON_MSR_READ 31
#define TDX_EXIT_REASON_MSR_WRITE 32
#define TDX_EXIT_REASON_EPT_VIOLATION 48

/* I/O exit qualification [SDM vol. 3C table 28-5; LINUX coco/tdx/tdx.c VE_*]: */
#define TDX_VE_IO_SIZE_MASK 0x7ull	/* size - 1 */
#define TDX_VE_IO_IN (1ull << 3)	/* 1: IN, 0: OUT */
#define TDX_VE_IO_STRING (1ull << 4)	/* INS/OUTS */
#define TDX_VE_IO_REP (1ull << 5)
#define TDX_VE_IO_PORT_SHIFT 16
#define TDX_VE_IO_PORT_MASK 0xffffull

#endif
