// SPDX-License-Identifier: GPL-2.0-only
/* QUIC connections' Initial crypto streams, reassembled into ClientHellos (quic_session.h). */
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
#define QUIC_EXPIRE_NS 10000000000ull

/* One connection, by flow and the Destination Connection ID of its first Initial. */
struct qsession {
	char flow_id[17];
	uint8_t dcid[QUIC_CID_MAX], dcid_len;
	struct chunk_event first; /* the first datagram's record head (no data) */
	struct quic_initial q; /* its first Initial packet */
	char ifname[16];
	bool has_ifname, done;
	uint32_t packets; /* Initial packets with CRYPTO frames */
	uint8_t stream[QUIC_STREAM_MAX];
	uint8_t have[QUIC_STREAM_MAX / 8]; /* a bit per byte received */
	size_t got; /* bytes received, doubles counted once */
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

static void session__drop(struct quic_sessions *q, size_t i)
{
	free(q->s[i]);
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

static struct qsession *session__find(struct quic_sessions *q, const char *flow_id,
				      const uint8_t *dcid, uint8_t dcid_len)
{
	for (size_t i = 0; i < q->n; i++)
		if (!strcmp(q->s[i]->flow_id, flow_id) && q->s[i]->dcid_len == dcid_len &&
		    !memcmp(q->s[i]->dcid, dcid, dcid_len))
			return q->s[i];
	return NULL;
}

/* A CRYPTO frame: its bytes put at their offset (what lies past the cap is not kept). */
static void on_crypto(void *ctx, const struct quic_initial *qi, uint64_t off, const uint8_t *d,
		      size_t n)
{
	struct qsession *s = ctx;

	for (size_t i = 0; i < n && off + i < QUIC_STREAM_MAX; i++) {
		size_t at = (size_t)off + i;

		if (s->have[at / 8] & (1u << (at % 8)))
			continue;
		s->have[at / 8] |= (uint8_t)(1u << (at % 8));
		s->stream[at] = d[i];
		s->got++;
	}
}

/* Bytes received from offset 0 without a gap. */
static size_t session__prefix(const struct qsession *s)
{
	size_t n = 0;

	while (n < QUIC_STREAM_MAX && (s->have[n / 8] & (1u << (n % 8))))
		n++;
	return n;
}

static void session__report(struct quic_sessions *q, struct qsession *s, size_t msg_len)
{
	struct tls_view v = { .e = &s->first, .ifname = s->has_ifname ? s->ifname : NULL };

	memcpy(v.flow_id, s->flow_id, sizeof(v.flow_id));
	v.ts_ns = s->first.h.ts_ns;
	v.captured = v.wanted = (uint32_t)(msg_len + 4);
	tls__client_hello(s->stream + 4, msg_len, &v.ch);
	v.ja3 = ja3__compute(&v.ch, v.ja3_md5);
	v.ja4_r = ja4__compute(&v.ch, v.ja4);
	/* JA4 names the transport first: q for QUIC (FoxIO's specification). */
	if (v.ja4[0])
		v.ja4[0] = 'q';
	if (v.ja4_r && v.ja4_r[0])
		v.ja4_r[0] = 'q';
	v.quic = true;
	v.quic_version = s->q.version;
	memcpy(v.quic_dcid, s->q.dcid, sizeof(v.quic_dcid));
	memcpy(v.quic_scid, s->q.scid, sizeof(v.quic_scid));
	v.quic_dcid_len = s->q.dcid_len;
	v.quic_scid_len = s->q.scid_len;
	v.quic_packets = s->packets;
	event__emit(q->out, &(struct event){ .kind = EVENT_TLS, .tls = &v });
	tls__client_hello_free(&v.ch);
	free(v.ja3);
	free(v.ja4_r);
	s->done = true;
	q->st.hellos++;
}

/* The hello once its handshake header and body are all there. */
static void session__check(struct quic_sessions *q, struct qsession *s)
{
	size_t have = session__prefix(s), len;

	if (s->done || have < 4 || s->stream[0] != 1 /* ClientHello */)
		return;
	len = (size_t)s->stream[1] << 16 | (size_t)s->stream[2] << 8 | s->stream[3];
	if (len + 4 <= have)
		session__report(q, s, len);
}

static struct qsession *session__new(struct quic_sessions *q, const struct chunk_event *e,
				     const char *flow_id, const char *ifname, const uint8_t *dcid,
				     uint8_t dcid_len)
{
	struct qsession *s;

	if (q->n == QUIC_SESSIONS_MAX) {
		if (!q->s[0]->done && q->s[0]->got)
			q->st.incomplete++;
		session__drop(q, 0); /* one goes, counted if it was waiting */
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
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

void quic_sessions__datagram(struct quic_sessions *q, const struct chunk_event *e, size_t len,
			     const char *flow_id, const char *ifname)
{
	size_t n = len - offsetof(struct chunk_event, data);
	const uint8_t *d = e->data;
	struct quic_initial qi;
	struct qsession *s;

	if (n > e->len)
		n = e->len;
	if (!q || !quic__looks_initial(d, n) || d[5] > QUIC_CID_MAX || n < 6u + d[5])
		return;
	s = session__find(q, flow_id, d + 6, d[5]);
	if (!s)
		s = session__new(q, e, flow_id, ifname, d + 6, d[5]);
	if (!s || s->done)
		return;
	if (quic__open_datagram(d, n, &qi, on_crypto, s) <= 0)
		return;
	if (!qi.decrypted) {
		q->st.undecryptable++;
		return;
	}
	if (qi.malformed)
		q->st.malformed++;
	if (!s->packets++)
		s->q = qi;
	session__check(q, s);
}

void quic_sessions__expire(struct quic_sessions *q, uint64_t now_ns, bool all)
{
	for (size_t i = 0; q && i < q->n;) {
		struct qsession *s = q->s[i];

		if (!all && now_ns - s->first.h.ts_ns < QUIC_EXPIRE_NS) {
			i++;
			continue;
		}
		if (!s->done && s->got)
			q->st.incomplete++;
		session__drop(q, i);
	}
}

void quic_sessions__stats(const struct quic_sessions *q, struct quic_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (q)
		*out = q->st;
}
