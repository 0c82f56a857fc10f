/* SPDX-License-Identifier: MIT */
/*
 * AES-256 and AES-256-GCM, written from the standards (no library code):
 *   FIPS-197 (AES): the state as 16 bytes in input order (byte r + 4c is row r, column c, 3.4); Cipher()
 *     5.1 with SubBytes 5.1.1, ShiftRows 5.1.2, MixColumns 5.1.3, AddRoundKey 5.1.4; KeyExpansion 5.2
 *     with Nk = 8, Nr = 14. The S-box is computed as 5.1.1 defines it (the multiplicative inverse in
 *     GF(2^8), then the affine transformation), not looked up.
 *   NIST SP 800-38D (GCM): the multiplication in GF(2^128) of 6.3 (Algorithm 1, bit by bit, with the bit
 *     order of 6.3 and R = 11100001 || 0^120), GHASH 6.4, GCTR 6.5 with inc32, GCM-AE 7.1 and GCM-AD 7.2
 *     for a 96-bit IV (J0 = IV || 0^31 || 1) and a 128-bit tag.
 *
 * Constant time, as far as a test kernel needs: no table is indexed by a secret (the S-box is computed,
 * the GF(2^8) and GF(2^128) multiplications select with masks, not branches), and the tag comparison
 * looks at every byte. Limits: it is slow (about 150 operations per S-box byte; fine for the few KiB of
 * an attestation exchange, not for bulk data); the compiler is trusted not to turn the masks back into
 * branches (gcc -O2 does not here, but nothing enforces it); nothing is done against power or fault
 * attacks; only 96-bit IVs and 16-byte tags are offered (what the SNP guest message protocol uses);
 * lengths are limited to what SP 800-38D 5.2.1.1 allows and far below it in practice (size_t bytes).
 * Key schedules on the stack are wiped before returning; the caller's key is its own business.
 */
#include <ccktf/aes_gcm.h>
#include <ccktf/string.h>

#define AES256_NK 8
#define AES256_NR 14

/* Multiplication by x in GF(2^8) modulo x^8 + x^4 + x^3 + x + 1 (FIPS-197 4.2.1), without a branch. */
static u8 xtime(u8 a)
{
	return (u8)((a << 1) ^ ((u8)-(a >> 7) & 0x1b));
}

/* FIPS-197 4.2: the product in GF(2^8), eight rounds whatever the operands. */
static u8 gf8_mul(u8 a, u8 b)
{
	u8 p = 0;

	for (int i = 0; i < 8; i++) {
		p ^= (u8)-(b & 1) & a;
		a = xtime(a);
		b >>= 1;
	}
	return p;
}

/* The multiplicative inverse as a^254 (a^255 = 1 for a != 0); 0 maps to 0, as 5.1.1 requires. */
static u8 gf8_inverse(u8 a)
{
	u8 a2 = gf8_mul(a, a), a3 = gf8_mul(a2, a), a6 = gf8_mul(a3, a3), a12 = gf8_mul(a6, a6);
	u8 a15 = gf8_mul(a12, a3), a30 = gf8_mul(a15, a15), a60 = gf8_mul(a30, a30), a120 = gf8_mul(a60, a60);
	u8 a126 = gf8_mul(a120, a6), a252 = gf8_mul(a126, a126);

	return gf8_mul(a252, a2);
}

static u8 rotl8(u8 v, unsigned n)
{
	return (u8)(v << n | v >> (8 - n));
}

/* FIPS-197 5.1.1: inverse, then b'_i = b_i ^ b_(i+4) ^ b_(i+5) ^ b_(i+6) ^ b_(i+7) ^ c_i with c = 0x63. */
static u8 sub_byte(u8 v)
{
	u8 b = gf8_inverse(v);

	return b ^ rotl8(b, 1) ^ rotl8(b, 2) ^ rotl8(b, 3) ^ rotl8(b, 4) ^ 0x63;
}

void aes_gcm_wipe(void *p, size_t n)
{
	volatile u8 *v = p;

	while (n--)
		*v++ = 0;
}

