// SPDX-License-Identifier: GPL-2.0-only
/* QUIC connections' Initial crypto streams, reassembled into hellos (quic_session.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/types.h>
#include "event.h"
#include "flow_events.h"
#include "ja.h"
#include "quic.h"
#include "quic_session.h"
#include "tls.h"

#define QUIC_SESSIONS_MAX 256
#define QUIC_STREAM_MAX WF_TLS_CLIENT_MAX /* a ClientHello larger than this is not read */
#define QUIC_SERVER_MAX WF_TLS_SERVER_MAX /* the server's first bytes: its ServerHello */
#define QUIC_WAIT_NS 2000000000ull /* a hello waits this long for the server's answer */
#define QUIC_EXPIRE_NS 10000000000ull

/* One direction's Initial crypto stream: bytes by offset, a bit per byte received. */
struct cstream {
	uint8_t *b, *have;
	size_t cap, got;
};

/*
 * One connection: a UDP flow (one QUIC connection per 5-tuple), keyed by its
 * id. Both sides' Initial keys come from the Destination Connection ID of the
 * client's first Initial.
 */
struct qsession {
	char flow_id[17];
	uint8_t dcid[QUIC_CID_MAX], dcid_len;
	struct chunk_event first; /* the client's first datagram's record head (no data) */
	struct quic_initial q; /* its first Initial packet */
	char ifname[16];
	bool has_ifname;
	uint32_t packets; /* client Initial packets with CRYPTO frames */
	struct cstream client, server;
	bool hello, sh_done, reported;
	struct tls_view v; /* the hello, once whole, until reported */
	struct tls_server_hello sh;
	uint64_t hello_ns;
};

struct quic_sessions {
	struct event_out *out;
	struct qsession *s[QUIC_SESSIONS_MAX];
	size_t n;
	struct quic_stats st;
};

struct quic_sessions *quic_sessions__new(struct event_out *out)
{
	struct quic_sessions *q = calloc(1, sizeof(*q));

	if (q)
		q->out = out;
	return q;
}

static void session__free(struct qsession *s)
{
	if (s->hello && !s->reported) {
		tls__client_hello_free(&s->v.ch);
		free(s->v.ja3);
		free(s->v.ja4_r);
	}
	free(s->client.b);
	free(s->client.have);
	free(s->server.b);
	free(s->server.have);
	free(s);
}

static void session__drop(struct quic_sessions *q, size_t i)
{
	session__free(q->s[i]);
	q->s[i] = q->s[--q->n];
}

void quic_sessions__free(struct quic_sessions *q)
{
	if (!q)
		return;
	while (q->n)
		session__drop(q, 0);
	free(q);
}

static struct qsession *session__find(struct quic_sessions *q, const char *flow_id)
{
	for (size_t i = 0; i < q->n; i++)
		if (!strcmp(q->s[i]->flow_id, flow_id))
			return q->s[i];
	return NULL;
}

static int cstream__init(struct cstream *c, size_t cap)
{
	c->b = malloc(cap);
	c->have = calloc((cap + 7) / 8, 1);
	c->cap = cap;
	return c->b && c->have ? 0 : -1;
}

/* A CRYPTO frame: its bytes put at their offset (what lies past the cap is not kept). */
static void on_crypto(void *ctx, const struct quic_initial *qi, uint64_t off, const uint8_t *d,
		      size_t n)
{
	struct cstream *c = ctx;

	for (size_t i = 0; i < n && off + i < c->cap; i++) {
		size_t at = (size_t)off + i;

		if (c->have[at / 8] & (1u << (at % 8)))
			continue;
		c->have[at / 8] |= (uint8_t)(1u << (at % 8));
		c->b[at] = d[i];
		c->got++;
	}
}

/* The length of the whole handshake message of this type at offset 0, 0 until it is there. */
static size_t cstream__message(const struct cstream *c, uint8_t type)
{
	size_t have = 0, len;

	while (have < c->cap && (c->have[have / 8] & (1u << (have % 8))))
		have++;
	if (have < 4 || c->b[0] != type)
		return 0;
	len = (size_t)c->b[1] << 16 | (size_t)c->b[2] << 8 | c->b[3];
	return len + 4 <= have ? len : 0;
}

static void session__report(struct quic_sessions *q, struct qsession *s)
{
	if (s->sh_done) {
		s->v.has_sh = true;
		s->v.sh = s->sh;
	}
	event__emit(q->out, &(struct event){ .kind = EVENT_TLS, .tls = &s->v });
	tls__client_hello_free(&s->v.ch);
	free(s->v.ja3);
	free(s->v.ja4_r);
	s->reported = true;
	q->st.hellos++;
}

/* What an event says of the connection, whole hello or not. */
static void session__view(struct qsession *s)
{
	struct tls_view *v = &s->v;

	v->e = &s->first;
	v->ifname = s->has_ifname ? s->ifname : NULL;
	memcpy(v->flow_id, s->flow_id, sizeof(v->flow_id));
	v->ts_ns = s->first.h.ts_ns;
	v->quic = true;
	v->quic_version = s->q.version;
	memcpy(v->quic_dcid, s->q.dcid, sizeof(v->quic_dcid));
	memcpy(v->quic_scid, s->q.scid, sizeof(v->quic_scid));
	v->quic_dcid_len = s->q.dcid_len;
	v->quic_scid_len = s->q.scid_len;
	v->quic_packets = s->packets;
}

