// SPDX-License-Identifier: GPL-2.0-only
/* The flow tracker's sources: packet records and the flow table scan, made into events. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "digest.h"
#include "config.h"
#include "filter.h"
#include "expr.h"
#include "dns_pairs.h"
#include "dns_tcp.h"
#include "dns_frag.h"
#include "flow.h"
#include "xdp.h"
#include "parse_types.h"
#include "flow.skel.h"
#include "log.h"
#include "loop.h"
#include "netns.h"
#include "event.h"
#include "sock.h"
#include "strlist.h"
#include "timeconv.h"
#include "tls_session.h"
#include "stale.h"
#include "flow_int.h"
#include "flow_base.h"
#include "quic_session.h"

static void flow__event_key(struct flow_key *k, const struct pkt_event_hdr *h);

/* Closed flows are reported after this much quiet, so the last ACK joins them. */
#define FLOW_CLOSE_LINGER_NS 1000000000ull

// SPDX-License-Identifier: GPL-2.0-only

/* Closed flows are reported after this much quiet, so the last ACK joins them. */

void flow__id(const struct flow_key *k, uint64_t first_ns, char out[17])
{
	unsigned char md[32] = { 0 }, in[sizeof(*k) + 8];

	memcpy(in, k, sizeof(*k));
	memcpy(in + sizeof(*k), &first_ns, 8);
	digest__once(DIGEST_SHA256, in, sizeof(in), md);
	hex__encode(md, 8, out);
}

static bool flow__name_matches(const struct strlist *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (!fnmatch(l->v[i], name, FNM_CASEFOLD))
			return true;
	return false;
}

/* The flows map's key of a flow, from its key in the initiator's order (see flow_key). */
static void flow__canonical_key(struct flow_key *k)
{
	__u8 a[16];
	__u16 p;

	if (flow_ep__le(k->saddr, k->sport, k->daddr, k->dport))
		return;
	memcpy(a, k->saddr, 16);
	memcpy(k->saddr, k->daddr, 16);
	memcpy(k->daddr, a, 16);
	p = k->sport;
	k->sport = k->dport;
	k->dport = p;
}

/* The key of a flow in the initiator's order, as reports and flow ids have it. */
static void flow__report_key(struct flow_key *out, const struct flow_key *k,
			     const struct flow_value *v)
{
	*out = *k;
	if (!v->key_rev)
		return;
	memcpy(out->saddr, k->daddr, 16);
	memcpy(out->daddr, k->saddr, 16);
	out->sport = k->dport;
	out->dport = k->sport;
}

/* A whole ClientHello whose SNI -w selects: its flow is copied from the next packet. */
void flow__on_hello(void *ctx, const struct tls_view *v)
{
	struct flow_tracker *t = ctx;
	struct flow_key k;
	__u8 one = 1;

	if (!v->e || !v->ch.has_sni ||
	    !(flow__name_matches(&t->cfg->pkt.domains, v->ch.sni) ||
	      flow__name_matches(&t->cfg->pkt.snis, v->ch.sni)))
		return;
	flow__event_key(&k, &v->e->h);
	flow__canonical_key(&k);
	bpf_map_update_elem(bpf_map__fd(t->skel->maps.capture_flows), &k, &one, BPF_ANY);
}

/* The flow key (initiator first) of a packet record, from its own endpoints. */
static void flow__event_key(struct flow_key *k, const struct pkt_event_hdr *h)
{
	bool reply = h->flow_dir == WF_DIR_REPLY;

	memset(k, 0, sizeof(*k));
	k->netns = h->netns;
	k->ifindex = h->ifindex;
	k->family = h->family;
	k->proto = h->proto;
	memcpy(k->saddr, reply ? h->daddr : h->saddr, 16);
	memcpy(k->daddr, reply ? h->saddr : h->daddr, 16);
	k->sport = reply ? h->dport : h->sport;
	k->dport = reply ? h->sport : h->dport;
}

/* Zeek-like id of the flow a packet record belongs to. */
static void flow__event_id(const struct pkt_event_hdr *h, char flow_id[17])
{
	struct flow_key k;

	flow__event_key(&k, h);
	flow__id(&k, h->flow_first_ns, flow_id);
}

static void flow__on_tls(struct flow_tracker *t, const struct chunk_event *e, size_t len)
{
	char flow_id[17];

	flow__event_id(&e->h, flow_id);
	tls_sessions__chunk(t->tls, e, len, flow_id,
			    flow_tracker__ifname(t, e->h.netns, e->h.ifindex));
}

