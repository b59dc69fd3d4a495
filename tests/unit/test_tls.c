// SPDX-License-Identifier: GPL-2.0-only
/*
 * TLS hello decoding, JA3 and JA4. Hellos are built byte by byte from published
 * fingerprints: FoxIO's own unit test (ja4, ja4_r) and a Chrome hello whose
 * JA3 string, JA3 hash, JA4, JA4_r and JA4_ro were published together.
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
#include "ja.h"
#include "tls.h"

struct buf {
	uint8_t b[70000]; /* room for a hello with the most suites TLS allows */
	size_t n;
};

#define JA3_STRING_MAX 4096
#define JA4_R_MAX 4096

/* The decoders, freeing what the previous decoding into ch held. */
static int hello_parse(const uint8_t *b, size_t n, struct tls_client_hello *ch)
{
	tls__client_hello_free(ch);
	return tls__client_hello(b, n, ch);
}

static int hello_parse_v2(const uint8_t *b, size_t n, struct tls_client_hello *ch)
{
	tls__client_hello_free(ch);
	return tls__sslv2_client_hello(b, n, ch);
}

/* JA3 string and MD5 into fixed buffers ("" when none), as the tests compare them. */
static void ja3_of_hello(const struct tls_client_hello *ch, char *s, size_t n, char md5[33])
{
	char *r = ja3__compute(ch, md5);

	snprintf(s, n, "%s", r ? r : "");
	free(r);
}

static void ja4_of_hello(const struct tls_client_hello *ch, char ja4[JA4_MAX], char *s, size_t n)
{
	char *r = ja4__compute(ch, ja4);

	snprintf(s, n, "%s", r ? r : "");
	free(r);
}

static void put8(struct buf *b, uint8_t v)
{
	b->b[b->n++] = v;
}

static void put16(struct buf *b, uint16_t v)
{
	put8(b, v >> 8);
	put8(b, v & 0xff);
}

static void put(struct buf *b, const void *d, size_t n)
{
	memcpy(b->b + b->n, d, n);
	b->n += n;
}

/* Patches a big-endian length of width w at pos to cover everything after it. */
static void patch(struct buf *b, size_t pos, int w)
{
	size_t len = b->n - pos - w;

	for (int i = w - 1; i >= 0; i--, len >>= 8)
		b->b[pos + i] = len & 0xff;
}

static void ext_u16_list(struct buf *b, uint16_t type, int lw, const uint16_t *v, size_t n)
{
	size_t p;

	put16(b, type);
	put16(b, 0);
	p = b->n;
	if (lw == 1)
		put8(b, (uint8_t)(n * 2));
	else
		put16(b, (uint16_t)(n * 2));
	for (size_t i = 0; i < n; i++)
		put16(b, v[i]);
	patch(b, p - 2, 2);
}

static void ext_sni(struct buf *b, const char *host)
{
	put16(b, 0);
	put16(b, (uint16_t)(strlen(host) + 5));
	put16(b, (uint16_t)(strlen(host) + 3));
	put8(b, 0);
	put16(b, (uint16_t)strlen(host));
	put(b, host, strlen(host));
}

static void ext_alpn(struct buf *b, const char *const *protos, size_t n)
{
	size_t p, q;

	put16(b, 16);
	put16(b, 0);
	p = b->n;
	put16(b, 0);
	q = b->n;
	for (size_t i = 0; i < n; i++) {
		put8(b, (uint8_t)strlen(protos[i]));
		put(b, protos[i], strlen(protos[i]));
	}
	patch(b, q - 2, 2);
	patch(b, p - 2, 2);
}

static void ext_raw(struct buf *b, uint16_t type, const void *d, size_t n)
{
	put16(b, type);
	put16(b, (uint16_t)n);
	put(b, d, n);
}

static void ext_key_share(struct buf *b, uint16_t group)
{
	uint8_t key[32] = { 0 };

	put16(b, 51);
	put16(b, 38);
	put16(b, 36);
	put16(b, group);
	put16(b, 32);
	put(b, key, 32);
}