/* FIPS-197 5.2: w[i] for i < 4 (Nr + 1) = 60, stored as 15 round keys of 16 bytes. */
void aes256_expand_key(struct aes256_key *k, const u8 key[AES256_KEY_BYTES])
{
	u8 *w = &k->round_keys[0][0];
	u8 rcon = 1;

	memcpy(w, key, AES256_KEY_BYTES);
	for (unsigned i = AES256_NK; i < 4 * (AES256_NR + 1); i++) {
		u8 temp[4];
		memcpy(temp, w + 4 * (i - 1), 4);
		if (i % AES256_NK == 0) {
			u8 t0 = temp[0]; /* RotWord, SubWord, then Rcon[i / Nk] = {x^(i/Nk - 1), 0, 0, 0} */
			temp[0] = sub_byte(temp[1]) ^ rcon;
			temp[1] = sub_byte(temp[2]);
			temp[2] = sub_byte(temp[3]);
			temp[3] = sub_byte(t0);
			rcon = xtime(rcon);
		} else if (i % AES256_NK == 4) { /* Nk > 6 */
			for (int j = 0; j < 4; j++)
				temp[j] = sub_byte(temp[j]);
		}
		for (int j = 0; j < 4; j++)
			w[4 * i + j] = w[4 * (i - AES256_NK) + j] ^ temp[j];
	}
}

static void add_round_key(u8 s[16], const u8 rk[16])
{
	for (int i = 0; i < 16; i++)
		s[i] ^= rk[i];
}

/* SubBytes and ShiftRows together: s'[r][c] = S(s[r][(c + r) mod 4]). */
static void sub_shift(u8 s[16])
{
	u8 t[16];

	for (int c = 0; c < 4; c++)
		for (int r = 0; r < 4; r++)
			t[r + 4 * c] = sub_byte(s[r + 4 * ((c + r) % 4)]);
	memcpy(s, t, 16);
}

/* FIPS-197 5.1.3: each column times {03}x^3 + {01}x^2 + {01}x + {02}. */
static void mix_columns(u8 s[16])
{
	for (int c = 0; c < 4; c++) {
		u8 *col = s + 4 * c, a0 = col[0], a1 = col[1], a2 = col[2], a3 = col[3];
		col[0] = xtime(a0) ^ (xtime(a1) ^ a1) ^ a2 ^ a3;
		col[1] = a0 ^ xtime(a1) ^ (xtime(a2) ^ a2) ^ a3;
		col[2] = a0 ^ a1 ^ xtime(a2) ^ (xtime(a3) ^ a3);
		col[3] = (xtime(a0) ^ a0) ^ a1 ^ a2 ^ xtime(a3);
	}
}

void aes256_encrypt_block(const struct aes256_key *k, const u8 in[AES_BLOCK_BYTES], u8 out[AES_BLOCK_BYTES])
{
	u8 s[16];

	memcpy(s, in, 16);
	add_round_key(s, k->round_keys[0]);
	for (int round = 1; round < AES256_NR; round++) {
		sub_shift(s);
		mix_columns(s);
		add_round_key(s, k->round_keys[round]);
	}
	sub_shift(s);
	add_round_key(s, k->round_keys[AES256_NR]);
	memcpy(out, s, 16);
	aes_gcm_wipe(s, sizeof(s));
}

/* GF(2^128) elements as two big-endian halves: hi holds bits 0..63 of SP 800-38D's bit string. */
struct gf128 {
	u64 hi, lo;
};

static struct gf128 load128(const u8 b[16])
{
	struct gf128 v = { 0, 0 };

	for (int i = 0; i < 8; i++) {
		v.hi = v.hi << 8 | b[i];
		v.lo = v.lo << 8 | b[8 + i];
	}
	return v;
}

static void store128(struct gf128 v, u8 b[16])
{
	for (int i = 7; i >= 0; i--) {
		b[i] = (u8)v.hi;
		b[8 + i] = (u8)v.lo;
		v.hi >>= 8;
		v.lo >>= 8;
	}
}

/* SP 800-38D 6.3, Algorithm 1: Z = X . Y, bit 0 of X first; V shifted right with R folded in when bit 127 was set. */
static struct gf128 gf128_mul(struct gf128 x, struct gf128 y)
{
	struct gf128 z = { 0, 0 }, v = y;

	for (int i = 0; i < 128; i++) {
		u64 xi = (i < 64 ? x.hi >> (63 - i) : x.lo >> (127 - i)) & 1, mask = -xi;
		u64 carry = -(v.lo & 1);
		z.hi ^= v.hi & mask;
		z.lo ^= v.lo & mask;
		v.lo = v.lo >> 1 | v.hi << 63;
		v.hi = (v.hi >> 1) ^ (carry & 0xe100000000000000ull);
	}
	return z;
}

struct ghash {
	struct gf128 h, y;
};

