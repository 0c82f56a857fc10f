/* SPDX-License-Identifier: MIT */
/*
 * AES-256 and AES-256-GCM (kernel/lib/aes_gcm.c) against published vectors:
 *   FIPS-197 appendix C.3 (AES-256 example vector) and the S-box values of FIPS-197 figure 7;
 *   the 256-bit-key test cases 13-16 of "The Galois/Counter Mode of Operation (GCM)" (McGrew and Viega,
 *   the GCM submission NIST published with SP 800-38D), which cover an empty message, one block, four
 *   blocks and a partial block with AAD. Each was also checked against OpenSSL (python3-cryptography)
 *   when it was written down.
 * Decryption must FAIL (SP 800-38D 7.2 step 8) on any change to the tag, the ciphertext, the AAD or the
 * IV, and then hand out no plaintext.
 */
#include <ccktf/aes_gcm.h>
#include <ccktf/ktest.h>
#include <string.h>

KTEST_SUITE(host_aes_gcm, KTEST_AFTER_EXIT_BOOT_SERVICES, NULL);

static unsigned nibble(char c)
{
	return c <= '9' ? (unsigned)(c - '0') : (unsigned)(c - 'a' + 10);
}

static size_t unhex(const char *s, u8 *out)
{
	size_t n = 0;

	for (; s[0] && s[1]; s += 2)
		out[n++] = (u8)(nibble(s[0]) << 4 | nibble(s[1]));
	return n;
}

static bool same(const u8 *a, const u8 *b, size_t n)
{
	return memcmp(a, b, n) == 0;
}

KTEST(host_aes_gcm, fips197_c3_aes256_block)
{
	u8 key[32], pt[16], expect[16], ct[16];
	struct aes256_key k;

	unhex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", key);
	unhex("00112233445566778899aabbccddeeff", pt);
	unhex("8ea2b7ca516745bfeafc49904b496089", expect);
	aes256_expand_key(&k, key);
	aes256_encrypt_block(&k, pt, ct);
	KEXPECT_TRUE(t, same(ct, expect, 16));
}

KTEST(host_aes_gcm, fips197_a3_key_expansion)
{
	u8 key[32], w8[4], w59[4];
	struct aes256_key k;

	/* FIPS-197 appendix A.3: key 603deb10..., w[8] = 9ba35411, w[59] = 706c631e. */
	unhex("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4", key);
	aes256_expand_key(&k, key);
	unhex("9ba35411", w8);
	unhex("706c631e", w59);
	KEXPECT_TRUE(t, same(k.round_keys[2], w8, 4));
	KEXPECT_TRUE(t, same(&k.round_keys[14][12], w59, 4));
}

struct gcm_vector {
	const char *name, *key, *iv, *pt, *aad, *ct, *tag;
};

#define K0 "0000000000000000000000000000000000000000000000000000000000000000"
#define K15 "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308"
#define P15 "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39"
#define C15 "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662"

static const struct gcm_vector vectors[] = {
	{ "test case 13", K0, "000000000000000000000000", "", "", "", "530f8afbc74536b9a963b4f1c4cb738b" },
	{ "test case 14", K0, "000000000000000000000000", "00000000000000000000000000000000", "",
	  "cea7403d4d606b6e074ec5d3baf39d18", "d0d1c8a799996bf0265b98b5d48ab919" },
	{ "test case 15", K15, "cafebabefacedbaddecaf888", P15 "1aafd255", "", C15 "898015ad",
	  "b094dac5d93471bdec1a502270e3cc6c" },
	{ "test case 16", K15, "cafebabefacedbaddecaf888", P15, "feedfacedeadbeeffeedfacedeadbeefabaddad2", C15,
	  "76fc6ece0f4e1768cddf8853bb2d551b" },
};

struct gcm_case {
	u8 key[32], iv[12], pt[64], aad[32], ct[64], tag[16];
	size_t len, aad_len;
};

