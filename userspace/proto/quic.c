// SPDX-License-Identifier: GPL-2.0-only
/* QUIC Initial packets opened as RFC 9001 section 5 says (see quic.h). */
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include "quic.h"

/* RFC 9001 5.2 and RFC 9369 3.3.1. */
static const uint8_t salt_v1[20] = { 0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
				     0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a };
static const uint8_t salt_v2[20] = { 0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93,
				     0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9 };

struct quic_keys {
	uint8_t key[16], iv[12], hp[16];
};

/* HKDF with SHA-256: extract (info NULL) or expand. */
static int hkdf(bool extract, const uint8_t *salt, size_t salt_len, const uint8_t *in,
		size_t in_len, const uint8_t *info, size_t info_len, uint8_t *out, size_t out_len)
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	EVP_KDF_CTX *c = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	int mode = extract ? EVP_KDF_HKDF_MODE_EXTRACT_ONLY : EVP_KDF_HKDF_MODE_EXPAND_ONLY;
	OSSL_PARAM p[6], *q = p;
	int ok;

	*q++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0);
	*q++ = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
	*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)in, in_len);
	if (extract)
		*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt,
							 salt_len);
	else
		*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info,
							 info_len);
	*q = OSSL_PARAM_construct_end();
	ok = c && EVP_KDF_derive(c, out, out_len, p) > 0;
	EVP_KDF_CTX_free(c);
	EVP_KDF_free(kdf);
	return ok ? 0 : -1;
}

/* HKDF-Expand-Label (RFC 8446 7.1) with an empty context. */
static int expand_label(const uint8_t *secret, const char *label, uint8_t *out, size_t len)
{
	uint8_t info[64];
	size_t ll = 6 + strlen(label), n = 0;

	info[n++] = (uint8_t)(len >> 8);
	info[n++] = (uint8_t)len;
	info[n++] = (uint8_t)ll;
	memcpy(info + n, "tls13 ", 6);
	memcpy(info + n + 6, label, ll - 6);
	n += ll;
	info[n++] = 0;
	return hkdf(false, NULL, 0, secret, 32, info, n, out, len);
}

/* A side's Initial keys, from the Destination Connection ID the client chose first. */
static int quic__keys(uint32_t version, const uint8_t *dcid, size_t dcid_len, bool server,
		      struct quic_keys *k)
{
	bool v2 = version == QUIC_V2;
	uint8_t initial[32], client[32];

	if (hkdf(true, v2 ? salt_v2 : salt_v1, 20, dcid, dcid_len, NULL, 0, initial, 32) ||
	    expand_label(initial, server ? "server in" : "client in", client, 32) ||
	    expand_label(client, v2 ? "quicv2 key" : "quic key", k->key, 16) ||
	    expand_label(client, v2 ? "quicv2 iv" : "quic iv", k->iv, 12) ||
	    expand_label(client, v2 ? "quicv2 hp" : "quic hp", k->hp, 16))
		return -1;
	return 0;
}

/* A variable-length integer (RFC 9000 16); 0 when it does not fit. */
static size_t varint(const uint8_t *b, size_t n, uint64_t *v)
{
	size_t len;

	if (!n)
		return 0;
	len = (size_t)1 << (b[0] >> 6);
	if (len > n)
		return 0;
	*v = b[0] & 0x3f;
	for (size_t i = 1; i < len; i++)
		*v = *v << 8 | b[i];
	return len;
}

static bool version__known(uint32_t v)
{
	return v == QUIC_V1 || v == QUIC_V2;
}

/* Long-header packet type 0 is Initial in version 1, type 1 in version 2. */
static bool type__initial(uint8_t first, uint32_t version)
{
	return ((first >> 4) & 3) == (version == QUIC_V1 ? 0 : 1);
}

bool quic__looks_initial(const uint8_t *b, size_t n)
{
	uint32_t v;

	/* Long header; the fixed bit may be greased (RFC 9287). */
	if (n < 7 || !(b[0] & 0x80))
		return false;
	v = (uint32_t)b[1] << 24 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 8 | b[4];
	return version__known(v) && type__initial(b[0], v);
}

static int aes_ecb(const uint8_t key[16], const uint8_t in[16], uint8_t out[16])
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int len = 0, ok;

	ok = c && EVP_EncryptInit_ex(c, EVP_aes_128_ecb(), NULL, key, NULL) &&
	     EVP_CIPHER_CTX_set_padding(c, 0) && EVP_EncryptUpdate(c, out, &len, in, 16) &&
	     len == 16;
	EVP_CIPHER_CTX_free(c);
	return ok ? 0 : -1;
}

static int aes_gcm_open(const struct quic_keys *k, uint64_t pn, const uint8_t *aad, size_t aad_len,
			const uint8_t *ct, size_t ct_len, uint8_t *pt)
{
	EVP_CIPHER_CTX *c;
	uint8_t nonce[12];
	int len = 0, ok;

	if (ct_len < 16)
		return -1;
	memcpy(nonce, k->iv, 12);
	for (int i = 0; i < 8; i++)
		nonce[11 - i] ^= (uint8_t)(pn >> (8 * i));
	c = EVP_CIPHER_CTX_new();
	ok = c && EVP_DecryptInit_ex(c, EVP_aes_128_gcm(), NULL, k->key, nonce) &&
	     EVP_DecryptUpdate(c, NULL, &len, aad, (int)aad_len) &&
	     EVP_DecryptUpdate(c, pt, &len, ct, (int)(ct_len - 16)) &&
	     EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, 16, (void *)(ct + ct_len - 16)) &&
	     EVP_DecryptFinal_ex(c, pt + len, &len);
	EVP_CIPHER_CTX_free(c);
	return ok ? 0 : -1;
}

