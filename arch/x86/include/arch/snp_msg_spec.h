/* SPDX-License-Identifier: MIT */
/*
 * SEV-SNP guest messages and the attestation report: the constants of the guest side (arch/x86/snp/
 * guest_msg.c, snp_attest.c) and of the SNP model's PSP (arch/x86/sim/snp_model_psp.c). A header of its
 * own beside snp_spec.h, which others are editing; the same source rules. Sources:
 *   ABI    SEV Secure Nested Paging Firmware ABI Specification (AMD pub. 56860): "SNP_GUEST_REQUEST",
 *          the message header ("Message header format"), MSG_REPORT_REQ / MSG_REPORT_RSP, the
 *          ATTESTATION_REPORT structure, TCB_VERSION, and the secrets page (PAGE_TYPE_SECRETS)
 *   GHCB   GHCB spec (pub. 56421) 4.1, the "SNP Guest Request" NAE event (exit 0x8000_0011)
 *   Linux  drivers/virt/coco/sev-guest/sev-guest.c (enc_payload(), verify_and_dec_payload(), the
 *          sequence-number rules), include/linux/sev-guest.h and arch/x86/include/asm/sev.h
 *          (struct snp_guest_msg_hdr, snp_report_req, snp_msg_report_resp_hdr, snp_secrets_page),
 *          include/uapi/linux/psp-sev.h (SEV_RET_*), uapi/asm/svm.h (SVM_VMGEXIT_GUEST_REQUEST)
 *   edk2   MdePkg/Include/Register/Amd/SnpSecretsPage.h (VMPCK0-3, the OS area's sequence numbers)
 *   virtee virtee/sev (TcbVersionMilanGenoa / TcbVersionTurin): the TCB_VERSION byte layouts by family
 */
#ifndef ARCH_SNP_MSG_SPEC_H
#define ARCH_SNP_MSG_SPEC_H

/* GHCB: SNP Guest Request; SW_EXITINFO1 = request GPA, SW_EXITINFO2 = response GPA on entry. On return
 * SW_EXITINFO2 = the firmware's status in 31:0 and the hypervisor's own error in 63:32 (Linux
 * SNP_GUEST_VMM_ERR(): 1 INVALID_LEN, 2 BUSY). Both pages are shared (the hypervisor copies them). */
#define SVM_VMGEXIT_GUEST_REQUEST 0x80000011u
#define SNP_GUEST_FW_ERR_MASK 0xffffffffull
#define SNP_GUEST_VMM_ERR_SHIFT 32

/* The secrets page's keys and the OS area (ABI PAGE_TYPE_SECRETS; edk2 SNP_SECRETS_PAGE; Linux
 * struct snp_secrets_page): VMPCK n at 0x20 + 32 n, 32 bytes each; the guest-owned OS area at 0xA0
 * starts with the u32 message sequence numbers for VMPCK0-3 (msg_seqno_0..3), where Linux keeps the
 * last sequence number it used (the firmware's is one more). */
#define SECRETS_OFF_VMPCK0 0x20
#define SECRETS_VMPCK_BYTES 32
#define SECRETS_VMPCKS 4
#define SECRETS_OFF_OS_SEQNO0 0xA0

/* Message header (ABI "Message header format"; Linux struct snp_guest_msg_hdr): 0x60 bytes, then the
 * payload, the whole message one 4 KiB page. AUTHTAG is 32 bytes of which AES-256-GCM uses the first
 * 16. The AAD is the header from 0x30 to its end (48 bytes, Linux AAD_LEN); the 96-bit IV is MSG_SEQNO
 * as a little-endian u64 followed by four zero bytes (Linux copies the u64 into a zeroed 12-byte IV). */
#define SNP_MSG_OFF_AUTHTAG 0x00
#define SNP_MSG_AUTHTAG_BYTES 32
#define SNP_MSG_OFF_SEQNO 0x20    /* u64 */
#define SNP_MSG_OFF_ALGO 0x30     /* u8: 1 = AES-256-GCM */
#define SNP_MSG_OFF_HDR_VERSION 0x31 /* u8: 1 */
#define SNP_MSG_OFF_HDR_SIZE 0x32 /* u16: 0x60 */
#define SNP_MSG_OFF_TYPE 0x34     /* u8 */
#define SNP_MSG_OFF_VERSION 0x35  /* u8 */
#define SNP_MSG_OFF_SIZE 0x36     /* u16: payload bytes */
#define SNP_MSG_OFF_VMPCK 0x3C    /* u8: which VMPCK sealed it */
#define SNP_MSG_HDR_BYTES 0x60
#define SNP_MSG_AAD_OFF 0x30
#define SNP_MSG_AAD_BYTES (SNP_MSG_HDR_BYTES - SNP_MSG_AAD_OFF)
#define SNP_MSG_PAGE_BYTES 4096
#define SNP_MSG_MAX_PAYLOAD (SNP_MSG_PAGE_BYTES - SNP_MSG_HDR_BYTES) /* Linux payload[4000] */
#define SNP_AEAD_AES_256_GCM 1
#define SNP_MSG_HDR_VERSION 1
#define SNP_MSG_REPORT_REQ 5 /* Linux enum msg_type */
#define SNP_MSG_REPORT_RSP 6
#define SNP_MSG_REPORT_VERSION 1 /* MSG_REPORT_REQ message version 1 (what Linux and snpguest send) */

