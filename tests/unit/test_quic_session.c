// SPDX-License-Identifier: GPL-2.0-only
/*
 * QUIC Initial crypto streams put back together (userspace/net/quic_session.c):
 * the real ClientHello of quic_vectors.h, cut into CRYPTO frames sent out of
 * order, overlapping, over two datagrams, sealed by an Initial encoder written
 * here (RFC 9001 5: HKDF, AES-128-GCM, header protection); a gap never
 * filled; a datagram that does not authenticate; version 2's keys and types.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <linux/types.h>
#include "event.h"
#include "flow_events.h"
#include "quic.h"
#include "quic_session.h"
#include "quic_vectors.h"

/* -- an Initial encoder, for the test only ------------------------------------------- */

static void hkdf(bool extract, const uint8_t *salt, const uint8_t *in, size_t in_len,
		 const uint8_t *info, size_t info_len, uint8_t *out, size_t out_len)
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	EVP_KDF_CTX *c = EVP_KDF_CTX_new(kdf);
	int mode = extract ? EVP_KDF_HKDF_MODE_EXTRACT_ONLY : EVP_KDF_HKDF_MODE_EXPAND_ONLY;
	OSSL_PARAM p[5] = {
		OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0),
		OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)in, in_len),
		extract ? OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, 20) :
			  OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info,
							    info_len),
		OSSL_PARAM_construct_end(),
	};

	assert_int_equal(EVP_KDF_derive(c, out, out_len, p), 1);
	EVP_KDF_CTX_free(c);
	EVP_KDF_free(kdf);
}

static void label(const uint8_t *secret, const char *l, uint8_t *out, size_t len)
{
	uint8_t info[64] = { 0, (uint8_t)len, (uint8_t)(6 + strlen(l)) };
	size_t n = 3;

	memcpy(info + n, "tls13 ", 6);
	memcpy(info + n + 6, l, strlen(l));
	n += 6 + strlen(l);
	info[n++] = 0;
	hkdf(false, NULL, secret, 32, info, n, out, len);
}

/*
 * An Initial of 1200 bytes around frames (padding after them), packet number
 * pn, from the client or the server (a server's has an empty connection id
 * here: the client's source id in these tests), keys from dcid.
 */
/* The fixed bit cleared, as a peer that allows it does at random (RFC 9287). */
static bool grease;

static size_t seal_side(bool server, uint32_t version, const uint8_t *dcid, size_t dcid_len,
			uint8_t pn, const uint8_t *frames, size_t frames_len, uint8_t *out)
{
	static const uint8_t s1[20] = { 0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
					0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a };
	static const uint8_t s2[20] = { 0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93,
					0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9 };
	bool v2 = version == QUIC_V2;
	uint8_t init[32], cl[32], key[16], iv[12], hp[16], mask[16], pt[1200] = { 0 }, nonce[12];
	size_t pkt_dcid = server ? 0 : dcid_len;
	size_t hdr, payload = 1200 - (1 + 4 + 1 + pkt_dcid + 1 + 1 + 2 + 1), len = 0;
	EVP_CIPHER_CTX *c;
	int n;

	hkdf(true, v2 ? s2 : s1, dcid, dcid_len, NULL, 0, init, 32);
	label(init, server ? "server in" : "client in", cl, 32);
	label(cl, v2 ? "quicv2 key" : "quic key", key, 16);
	label(cl, v2 ? "quicv2 iv" : "quic iv", iv, 12);
	label(cl, v2 ? "quicv2 hp" : "quic hp", hp, 16);
	/* first byte: long header, fixed bit (unless greased), Initial type, packet number length 1 */
	out[len++] = (grease ? 0x80 : 0xc0) | (v2 ? 0x10 : 0x00);
	for (int i = 3; i >= 0; i--)
		out[len++] = (uint8_t)(version >> (8 * i));
	out[len++] = (uint8_t)pkt_dcid;
	memcpy(out + len, dcid, pkt_dcid);
	len += pkt_dcid;
	out[len++] = 0; /* no source connection id */
	out[len++] = 0; /* no token */
	out[len++] = 0x40 | (uint8_t)((payload + 1) >> 8); /* length: packet number and payload */
	out[len++] = (uint8_t)(payload + 1);
	hdr = len;
	out[len++] = pn;
	memcpy(pt, frames, frames_len); /* the rest stays 0: PADDING frames */
	memcpy(nonce, iv, 12);
	nonce[11] ^= pn;
	c = EVP_CIPHER_CTX_new();
	assert_true(EVP_EncryptInit_ex(c, EVP_aes_128_gcm(), NULL, key, nonce));
	assert_true(EVP_EncryptUpdate(c, NULL, &n, out, (int)len));
	assert_true(EVP_EncryptUpdate(c, out + len, &n, pt, (int)(payload - 16)));
	assert_true(EVP_EncryptFinal_ex(c, out + len + n, &n));
	assert_true(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, out + len + payload - 16));
	EVP_CIPHER_CTX_free(c);
	c = EVP_CIPHER_CTX_new();
	assert_true(EVP_EncryptInit_ex(c, EVP_aes_128_ecb(), NULL, hp, NULL));
	assert_true(EVP_EncryptUpdate(c, mask, &n, out + hdr + 4, 16));
	EVP_CIPHER_CTX_free(c);
	out[0] ^= mask[0] & 0x0f;
	out[hdr] ^= mask[1];
	return len + payload;
}

