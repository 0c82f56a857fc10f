/* SPDX-License-Identifier: MIT */
/* The secrets page head and the SNP identity words (arch/x86/snp/snp_identity.c, pure: compiled in here). */
#include <ccktf/ktest.h>
#include <string.h>

#include "../../arch/x86/snp/snp_identity.c"

KTEST_SUITE(host_snp_identity, KTEST_AFTER_EXIT_BOOT_SERVICES, NULL);

static u8 page[4096];

static void put32(unsigned off, u32 v)
{
	memcpy(page + off, &v, sizeof(v));
}

KTEST(host_snp_identity, reads_version_imien_and_fms_at_their_offsets)
{
	struct snp_secrets_identity s;
	char buf[200];

	memset(page, 0xee, sizeof(page));
	put32(0x0, 3);
	put32(0x4, 0xfffffffe); /* only bit 0 is IMIEN */
	put32(0x8, 0x00a10f11);
	snp_secrets_identity_read(page, 0x7000, sizeof(page), &s);
	KEXPECT_TRUE(t, s.present);
	KEXPECT_EQ(t, s.version, 3);
	KEXPECT_EQ(t, s.imien, 0);
	KEXPECT_EQ(t, s.fms, 0x00a10f11);
	put32(0x4, 1);
	snp_secrets_identity_read(page, 0x7000, sizeof(page), &s);
	KEXPECT_EQ(t, s.imien, 1);
	snp_identity_format(&s, 0x00a10f11, buf, sizeof(buf));
	KEXPECT_STREQ(t, buf,
		      "snp_secrets=1 snp_secrets_version=3 snp_imi_en=1 snp_fms=0x00a10f11 "
		      "cpuid_1_eax=0x00a10f11");
}

KTEST(host_snp_identity, no_page_or_not_one_page_is_no_secrets)
{
	struct snp_secrets_identity s;
	char buf[200];

	put32(0x0, 3);
	snp_secrets_identity_read(page, 0, sizeof(page), &s);
	KEXPECT_FALSE(t, s.present);
	snp_secrets_identity_read(page, 0x7000, 8192, &s);
	KEXPECT_FALSE(t, s.present);
	snp_secrets_identity_read(NULL, 0x7000, sizeof(page), &s);
	KEXPECT_FALSE(t, s.present);
	KEXPECT_EQ(t, s.version, 0);
	snp_identity_format(&s, 0x60fb1, buf, sizeof(buf));
	KEXPECT_STREQ(t, buf, "snp_secrets=0 cpuid_1_eax=0x00060fb1");
}