static void flow__on_quic(struct flow_tracker *t, const struct chunk_event *e, size_t len)
{
	char flow_id[17];

	flow__event_id(&e->h, flow_id);
	quic_sessions__datagram(t->quic, e, len, flow_id,
				flow_tracker__ifname(t, e->h.netns, e->h.ifindex));
}

static void flow__on_dns_tcp(struct flow_tracker *t, const struct chunk_event *e, size_t len)
{
	char flow_id[17];

	flow__event_id(&e->h, flow_id);
	dns_tcp__chunk(t->dns_tcp, e, len, flow_id);
}

static void flow__on_http(struct flow_tracker *t, const struct chunk_event *e, size_t len)
{
	struct http_view v = { .e = e,
			       .ifname = flow_tracker__ifname(t, e->h.netns, e->h.ifindex) };
	size_t n = e->len;

	if (n > len - offsetof(struct chunk_event, data))
		n = len - offsetof(struct chunk_event, data);
	flow__event_id(&e->h, v.flow_id);
	http__parse_request(e->data, n, &v.req);
	event__emit(t->out, &(struct event){ .kind = EVENT_HTTP, .http = &v });
	t->http_reported++;
}

static void flow__on_dns(struct flow_tracker *t, const struct dns_event *e, size_t len)
{
	struct dns_view v = { .e = e, .ifname = flow_tracker__ifname(t, e->h.netns, e->h.ifindex) };
	size_t cap = e->cap_len;
	uint64_t qts;

	if (cap > len - offsetof(struct dns_event, msg))
		cap = len - offsetof(struct dns_event, msg);
	if (e->first_fragment) {
		/* The rest comes as DNS_FRAG chunks: report once joined. */
		dns_frags__first(t->frags, e, len);
		return;
	}
	t->dns_seen++;
	flow__event_id(&e->h, v.flow_id);
	dns__parse(e->msg, cap, &v.msg);
	v.capture_cut = cap < e->msg_len;
	if (!v.msg.response)
		dns_pairs__query(t->pairs, v.flow_id, e->id, e->h.ts_ns);
	else if (dns_pairs__answer(t->pairs, v.flow_id, e->id, &qts) && e->h.ts_ns >= qts)
		v.rtt_ns = e->h.ts_ns - qts, v.has_rtt = true;
	event__emit(t->out, &(struct event){ .kind = EVENT_DNS, .dns = &v });
	t->dns_reported++;
	dns__free(&v.msg);
}

void flow__on_dns_tcp_msg(const struct dns_event *e, size_t len, void *ctx)
{
	flow__on_dns(ctx, e, len);
}

static int flow__on_record(void *ctx, void *data, size_t len)
{
	struct flow_tracker *t = ctx;
	const __u32 *kind = data;

	if (event__done(t->out))
		return -ECANCELED;
	if (len >= offsetof(struct dns_event, msg) && *kind == WF_PKT_EVENT_DNS)
		flow__on_dns(t, data, len);
	else if (len >= offsetof(struct chunk_event, data) && *kind == WF_PKT_EVENT_TLS)
		flow__on_tls(t, data, len);
	else if (len >= offsetof(struct chunk_event, data) && *kind == WF_PKT_EVENT_HTTP)
		flow__on_http(t, data, len);
	else if (len >= offsetof(struct chunk_event, data) && *kind == WF_PKT_EVENT_DNS_TCP)
		flow__on_dns_tcp(t, data, len);
	else if (len >= offsetof(struct chunk_event, data) && *kind == WF_PKT_EVENT_DNS_FRAG)
		dns_frags__chunk(t->frags, data, len);
	else if (len >= offsetof(struct chunk_event, data) && *kind == WF_PKT_EVENT_QUIC)
		flow__on_quic(t, data, len);
	return 0;
}

int flow_tracker__add_ring(struct flow_tracker *t, struct loop *l)
{
	return loop__add_ring(l, bpf_map__fd(t->skel->maps.pkt_events), flow__on_record, t) ?:
		       drop_tracker__add_ring(&t->drops, l);
}

