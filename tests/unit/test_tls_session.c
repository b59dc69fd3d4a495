// SPDX-License-Identifier: GPL-2.0-only
/*
 * TLS over TCP put back together (userspace/net/tls_session.c) from the chunk
 * records the kernel ships: a real ClientHello (GnuTLS's, from
 * quic_vectors.h, in a TLS record) cut into two chunks that arrive out of
 * order, and the SNI the kernel found, which travels as its place in the
 * stream (sni_off, sni_len), not as bytes.
 */
#define _GNU_SOURCE /* memmem */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/types.h>
#include "event.h"
#include "flow_events.h"
#include "quic.h"
#include "tls_session.h"
#include "quic_vectors.h"

#define NAME "quic.test.example"

struct seen {
	struct event_out base;
	int hellos;
	char sni[256], kernel_sni[256];
	bool incomplete;
};

static void on_event(struct event_out *o, struct event *ev)
{
	struct seen *s = (struct seen *)o;

	assert_int_equal(ev->kind, EVENT_TLS);
	s->hellos++;
	snprintf(s->sni, sizeof(s->sni), "%s", ev->tls->ch.sni);
	snprintf(s->kernel_sni, sizeof(s->kernel_sni), "%s", ev->tls->kernel_sni);
	s->incomplete = ev->tls->incomplete;
}

static bool never(const struct event_out *o)
{
	return false;
}

static uint8_t rec[600]; /* the hello in a TLS record */
static size_t rec_len, name_at;

static void on_crypto(void *ctx, const struct quic_initial *q, uint64_t off, const uint8_t *d,
		      size_t n)
{
	memcpy(rec + 5 + off, d, n);
	if (5 + off + n > rec_len)
		rec_len = 5 + off + n;
}

/* The real ClientHello (test_quic checks that decoding), behind a record header. */
static int setup(void **state)
{
	uint8_t d[1500];
	size_t n = 0;
	struct quic_initial q;
	const uint8_t *at;

	for (const char *h = GTLS_INITIAL_HEX; h[0] && h[1]; h += 2) {
		unsigned int b;

		sscanf(h, "%2x", &b);
		d[n++] = (uint8_t)b;
	}
	if (quic__open_datagram(d, n, &q, on_crypto, NULL) != 1 || rec_len != 5 + 379)
		return -1;
	rec[0] = 22, rec[1] = 3, rec[2] = 1;
	rec[3] = (uint8_t)((rec_len - 5) >> 8), rec[4] = (uint8_t)(rec_len - 5);
	at = memmem(rec, rec_len, NAME, strlen(NAME));
	if (!at)
		return -1;
	name_at = (size_t)(at - rec);
	return 0;
}

/* The stream's bytes [from, to) as one chunk; the kernel's SNI place as given. */
static void feed(struct tls_sessions *t, size_t from, size_t to, uint16_t sni_off, uint16_t sni_len)
{
	static struct chunk_event e;

	memset(&e, 0, sizeof(e));
	e.h.kind = WF_PKT_EVENT_TLS;
	e.h.flow_dir = WF_DIR_ORIG;
	e.h.ts_ns = 1000;
	e.h.proto = 6;
	e.stream_off = (uint32_t)from;
	e.len = (uint32_t)(to - from);
	e.want = (uint32_t)rec_len;
	e.sni_off = sni_off;
	e.sni_len = sni_len;
	memcpy(e.data, rec + from, to - from);
	tls_sessions__chunk(t, &e, offsetof(struct chunk_event, data) + e.len, "00112233aabbccdd",
			    "veth0");
}

/* One chunk as the kernel ships it: stream bytes [from, to), the SNI's place it found. */
struct chunk_spec {
	size_t from, to;
	uint16_t sni_off, sni_len;
};

#define NAME_AT UINT16_MAX /* sni_off: where the name is in the hello */
#define TO_END SIZE_MAX /* to: the record's end */
#define NAME_START (SIZE_MAX - 1) /* to: the name's first byte */
#define NAME_INSIDE (SIZE_MAX - 2) /* from or to: 5 bytes into the name */

static size_t place(size_t at)
{
	return at == TO_END ? rec_len : at == NAME_START ? name_at : at == NAME_INSIDE ? name_at + 5 : at;
}

/* Feeds the chunks in order, expires the session: one hello, with this kernel SNI. */
static void check(const struct chunk_spec *c, int n, const char *kernel_sni, bool incomplete)
{
	struct seen s = { .base = { on_event, never } };
	struct tls_sessions *t = tls_sessions__new(&s.base);

	assert_non_null(t);
	for (int i = 0; i < n; i++)
		feed(t, place(c[i].from), place(c[i].to),
		     c[i].sni_off == NAME_AT ? (uint16_t)name_at : c[i].sni_off, c[i].sni_len);
	tls_sessions__expire(t, 1000, true);
	assert_int_equal(s.hellos, 1);
	assert_int_equal(s.incomplete, incomplete);
	if (!incomplete)
		assert_string_equal(s.sni, NAME);
	assert_string_equal(s.kernel_sni, kernel_sni);
	tls_sessions__free(t);
}

/* The name's bytes are the stream's: found there, even when the chunk holding them came first. */
static void test_kernel_sni_from_the_stream(void **state)
{
	const struct chunk_spec c[] = { { NAME_INSIDE, TO_END, 0, 0 },
					{ 0, NAME_INSIDE, NAME_AT, sizeof(NAME) - 1 } };

	check(c, 2, NAME, false);
}

/* The kernel did not find it (a hello over several records or segments): none. */
static void test_no_kernel_sni(void **state)
{
	const struct chunk_spec c[] = { { 0, 100, 0, 0 }, { 100, TO_END, 0, 0 } };

	check(c, 2, "", false);
}

/* A place whose bytes never arrived, or past the stream: none, and nothing read out of bounds. */
static void test_kernel_sni_not_received(void **state)
{
	const struct chunk_spec cut[] = { { 0, NAME_START, NAME_AT, sizeof(NAME) - 1 } };
	const struct chunk_spec past[] = { { 0, TO_END, 60000, 200 } };

	check(cut, 1, "", true);
	check(past, 1, "", false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kernel_sni_from_the_stream),
		cmocka_unit_test(test_no_kernel_sni),
		cmocka_unit_test(test_kernel_sni_not_received),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