static void load(const struct gcm_vector *v, struct gcm_case *c)
{
	unhex(v->key, c->key);
	unhex(v->iv, c->iv);
	c->len = unhex(v->pt, c->pt);
	c->aad_len = unhex(v->aad, c->aad);
	unhex(v->ct, c->ct);
	unhex(v->tag, c->tag);
}

KTEST(host_aes_gcm, encrypt_matches_the_256_bit_vectors)
{
	for (size_t i = 0; i < ARRAY_SIZE(vectors); i++) {
		struct gcm_case c;
		u8 ct[64], tag[16];
		load(&vectors[i], &c);
		aes256_gcm_encrypt(c.key, c.iv, c.aad, c.aad_len, c.pt, c.len, ct, tag);
		ktest_log(t, "%s: %zu bytes, %zu AAD", vectors[i].name, c.len, c.aad_len);
		KEXPECT_TRUE(t, same(ct, c.ct, c.len));
		KEXPECT_TRUE(t, same(tag, c.tag, 16));
	}
}

KTEST(host_aes_gcm, decrypt_matches_the_256_bit_vectors_in_place_too)
{
	for (size_t i = 0; i < ARRAY_SIZE(vectors); i++) {
		struct gcm_case c;
		u8 pt[64], buf[64];
		load(&vectors[i], &c);
		KEXPECT_TRUE(t, aes256_gcm_decrypt(c.key, c.iv, c.aad, c.aad_len, c.ct, c.len, c.tag, pt));
		KEXPECT_TRUE(t, same(pt, c.pt, c.len));
		memcpy(buf, c.ct, c.len);
		KEXPECT_TRUE(t, aes256_gcm_decrypt(c.key, c.iv, c.aad, c.aad_len, buf, c.len, c.tag, buf));
		KEXPECT_TRUE(t, same(buf, c.pt, c.len));
	}
}

static bool all_zero(const u8 *p, size_t n)
{
	while (n--)
		if (*p++)
			return false;
	return true;
}

/* SP 800-38D 7.2 step 8: a tag that does not match is FAIL, whatever was changed. */
KTEST(host_aes_gcm, any_change_fails_and_hands_out_nothing)
{
	struct gcm_case c;
	u8 pt[64];

	load(&vectors[3], &c); /* AAD and a partial block */
	for (int what = 0; what < 5; what++) {
		struct gcm_case m = c;
		switch (what) {
		case 0: m.tag[15] ^= 1; break;
		case 1: m.tag[0] ^= 0x80; break;
		case 2: m.ct[m.len - 1] ^= 1; break;
		case 3: m.aad[0] ^= 1; break;
		case 4: m.iv[11] ^= 1; break;
		}
		memset(pt, 0xee, sizeof(pt));
		KEXPECT_FALSE(t, aes256_gcm_decrypt(m.key, m.iv, m.aad, m.aad_len, m.ct, m.len, m.tag, pt));
		KEXPECT_TRUE(t, all_zero(pt, m.len));
	}
	/* the AAD shortened by a byte (the same bytes, another length) fails too */
	KEXPECT_FALSE(t, aes256_gcm_decrypt(c.key, c.iv, c.aad, c.aad_len - 1, c.ct, c.len, c.tag, pt));
	/* and the untouched message still opens */
	KEXPECT_TRUE(t, aes256_gcm_decrypt(c.key, c.iv, c.aad, c.aad_len, c.ct, c.len, c.tag, pt));
}

/* Lengths that are not whole blocks, across the block edges, against the one-shot vector 15. */
KTEST(host_aes_gcm, round_trip_every_length)
{
	struct gcm_case c;
	u8 ct[64], tag[16], back[64];

	load(&vectors[2], &c);
	for (size_t len = 0; len <= 64; len++) {
		aes256_gcm_encrypt(c.key, c.iv, c.aad, 0, c.pt, len, ct, tag);
		KEXPECT_TRUE(t, same(ct, c.ct, len)); /* CTR keystream: a prefix of the vector's ciphertext */
		KEXPECT_TRUE(t, aes256_gcm_decrypt(c.key, c.iv, NULL, 0, ct, len, tag, back));
		KEXPECT_TRUE(t, same(back, c.pt, len));
	}
}
