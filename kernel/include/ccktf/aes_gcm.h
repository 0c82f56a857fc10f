/* SPDX-License-Identifier: MIT */
/*
 * AES-256 (FIPS-197) and AES-256-GCM with a 96-bit IV and a 16-byte tag (NIST SP 800-38D), freestanding,
 * for the SNP guest message protocol (arch/x86/snp/guest_msg.c) and the SNP model's PSP. Written from the
 * two standards; tested on the host against FIPS-197 appendix C.3 and the 256-bit-key GCM test cases
 * (tests/host/test_aes_gcm.c). Limits: kernel/lib/aes_gcm.c.
 */
#ifndef CCKTF_AES_GCM_H
#define CCKTF_AES_GCM_H

#include <ccktf/types.h>

#define AES256_KEY_BYTES 32
#define AES_BLOCK_BYTES 16
#define GCM_IV_BYTES 12
#define GCM_TAG_BYTES 16

struct aes256_key {
	u8 round_keys[15][AES_BLOCK_BYTES]; /* Nr + 1 = 15 round keys (FIPS-197 5.2) */
};

void aes256_expand_key(struct aes256_key *k, const u8 key[AES256_KEY_BYTES]);
void aes256_encrypt_block(const struct aes256_key *k, const u8 in[AES_BLOCK_BYTES], u8 out[AES_BLOCK_BYTES]);
/* Overwrites a key schedule (or any secret) so that the compiler cannot drop the stores. */
void aes_gcm_wipe(void *p, size_t n);

/* GCM-AE (SP 800-38D 7.1): ct may be pt (in place). */
void aes256_gcm_encrypt(const u8 key[AES256_KEY_BYTES], const u8 iv[GCM_IV_BYTES], const u8 *aad, size_t aad_len,
			const u8 *pt, size_t len, u8 *ct, u8 tag[GCM_TAG_BYTES]);
/*
 * GCM-AD (SP 800-38D 7.2): true and the plaintext in pt when the tag matches; false ("FAIL") otherwise,
 * and then pt is all zeroes: nothing of an unauthenticated message is ever handed out. pt may be ct.
 */
bool aes256_gcm_decrypt(const u8 key[AES256_KEY_BYTES], const u8 iv[GCM_IV_BYTES], const u8 *aad, size_t aad_len,
			const u8 *ct, size_t len, const u8 tag[GCM_TAG_BYTES], u8 *pt);

#endif