/* The hello's fixed part; returns where the extensions' length goes. */
static size_t hello_start(struct buf *b, const uint16_t *ciphers, size_t n)
{
	uint8_t random[32] = { 1 };

	put16(b, 0x0303);
	put(b, random, 32);
	put8(b, 0);
	put16(b, (uint16_t)(n * 2));
	for (size_t i = 0; i < n; i++)
		put16(b, ciphers[i]);
	put8(b, 1);
	put8(b, 0);
	put16(b, 0);
	return b->n - 2;
}

static const uint16_t sigs[] = { 0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601 };
static const uint16_t rust_ciphers[] = { 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f,
					 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013,
					 0xc014, 0x009c, 0x009d, 0x002f, 0x0035 };

/* FoxIO's test_client_stats_into_out, as a real hello. */
static void build_foxio(struct buf *b)
{
	static const char *const alpn[] = { "h2", "http/1.1" };
	static const uint16_t versions[] = { 0x0304, 0x0303 };
	static const uint16_t empty_ext_types[] = { 0x4469, 0x0017, 0x0005, 0x0023, 0x0012,
						    0xff01, 0x000b, 0x000a, 0x0015 };
	size_t ext = hello_start(b, rust_ciphers, 15);

	ext_raw(b, 0x001b, "\x02\x00\x02", 3);
	ext_sni(b, "example.com");
	ext_key_share(b, 0x001d);
	ext_alpn(b, alpn, 2);
	ext_raw(b, empty_ext_types[0], "", 0);
	ext_raw(b, empty_ext_types[1], "", 0);
	ext_raw(b, 0x002d, "\x01\x01", 2);
	ext_u16_list(b, 13, 2, sigs, 8);
	ext_raw(b, 0x0005, "\x01\x00\x00\x00\x00", 5);
	ext_raw(b, 0x0023, "", 0);
	ext_raw(b, 0x0012, "", 0);
	ext_u16_list(b, 43, 1, versions, 2);
	ext_raw(b, 0xff01, "\x00", 1);
	ext_raw(b, 0x000b, "\x01\x00", 2);
	ext_u16_list(b, 10, 2, (const uint16_t[]){ 0x001d, 0x0017 }, 2);
	ext_raw(b, 0x0015, "\x00\x00", 2);
	patch(b, ext, 2);
}

static void test_foxio_vector(void **state)
{
	struct buf b = { .n = 0 };
	struct tls_client_hello ch = {};
	char ja4[JA4_MAX], ja4_r[JA4_R_MAX];

	build_foxio(&b);
	assert_int_equal(hello_parse(b.b, b.n, &ch), 0);
	assert_string_equal(ch.sni, "example.com");
	assert_int_equal(ch.nalpn, 2);
	assert_string_equal(ch.alpn[1], "http/1.1");
	assert_int_equal(ch.extensions.n, 16);
	ja4_of_hello(&ch, ja4, ja4_r, sizeof(ja4_r));
	assert_string_equal(ja4, "t13d1516h2_8daaf6152771_e5627efa2ab1");
	assert_string_equal(ja4_r,
			    "t13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,"
			    "c02f,c030,cca8,cca9_0005,000a,000b,000d,0012,0015,0017,001b,0023,"
			    "002b,002d,0033,4469,ff01_0403,0804,0401,0503,0805,0501,0806,0601");
	tls__client_hello_free(&ch);
}

