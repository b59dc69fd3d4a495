// SPDX-License-Identifier: GPL-2.0-only
/*
 * TLS reassembly: the kernel ships each direction's first bytes with their
 * stream offset. Bytes land at their offset (retransmits and reordering are
 * harmless), the contiguous prefix is walked record by record, and every
 * ClientHello is paired, in order, with the ServerHello that answered it.
 */
#include <stdlib.h>
#include <string.h>
#include <linux/types.h>
#include "flow_events.h"
#include "event.h"
#include "tls_session.h"

#define SH_WAIT_NS (2ull * 1000000000ull) /* a ClientHello waits this long for its answer */
#define IDLE_NS (30ull * 1000000000ull) /* then the session is forgotten */
#define SESSION_BUCKETS 1024

struct stream {
	uint8_t *buf;
	uint8_t *have; /* one flag per byte: received */
	uint32_t want, prefix;
	int msgs_done; /* hello messages already handled */
	struct chunk_event *first; /* the chunk at offset 0: endpoints for the events */
	uint64_t first_ts;
};

struct pending {
	struct tls_view v;
	bool reported;
};

struct session {
	char flow_id[17];
	struct stream dir[2];
	struct pending ch[TLS_HELLOS_MAX];
	int nch;
	struct tls_server_hello sh[TLS_HELLOS_MAX];
	int nsh;
	uint64_t last_ns;
	struct session *next;
};

struct tls_sessions {
	struct session *buckets[SESSION_BUCKETS];
	struct event_out *out;
	uint64_t reported;
	tls_hello_fn on_hello;
	void *hello_ctx;
};

void tls_sessions__on_hello(struct tls_sessions *t, tls_hello_fn fn, void *ctx)
{
	t->on_hello = fn;
	t->hello_ctx = ctx;
}

struct tls_sessions *tls_sessions__new(struct event_out *out)
{
	struct tls_sessions *t = calloc(1, sizeof(*t));

	if (t)
		t->out = out;
	return t;
}

static void session__free(struct session *s)
{
	for (int i = 0; i < TLS_HELLOS_MAX; i++) {
		tls__client_hello_free(&s->ch[i].v.ch);
		free(s->ch[i].v.ja3);
		free(s->ch[i].v.ja4_r);
	}
	for (int d = 0; d < 2; d++) {
		free(s->dir[d].buf);
		free(s->dir[d].have);
		free(s->dir[d].first);
	}
	free(s);
}

void tls_sessions__free(struct tls_sessions *t)
{
	if (!t)
		return;
	for (int i = 0; i < SESSION_BUCKETS; i++)
		for (struct session *s = t->buckets[i], *n; s; s = n) {
			n = s->next;
			session__free(s);
		}
	free(t);
}

uint64_t tls_sessions__reported(const struct tls_sessions *t)
{
	return t ? t->reported : 0;
}

static struct session **session__slot(struct tls_sessions *t, const char *flow_id)
{
	uint64_t h = 1469598103934665603ull;

	for (const char *c = flow_id; *c; c++)
		h = (h ^ (uint8_t)*c) * 1099511628211ull;
	return &t->buckets[h % SESSION_BUCKETS];
}

static struct session *session__get(struct tls_sessions *t, const char *flow_id)
{
	struct session **slot = session__slot(t, flow_id), *s;

	for (s = *slot; s; s = s->next)
		if (!strcmp(s->flow_id, flow_id))
			return s;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	memcpy(s->flow_id, flow_id, sizeof(s->flow_id));
	s->next = *slot;
	*slot = s;
	return s;
}