/* SP 800-38D 6.4 over data padded with zeroes to whole blocks (the 0^v and 0^u of 7.1 step 5). */
static void ghash_update(struct ghash *g, const u8 *data, size_t len)
{
	while (len) {
		u8 block[16] = { 0 };
		size_t n = len < 16 ? len : 16;
		struct gf128 x;
		memcpy(block, data, n);
		x = load128(block);
		g->y.hi ^= x.hi;
		g->y.lo ^= x.lo;
		g->y = gf128_mul(g->y, g->h);
		data += n;
		len -= n;
	}
}

/* inc32 (SP 800-38D 6.2): the last 32 bits, as a big-endian number, plus one modulo 2^32. */
static void inc32(u8 cb[16])
{
	for (int i = 15; i >= 12; i--)
		if (++cb[i])
			break;
}

/* GCTR (SP 800-38D 6.5) from the counter block icb. */
static void gctr(const struct aes256_key *k, const u8 icb[16], const u8 *in, size_t len, u8 *out)
{
	u8 cb[16], ks[16];

	memcpy(cb, icb, 16);
	while (len) {
		size_t n = len < 16 ? len : 16;
		aes256_encrypt_block(k, cb, ks);
		for (size_t i = 0; i < n; i++)
			out[i] = in[i] ^ ks[i];
		inc32(cb);
		in += n;
		out += n;
		len -= n;
	}
	aes_gcm_wipe(ks, sizeof(ks));
}

/* Steps 1-2 of 7.1/7.2: H = CIPH_K(0^128), J0 = IV || 0^31 || 1. */
static void gcm_init(struct aes256_key *k, struct ghash *g, u8 j0[16], const u8 key[AES256_KEY_BYTES],
		     const u8 iv[GCM_IV_BYTES])
{
	u8 zero[16] = { 0 }, h[16];

	aes256_expand_key(k, key);
	aes256_encrypt_block(k, zero, h);
	g->h = load128(h);
	g->y = (struct gf128){ 0, 0 };
	memcpy(j0, iv, GCM_IV_BYTES);
	j0[12] = j0[13] = j0[14] = 0;
	j0[15] = 1;
	aes_gcm_wipe(h, sizeof(h));
}

/* Steps 5-6: S = GHASH_H(A || 0^v || C || 0^u || [len(A)]64 || [len(C)]64), T = MSB_128(GCTR(J0, S)). */
static void gcm_tag(const struct aes256_key *k, struct ghash *g, const u8 j0[16], const u8 *aad, size_t aad_len,
		    const u8 *ct, size_t len, u8 tag[GCM_TAG_BYTES])
{
	struct gf128 lengths = { (u64)aad_len * 8, (u64)len * 8 };
	u8 block[16];

	ghash_update(g, aad, aad_len);
	ghash_update(g, ct, len);
	store128(lengths, block);
	ghash_update(g, block, 16);
	store128(g->y, block);
	gctr(k, j0, block, 16, tag);
}

void aes256_gcm_encrypt(const u8 key[AES256_KEY_BYTES], const u8 iv[GCM_IV_BYTES], const u8 *aad, size_t aad_len,
			const u8 *pt, size_t len, u8 *ct, u8 tag[GCM_TAG_BYTES])
{
	struct aes256_key k;
	struct ghash g;
	u8 j0[16], icb[16];

	gcm_init(&k, &g, j0, key, iv);
	memcpy(icb, j0, 16);
	inc32(icb);
	gctr(&k, icb, pt, len, ct);
	gcm_tag(&k, &g, j0, aad, aad_len, ct, len, tag);
	aes_gcm_wipe(&k, sizeof(k));
	aes_gcm_wipe(&g, sizeof(g));
}

bool aes256_gcm_decrypt(const u8 key[AES256_KEY_BYTES], const u8 iv[GCM_IV_BYTES], const u8 *aad, size_t aad_len,
			const u8 *ct, size_t len, const u8 tag[GCM_TAG_BYTES], u8 *pt)
{
	struct aes256_key k;
	struct ghash g;
	u8 j0[16], icb[16], expected[GCM_TAG_BYTES], diff = 0;

	gcm_init(&k, &g, j0, key, iv);
	gcm_tag(&k, &g, j0, aad, aad_len, ct, len, expected); /* over the ciphertext, before pt may overwrite it */
	for (int i = 0; i < GCM_TAG_BYTES; i++)
		diff |= expected[i] ^ tag[i];
	if (diff) {
		memset(pt, 0, len);
	} else {
		memcpy(icb, j0, 16);
		inc32(icb);
		gctr(&k, icb, ct, len, pt);
	}
	aes_gcm_wipe(&k, sizeof(k));
	aes_gcm_wipe(&g, sizeof(g));
	return diff == 0;
}