/* A Chrome hello (published with its JA3 and JA4), with GREASE added everywhere. */
static void build_chrome(struct buf *b, bool grease)
{
	static const char *const alpn[] = { "h2", "http/1.1" };
	uint16_t ciphers[16], groups[5], versions[3];
	size_t nc = 0, ng = 0, nv = 0, ext;

	if (grease)
		ciphers[nc++] = 0x0a0a, groups[ng++] = 0x2a2a, versions[nv++] = 0x3a3a;
	memcpy(ciphers + nc, rust_ciphers, sizeof(rust_ciphers));
	nc += 15;
	memcpy(groups + ng, (const uint16_t[]){ 4588, 29, 23, 24 }, 8);
	ng += 4;
	memcpy(versions + nv, (const uint16_t[]){ 0x0304, 0x0303 }, 4);
	nv += 2;
	ext = hello_start(b, ciphers, nc);
	if (grease)
		ext_raw(b, 0x1a1a, "", 0);
	ext_raw(b, 0x002d, "\x01\x01", 2);
	ext_key_share(b, 0x001d);
	ext_alpn(b, alpn, 2);
	ext_raw(b, 0xfe0d, "\x00", 1);
	ext_raw(b, 0x0017, "", 0);
	ext_raw(b, 0x44cd, "\x00\x03\x02h2", 6);
	ext_sni(b, "tls.browserleaks.com");
	ext_raw(b, 0x000b, "\x01\x00", 2);
	ext_u16_list(b, 10, 2, groups, ng);
	ext_u16_list(b, 43, 1, versions, nv);
	ext_raw(b, 0xff01, "\x00", 1);
	ext_raw(b, 0x0023, "", 0);
	ext_raw(b, 0x0012, "", 0);
	ext_raw(b, 0x0005, "\x01\x00\x00\x00\x00", 5);
	ext_u16_list(b, 13, 2, sigs, 8);
	ext_raw(b, 0x001b, "\x02\x00\x02", 3);
	if (grease)
		ext_raw(b, 0x4a4a, "\x00", 1);
	patch(b, ext, 2);
}

static void test_chrome_vector(void **state)
{
	for (int grease = 0; grease < 2; grease++) {
		struct buf b = { .n = 0 };
		struct tls_client_hello ch = {};
		char ja3[JA3_STRING_MAX], md5[33], ja4[JA4_MAX], ja4_r[JA4_R_MAX];

		build_chrome(&b, grease);
		assert_int_equal(hello_parse(b.b, b.n, &ch), 0);
		ja3_of_hello(&ch, ja3, sizeof(ja3), md5);
		assert_string_equal(ja3,
				    "771,4865-4866-4867-49195-49199-49196-49200-52393-52392-"
				    "49171-49172-156-157-47-53,45-51-16-65037-23-17613-0-11-10-"
				    "43-65281-35-18-5-13-27,4588-29-23-24,0");
		assert_string_equal(md5, "98487aa16281980e7d1120d399efb6a4");
		ja4_of_hello(&ch, ja4, ja4_r, sizeof(ja4_r));
		assert_string_equal(ja4, "t13d1516h2_8daaf6152771_d8a2da3f94cd");
		assert_string_equal(ja4_r,
				    "t13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,"
				    "c02c,c02f,c030,cca8,cca9_0005,000a,000b,000d,0012,0017,001b,"
				    "0023,002b,002d,0033,44cd,fe0d,ff01_0403,0804,0401,0503,0805,"
				    "0501,0806,0601");
		assert_string_equal(ch.sni, "tls.browserleaks.com");
		assert_int_equal(ch.key_shares.n, 1);
		assert_int_equal(ch.key_shares.v[0], 0x001d);
		tls__client_hello_free(&ch);
	}
}

/* Builds a minimal hello with the given ALPN (or none) and no other extension. */
static void ja4_of(const char *alpn, size_t alpn_len, bool sigalgs, char ja4[JA4_MAX], char *ja4_r,
		   size_t rsz)
{
	struct buf b = { .n = 0 };
	struct tls_client_hello ch = {};
	size_t ext = hello_start(&b, (const uint16_t[]){ 0x1301 }, 1);

	if (alpn) {
		put16(&b, 16);
		put16(&b, (uint16_t)(alpn_len + 3));
		put16(&b, (uint16_t)(alpn_len + 1));
		put8(&b, (uint8_t)alpn_len);
		put(&b, alpn, alpn_len);
	}
	if (sigalgs)
		ext_u16_list(&b, 13, 2, (const uint16_t[]){ 0x0403, 0x2a2a }, 2);
	patch(&b, ext, 2);
	assert_int_equal(hello_parse(b.b, b.n, &ch), 0);
	ja4_of_hello(&ch, ja4, ja4_r, rsz);
	tls__client_hello_free(&ch);
}