static size_t seal(uint32_t version, const uint8_t *dcid, size_t dcid_len, uint8_t pn,
		   const uint8_t *frames, size_t frames_len, uint8_t *out)
{
	return seal_side(false, version, dcid, dcid_len, pn, frames, frames_len, out);
}

/* A CRYPTO frame (type 6, offset and length as 2-byte varints). */
static size_t crypto(uint8_t *p, size_t off, const uint8_t *d, size_t n)
{
	p[0] = 0x06;
	p[1] = 0x40 | (uint8_t)(off >> 8);
	p[2] = (uint8_t)off;
	p[3] = 0x40 | (uint8_t)(n >> 8);
	p[4] = (uint8_t)n;
	memcpy(p + 5, d + off, n);
	return 5 + n;
}

/* -- the sessions, with an output that keeps the TLS events -------------------------- */

struct seen {
	struct event_out base;
	int hellos;
	char sni[256], ja4[64];
	uint32_t version, packets;
	bool has_sh, incomplete;
	uint16_t sh_version, sh_cipher;
	uint32_t captured, wanted;
	char reason[64];
};

static void on_event(struct event_out *o, struct event *ev)
{
	struct seen *s = (struct seen *)o;

	assert_int_equal(ev->kind, EVENT_TLS);
	s->hellos++;
	snprintf(s->sni, sizeof(s->sni), "%s", ev->tls->ch.sni);
	snprintf(s->ja4, sizeof(s->ja4), "%s", ev->tls->ja4);
	s->version = ev->tls->quic_version;
	s->packets = ev->tls->quic_packets;
	s->has_sh = ev->tls->has_sh;
	s->sh_version = ev->tls->sh.selected_version;
	s->sh_cipher = ev->tls->sh.cipher;
	s->incomplete = ev->tls->incomplete;
	s->captured = ev->tls->captured;
	s->wanted = ev->tls->wanted;
	snprintf(s->reason, sizeof(s->reason), "%s",
		 ev->tls->ch.malformed_reason ? ev->tls->ch.malformed_reason : "");
}

static bool never(const struct event_out *o)
{
	return false;
}

static uint8_t hello[512];
static size_t hello_len;

static void on_crypto(void *ctx, const struct quic_initial *q, uint64_t off, const uint8_t *d,
		      size_t n)
{
	memcpy(hello + off, d, n);
	hello_len = off + n;
}