/* The ClientHello, whole: made into its event, which waits for the server's answer. */
static void session__hello(struct qsession *s, size_t len)
{
	struct tls_view *v = &s->v;

	session__view(s);
	v->captured = v->wanted = (uint32_t)(len + 4);
	tls__client_hello(s->client.b + 4, len, &v->ch);
	v->ja3 = ja3__compute(&v->ch, v->ja3_md5);
	v->ja4_r = ja4__compute(&v->ch, v->ja4);
	/* JA4 names the transport first: q for QUIC (FoxIO's specification). */
	if (v->ja4[0])
		v->ja4[0] = 'q';
	if (v->ja4_r && v->ja4_r[0])
		v->ja4_r[0] = 'q';
	s->hello = true;
	s->hello_ns = s->first.h.ts_ns;
}

/*
 * A hello whose bytes never all came (a CRYPTO offset gap never filled, a
 * hello past the bytes kept): reported, marked incomplete, with what is known
 * of the connection and nothing read from the hello (no field from half a
 * hello), and counted.
 */
static void session__incomplete(struct quic_sessions *q, struct qsession *s)
{
	const struct cstream *c = &s->client;
	struct tls_view *v = &s->v;
	bool head = c->cap >= 4 && (c->have[0] & 0x0f) == 0x0f && c->b[0] == 1;

	session__view(s);
	v->incomplete = true;
	v->ch.malformed = true;
	v->ch.malformed_reason = "ClientHello incomplete";
	v->ch.ja3_none = v->ch.ja4_none = true;
	v->captured = (uint32_t)c->got;
	/* Its length, when the head (type and length) came. */
	v->wanted = head ? ((uint32_t)c->b[1] << 16 | (uint32_t)c->b[2] << 8 | c->b[3]) + 4 : 0;
	if (v->wanted > QUIC_STREAM_MAX)
		v->ch.malformed_reason = "ClientHello larger than the 16384 bytes captured";
	event__emit(q->out, &(struct event){ .kind = EVENT_TLS, .tls = &s->v });
	s->reported = true;
	q->st.incomplete++;
}

/* A session about to go: a hello still waiting for its answer goes without it; half of one, marked. */
static void session__leave(struct quic_sessions *q, struct qsession *s)
{
	if (s->reported)
		return;
	if (s->hello)
		session__report(q, s);
	else if (s->client.got)
		session__incomplete(q, s);
}

static struct qsession *session__new(struct quic_sessions *q, const struct chunk_event *e,
				     const char *flow_id, const char *ifname, const uint8_t *dcid,
				     uint8_t dcid_len)
{
	struct qsession *s;

	if (q->n == QUIC_SESSIONS_MAX) {
		session__leave(q, q->s[0]);
		session__drop(q, 0);
	}
	s = calloc(1, sizeof(*s));
	if (!s || cstream__init(&s->client, QUIC_STREAM_MAX) ||
	    cstream__init(&s->server, QUIC_SERVER_MAX)) {
		if (s)
			session__free(s);
		return NULL;
	}
	snprintf(s->flow_id, sizeof(s->flow_id), "%s", flow_id);
	memcpy(s->dcid, dcid, dcid_len);
	s->dcid_len = dcid_len;
	memcpy(&s->first, e, offsetof(struct chunk_event, data));
	s->has_ifname = ifname != NULL;
	if (ifname)
		snprintf(s->ifname, sizeof(s->ifname), "%s", ifname);
	q->s[q->n++] = s;
	return s;
}

/* Opens a datagram with one side's keys; false when nothing decrypted. */
static bool session__open(struct quic_sessions *q, struct qsession *s, const uint8_t *d, size_t n,
			  bool server, struct quic_initial *qi)
{
	struct quic_keyspec ks = { .dcid = s->dcid, .dcid_len = s->dcid_len, .server = server };

	if (quic__open_datagram_keys(d, n, qi, &ks, on_crypto,
				     server ? &s->server : &s->client) <= 0)
		return false;
	if (!qi->decrypted) {
		q->st.undecryptable++;
		return false;
	}
	if (qi->malformed)
		q->st.malformed++;
	return true;
}

void quic_sessions__datagram(struct quic_sessions *q, const struct chunk_event *e, size_t len,
			     const char *flow_id, const char *ifname)
{
	size_t n = len - offsetof(struct chunk_event, data), m;
	bool server = e->h.flow_dir == WF_DIR_REPLY;
	const uint8_t *d = e->data;
	struct quic_initial qi;
	struct qsession *s;

	if (n > e->len)
		n = e->len;
	if (!q || !quic__looks_initial(d, n) || d[5] > QUIC_CID_MAX || n < 6u + d[5])
		return;
	s = session__find(q, flow_id);
	if (!s && !server)
		s = session__new(q, e, flow_id, ifname, d + 6, d[5]);
	if (!s || s->reported || !session__open(q, s, d, n, server, &qi))
		return;
	if (server) {
		if (!s->sh_done && (m = cstream__message(&s->server, 2 /* ServerHello */))) {
			tls__server_hello(s->server.b + 4, m, &s->sh);
			s->sh_done = true;
		}
	} else {
		if (!s->packets++)
			s->q = qi;
		if (!s->hello && (m = cstream__message(&s->client, 1 /* ClientHello */)))
			session__hello(s, m);
	}
	if (s->hello && s->sh_done)
		session__report(q, s);
}

void quic_sessions__expire(struct quic_sessions *q, uint64_t now_ns, bool all)
{
	for (size_t i = 0; q && i < q->n;) {
		struct qsession *s = q->s[i];

		/* A hello whose server never answered (in time) goes without its answer. */
		if (s->hello && !s->reported && (all || now_ns - s->hello_ns >= QUIC_WAIT_NS))
			session__report(q, s);
		if (!all && now_ns - s->first.h.ts_ns < QUIC_EXPIRE_NS) {
			i++;
			continue;
		}
		session__leave(q, s);
		session__drop(q, i);
	}
}

void quic_sessions__stats(const struct quic_sessions *q, struct quic_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (q)
		*out = q->st;
}