static void test_ja4_edge_cases(void **state)
{
	char ja4[JA4_MAX], r[JA4_R_MAX];

	/* No ALPN: 00. No SNI: i. Only ALPN as extension: the hashed list is empty. */
	ja4_of(NULL, 0, false, ja4, r, sizeof(r));
	assert_string_equal(ja4, "t12i010000_0f2cb44170f4_000000000000");
	assert_string_equal(r, "t12i010000_1301_");
	ja4_of("h2", 2, false, ja4, r, sizeof(r));
	assert_string_equal(ja4, "t12i0101h2_0f2cb44170f4_000000000000");
	/* One-character ALPN: its last character is missing, so 0. */
	ja4_of("h", 1, false, ja4, r, sizeof(r));
	assert_string_equal(r, "t12i0101h0_1301_");
	ja4_of("http/1.1", 8, false, ja4, r, sizeof(r));
	assert_string_equal(r, "t12i0101h1_1301_");
	/* Non-ASCII first or last byte: 9. */
	ja4_of("\xff\xfe", 2, false, ja4, r, sizeof(r));
	assert_string_equal(r, "t12i010199_1301_");
	ja4_of("\xc3\xa9x", 3, false, ja4, r, sizeof(r));
	assert_string_equal(r, "t12i01019x_1301_");
	/* Empty ALPN value. */
	ja4_of("", 0, false, ja4, r, sizeof(r));
	assert_string_equal(r, "t12i010100_1301_");
	/* Signature algorithms: GREASE removed, underscore only with some left. */
	ja4_of(NULL, 0, true, ja4, r, sizeof(r));
	assert_string_equal(r, "t12i010100_1301_000d_0403");
}

static void test_no_extensions_and_many_ciphers(void **state)
{
	struct buf b = { .n = 0 };
	struct tls_client_hello ch = {};
	uint16_t many[120];
	char ja4[JA4_MAX], r[JA4_R_MAX];
	uint8_t random[32] = { 0 };

	for (int i = 0; i < 120; i++)
		many[i] = (uint16_t)(0x0100 + i);
	put16(&b, 0x0301);
	put(&b, random, 32);
	put8(&b, 0);
	put16(&b, 240);
	for (int i = 0; i < 120; i++)
		put16(&b, many[i]);
	put8(&b, 1);
	put8(&b, 0);
	assert_int_equal(hello_parse(b.b, b.n, &ch), 0);
	ja4_of_hello(&ch, ja4, r, sizeof(r));
	assert_memory_equal(ja4, "t10i990000_", 11);
	assert_string_equal(ja4 + 24, "000000000000");
	tls__client_hello_free(&ch);
}

static void test_malformed_hellos(void **state)
{
	struct buf b = { .n = 0 };
	struct tls_client_hello ch = {};

	build_foxio(&b);
	/* Every cut of the hello is malformed, never a crash, never a fingerprint of garbage. */
	for (size_t cut = 0; cut < b.n; cut++) {
		int rc = hello_parse(b.b, cut, &ch);

		/* The one cut that ends exactly before the extensions is a valid old-style hello. */
		if (rc == 0)
			assert_int_equal(ch.extensions.n, 0);
		else
			assert_true(ch.malformed && ch.malformed_reason);
	}
	/* An extension length past the extension list. */
	b.n = 0;
	{
		size_t ext = hello_start(&b, (const uint16_t[]){ 0x1301 }, 1);

		put16(&b, 0);
		put16(&b, 200);
		put(&b, "abc", 3);
		patch(&b, ext, 2);
	}
	assert_int_equal(hello_parse(b.b, b.n, &ch), -1);
	assert_string_equal(ch.malformed_reason, "extension runs past the extension list");
	/* A zero-length server_name extension is accepted as "has SNI". */
	b.n = 0;
	{
		size_t ext = hello_start(&b, (const uint16_t[]){ 0x1301 }, 1);

		ext_raw(&b, 0, "", 0);
		patch(&b, ext, 2);
	}
	assert_int_equal(hello_parse(b.b, b.n, &ch), 0);
	assert_true(ch.has_sni);
	assert_string_equal(ch.sni, "");
	tls__client_hello_free(&ch);
}