/* MSG_REPORT_REQ (ABI; Linux struct snp_report_req): REPORT_DATA[64], u32 VMPL, u32 KEY_SEL (1.55+;
 * 0 = VLEK if installed else VCEK), reserved to 0x60. VMPL must be >= the requester's VMPL. */
#define SNP_REPORT_REQ_OFF_DATA 0x00
#define SNP_REPORT_REQ_DATA_BYTES 64
#define SNP_REPORT_REQ_OFF_VMPL 0x40
#define SNP_REPORT_REQ_OFF_KEY_SEL 0x44
#define SNP_REPORT_REQ_BYTES 0x60

/* MSG_REPORT_RSP (ABI; Linux struct snp_msg_report_resp_hdr): u32 STATUS, u32 REPORT_SIZE, reserved
 * to 0x20, then the report. STATUS 0 success, 0x16 INVALID_PARAMETERS, 0x27 INVALID_KEY_SELECTION. */
#define SNP_REPORT_RSP_OFF_STATUS 0x00
#define SNP_REPORT_RSP_OFF_SIZE 0x04
#define SNP_REPORT_RSP_OFF_REPORT 0x20
#define SNP_REPORT_STATUS_SUCCESS 0x00
#define SNP_REPORT_STATUS_INVALID_PARAMETERS 0x16
#define SNP_REPORT_STATUS_INVALID_KEY_SELECTION 0x27

/* Firmware status codes (ABI "Status codes"; Linux uapi psp-sev.h SEV_RET_*), what SW_EXITINFO2[31:0]
 * carries when SNP_GUEST_REQUEST itself fails. */
#define SEV_RET_INVALID_PARAM 0x16
#define SEV_RET_AEAD_OFLOW 0x1D

/*
 * ATTESTATION_REPORT (ABI; the byte offsets as Linux-adjacent tools lay it out: AMDESE sev-guest
 * attestation.h, virtee/sev AttestationReport). Version 2 (ABI 1.51) has every field below except the
 * CPUID ones, which version 3 (ABI 1.55) added; version 5 (ABI 1.57) adds mitigation vectors at 0x1F8
 * that ccktf does not print. 0x4A0 bytes, the signature (0x2A0, 512 bytes) included.
 */
#define SNP_REPORT_OFF_VERSION 0x000 /* u32 */
#define SNP_REPORT_OFF_GUEST_SVN 0x004 /* u32 */
#define SNP_REPORT_OFF_POLICY 0x008 /* u64 */
#define SNP_REPORT_OFF_VMPL 0x030 /* u32 */
#define SNP_REPORT_OFF_SIG_ALGO 0x034 /* u32: 1 = ECDSA P-384 with SHA-384 */
#define SNP_REPORT_OFF_CURRENT_TCB 0x038 /* u64 TCB_VERSION */
#define SNP_REPORT_OFF_PLATFORM_INFO 0x040 /* u64: bit 0 SMT_EN, 1 TSME_EN, ... */
#define SNP_REPORT_OFF_REPORT_DATA 0x050 /* 64 bytes, echoed from the request */
#define SNP_REPORT_OFF_REPORTED_TCB 0x180 /* u64 */
#define SNP_REPORT_OFF_CPUID_FAM_ID 0x188 /* u8, version 3+: family (extended + base) */
#define SNP_REPORT_OFF_CPUID_MOD_ID 0x189 /* u8: model (extended << 4 | base) */
#define SNP_REPORT_OFF_CPUID_STEP 0x18A /* u8 */
#define SNP_REPORT_OFF_CHIP_ID 0x1A0 /* 64 bytes */
#define SNP_REPORT_OFF_COMMITTED_TCB 0x1E0 /* u64 */
#define SNP_REPORT_OFF_CURRENT_BUILD 0x1E8 /* u8; then CURRENT_MINOR, CURRENT_MAJOR */
#define SNP_REPORT_OFF_CURRENT_MINOR 0x1E9
#define SNP_REPORT_OFF_CURRENT_MAJOR 0x1EA
#define SNP_REPORT_OFF_COMMITTED_BUILD 0x1EC /* u8; then COMMITTED_MINOR, COMMITTED_MAJOR */
#define SNP_REPORT_OFF_COMMITTED_MINOR 0x1ED
#define SNP_REPORT_OFF_COMMITTED_MAJOR 0x1EE
#define SNP_REPORT_OFF_LAUNCH_TCB 0x1F0 /* u64 */
#define SNP_REPORT_OFF_SIGNATURE 0x2A0
#define SNP_REPORT_BYTES 0x4A0
#define SNP_REPORT_MIN_VERSION 2
#define SNP_REPORT_CPUID_VERSION 3

/*
 * TCB_VERSION (ABI "TCB_VERSION"; virtee/sev): on Milan and Genoa (family 19h) byte 0 BOOT_LOADER,
 * 1 TEE, 2-5 reserved, 6 SNP, 7 MICROCODE; on Turin (family 1Ah) byte 0 FMC, 1 BOOT_LOADER, 2 TEE,
 * 3 SNP, 4-6 reserved, 7 MICROCODE. The report says which only from version 3 (CPUID_FAM_ID).
 */
#define SNP_TCB_FAMILY_TURIN 0x1A

#endif