/* Places the chunk's bytes at their offset; grows when the kernel ships more (after HRR). */
static int stream__add(struct stream *st, const struct chunk_event *e, size_t len)
{
	uint32_t n = e->len, want = e->want > st->want ? e->want : st->want;

	if (n > len - offsetof(struct chunk_event, data))
		n = (uint32_t)(len - offsetof(struct chunk_event, data));
	/* The kernel ships whole segments: room for all of one, within its cap. */
	if (e->stream_off < WF_TLS_CLIENT_MAX && e->stream_off + n > want)
		want = e->stream_off + n < WF_TLS_CLIENT_MAX ? e->stream_off + n :
							       WF_TLS_CLIENT_MAX;
	if (want > st->want) {
		uint8_t *b = realloc(st->buf, want), *h = realloc(st->have, want);

		if (!b || !h) {
			free(b ? b : st->buf);
			free(h ? h : st->have);
			st->buf = st->have = NULL;
			return -1;
		}
		memset(h + st->want, 0, want - st->want);
		st->buf = b;
		st->have = h;
		st->want = want;
	}
	if (e->stream_off >= st->want)
		return 0;
	if (n > st->want - e->stream_off)
		n = st->want - e->stream_off;
	memcpy(st->buf + e->stream_off, e->data, n);
	memset(st->have + e->stream_off, 1, n);
	while (st->prefix < st->want && st->have[st->prefix])
		st->prefix++;
	if (e->stream_off == 0 && !st->first) {
		st->first = malloc(offsetof(struct chunk_event, data));
		if (st->first)
			memcpy(st->first, e, offsetof(struct chunk_event, data));
		st->first_ts = e->h.ts_ns;
	}
	return 0;
}

static void session__report(struct tls_sessions *t, struct session *s, int i)
{
	struct pending *p = &s->ch[i];

	if (p->reported)
		return;
	if (i < s->nsh) {
		p->v.has_sh = true;
		p->v.sh = s->sh[i];
	}
	if (p->v.e)
		event__emit(t->out, &(struct event){ .kind = EVENT_TLS, .tls = &p->v });
	p->reported = true;
	t->reported++;
}

struct walk_ctx {
	struct tls_sessions *t;
	struct session *s;
	struct stream *st;
	const char *ifname;
	int index;
};

/* The SNI where the kernel found it (the first chunk's head says where): "" when not, or not received. */
static void stream__kernel_sni(const struct stream *st, char *out, size_t size)
{
	uint32_t at = st->first ? st->first->sni_off : 0, n = st->first ? st->first->sni_len : 0;

	out[0] = '\0';
	if (!n || n >= size || at + n > st->want || memchr(st->have + at, 0, n))
		return;
	memcpy(out, st->buf + at, n);
	out[n] = '\0';
}

static void pending__fill(struct pending *p, const struct walk_ctx *w)
{
	struct tls_view *v = &p->v;

	v->e = w->st->first;
	v->ifname = w->ifname;
	memcpy(v->flow_id, w->s->flow_id, sizeof(v->flow_id));
	v->ts_ns = w->st->first_ts;
	stream__kernel_sni(w->st, v->kernel_sni, sizeof(v->kernel_sni));
	v->captured = w->st->prefix;
	v->wanted = w->st->want;
	v->ja3 = ja3__compute(&v->ch, v->ja3_md5);
	v->ja4_r = ja4__compute(&v->ch, v->ja4);
}

static void on_client_hello(const uint8_t *body, size_t len, void *ctx)
{
	struct walk_ctx *w = ctx;
	struct session *s = w->s;

	if (w->index++ < w->st->msgs_done || s->nch >= TLS_HELLOS_MAX || !w->st->first)
		return;
	w->st->msgs_done++;
	tls__client_hello(body, len, &s->ch[s->nch].v.ch);
	pending__fill(&s->ch[s->nch], w);
	/* As soon as the hello is whole, not when it is reported: -w may select its flow. */
	if (w->t->on_hello)
		w->t->on_hello(w->t->hello_ctx, &s->ch[s->nch].v);
	s->nch++;
	if (s->nch <= s->nsh)
		session__report(w->t, s, s->nch - 1);
}

static void on_server_hello(const uint8_t *body, size_t len, void *ctx)
{
	struct walk_ctx *w = ctx;
	struct session *s = w->s;

	if (w->index++ < w->st->msgs_done || s->nsh >= TLS_HELLOS_MAX)
		return;
	w->st->msgs_done++;
	tls__server_hello(body, len, &s->sh[s->nsh++]);
	if (s->nsh <= s->nch)
		session__report(w->t, s, s->nsh - 1);
}