struct hello_seen {
	int n;
	size_t lens[4];
};

static void on_hello(const uint8_t *body, size_t len, void *ctx)
{
	struct hello_seen *s = ctx;

	if (s->n < 4)
		s->lens[s->n] = len;
	s->n++;
}

static void test_records_split_and_joined(void **state)
{
	struct buf hello = { .n = 0 }, stream = { .n = 0 };
	struct hello_seen seen = { 0 };
	size_t off = 0, chunk = 100;
	bool more;
	long used;

	build_chrome(&hello, true);
	/* The handshake message split over records of 100 bytes each. */
	while (off < hello.n + 4) {
		uint8_t hs[8192];
		size_t n;

		hs[0] = 1;
		hs[1] = 0;
		hs[2] = (uint8_t)(hello.n >> 8);
		hs[3] = (uint8_t)hello.n;
		memcpy(hs + 4, hello.b, hello.n);
		n = hello.n + 4 - off < chunk ? hello.n + 4 - off : chunk;
		put8(&stream, 22);
		put16(&stream, 0x0301);
		put16(&stream, (uint16_t)n);
		put(&stream, hs + off, n);
		off += n;
	}
	used = tls__walk_handshakes(stream.b, stream.n, 1, on_hello, &seen, &more);
	assert_int_equal(used, (long)stream.n);
	assert_int_equal(seen.n, 1);
	assert_int_equal(seen.lens[0], hello.n);
	assert_false(more);
	/* Cut anywhere: no hello yet, and more data wanted. */
	seen.n = 0;
	tls__walk_handshakes(stream.b, stream.n - 1, 1, on_hello, &seen, &more);
	assert_int_equal(seen.n, 0);
	assert_true(more);
	/* Not TLS at all. */
	assert_int_equal(
		tls__walk_handshakes((const uint8_t *)"GET /", 5, 1, on_hello, &seen, &more), -1);
}

static void test_server_hello(void **state)
{
	struct buf b = { .n = 0 };
	struct tls_server_hello sh;
	uint8_t random[32] = { 7 };
	size_t ext;

	put16(&b, 0x0303);
	put(&b, random, 32);
	put8(&b, 0);
	put16(&b, 0x1302);
	put8(&b, 0);
	put16(&b, 0);
	ext = b.n - 2;
	ext_raw(&b, 43, "\x03\x04", 2);
	ext_alpn(&b, (const char *const[]){ "h2" }, 1);
	patch(&b, ext, 2);
	assert_int_equal(tls__server_hello(b.b, b.n, &sh), 0);
	assert_int_equal(sh.cipher, 0x1302);
	assert_int_equal(sh.selected_version, 0x0304);
	assert_string_equal(sh.alpn, "h2");
	assert_false(sh.hello_retry);
}