/* -w's packet copies: events for the capture sink. */
static int flow__on_capture(void *ctx, void *data, size_t len)
{
	struct flow_tracker *t = ctx;
	const struct cap_event *e = data;
	struct packet_view pv;

	if (event__done(t->out))
		return -ECANCELED;
	if (len < sizeof(*e) || e->cap_len > len - sizeof(*e) || e->cap_len > WF_CAP_MAX)
		return 0;
	pv = (struct packet_view){ .e = e,
				   .ifname = flow_tracker__ifname(t, e->netns, e->ifindex) };
	event__emit(t->out, &(struct event){ .kind = EVENT_PACKET, .packet = &pv });
	return event__done(t->out) ? -ECANCELED : 0;
}

int flow_tracker__add_capture_ring(struct flow_tracker *t, struct loop *l)
{
	return loop__add_ring(l, flow_tracker__capture_fd(t), flow__on_capture, t);
}

static const char *flow__reason(const struct flow_tracker *t, const struct flow_value *v,
				uint64_t now, bool all)
{
	bool closed =
		(v->closed & WF_FLOW_RST) || (v->closed & (WF_FLOW_FIN_ORIG | WF_FLOW_FIN_REPLY)) ==
						     (WF_FLOW_FIN_ORIG | WF_FLOW_FIN_REPLY);

	if (closed && now - v->last_ns >= FLOW_CLOSE_LINGER_NS)
		return v->closed & WF_FLOW_RST ? "rst" : "fin";
	if (now > v->last_ns && now - v->last_ns >= t->cfg->flow_idle_ns)
		return "idle";
	if (now > v->first_ns && now - v->first_ns >= t->cfg->flow_active_ns)
		return "active";
	return all ? "exit" : NULL;
}

/* first_ns: the flow's start (its id), v->first_ns its period's (the record's). */
static void flow__report(struct flow_tracker *t, const struct flow_key *k,
			 const struct flow_value *v, uint64_t first_ns, const char *reason)
{
	struct flow_view fv = { .k = k,
				.v = v,
				.reason = reason,
				.ifname = flow_tracker__ifname(t, k->netns, k->ifindex) };

	flow__id(k, first_ns, fv.flow_id);
	/* TCP health is the local socket's, kept by the socket hooks under its cookie. */
	if (k->proto == IPPROTO_TCP && v->socket_cookie && t->tcp_health_fd >= 0)
		fv.has_tcp = !bpf_map_lookup_elem(t->tcp_health_fd, &v->socket_cookie, &fv.tcp);
	event__emit(t->out, &(struct event){ .kind = EVENT_FLOW, .flow = &fv });
	t->flows_reported++;
}

/*
 * The kernel keeps a flow's last-seen time on the coarse monotonic clock (cheap
 * for every packet); reports use CLOCK_BOOTTIME like every other time. A coarse
 * reading can lag the precise start of a one-packet flow by a tick.
 */
static uint64_t flow__last_boot(const struct flow_tracker *t, const struct flow_value *v,
				uint64_t mono_to_boot)
{
	uint64_t raw = v->orig.last_ns > v->reply.last_ns ? v->orig.last_ns : v->reply.last_ns;
	uint64_t last = t->skel->rodata->offline ? raw : raw + mono_to_boot;

	return last > v->first_ns ? last : v->first_ns;
}

