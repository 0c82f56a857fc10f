/* SPDX-License-Identifier: MIT */
/*
 * What an SNP guest can read of its platform without asking the firmware, as the key=value words of the
 * "# platform-identity:" line (docs/protocol.md). Pure (the host tests compile it): the caller hands the
 * secrets page as the CC blob names it.
 *
 * The firmware version and the TCB (CURRENT_TCB, REPORTED_TCB, the platform version) reach a guest only
 * in an attestation report: snp_attest.c requests one and its words (firmware=...) come first on the
 * line; these follow them (docs/abi.md, "AMD SEV-SNP guest").
 */
#include <arch/snp_spec.h>
#include <ccktf/format.h>
#include <ccktf/string.h>
#include "snp.h"

#define SECRETS_PAGE_BYTES 4096u

static u32 read_u32(const u8 *p, unsigned off)
{
	u32 v;

	memcpy(&v, p + off, sizeof(v));
	return v;
}

void snp_secrets_identity_read(const u8 *page, u64 secrets_pa, u32 secrets_size, struct snp_secrets_identity *out)
{
	*out = (struct snp_secrets_identity){ 0 };
	if (!page || !secrets_pa || secrets_size != SECRETS_PAGE_BYTES) /* Linux too wants one page */
		return;
	out->present = true;
	out->version = read_u32(page, SECRETS_OFF_VERSION);
	out->imien = read_u32(page, SECRETS_OFF_IMIEN) & SECRETS_IMIEN_BIT;
	out->fms = read_u32(page, SECRETS_OFF_FMS);
}

void snp_identity_format(const struct snp_secrets_identity *s, u32 cpuid_1_eax, char *buf, size_t size)
{
	if (!s->present)
		snprintf(buf, size, "snp_secrets=0 cpuid_1_eax=0x%08x", cpuid_1_eax);
	else
		snprintf(buf, size,
			 "snp_secrets=1 snp_secrets_version=%u snp_imi_en=%u snp_fms=0x%08x "
			 "cpuid_1_eax=0x%08x",
			 s->version, s->imien, s->fms, cpuid_1_eax);
}