/* SSLv2: specs kept as sent; fingerprints as the references give them (#14 item 4). */
static void test_sslv2_hello(void **state)
{
	/* SSLv2 record: length 0x8000|n, type 1, version 3.1, specs 6 bytes, sid 0, challenge 16. */
	uint8_t b[64] = { 0x80, 0x1f, 0x01, 0x03, 0x01, 0x00, 0x06, 0x00, 0x00,
			  0x00, 0x10, 0x00, 0x00, 0x2f, 0x07, 0x00, 0xc0 };
	struct tls_client_hello ch = {};
	char ja4[JA4_MAX], r[JA4_R_MAX], ja3[JA3_STRING_MAX], md5[33];

	assert_int_equal(hello_parse_v2(b, 33, &ch), 0);
	assert_true(ch.sslv2);
	assert_int_equal(ch.nsslv2_specs, 2);
	assert_int_equal(ch.sslv2_specs[0], 0x00002f);
	assert_int_equal(ch.sslv2_specs[1], 0x0700c0);
	/* Only the V3-form spec is a TLS suite: no made-up codes. */
	assert_int_equal(ch.ciphers.n, 1);
	assert_int_equal(ch.ciphers.v[0], 0x002f);
	ja4_of_hello(&ch, ja4, r, sizeof(r));
	assert_string_equal(ja4, "ts2i000000_000000000000_000000000000");
	ja3_of_hello(&ch, ja3, sizeof(ja3), md5);
	assert_string_equal(ja3, "");
	assert_string_equal(md5, "");
	assert_int_equal(hello_parse_v2(b, 12, &ch), -1);
	ja4_of_hello(&ch, ja4, r, sizeof(r));
	assert_string_equal(ja4, "");
	tls__client_hello_free(&ch);
}

/* A hello with the most suites TLS allows: every one in both fingerprints (#14 item 1). */
static void test_every_suite_counts(void **state)
{
	static struct buf b;
	struct tls_client_hello ch = {};
	char md5[33], ja4[JA4_MAX];
	uint8_t random[32] = { 0 };
	char *ja3, *ja4_r, *last;

	b.n = 0;
	put16(&b, 0x0303);
	put(&b, random, 32);
	put8(&b, 0);
	put16(&b, 65534);
	for (int i = 0; i < 32767; i++)
		put16(&b, (uint16_t)(i + 1));
	put8(&b, 1);
	put8(&b, 0);
	assert_int_equal(hello_parse(b.b, b.n, &ch), 0);
	assert_int_equal(ch.ciphers.n, 32767);
	assert_false(ch.ciphers.cut);
	ja3 = ja3__compute(&ch, md5);
	assert_non_null(ja3);
	assert_memory_equal(ja3, "771,1-2-3-", 10);
	last = strrchr(ja3, '-');
	assert_string_equal(last, "-32767,,,");
	ja4_r = ja4__compute(&ch, ja4);
	assert_non_null(ja4_r);
	assert_memory_equal(ja4, "t12i990000_", 11);
	/* Every value but the 8 GREASE ones below 0x8000: four digits and a comma
	 * each, after the 11-byte prefix and before the final "_". */
	assert_int_equal(strlen(ja4_r), 11 + (32767 - 8) * 5 - 1 + 1);
	free(ja3);
	free(ja4_r);
	tls__client_hello_free(&ch);
}

/* Builds a TLS 1.0 hello whose cipher-suite length field says len, followed by raw. */
static void odd_hello(struct buf *b, uint16_t len, const uint8_t *raw, size_t rawn)
{
	uint8_t random[32] = { 0 };

	b->n = 0;
	put16(b, 0x0301);
	put(b, random, 32);
	put8(b, 0);
	put16(b, len);
	put(b, raw, rawn);
}