/* The frames of a decrypted Initial: CRYPTO handed over, the others stepped over. */
void quic__frames(struct quic_initial *q, const uint8_t *p, size_t n, quic_crypto_fn fn, void *ctx)
{
	size_t at = 0;

	while (at < n) {
		uint64_t type, off, len, x;
		size_t k = varint(p + at, n - at, &type);

		if (!k)
			goto bad;
		at += k;
		if (type == 0x00 || type == 0x01) /* PADDING, PING */
			continue;
		if (type == 0x06) { /* CRYPTO */
			if (!(k = varint(p + at, n - at, &off)))
				goto bad;
			at += k;
			if (!(k = varint(p + at, n - at, &len)) || len > n - at - k)
				goto bad;
			at += k;
			fn(ctx, q, off, p + at, (size_t)len);
			at += (size_t)len;
		} else if (type == 0x02 || type == 0x03) { /* ACK: largest, delay, ranges */
			uint64_t ranges;

			for (int i = 0; i < 2; i++) {
				if (!(k = varint(p + at, n - at, &x)))
					goto bad;
				at += k;
			}
			if (!(k = varint(p + at, n - at, &ranges)))
				goto bad;
			at += k;
			for (uint64_t i = 0; i < 2 * ranges + 1 + (type == 0x03 ? 3 : 0); i++) {
				if (!(k = varint(p + at, n - at, &x)) || i > 512)
					goto bad;
				at += k;
			}
		} else if (type == 0x1c) { /* CONNECTION_CLOSE: code, frame type, reason */
			for (int i = 0; i < 2; i++) {
				if (!(k = varint(p + at, n - at, &x)))
					goto bad;
				at += k;
			}
			if (!(k = varint(p + at, n - at, &len)) || len > n - at - k)
				goto bad;
			at += k + (size_t)len;
		} else {
			goto bad; /* not allowed in an Initial */
		}
	}
	return;
bad:
	q->malformed = true;
}

/*
 * One long-header packet at b (n bytes left in the datagram): its length in
 * the datagram (0: it does not parse). An Initial (fn given) is opened.
 */
static size_t quic__open_one(const uint8_t *b, size_t n, struct quic_initial *q,
			     const struct quic_keyspec *ks, quic_crypto_fn fn, void *ctx)
{
	uint8_t hdr[1500], mask[16], plain[1500], first;
	uint64_t token_len = 0, len, pn = 0;
	struct quic_keys k;
	size_t at = 6, c, pn_len;

	memset(q, 0, sizeof(*q));
	q->version = (uint32_t)b[1] << 24 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 8 | b[4];
	q->dcid_len = b[5];
	if (q->dcid_len > QUIC_CID_MAX || at + q->dcid_len + 1 > n)
		return 0;
	memcpy(q->dcid, b + at, q->dcid_len);
	at += q->dcid_len;
	q->scid_len = b[at++];
	if (q->scid_len > QUIC_CID_MAX || at + q->scid_len > n)
		return 0;
	memcpy(q->scid, b + at, q->scid_len);
	at += q->scid_len;
	/* Only Initial packets carry a token. */
	if (fn && (!(c = varint(b + at, n - at, &token_len)) || token_len > n - at - c))
		return 0;
	at += fn ? c + (size_t)token_len : 0;
	if (!(c = varint(b + at, n - at, &len)) || len > n - at - c)
		return 0;
	at += c; /* at: the packet number's offset; len covers it and the payload */
	if (!fn)
		return at + (size_t)len;
	/* Header protection's sample starts 4 bytes past the packet number's offset. */
	if (len < 20 || at + 4 > sizeof(hdr) || len > sizeof(plain) ||
	    quic__keys(q->version, ks && ks->dcid ? ks->dcid : q->dcid,
		       ks && ks->dcid ? ks->dcid_len : q->dcid_len, ks && ks->server, &k) ||
	    aes_ecb(k.hp, b + at + 4, mask))
		return at + (size_t)len;
	first = b[0] ^ (mask[0] & 0x0f);
	pn_len = (size_t)(first & 3) + 1;
	memcpy(hdr, b, at + pn_len);
	hdr[0] = first;
	for (size_t i = 0; i < pn_len; i++) {
		hdr[at + i] = b[at + i] ^ mask[1 + i];
		pn = pn << 8 | hdr[at + i];
	}
	q->pn = pn;
	if (!aes_gcm_open(&k, pn, hdr, at + pn_len, b + at + pn_len, (size_t)len - pn_len, plain)) {
		q->decrypted = true;
		quic__frames(q, plain, (size_t)len - pn_len - 16, fn, ctx);
	}
	return at + (size_t)len;
}

int quic__open_datagram(const uint8_t *b, size_t n, struct quic_initial *out, quic_crypto_fn fn,
			void *ctx)
{
	return quic__open_datagram_keys(b, n, out, NULL, fn, ctx);
}

int quic__open_datagram_keys(const uint8_t *b, size_t n, struct quic_initial *out,
			     const struct quic_keyspec *ks, quic_crypto_fn fn, void *ctx)
{
	int seen = 0;

	if (!quic__looks_initial(b, n))
		return -1;
	/* Coalesced packets follow each other; a short-header packet ends the datagram. */
	while (n >= 7 && (b[0] & 0x80)) {
		struct quic_initial q;
		uint32_t v = (uint32_t)b[1] << 24 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 8 | b[4];
		size_t used;

		if (!version__known(v))
			break;
		used = quic__open_one(b, n, &q, ks, type__initial(b[0], v) ? fn : NULL, ctx);
		if (!used || used > n)
			break;
		if (type__initial(b[0], v)) {
			if (!seen)
				*out = q;
			seen++;
		}
		b += used;
		n -= used;
	}
	return seen;
}