static void stream__sslv2(struct walk_ctx *w)
{
	struct session *s = w->s;

	if (w->st->prefix < w->st->want || w->st->msgs_done || !w->st->first)
		return;
	w->st->msgs_done = 1;
	tls__sslv2_client_hello(w->st->buf, w->st->prefix, &s->ch[0].v.ch);
	pending__fill(&s->ch[0], w);
	s->nch = 1;
}

static void stream__walk(struct walk_ctx *w)
{
	bool more;

	if (!w->st->prefix)
		return;
	if (w->st->buf[0] & 0x80) {
		stream__sslv2(w);
		return;
	}
	/* A stream holds either client hellos or server hellos: try both kinds. */
	w->index = 0;
	tls__walk_handshakes(w->st->buf, w->st->prefix, 1, on_client_hello, w, &more);
	w->index = 0;
	tls__walk_handshakes(w->st->buf, w->st->prefix, 2, on_server_hello, w, &more);
}

void tls_sessions__chunk(struct tls_sessions *t, const struct chunk_event *e, size_t len,
			 const char *flow_id, const char *ifname)
{
	struct session *s = session__get(t, flow_id);
	struct walk_ctx w;

	if (!s || e->h.flow_dir > 1)
		return;
	s->last_ns = e->h.ts_ns;
	w = (struct walk_ctx){ t, s, &s->dir[e->h.flow_dir], ifname, 0 };
	if (stream__add(w.st, e, len))
		return;
	stream__walk(&w);
}

/*
 * The bytes a hello needs, from its own record and handshake headers, as the
 * kernel judges it (a hello over several records pays a header per record),
 * but without the kernel's cap: what a hello larger than the capture needed.
 */
static uint32_t stream__hello_size(const struct stream *st)
{
	uint32_t rec, hs;

	if (st->prefix < 9)
		return st->want;
	rec = (uint32_t)st->buf[3] << 8 | st->buf[4];
	hs = ((uint32_t)st->buf[6] << 16 | (uint32_t)st->buf[7] << 8 | st->buf[8]) + 4;
	return hs <= rec ? 5 + rec : hs + 5 * (hs / (rec ? rec : 1) + 1);
}

/* A client stream that never yielded a hello: report it as incomplete. */
static void session__incomplete(struct tls_sessions *t, struct session *s)
{
	for (int d = 0; d < 2; d++) {
		struct stream *st = &s->dir[d];
		struct walk_ctx w = { t, s, st, NULL, 0 };

		if (s->nch || !st->first || st->msgs_done || st->buf[0] != 22 || st->prefix < 6 ||
		    st->buf[5] != 1)
			continue;
		memset(&s->ch[0], 0, sizeof(s->ch[0]));
		s->ch[0].v.ch.malformed = true;
		s->ch[0].v.ch.malformed_reason = "ClientHello incomplete";
		/* Neither reference fingerprints a hello it never had whole. */
		s->ch[0].v.ch.ja3_none = s->ch[0].v.ch.ja4_none = true;
		pending__fill(&s->ch[0], &w);
		s->ch[0].v.incomplete = true;
		s->ch[0].v.wanted = stream__hello_size(st);
		if (s->ch[0].v.wanted > WF_TLS_CLIENT_MAX)
			s->ch[0].v.ch.malformed_reason = "ClientHello larger than the 16384 bytes captured";
		s->nch = 1;
	}
}

static bool session__expire(struct tls_sessions *t, struct session *s, uint64_t now, bool all)
{
	bool idle = all || now - s->last_ns > IDLE_NS;

	if (idle)
		session__incomplete(t, s);
	for (int i = 0; i < s->nch; i++)
		if (all || idle || now - s->ch[i].v.ts_ns > SH_WAIT_NS)
			session__report(t, s, i);
	return idle;
}

void tls_sessions__expire(struct tls_sessions *t, uint64_t now, bool all)
{
	for (int i = 0; t && i < SESSION_BUCKETS; i++) {
		struct session **pp = &t->buckets[i];

		while (*pp) {
			struct session *s = *pp;

			if (session__expire(t, s, now, all)) {
				*pp = s->next;
				session__free(s);
			} else {
				pp = &s->next;
			}
		}
	}
}