/* The real ClientHello, from the real Initial (test_quic checks that decoding). */
static int setup(void **state)
{
	uint8_t d[1500];
	size_t n = 0;
	struct quic_initial q;

	for (const char *h = GTLS_INITIAL_HEX; h[0] && h[1]; h += 2) {
		unsigned int b;

		sscanf(h, "%2x", &b);
		d[n++] = (uint8_t)b;
	}
	return quic__open_datagram(d, n, &q, on_crypto, NULL) == 1 && hello_len == 379 ? 0 : -1;
}

static void feed_dir(struct quic_sessions *qs, const uint8_t *dgram, size_t n, uint64_t ts,
		     bool server)
{
	static struct chunk_event e;

	memset(&e, 0, sizeof(e));
	e.h.kind = WF_PKT_EVENT_QUIC;
	e.h.flow_dir = server ? WF_DIR_REPLY : WF_DIR_ORIG;
	e.h.ts_ns = ts;
	e.h.proto = 17;
	e.len = (uint32_t)n;
	memcpy(e.data, dgram, n);
	quic_sessions__datagram(qs, &e, offsetof(struct chunk_event, data) + n, "00112233aabbccdd",
				"veth0");
}

static void feed(struct quic_sessions *qs, const uint8_t *dgram, size_t n, uint64_t ts)
{
	feed_dir(qs, dgram, n, ts, false);
}

static const uint8_t dcid[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };

/* A TLS 1.3 ServerHello as a server's Initial carries it: TLS_AES_128_GCM_SHA256, x25519. */
static size_t server_hello(uint8_t *m)
{
	size_t n = 0;

	m[n++] = 2;
	m[n++] = 0;
	m[n++] = 0;
	m[n++] = 0; /* length, below */
	m[n++] = 3;
	m[n++] = 3;
	memset(m + n, 0x5a, 32);
	n += 32;
	m[n++] = 0; /* no session id */
	m[n++] = 0x13;
	m[n++] = 0x01;
	m[n++] = 0; /* compression */
	m[n++] = 0;
	m[n++] = 46; /* extensions' length */
	memcpy(m + n, "\x00\x2b\x00\x02\x03\x04", 6); /* supported_versions: TLS 1.3 */
	n += 6;
	memcpy(m + n, "\x00\x33\x00\x24\x00\x1d\x00\x20", 8); /* key_share: x25519, 32 bytes */
	n += 8;
	memset(m + n, 0x77, 32);
	n += 32;
	m[3] = (uint8_t)(n - 4);
	return n;
}

static void reassembled(uint32_t version)
{
	struct seen s = { .base = { .emit = on_event, .done = never } };
	struct quic_sessions *qs = quic_sessions__new(&s.base);
	uint8_t f[1200], d[1200];
	size_t n = 0;
	struct quic_stats st;

	/* First datagram: the hello's tail only. Second: its head, in two overlapping frames. */
	n = crypto(f, 200, hello, 179);
	feed(qs, d, seal(version, dcid, sizeof(dcid), 0, f, n, d), 1);
	assert_int_equal(s.hellos, 0);
	n = crypto(f, 100, hello, 100);
	n += crypto(f + n, 0, hello, 150);
	feed(qs, d, seal(version, dcid, sizeof(dcid), 1, f, n, d), 2);
	/* Whole, it waits for the server's answer: its Initial, sealed with the server's keys. */
	assert_int_equal(s.hellos, 0);
	{
		uint8_t sh[128];
		size_t shn = server_hello(sh);

		n = crypto(f, 0, sh, shn);
		grease = true; /* as ngtcp2's server does half the time */
		feed_dir(qs, d, seal_side(true, version, dcid, sizeof(dcid), 0, f, n, d), 3, true);
		grease = false;
	}
	assert_int_equal(s.hellos, 1);
	assert_true(s.has_sh);
	assert_int_equal(s.sh_version, 0x0304);
	assert_int_equal(s.sh_cipher, 0x1301);
	assert_string_equal(s.sni, "quic.test.example");
	assert_int_equal(s.version, version);
	assert_int_equal(s.packets, 2);
	assert_int_equal(s.ja4[0], 'q');
	/* The client's head again (a retransmitted Initial): reported once. */
	n = crypto(f, 0, hello, 150);
	feed(qs, d, seal(version, dcid, sizeof(dcid), 2, f, n, d), 4);
	assert_int_equal(s.hellos, 1);
	quic_sessions__expire(qs, 0, true);
	quic_sessions__stats(qs, &st);
	assert_int_equal(st.hellos, 1);
	assert_int_equal(st.incomplete + st.undecryptable + st.malformed, 0);
	quic_sessions__free(qs);
}

