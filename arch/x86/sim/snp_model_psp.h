/* SPDX-License-Identifier: MIT */
/*
 * The SNP model's PSP for SNP_GUEST_REQUEST (snp_model_psp.c, pure: the host tests run it too) and the
 * values it reports. None of these values was read from a part: they are the model's, chosen to look
 * like a Genoa host of today (docs/abi.md, "Model choices"), and each TCB differs from the others so
 * that a field read from the wrong offset shows.
 */
#ifndef ARCH_X86_SIM_SNP_MODEL_PSP_H
#define ARCH_X86_SIM_SNP_MODEL_PSP_H

#include <arch/snp_msg_spec.h>
#include <ccktf/types.h>

/* TCB_VERSION in the Milan/Genoa layout: BOOT_LOADER byte 0, TEE 1, SNP 6, MICROCODE 7. */
#define SNP_MODEL_TCB(bl, tee, snp, ucode) \
	((u64)(bl) | (u64)(tee) << 8 | (u64)(snp) << 48 | (u64)(ucode) << 56)

/* The firmware running now: SEV firmware 1.55 build 21, SNP SVN 14, microcode SVN 72 (0x48). */
#define SNP_MODEL_CURRENT_MAJOR 1
#define SNP_MODEL_CURRENT_MINOR 55
#define SNP_MODEL_CURRENT_BUILD 21
#define SNP_MODEL_CURRENT_TCB SNP_MODEL_TCB(7, 0, 14, 72)
/* The committed one (SNP_COMMIT): the previous build, loaded before a live update the host has not committed. */
#define SNP_MODEL_COMMITTED_MAJOR 1
#define SNP_MODEL_COMMITTED_MINOR 55
#define SNP_MODEL_COMMITTED_BUILD 19
#define SNP_MODEL_COMMITTED_TCB SNP_MODEL_TCB(7, 0, 13, 72)
/* What the host tells guests to report (SNP_SET_CONFIG REPORTED_TCB): older still, as a fleet pins it. */
#define SNP_MODEL_REPORTED_TCB SNP_MODEL_TCB(7, 0, 8, 62)
/* The current TCB when the guest was launched (before the live update; microcode since updated). */
#define SNP_MODEL_LAUNCH_TCB SNP_MODEL_TCB(7, 0, 13, 70)
/* PLATFORM_INFO: bit 0 SMT_EN (SMT enabled on the host), nothing else. */
#define SNP_MODEL_PLATFORM_INFO 0x1ull
/* POLICY: bit 17 is reserved-must-be-one, bit 16 SMT allowed (what QEMU's sev-snp-guest defaults to, 0x30000). */
#define SNP_MODEL_POLICY 0x30000ull
#define SNP_MODEL_REPORT_VERSION 3
#define SNP_MODEL_SIG_ALGO_ECDSA_P384_SHA384 1

struct snp_psp {
	u8 vmpck[SECRETS_VMPCKS][SECRETS_VMPCK_BYTES];
	u64 last_seqno[SECRETS_VMPCKS]; /* per VMPCK: the last sequence number exchanged, 0 at launch */
	u32 cpuid_1_eax;		/* the part's CPUID Fn0000_0001 EAX, for the report's CPUID fields */
	u64 requests, rejected;
};

/*
 * SNP_GUEST_REQUEST as the firmware runs it: the request page (already copied by the hypervisor) is
 * checked and opened with the VMPCK its header names, at exactly the next sequence number for that
 * VMPCK; the answer is sealed into resp with the following one. Returns the firmware status for
 * SW_EXITINFO2[31:0]: 0, or SEV_RET_INVALID_PARAM (and resp untouched, no sequence number consumed).
 */
u32 snp_psp_guest_request(struct snp_psp *psp, const u8 *req, u8 *resp);

#endif