/* Malformed hellos fingerprinted as the references do (#14 item 3). */
static void test_malformed_fingerprints(void **state)
{
	struct buf b = { .n = 0 };
	struct tls_client_hello ch = {};
	char ja3[JA3_STRING_MAX], md5[33], ja4[JA4_MAX], r[JA4_R_MAX];
	uint8_t raw[200];

	for (int i = 0; i < 133; i++)
		raw[i] = (uint8_t)(i + 1);
	/* Odd length 133: tshark reads 66 suites (JA4 counts them); ja3.py fails. */
	odd_hello(&b, 133, raw, 133);
	memcpy(raw, "\x01\x00", 2);
	put(&b, raw, 2); /* compression: one method, null */
	assert_int_equal(hello_parse(b.b, b.n, &ch), -1);
	assert_string_equal(ch.malformed_reason, "cipher suites have an odd length");
	assert_int_equal(ch.ciphers.n, 66);
	ja3_of_hello(&ch, ja3, sizeof(ja3), md5);
	assert_string_equal(md5, "");
	ja4_of_hello(&ch, ja4, r, sizeof(r));
	assert_memory_equal(ja4, "t10i660000_", 11);
	/* A length past the hello: neither reference reads a suite: no fingerprint. */
	odd_hello(&b, 600, (const uint8_t *)"\x00\x2f\x00\x35\x01\x00", 6);
	assert_int_equal(hello_parse(b.b, b.n, &ch), -1);
	assert_string_equal(ch.malformed_reason, "cipher suites run past the hello");
	ja3_of_hello(&ch, ja3, sizeof(ja3), md5);
	ja4_of_hello(&ch, ja4, r, sizeof(r));
	assert_string_equal(md5, "");
	assert_string_equal(ja4, "");
	/* An extension that overruns its list: ja3.py keeps its type, tshark (JA4) drops it. */
	odd_hello(&b, 2, (const uint8_t *)"\x00\x2f\x01\x00", 4);
	put16(&b, 4 + 4 + 2);
	ext_raw(&b, 0x0017, "", 0);
	put16(&b, 0x0023);
	put16(&b, 50);
	put(&b, "xx", 2);
	assert_int_equal(hello_parse(b.b, b.n, &ch), -1);
	assert_string_equal(ch.malformed_reason, "extension runs past the extension list");
	ja3_of_hello(&ch, ja3, sizeof(ja3), md5);
	assert_string_equal(ja3, "769,47,23-35,,");
	ja4_of_hello(&ch, ja4, r, sizeof(r));
	assert_string_equal(r, "t10i010100_002f_0017");
	/* A broken server_name does not hide the extensions after it. */
	odd_hello(&b, 2, (const uint8_t *)"\x00\x2f\x01\x00", 4);
	put16(&b, 4 + 3 + 8);
	ext_raw(&b, 0x0000, "\x00\x09\x00", 3);
	ext_u16_list(&b, 10, 2, (const uint16_t[]){ 0x001d }, 1);
	assert_int_equal(hello_parse(b.b, b.n, &ch), -1);
	assert_string_equal(ch.malformed_reason, "server_name list runs past its extension");
	ja3_of_hello(&ch, ja3, sizeof(ja3), md5);
	assert_string_equal(ja3, "769,47,0-10,29,");
	tls__client_hello_free(&ch);
}

/* Code points by IANA name; GREASE and unknown ones by number. */
static void test_code_point_names(void **state)
{
	char b[32];

	assert_string_equal(tls__group_name(29, b, sizeof(b)), "x25519");
	assert_string_equal(tls__group_name(0x11ec, b, sizeof(b)), "X25519MLKEM768");
	assert_string_equal(tls__group_name(0x2a2a, b, sizeof(b)), "GREASE_0x2a2a");
	assert_string_equal(tls__group_name(0x1234, b, sizeof(b)), "0x1234");
	assert_string_equal(tls__cipher_name(0x1301, b, sizeof(b)), "TLS_AES_128_GCM_SHA256");
	assert_string_equal(tls__cipher_name(0xfafa, b, sizeof(b)), "GREASE_0xfafa");
	assert_string_equal(tls__cipher_name(0x0001, b, sizeof(b)), "0x0001");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_code_point_names),
		cmocka_unit_test(test_foxio_vector),
		cmocka_unit_test(test_chrome_vector),
		cmocka_unit_test(test_ja4_edge_cases),
		cmocka_unit_test(test_no_extensions_and_many_ciphers),
		cmocka_unit_test(test_malformed_hellos),
		cmocka_unit_test(test_records_split_and_joined),
		cmocka_unit_test(test_server_hello),
		cmocka_unit_test(test_sslv2_hello),
		cmocka_unit_test(test_every_suite_counts),
		cmocka_unit_test(test_malformed_fingerprints),
	};

	return cmocka_run_group_tests_name("tls", tests, NULL, NULL);
}
