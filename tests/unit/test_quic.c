// SPDX-License-Identifier: GPL-2.0-only
/*
 * QUIC Initial decoding (userspace/proto/quic.c) on a real client Initial
 * (quic_vectors.h: what tshark decrypts it to), then damaged: a flipped
 * ciphertext byte, a cut datagram, an unknown version, a short header.
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
#include "quic.h"
#include "quic_vectors.h"
#include "tls.h"

static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = 0;

	for (; hex[0] && hex[1] && n < cap; hex += 2) {
		unsigned int b;

		assert_int_equal(sscanf(hex, "%2x", &b), 1);
		out[n++] = (uint8_t)b;
	}
	return n;
}

struct got {
	uint8_t stream[4096];
	size_t frames, bytes;
	uint64_t max_end;
};

static void on_crypto(void *ctx, const struct quic_initial *q, uint64_t off, const uint8_t *d,
		      size_t n)
{
	struct got *g = ctx;

	g->frames++;
	g->bytes += n;
	if (off + n <= sizeof(g->stream))
		memcpy(g->stream + off, d, n);
	if (off + n > g->max_end)
		g->max_end = off + n;
}

static void test_real_initial(void **state)
{
	static const uint8_t dcid[] = { 0x02, 0xb7, 0x9d, 0x66, 0xf2, 0x6d, 0xfa, 0x4b, 0xd0,
					0x22, 0x5d, 0x9d, 0xeb, 0xc6, 0x29, 0x4e, 0x6c, 0x05 };
	static const uint16_t exts[] = { 57, 5, 10, 11, 13, 16, 22, 23, 35, 51, 43, 65281, 0, 45, 28 };
	uint8_t d[1500];
	size_t n = unhex(GTLS_INITIAL_HEX, d, sizeof(d));
	struct quic_initial q;
	struct tls_client_hello ch = { 0 };
	struct got g = { 0 };

	assert_int_equal(n, 1200);
	assert_true(quic__looks_initial(d, n));
	assert_int_equal(quic__open_datagram(d, n, &q, on_crypto, &g), 1);
	assert_true(q.decrypted);
	assert_false(q.malformed);
	assert_int_equal(q.version, QUIC_V1);
	assert_int_equal(q.dcid_len, sizeof(dcid));
	assert_memory_equal(q.dcid, dcid, sizeof(dcid));
	assert_int_equal(q.scid_len, 17);
	assert_int_equal(g.frames, 1);
	assert_int_equal(g.max_end, 379);
	/* A ClientHello handshake message: type 1, a 3-byte length, then its body. */
	assert_int_equal(g.stream[0], 1);
	assert_int_equal((size_t)g.stream[1] << 16 | (size_t)g.stream[2] << 8 | g.stream[3], 375);
	tls__client_hello(g.stream + 4, 375, &ch);
	assert_false(ch.malformed);
	assert_true(ch.has_sni);
	assert_string_equal(ch.sni, "quic.test.example");
	assert_int_equal(ch.nalpn, 1);
	assert_string_equal(ch.alpn[0], "h3");
	assert_int_equal(ch.ciphers.n, 4);
	assert_int_equal(ch.ciphers.v[0], 0x1301);
	assert_int_equal(ch.ciphers.v[3], 0x1304);
	assert_int_equal(ch.extensions.n, sizeof(exts) / sizeof(exts[0]));
	for (size_t i = 0; i < ch.extensions.n; i++)
		assert_int_equal(ch.extensions.v[i], exts[i]);
	tls__client_hello_free(&ch);
}

static void test_damaged_initials(void **state)
{
	uint8_t d[1500];
	size_t n = unhex(GTLS_INITIAL_HEX, d, sizeof(d));
	struct quic_initial q;
	struct got g = { 0 };

	/* A flipped byte in the ciphertext: the tag does not match, nothing is delivered. */
	d[600] ^= 0x40;
	assert_int_equal(quic__open_datagram(d, n, &q, on_crypto, &g), 1);
	assert_false(q.decrypted);
	assert_int_equal(g.frames, 0);
	d[600] ^= 0x40;
	/* Cut short of its Length: not opened, and no read past the end. */
	assert_int_equal(quic__open_datagram(d, 700, &q, on_crypto, &g), 0);
	assert_int_equal(g.frames, 0);
	/* A connection id longer than 20 bytes. */
	d[5] = 21;
	assert_int_equal(quic__open_datagram(d, n, &q, on_crypto, &g), 0);
	d[5] = 18;
	/* Another version, a short header, a handshake packet, too short a datagram. */
	d[4] = 0x02;
	assert_int_equal(quic__open_datagram(d, n, &q, on_crypto, &g), -1);
	d[4] = 0x01;
	d[0] = 0x4c;
	assert_false(quic__looks_initial(d, n));
	d[0] = 0xec; /* type 2: Handshake */
	assert_false(quic__looks_initial(d, n));
	d[0] = 0xcc;
	assert_false(quic__looks_initial(d, 6));
	assert_int_equal(g.frames, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_initial),
		cmocka_unit_test(test_damaged_initials),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
