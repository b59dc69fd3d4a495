// SPDX-License-Identifier: GPL-2.0-only
#include <stdlib.h>
#include <string.h>
#include <linux/types.h>
#include "dns_frag.h"
#include "flow_events.h"

#define FRAG_TIMEOUT_NS (5ull * 1000000000ull)
#define FRAG_MAX 64 /* datagrams being joined at once; more are emitted as they are */

struct datagram {
	struct dns_event *ev; /* the first fragment's record, msg[] filled on completion */
	uint8_t *buf, *have; /* the UDP datagram, header included */
	uint32_t total; /* 8 + message length */
	uint64_t ts;
	bool used;
};

struct dns_frags {
	struct datagram d[FRAG_MAX];
	dns_frag_fn fn;
	void *ctx;
};

struct dns_frags *dns_frags__new(dns_frag_fn fn, void *ctx)
{
	struct dns_frags *d = calloc(1, sizeof(*d));

	if (d)
		d->fn = fn, d->ctx = ctx;
	return d;
}

static void datagram__free(struct datagram *g)
{
	free(g->ev);
	free(g->buf);
	free(g->have);
	memset(g, 0, sizeof(*g));
}

void dns_frags__free(struct dns_frags *d)
{
	if (!d)
		return;
	for (int i = 0; i < FRAG_MAX; i++)
		datagram__free(&d->d[i]);
	free(d);
}

/* Hands the message out: whole, or (partial) the contiguous bytes after the UDP header. */
static void datagram__emit(struct dns_frags *d, struct datagram *g)
{
	uint32_t n = 8;

	while (n < g->total && g->have[n])
		n++;
	n -= 8;
	if (n > WF_DNS_MAX)
		n = WF_DNS_MAX;
	memcpy(g->ev->msg, g->buf + 8, n);
	g->ev->cap_len = n;
	g->ev->first_fragment = 0;
	d->fn(g->ev, offsetof(struct dns_event, msg) + n, d->ctx);
	datagram__free(g);
}

static bool datagram__same(const struct datagram *g, __u64 netns, __u32 ip_id, __u8 family,
			   const __u8 *saddr, const __u8 *daddr)
{
	const struct dns_event *e = g->ev;

	return g->used && e->h.netns == netns && e->ip_id == ip_id && e->h.family == family &&
	       !memcmp(e->h.saddr, saddr, 16) && !memcmp(e->h.daddr, daddr, 16);
}

void dns_frags__first(struct dns_frags *d, const struct dns_event *e, size_t len)
{
	struct datagram *g = NULL;
	uint32_t cap = e->cap_len;

	for (int i = 0; i < FRAG_MAX && !g; i++)
		if (!d->d[i].used)
			g = &d->d[i];
	if (!g) /* all busy: the oldest goes out as it is */
		datagram__emit(d, g = &d->d[0]);
	if (cap > len - offsetof(struct dns_event, msg))
		cap = (uint32_t)(len - offsetof(struct dns_event, msg));
	g->total = 8 + e->msg_len;
	g->ev = malloc(sizeof(*g->ev));
	g->buf = malloc(g->total);
	g->have = calloc(1, g->total);
	if (!g->ev || !g->buf || !g->have) {
		datagram__free(g);
		return;
	}
	memcpy(g->ev, e, offsetof(struct dns_event, msg));
	if (cap > g->total - 8)
		cap = g->total - 8;
	memset(g->have, 1, 8); /* the UDP header itself is not needed */
	memcpy(g->buf + 8, e->msg, cap);
	memset(g->have + 8, 1, cap);
	g->ts = e->h.ts_ns;
	g->used = true;
}

void dns_frags__chunk(struct dns_frags *d, const struct chunk_event *c, size_t len)
{
	uint32_t n = c->len;

	if (n > len - offsetof(struct chunk_event, data))
		n = (uint32_t)(len - offsetof(struct chunk_event, data));
	for (int i = 0; i < FRAG_MAX; i++) {
		struct datagram *g = &d->d[i];
		uint32_t j = 8;

		if (!datagram__same(g, c->h.netns, c->ip_id, c->h.family, c->h.saddr, c->h.daddr))
			continue;
		if (c->stream_off < g->total) {
			if (n > g->total - c->stream_off)
				n = g->total - c->stream_off;
			memcpy(g->buf + c->stream_off, c->data, n);
			memset(g->have + c->stream_off, 1, n);
		}
		while (j < g->total && g->have[j])
			j++;
		if (j == g->total)
			datagram__emit(d, g);
		return;
	}
}

void dns_frags__expire(struct dns_frags *d, uint64_t now, bool all)
{
	for (int i = 0; d && i < FRAG_MAX; i++)
		if (d->d[i].used && (all || now - d->d[i].ts > FRAG_TIMEOUT_NS))
			datagram__emit(d, &d->d[i]);
}
