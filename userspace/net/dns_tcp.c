// SPDX-License-Identifier: GPL-2.0-only
#include <stdlib.h>
#include <string.h>
#include <linux/types.h>
#include "dns_tcp.h"
#include "flow_events.h"

#define STREAM_MAX (128 * 1024) /* bytes of one direction kept; later ones are ignored */
#define IDLE_NS (30ull * 1000000000ull)

struct stream {
	char flow_id[17];
	uint8_t dir;
	bool based;
	uint32_t base_seq; /* sequence number of the first byte seen */
	uint8_t *buf, *have;
	uint32_t prefix, consumed;
	uint64_t last_ns;
	struct stream *next;
};

struct dns_tcp {
	struct stream *streams;
	dns_tcp_fn fn;
	void *ctx;
	struct dns_event *ev; /* scratch: 4.4 KiB */
};

struct dns_tcp *dns_tcp__new(dns_tcp_fn fn, void *ctx)
{
	struct dns_tcp *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->fn = fn;
	d->ctx = ctx;
	d->ev = calloc(1, sizeof(*d->ev));
	if (!d->ev) {
		free(d);
		return NULL;
	}
	return d;
}

static void stream__free(struct stream *s)
{
	free(s->buf);
	free(s->have);
	free(s);
}

void dns_tcp__free(struct dns_tcp *d)
{
	if (!d)
		return;
	for (struct stream *s = d->streams, *n; s; s = n) {
		n = s->next;
		stream__free(s);
	}
	free(d->ev);
	free(d);
}

static struct stream *stream__get(struct dns_tcp *d, const char *flow_id, uint8_t dir)
{
	struct stream *s;

	for (s = d->streams; s; s = s->next)
		if (s->dir == dir && !strcmp(s->flow_id, flow_id))
			return s;
	s = calloc(1, sizeof(*s));
	if (!s || !(s->buf = malloc(STREAM_MAX)) || !(s->have = calloc(1, STREAM_MAX))) {
		if (s)
			stream__free(s);
		return NULL;
	}
	memcpy(s->flow_id, flow_id, sizeof(s->flow_id));
	s->dir = dir;
	s->next = d->streams;
	d->streams = s;
	return s;
}

/* The message at buf as a dns_event carrying the chunk's endpoints. */
static void stream__emit(struct dns_tcp *d, const struct chunk_event *e, const uint8_t *msg,
			 uint32_t len)
{
	struct dns_event *ev = d->ev;
	uint32_t cap = len < WF_DNS_MAX ? len : WF_DNS_MAX;

	memset(ev, 0, offsetof(struct dns_event, msg));
	ev->h = e->h;
	ev->h.kind = WF_PKT_EVENT_DNS;
	ev->msg_len = len;
	ev->cap_len = cap;
	memcpy(ev->msg, msg, cap);
	if (cap >= 4) {
		ev->id = (uint16_t)(msg[0] << 8 | msg[1]);
		ev->flags = (uint16_t)(msg[2] << 8 | msg[3]);
	}
	d->fn(ev, offsetof(struct dns_event, msg) + cap, d->ctx);
}

void dns_tcp__chunk(struct dns_tcp *d, const struct chunk_event *e, size_t len,
		    const char *flow_id)
{
	struct stream *s = stream__get(d, flow_id, e->h.flow_dir);
	uint32_t n = e->len, off;

	if (!s)
		return;
	if (n > len - offsetof(struct chunk_event, data))
		n = (uint32_t)(len - offsetof(struct chunk_event, data));
	if (!s->based) {
		s->base_seq = e->stream_off;
		s->based = true;
	}
	s->last_ns = e->h.ts_ns;
	off = e->stream_off - s->base_seq; /* wraps correctly across 2^32 */
	if (off >= STREAM_MAX)
		return;
	if (n > STREAM_MAX - off)
		n = STREAM_MAX - off;
	memcpy(s->buf + off, e->data, n);
	memset(s->have + off, 1, n);
	while (s->prefix < STREAM_MAX && s->have[s->prefix])
		s->prefix++;
	while (s->consumed + 2 <= s->prefix) {
		uint32_t mlen = (uint32_t)(s->buf[s->consumed] << 8 | s->buf[s->consumed + 1]);

		if (s->consumed + 2 + mlen > s->prefix)
			break;
		stream__emit(d, e, s->buf + s->consumed + 2, mlen);
		s->consumed += 2 + mlen;
	}
}

void dns_tcp__expire(struct dns_tcp *d, uint64_t now, bool all)
{
	struct stream **pp = d ? &d->streams : NULL;

	while (pp && *pp) {
		struct stream *s = *pp;

		if (all || now - s->last_ns > IDLE_NS) {
			*pp = s->next;
			stream__free(s);
		} else {
			pp = &s->next;
		}
	}
}