static uint64_t sub__sat(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

/*
 * A long flow's counters since its last record. A base older than the flow
 * is a dead flow's (an agent killed between the two deletes): dropped.
 */
static const struct wf_flow_base *flow__since(struct flow_tracker *t, const struct flow_key *k,
					      struct flow_value *v)
{
	const struct wf_flow_base *b = flow_bases__get(t->bases, k);

	if (b && b->period_ns < v->first_ns) {
		flow_bases__del(t->bases, k);
		return NULL;
	}
	if (!b)
		return NULL;
	v->orig.packets = sub__sat(v->orig.packets, b->orig_packets);
	v->orig.bytes = sub__sat(v->orig.bytes, b->orig_bytes);
	v->reply.packets = sub__sat(v->reply.packets, b->reply_packets);
	v->reply.bytes = sub__sat(v->reply.bytes, b->reply_bytes);
	v->first_ns = b->period_ns;
	return b;
}

/*
 * A long flow stays in the table and starts a new period: the agent notes what
 * it reported instead of zeroing the kernel's counters, which a write-back
 * would do at the cost of every packet counted between the read and the write
 * (and of every field the classifiers changed meanwhile).
 */
static void flow__next_period(struct flow_tracker *t, const struct flow_key *k,
			      const struct flow_value *v, const struct wf_flow_base *b,
			      uint64_t now)
{
	struct wf_flow_base nb = { .period_ns = now };

	nb.orig_packets = (b ? b->orig_packets : 0) + v->orig.packets;
	nb.orig_bytes = (b ? b->orig_bytes : 0) + v->orig.bytes;
	nb.reply_packets = (b ? b->reply_packets : 0) + v->reply.packets;
	nb.reply_bytes = (b ? b->reply_bytes : 0) + v->reply.bytes;
	if (flow_bases__set(t->bases, k, &nb) && !t->base_warned) {
		pr_warn("cannot keep a long flow's reporting period (%m): its next record may "
			"count again what this one did\n");
		t->base_warned = true;
	}
}

/* One flow of a scan: reported when it ended, went idle or hit the active timeout. */
static void flow__scan_one(struct flow_tracker *t, int fd, const struct flow_key *k,
			   struct flow_value *v, uint64_t now, bool all, uint64_t mono_to_boot)
{
	uint64_t first_ns = v->first_ns;
	const struct wf_flow_base *b;
	struct flow_key rk;
	const char *reason;

	v->last_ns = flow__last_boot(t, v, mono_to_boot);
	b = flow__since(t, k, v);
	reason = flow__reason(t, v, now, all);
	t->scan_kept++;
	if (!reason)
		return;
	flow__report_key(&rk, k, v);
	flow__report(t, &rk, v, first_ns, reason);
	if (!strcmp(reason, "active")) {
		flow__next_period(t, k, v, b, now);
	} else {
		bpf_map_delete_elem(fd, k);
		flow_bases__del(t->bases, k);
		t->scan_kept--;
	}
}

/*
 * The table a batch at a time (one system call for up to FLOW_SCAN_BATCH
 * flows): the kernel walks it bucket by bucket, so deleting flows it already
 * returned does not disturb the walk. 0 when the walk completed.
 */
static int flow__scan_batches(struct flow_tracker *t, int fd, uint64_t now, bool all,
			      uint64_t mono_to_boot)
{
	__u32 token = 0, count;
	bool first = true;
	int err;

	if (!t->scan_keys) {
		t->scan_keys = calloc(FLOW_SCAN_BATCH, sizeof(struct flow_key));
		t->scan_vals = calloc(FLOW_SCAN_BATCH, sizeof(struct flow_value));
		if (!t->scan_keys || !t->scan_vals)
			return -ENOMEM;
	}
	do {
		count = FLOW_SCAN_BATCH;
		err = bpf_map_lookup_batch(fd, first ? NULL : &token, &token, t->scan_keys,
					   t->scan_vals, &count, NULL);
		err = err ? -errno : 0;
		if (err && err != -ENOENT)
			return err;
		first = false;
		for (__u32 i = 0; i < count; i++)
			flow__scan_one(t, fd, &t->scan_keys[i], &t->scan_vals[i], now, all,
				       mono_to_boot);
	} while (!err);
	return 0;
}

void flow_tracker__scan(struct flow_tracker *t, uint64_t now, bool all)
{
	int fd = bpf_map__fd(t->skel->maps.flows);
	uint64_t mono_to_boot = timeconv__mono_to_boot();
	struct flow_key k, next;
	struct flow_value v;
	bool more;

	t->scan_kept = 0;
	/* Drops before flows: a drop names its flow, which may end in this scan. */
	drop_tracker__scan(&t->drops, all);
	/* Hellos first: a flow's TLS event comes before its flow record. */
	tls_sessions__expire(t->tls, now, all);
	quic_sessions__expire(t->quic, now, all);
	dns_tcp__expire(t->dns_tcp, now, all);
	dns_frags__expire(t->frags, now, all);
	if (!flow__scan_batches(t, fd, now, all, mono_to_boot)) {
		t->flows_active = t->scan_kept;
		return;
	}
	/*
	 * A key at a time where batches are refused. The next key is taken before
	 * this one may be deleted: asked for the key after a deleted one, the
	 * kernel starts again from the first, and a scan that reports one flow in
	 * many would walk the table once per report.
	 */
	more = !bpf_map_get_next_key(fd, NULL, &next);
	while (more) {
		k = next;
		more = !bpf_map_get_next_key(fd, &k, &next);
		if (!bpf_map_lookup_elem(fd, &k, &v))
			flow__scan_one(t, fd, &k, &v, now, all, mono_to_boot);
	}
	t->flows_active = t->scan_kept;
}