static void test_reassembled_v1(void **state)
{
	reassembled(QUIC_V1);
}

static void test_reassembled_v2(void **state)
{
	reassembled(QUIC_V2);
}

static void test_no_answer_reported_after_the_wait(void **state)
{
	struct seen s = { .base = { .emit = on_event, .done = never } };
	struct quic_sessions *qs = quic_sessions__new(&s.base);
	uint8_t f[1200], d[1200];
	size_t n = crypto(f, 0, hello, 379);

	feed(qs, d, seal(QUIC_V1, dcid, sizeof(dcid), 0, f, n, d), 1000);
	quic_sessions__expire(qs, 1000 + 1000000000ull, false);
	assert_int_equal(s.hellos, 0);
	quic_sessions__expire(qs, 1000 + 2000000000ull, false);
	assert_int_equal(s.hellos, 1);
	assert_false(s.has_sh);
	quic_sessions__free(qs);
}

static void test_gap_and_forgery_counted(void **state)
{
	struct seen s = { .base = { .emit = on_event, .done = never } };
	struct quic_sessions *qs = quic_sessions__new(&s.base);
	uint8_t f[1200], d[1200];
	size_t n = crypto(f, 0, hello, 300), len;
	struct quic_stats st;

	/* The first 300 bytes, never the rest: incomplete when the session expires. */
	feed(qs, d, seal(QUIC_V1, dcid, sizeof(dcid), 0, f, n, d), 1);
	/* A datagram whose tag does not match. */
	len = seal(QUIC_V1, dcid, sizeof(dcid), 1, f, n, d);
	d[len - 1] ^= 1;
	feed(qs, d, len, 2);
	/* An unknown frame type after a good frame: what came before is kept. */
	n = crypto(f, 300, hello, 20);
	f[n++] = 0x30;
	feed(qs, d, seal(QUIC_V1, dcid, sizeof(dcid), 2, f, n, d), 3);
	quic_sessions__expire(qs, 5000000000ull, false); /* not old enough yet */
	quic_sessions__stats(qs, &st);
	assert_int_equal(st.incomplete, 0);
	quic_sessions__expire(qs, 20000000000ull, false);
	quic_sessions__stats(qs, &st);
	assert_int_equal(st.undecryptable, 1);
	assert_int_equal(st.malformed, 1);
	assert_int_equal(st.incomplete, 1);
	/* Reported, marked, with nothing read from half a hello: its bytes and their number. */
	assert_int_equal(s.hellos, 1);
	assert_true(s.incomplete);
	assert_string_equal(s.reason, "ClientHello incomplete");
	assert_int_equal(s.captured, 320);
	assert_int_equal(s.wanted, 379);
	assert_string_equal(s.sni, "");
	assert_string_equal(s.ja4, "");
	assert_int_equal(s.version, QUIC_V1);
	assert_int_equal(st.hellos, 0);
	quic_sessions__free(qs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reassembled_v1),
		cmocka_unit_test(test_reassembled_v2),
		cmocka_unit_test(test_no_answer_reported_after_the_wait),
		cmocka_unit_test(test_gap_and_forgery_counted),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
