// SPDX-License-Identifier: GPL-2.0-only
/* FLOW and DNS events, JSON (ECS) and text. Reference: docs/events.md. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fnmatch.h>
#include <strings.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <linux/types.h>
#include <stddef.h>
#include "community_id.h"
#include "event_id.h"
#include "flow_events.h"
#include "output.h"
#include "owner.h"
#include "timeconv.h"
#include "tls_session.h"

/* The common network part of an event: endpoints in the packet's own direction. */
struct endpoints {
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
	uint16_t sport, dport;
	uint8_t proto, family;
	char community_id[COMMUNITY_ID_LEN];
	char ts[40];
};

static void endpoints__fill(struct endpoints *ep, int family, const uint8_t *s, const uint8_t *d,
			    uint8_t proto, uint16_t sport, uint16_t dport, uint64_t ts)
{
	int af = family == 6 ? AF_INET6 : AF_INET;

	inet_ntop(af, s, ep->src, sizeof(ep->src));
	inet_ntop(af, d, ep->dst, sizeof(ep->dst));
	ep->sport = sport;
	ep->dport = dport;
	ep->proto = proto;
	ep->family = (uint8_t)family;
	community_id__v1(0, family, s, d, proto, sport, dport, ep->community_id,
			 sizeof(ep->community_id));
	timeconv__rfc3339(timeconv__boot_to_real(ts), ep->ts, sizeof(ep->ts));
}

static const char *proto__name(uint8_t proto, char *buf, size_t n)
{
	switch (proto) {
	case 6:
		return "tcp";
	case 17:
		return "udp";
	case 1:
		return "icmp";
	case 58:
		return "ipv6-icmp";
	case 132:
		return "sctp";
	}
	snprintf(buf, n, "%u", proto);
	return buf;
}

static void tcp_flags__text(uint8_t f, char *out, size_t n)
{
	static const char *const names[] = {
		"FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"
	};
	size_t len = 0;

	out[0] = '\0';
	for (int i = 0; i < 8; i++)
		if (f & (1 << i))
			len += snprintf(out + len, len < n ? n - len : 0, "%s%s", len ? "," : "",
					names[i]);
}

static void json__endpoint(struct json *j, const char *key, const char *ip, uint16_t port,
			   bool has_ports)
{
	json__obj_open(j, key);
	json__str(j, "ip", ip);
	if (has_ports)
		json__u64(j, "port", port);
}

static void json__network(struct json *j, const struct endpoints *ep, const char *direction)
{
	char num[8], pbuf[8];

	snprintf(num, sizeof(num), "%u", ep->proto);
	json__obj_open(j, "network");
	json__str(j, "transport", proto__name(ep->proto, pbuf, sizeof(pbuf)));
	json__str(j, "type", ep->family == 6 ? "ipv6" : "ipv4");
	json__str(j, "iana_number", num);
	json__str(j, "direction", direction);
	json__str(j, "community_id", ep->community_id);
}

static void json__observer(struct json *j, const char *ifname, unsigned int ifindex, bool ingress)
{
	json__obj_open(j, "observer");
	json__obj_open(j, ingress ? "ingress" : "egress");
	json__obj_open(j, "interface");
	if (ifname)
		json__str(j, "name", ifname);
	json__u64(j, "id", ifindex);
	json__obj_close(j);
	json__obj_close(j);
	json__obj_close(j);
}

static void json__event(struct json *j, const char *id, const char *category, const char *type1,
			const char *type2, const char *action, const char *dataset)
{
	json__obj_open(j, "event");
	json__str(j, "kind", "event");
	json__str(j, "id", id);
	json__arr_open(j, "category");
	json__str(j, NULL, category);
	json__arr_close(j);
	json__arr_open(j, "type");
	json__str(j, NULL, type1);
	if (type2)
		json__str(j, NULL, type2);
	json__arr_close(j);
	json__str(j, "action", action);
	json__str(j, "dataset", dataset);
}

static bool proto__has_ports(uint8_t p)
{
	return p == 6 || p == 17 || p == 132;
}

static void flow_json__body(struct json *j, const struct flow_view *fv, const struct endpoints *ep,
			    const char *host, const struct owner_view *ov,
			    const struct owner_view *peer)
{
	const struct flow_value *v = fv->v;
	char start[40], flags[64];
	bool ports = proto__has_ports(ep->proto);

	char id[EVENT_ID_LEN];

	/* The flow's key and period start: a period reported again after a restart keeps its id. */
	event_id__make(id, v->first_ns, EVENT_ID_FLOW, fv->k, sizeof(*fv->k), NULL, 0);
	timeconv__rfc3339(timeconv__boot_to_real(v->first_ns), start, sizeof(start));
	json__event(j, id, "network", "connection", "end", "flow", "whoflow.flow");
	json__str(j, "start", start);
	json__str(j, "end", ep->ts);
	json__u64(j, "duration", v->last_ns - v->first_ns);
	json__obj_close(j);
	json__obj_open(j, "host");
	json__str(j, "name", host);
	json__obj_close(j);
	json__endpoint(j, "source", ep->src, ep->sport, ports);
	json__u64(j, "packets", v->orig.packets);
	json__u64(j, "bytes", v->orig.bytes);
	json__obj_close(j);
	json__endpoint(j, "destination", ep->dst, ep->dport, ports);
	json__u64(j, "packets", v->reply.packets);
	json__u64(j, "bytes", v->reply.bytes);
	json__obj_close(j);
	json__network(j, ep, v->first_hook == WF_HOOK_EGRESS ? "egress" : "ingress");
	json__u64(j, "packets", v->orig.packets + v->reply.packets);
	json__u64(j, "bytes", v->orig.bytes + v->reply.bytes);
	json__obj_close(j);
	json__observer(j, fv->ifname, fv->k->ifindex, v->first_hook == WF_HOOK_INGRESS);
	json__obj_open(j, "whoflow");
	owner__json_whoflow(j, ov);
	if (peer->known) {
		json__obj_open(j, "peer");
		owner__json_ecs(j, NULL, peer);
		owner__json_whoflow(j, peer);
		json__obj_close(j);
	}
	json__obj_open(j, "flow");
	json__str(j, "id", fv->flow_id);
	json__str(j, "reason", fv->reason);
	if (v->socket_cookie)
		json__u64(j, "socket_cookie", v->socket_cookie);
	if (ep->proto == 6) {
		json__obj_open(j, "tcp_flags");
		tcp_flags__text(v->orig.tcp_flags, flags, sizeof(flags));
		json__str(j, "source", flags);
		tcp_flags__text(v->reply.tcp_flags, flags, sizeof(flags));
		json__str(j, "destination", flags);
		json__obj_close(j);
	}
	json__obj_close(j);
	json__obj_open(j, "netns");
	json__u64(j, "cookie", fv->k->netns);
	json__obj_close(j);
	json__obj_close(j);
}

static void flow_text(FILE *f, const struct flow_view *fv, const struct endpoints *ep,
		      const struct owner_view *ov, const struct owner_view *peer)
{
	const struct flow_value *v = fv->v;
	char pbuf[8], fl0[64], fl1[64];

	tcp_flags__text(v->orig.tcp_flags, fl0, sizeof(fl0));
	tcp_flags__text(v->reply.tcp_flags, fl1, sizeof(fl1));
	fprintf(f,
		"FLOW ts=%s iface=%s proto=%s src=%s sport=%u dst=%s dport=%u dir=%s "
		"packets=%" PRIu64 "/%" PRIu64 " bytes=%" PRIu64 "/%" PRIu64 " duration=%.3fms",
		ep->ts, fv->ifname ? fv->ifname : "?", proto__name(ep->proto, pbuf, sizeof(pbuf)),
		ep->src, ep->sport, ep->dst, ep->dport,
		v->first_hook == WF_HOOK_EGRESS ? "egress" : "ingress", (uint64_t)v->orig.packets,
		(uint64_t)v->reply.packets, (uint64_t)v->orig.bytes, (uint64_t)v->reply.bytes,
		(v->last_ns - v->first_ns) / 1e6);
	if (ep->proto == 6)
		fprintf(f, " flags=%s/%s", fl0[0] ? fl0 : "-", fl1[0] ? fl1 : "-");
	fprintf(f, " reason=%s flow=%s community_id=%s", fv->reason, fv->flow_id,
		ep->community_id);
	owner__text(f, "", ov);
	if (peer->known)
		owner__text(f, "peer_", peer);
	fputc('\n', f);
}

static void output__line(struct output *o)
{
	if (!o->j.oom) {
		fwrite(o->j.buf, 1, o->j.len, o->f);
		fputc('\n', o->f);
	}
	o->emitted++;
	if (ferror(o->f))
		o->failed = true;
}

/* What a packet event (DNS, TLS, HTTP) writes before its own fields. */
struct net_head {
	const struct endpoints *ep;
	const struct pkt_event_hdr *rec; /* the kernel record: event.id */
	const void *more; /* and these bytes of it, which tell records of one packet apart */
	size_t more_len;
	const char *category2; /* a second event.category, or NULL */
	const char *action;
	const char *dataset;
	const char *protocol; /* network.protocol */
	const char *ifname;
	unsigned int ifindex;
	uint8_t hook;
};

static void net_json__head(struct output *o, const struct net_head *h)
{
	struct json *j = &o->j;

	json__reset(j);
	json__obj_open(j, NULL);
	json__str(j, "@timestamp", h->ep->ts);
	char id[EVENT_ID_LEN];

	event_id__make(id, h->rec->ts_ns, h->rec->kind, h->rec, offsetof(struct pkt_event_hdr, owner),
		       h->more, h->more_len);
	json__obj_open(j, "event");
	json__str(j, "kind", "event");
	json__str(j, "id", id);
	json__arr_open(j, "category");
	json__str(j, NULL, "network");
	if (h->category2)
		json__str(j, NULL, h->category2);
	json__arr_close(j);
	json__arr_open(j, "type");
	json__str(j, NULL, "protocol");
	json__arr_close(j);
	json__str(j, "action", h->action);
	json__str(j, "dataset", h->dataset);
	json__obj_close(j);
	json__obj_open(j, "host");
	json__str(j, "name", o->host);
	json__obj_close(j);
	json__endpoint(j, "source", h->ep->src, h->ep->sport, true);
	json__obj_close(j);
	json__endpoint(j, "destination", h->ep->dst, h->ep->dport, true);
	json__obj_close(j);
	json__network(j, h->ep, h->hook == WF_HOOK_EGRESS ? "egress" : "ingress");
	json__str(j, "protocol", h->protocol);
	json__obj_close(j);
	json__observer(j, h->ifname, h->ifindex, h->hook == WF_HOOK_INGRESS);
}

/* Text lines are written by each event's own printer; this counts them. */
static void output__text_done(struct output *o)
{
	o->emitted++;
	if (ferror(o->f))
		o->failed = true;
}

/*
 * A flow names the owner of its local end: the initiator's when local (then the
 * responder, if local too, is the peer), else the responder's.
 */
static void flow__owners(struct output *o, const struct flow_view *fv, struct owner_view *ov,
			 struct owner_view *peer)
{
	const struct flow_value *v = fv->v;
	__u8 e = WF_DIR_ORIG, a0 = v->ep_attr[WF_DIR_ORIG];
	__u8 hook = v->first_hook;

	if (a0 == WF_ATTR_NONE && v->ep_attr[WF_DIR_REPLY] != WF_ATTR_NONE)
		e = WF_DIR_REPLY;
	owner__view(ov, o->owners, &v->ep[e], v->ep_attr[e], hook, v->had_sk);
	memset(peer, 0, sizeof(*peer));
	if (e == WF_DIR_ORIG && v->ep_attr[WF_DIR_REPLY] != WF_ATTR_NONE)
		owner__view(peer, o->owners, &v->ep[WF_DIR_REPLY], v->ep_attr[WF_DIR_REPLY], hook,
			    v->had_sk);
}

void output__flow_event(struct output *o, const struct flow_view *fv)
{
	const struct flow_key *k = fv->k;
	struct owner_view ov, peer;
	struct endpoints ep;

	if (o->failed)
		return;
	flow__owners(o, fv, &ov, &peer);
	if (!owner__selected(o->owners, &ov) && !(peer.known && owner__selected(o->owners, &peer))) {
		o->filtered++;
		return;
	}
	endpoints__fill(&ep, k->family, k->saddr, k->daddr, k->proto, k->sport, k->dport,
			fv->v->last_ns);
	if (o->fmt == OUTPUT_TEXT) {
		flow_text(o->f, fv, &ep, &ov, &peer);
		output__text_done(o);
		return;
	}
	json__reset(&o->j);
	json__obj_open(&o->j, NULL);
	json__str(&o->j, "@timestamp", ep.ts);
	owner__json_ecs(&o->j, NULL, &ov);
	flow_json__body(&o->j, fv, &ep, o->host, &ov, &peer);
	json__obj_close(&o->j);
	output__line(o);
}

static void dns_json__rrs(struct json *j, const char *key, const struct dns_rr *rrs, size_t n)
{
	char tb[16], cb[16];

	json__arr_open(j, key);
	for (size_t i = 0; i < n; i++) {
		json__obj_open(j, NULL);
		json__str(j, "name", rrs[i].name);
		json__str(j, "type", dns__type_name(rrs[i].type, tb, sizeof(tb)));
		json__str(j, "class", dns__class_name(rrs[i].rclass, cb, sizeof(cb)));
		json__u64(j, "ttl", rrs[i].ttl);
		json__str(j, "data", rrs[i].data);
		json__obj_close(j);
	}
	json__arr_close(j);
}

static void dns_json__resolved(struct json *j, const struct dns_msg *m)
{
	json__arr_open(j, "resolved_ip");
	for (size_t i = 0; i < m->nrrs[DNS_SECTION_ANSWER]; i++) {
		const struct dns_rr *rr = &m->rrs[DNS_SECTION_ANSWER][i];

		if (rr->type == 1 || rr->type == 28)
			json__str(j, NULL, rr->data);
	}
	json__arr_close(j);
}

static void dns_json__dns(struct json *j, const struct dns_view *dv)
{
	const struct dns_msg *m = &dv->msg;
	const struct dns_event *e = dv->e;
	const char *flags[7];
	char idb[8], tb[16], cb[16], rb[16];
	size_t nflags = dns__header_flags(m, flags);

	snprintf(idb, sizeof(idb), "%u", e->id);
	json__obj_open(j, "dns");
	json__str(j, "id", idb);
	json__str(j, "type", (e->flags & 0x8000) ? "answer" : "query");
	json__str(j, "op_code", ((e->flags >> 11) & 0xf) == 0 ? "QUERY" : "OTHER");
	json__arr_open(j, "header_flags");
	for (size_t i = 0; i < nflags; i++)
		json__str(j, NULL, flags[i]);
	json__arr_close(j);
	if (e->flags & 0x8000)
		json__str(j, "response_code",
			  dns__rcode_name(m->rcode ? m->rcode : e->flags & 0xf, rb, sizeof(rb)));
	if (m->nquestions) {
		json__obj_open(j, "question");
		json__str(j, "name", m->questions[0].name);
		json__str(j, "type", dns__type_name(m->questions[0].type, tb, sizeof(tb)));
		json__str(j, "class", dns__class_name(m->questions[0].qclass, cb, sizeof(cb)));
		json__obj_close(j);
	}
	if (e->flags & 0x8000) {
		dns_json__rrs(j, "answers", m->rrs[DNS_SECTION_ANSWER],
			      m->nrrs[DNS_SECTION_ANSWER]);
		dns_json__resolved(j, m);
	}
	json__obj_close(j);
}

static void dns_json__whoflow(struct json *j, const struct dns_view *dv,
			      const struct owner_view *ov)
{
	const struct dns_msg *m = &dv->msg;

	json__obj_open(j, "whoflow");
	owner__json_whoflow(j, ov);
	json__obj_open(j, "flow");
	json__str(j, "id", dv->flow_id);
	json__obj_close(j);
	json__obj_open(j, "dns");
	dns_json__rrs(j, "authorities", m->rrs[DNS_SECTION_AUTHORITY],
		      m->nrrs[DNS_SECTION_AUTHORITY]);
	dns_json__rrs(j, "additionals", m->rrs[DNS_SECTION_ADDITIONAL],
		      m->nrrs[DNS_SECTION_ADDITIONAL]);
	if (m->has_edns) {
		json__obj_open(j, "edns");
		json__u64(j, "udp_size", m->edns_udp_size);
		json__u64(j, "version", m->edns_version);
		json__bool(j, "do", m->edns_do);
		json__obj_close(j);
	}
	if (dv->has_rtt)
		json__u64(j, "rtt_ns", dv->rtt_ns);
	json__u64(j, "size", dv->e->msg_len);
	if (m->malformed) {
		json__bool(j, "malformed", true);
		json__str(j, "malformed_reason", m->malformed_reason);
	}
	if (dv->capture_cut)
		json__bool(j, "capture_truncated", true);
	json__obj_close(j);
	json__obj_open(j, "netns");
	json__u64(j, "cookie", dv->e->h.netns);
	json__obj_close(j);
	json__obj_close(j);
}

static void dns_text(FILE *f, const struct dns_view *dv, const struct endpoints *ep,
		const struct owner_view *ov)
{
	const struct dns_msg *m = &dv->msg;
	const struct dns_event *e = dv->e;
	char tb[16], rb[16];

	fprintf(f, "DNS ts=%s iface=%s src=%s sport=%u dst=%s dport=%u type=%s id=%u", ep->ts,
		dv->ifname ? dv->ifname : "?", ep->src, ep->sport, ep->dst, ep->dport,
		(e->flags & 0x8000) ? "answer" : "query", e->id);
	if (m->nquestions)
		fprintf(f, " qname=%s qtype=%s", m->questions[0].name,
			dns__type_name(m->questions[0].type, tb, sizeof(tb)));
	if (e->flags & 0x8000) {
		fprintf(f, " rcode=%s answers=%zu", dns__rcode_name(m->rcode, rb, sizeof(rb)),
			m->nrrs[DNS_SECTION_ANSWER]);
		for (size_t i = 0; i < m->nrrs[DNS_SECTION_ANSWER]; i++)
			fprintf(f, " %s=\"%s\"", dns__type_name(m->rrs[0][i].type, tb, sizeof(tb)),
				m->rrs[0][i].data);
	}
	if (dv->has_rtt)
		fprintf(f, " rtt=%.3fms", dv->rtt_ns / 1e6);
	if (m->malformed)
		fprintf(f, " malformed=\"%s\"", m->malformed_reason);
	fprintf(f, " flow=%s community_id=%s", dv->flow_id, ep->community_id);
	owner__text(f, "", ov);
	fputc('\n', f);
}

static bool glob__any(const struct strlist *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (!fnmatch(l->v[i], s, FNM_CASEFOLD))
			return true;
	return false;
}

static bool word__any(const struct strlist *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcasecmp(l->v[i], s))
			return true;
	return false;
}

/* --domain and --dns-type; a DNS message without a question matches neither. */
static bool dns__selected(const struct packet_filter *f, const struct dns_msg *m)
{
	char tb[16];

	if (f->snis.n || f->tls_versions.n)
		return false; /* TLS-only selectors leave DNS out */
	if (!f->domains.n && !f->dns_types.n)
		return true;
	if (!m->nquestions)
		return false;
	if (f->domains.n && !glob__any(&f->domains, m->questions[0].name))
		return false;
	return !f->dns_types.n ||
	       word__any(&f->dns_types, dns__type_name(m->questions[0].type, tb, sizeof(tb)));
}

/*
 * What every packet event (DNS, TLS, HTTP) does first: drop it when a write
 * failed, count it as filtered when its own selectors (selected) or the process
 * selectors leave it out, else resolve its owner and endpoints. ts: its time.
 */
static bool net__begin(struct output *o, bool selected, const struct pkt_event_hdr *h,
		       uint64_t ts, struct owner_view *ov, struct endpoints *ep)
{
	if (o->failed)
		return false;
	if (selected) {
		owner__view(ov, o->owners, &h->owner, h->attr, h->hook, h->has_sk);
		selected = owner__selected(o->owners, ov);
	}
	if (!selected) {
		o->filtered++;
		return false;
	}
	endpoints__fill(ep, h->family, h->saddr, h->daddr, h->proto, h->sport, h->dport, ts);
	return true;
}

void output__dns_event(struct output *o, const struct dns_view *dv)
{
	const struct dns_event *e = dv->e;
	struct owner_view ov;
	struct endpoints ep;

	if (!net__begin(o, !o->pkt || dns__selected(o->pkt, &dv->msg), &e->h, e->h.ts_ns, &ov, &ep))
		return;
	if (o->fmt == OUTPUT_TEXT) {
		dns_text(o->f, dv, &ep, &ov);
		output__text_done(o);
		return;
	}
	net_json__head(
		o, &(struct net_head){ &ep, &e->h, &e->id, 12, NULL,
				       (e->flags & 0x8000) ? "dns-answer" : "dns-query", "whoflow.dns",
				       "dns", dv->ifname, e->h.ifindex, e->h.hook });
	owner__json_ecs(&o->j, NULL, &ov);
	dns_json__dns(&o->j, dv);
	dns_json__whoflow(&o->j, dv, &ov);
	json__obj_close(&o->j);
	output__line(o);
}

static void json__u16_list(struct json *j, const char *key, const struct tls_u16_list *l)
{
	json__arr_open(j, key);
	for (size_t i = 0; i < l->n; i++)
		json__u64(j, NULL, l->v[i]);
	json__arr_close(j);
}

static void json__hex16(struct json *j, const char *key, uint16_t v)
{
	char b[8];

	snprintf(b, sizeof(b), "0x%04x", v);
	json__str(j, key, b);
}

/* ECS tls.version: "1.3" of TLS 1.3; only once the server said which it chose. */
static void tls_json__ecs(struct json *j, const struct tls_view *tv)
{
	const struct tls_client_hello *ch = &tv->ch;
	char vb[16], cb[24];

	json__obj_open(j, "tls");
	if (tv->has_sh && !tv->sh.malformed && !tv->sh.hello_retry) {
		uint16_t v =
			tv->sh.selected_version ? tv->sh.selected_version : tv->sh.legacy_version;
		const char *name = tls__version_name(v, vb, sizeof(vb));

		json__str(j, "version",
			  strncmp(name, "TLS ", 4) && strncmp(name, "SSL ", 4) ? name : name + 4);
		json__str(j, "version_protocol", strncmp(name, "SSL ", 4) ? "tls" : "ssl");
		json__str(j, "cipher", tls__cipher_name(tv->sh.cipher, cb, sizeof(cb)));
		if (tv->sh.alpn[0])
			json__str(j, "next_protocol", tv->sh.alpn);
	}
	json__obj_open(j, "client");
	if (ch->has_sni)
		json__str(j, "server_name", ch->sni);
	json__arr_open(j, "supported_ciphers");
	for (size_t i = 0; i < ch->ciphers.n; i++)
		json__str(j, NULL, tls__cipher_name(ch->ciphers.v[i], cb, sizeof(cb)));
	json__arr_close(j);
	json__str(j, "ja3", tv->ja3_md5);
	json__str(j, "ja4", tv->ja4);
	json__str(j, "ja4_r", tv->ja4_r);
	json__obj_close(j);
	json__obj_close(j);
}

static void tls_json__client(struct json *j, const struct tls_client_hello *ch, const char *ja3)
{
	json__obj_open(j, "client");
	json__hex16(j, "legacy_version", ch->legacy_version);
	json__bool(j, "sslv2", ch->sslv2);
	json__arr_open(j, "supported_versions");
	for (size_t i = 0; i < ch->versions.n; i++) {
		char b[8];

		snprintf(b, sizeof(b), "0x%04x", ch->versions.v[i]);
		json__str(j, NULL, b);
	}
	json__arr_close(j);
	json__arr_open(j, "alpn");
	for (size_t i = 0; i < ch->nalpn; i++)
		json__str(j, NULL, ch->alpn[i]);
	json__arr_close(j);
	json__u16_list(j, "ciphers", &ch->ciphers);
	json__u16_list(j, "extensions", &ch->extensions);
	json__u16_list(j, "supported_groups", &ch->groups);
	json__u16_list(j, "signature_algorithms", &ch->sig_algs);
	json__u16_list(j, "key_share_groups", &ch->key_shares);
	json__arr_open(j, "ec_point_formats");
	for (size_t i = 0; i < ch->npoint_formats; i++)
		json__u64(j, NULL, ch->point_formats[i]);
	json__arr_close(j);
	json__arr_open(j, "compression_methods");
	for (size_t i = 0; i < ch->ncompression; i++)
		json__u64(j, NULL, ch->compression[i]);
	json__arr_close(j);
	json__str(j, "ja3_string", ja3);
	json__obj_close(j);
}

static void tls_json__whoflow(struct json *j, const struct tls_view *tv,
			      const struct owner_view *ov)
{
	json__obj_open(j, "whoflow");
	owner__json_whoflow(j, ov);
	json__obj_open(j, "flow");
	json__str(j, "id", tv->flow_id);
	json__obj_close(j);
	json__obj_open(j, "tls");
	tls_json__client(j, &tv->ch, tv->ja3);
	if (tv->has_sh) {
		json__obj_open(j, "server");
		json__hex16(j, "legacy_version", tv->sh.legacy_version);
		if (tv->sh.selected_version)
			json__hex16(j, "selected_version", tv->sh.selected_version);
		json__hex16(j, "cipher", tv->sh.cipher);
		if (tv->sh.alpn[0])
			json__str(j, "alpn", tv->sh.alpn);
		json__bool(j, "hello_retry", tv->sh.hello_retry);
		json__obj_close(j);
	}
	if (tv->ch.malformed) {
		json__bool(j, "malformed", true);
		json__str(j, "malformed_reason", tv->ch.malformed_reason);
	}
	if (tv->e->sni_len) {
		char sni[WF_SNI_MAX];

		snprintf(sni, sizeof(sni), "%.*s", (int)tv->e->sni_len, tv->e->sni);
		json__str(j, "kernel_sni", sni);
	}
	if (tv->incomplete) {
		json__u64(j, "captured_bytes", tv->captured);
		json__u64(j, "wanted_bytes", tv->wanted);
	}
	json__obj_close(j);
	json__obj_open(j, "netns");
	json__u64(j, "cookie", tv->e->h.netns);
	json__obj_close(j);
	json__obj_close(j);
}

static void tls_text(FILE *f, const struct tls_view *tv, const struct endpoints *ep,
		const struct owner_view *ov)
{
	char vb[16], cb[24];

	fprintf(f, "TLS ts=%s iface=%s src=%s sport=%u dst=%s dport=%u", ep->ts,
		tv->ifname ? tv->ifname : "?", ep->src, ep->sport, ep->dst, ep->dport);
	if (tv->ch.has_sni)
		fprintf(f, " sni=%s", tv->ch.sni);
	if (tv->ch.nalpn) {
		fprintf(f, " alpn=");
		for (size_t i = 0; i < tv->ch.nalpn; i++)
			fprintf(f, "%s%s", i ? "," : "", tv->ch.alpn[i]);
	}
	if (tv->has_sh && !tv->sh.hello_retry) {
		uint16_t v =
			tv->sh.selected_version ? tv->sh.selected_version : tv->sh.legacy_version;

		fprintf(f, " version=\"%s\" cipher=%s", tls__version_name(v, vb, sizeof(vb)),
			tls__cipher_name(tv->sh.cipher, cb, sizeof(cb)));
		if (tv->sh.alpn[0])
			fprintf(f, " selected_alpn=%s", tv->sh.alpn);
	}
	if (tv->has_sh && tv->sh.hello_retry)
		fprintf(f, " hello_retry=yes");
	fprintf(f, " ja3=%s ja4=%s", tv->ja3_md5, tv->ja4);
	if (tv->ch.malformed)
		fprintf(f, " malformed=\"%s\"", tv->ch.malformed_reason);
	fprintf(f, " flow=%s community_id=%s", tv->flow_id, ep->community_id);
	owner__text(f, "", ov);
	fputc('\n', f);
}

/* --domain, --sni and --tls-version (the version the server chose). */
static bool tls__selected(const struct packet_filter *f, const struct tls_view *tv)
{
	char vb[16];

	if (f->dns_types.n)
		return false;
	if ((f->domains.n || f->snis.n) &&
	    !(tv->ch.has_sni &&
	      (glob__any(&f->domains, tv->ch.sni) || glob__any(&f->snis, tv->ch.sni))))
		return false;
	if (f->tls_versions.n) {
		const char *name;

		if (!tv->has_sh || tv->sh.hello_retry)
			return false;
		name = tls__version_name(tv->sh.selected_version ? tv->sh.selected_version :
								   tv->sh.legacy_version,
					 vb, sizeof(vb));
		return word__any(&f->tls_versions, strncmp(name, "TLS ", 4) ? name : name + 4);
	}
	return true;
}

void output__tls_event(struct output *o, const struct tls_view *tv)
{
	const struct chunk_event *e = tv->e;
	struct owner_view ov;
	struct endpoints ep;

	if (!e || !net__begin(o, !o->pkt || tls__selected(o->pkt, tv), &e->h, tv->ts_ns, &ov, &ep))
		return;
	if (o->fmt == OUTPUT_TEXT) {
		tls_text(o->f, tv, &ep, &ov);
		output__text_done(o);
		return;
	}
	net_json__head(o, &(struct net_head){ &ep, &e->h, &e->stream_off, 4, NULL, "tls-client-hello",
					      "whoflow.tls", "tls", tv->ifname, e->h.ifindex, e->h.hook });
	owner__json_ecs(&o->j, NULL, &ov);
	tls_json__ecs(&o->j, tv);
	tls_json__whoflow(&o->j, tv, &ov);
	json__obj_close(&o->j);
	output__line(o);
}

/* --domain selects HTTP requests by host too; the TLS- and DNS-only selectors leave them out. */
static bool http__selected(const struct packet_filter *f, const struct http_request *r)
{
	if (f->snis.n || f->dns_types.n || f->tls_versions.n)
		return false;
	return !f->domains.n || (r->has_host && glob__any(&f->domains, r->domain));
}

static void http_json__body(struct json *j, const struct http_view *hv,
			    const struct owner_view *ov)
{
	const struct http_request *r = &hv->req;

	json__obj_open(j, "http");
	json__obj_open(j, "request");
	json__str(j, "method", r->method);
	json__obj_close(j);
	if (r->version[0])
		json__str(j, "version", r->version);
	json__obj_close(j);
	json__obj_open(j, "url");
	json__str(j, "original", r->target);
	if (r->domain[0])
		json__str(j, "domain", r->domain);
	if (r->port)
		json__u64(j, "port", (uint64_t)r->port);
	json__str(j, "path", r->path);
	if (r->has_query)
		json__str(j, "query", r->query);
	json__obj_close(j);
	if (r->has_user_agent) {
		json__obj_open(j, "user_agent");
		json__str(j, "original", r->user_agent);
		json__obj_close(j);
	}
	json__obj_open(j, "whoflow");
	owner__json_whoflow(j, ov);
	json__obj_open(j, "flow");
	json__str(j, "id", hv->flow_id);
	json__obj_close(j);
	json__obj_open(j, "http");
	json__bool(j, "headers_complete", r->headers_complete);
	json__u64(j, "segment_size", hv->e->want);
	if (r->malformed) {
		json__bool(j, "malformed", true);
		json__str(j, "malformed_reason", r->malformed_reason);
	}
	json__obj_close(j);
	json__obj_open(j, "netns");
	json__u64(j, "cookie", hv->e->h.netns);
	json__obj_close(j);
	json__obj_close(j);
}

static void http_text(FILE *f, const struct http_view *hv, const struct endpoints *ep,
		const struct owner_view *ov)
{
	const struct http_request *r = &hv->req;

	fprintf(f, "HTTP ts=%s iface=%s src=%s sport=%u dst=%s dport=%u method=%s", ep->ts,
		hv->ifname ? hv->ifname : "?", ep->src, ep->sport, ep->dst, ep->dport, r->method);
	if (r->has_host)
		fprintf(f, " host=%s", r->host);
	fprintf(f, " path=\"%s\"", r->path);
	if (r->has_user_agent)
		fprintf(f, " user_agent=\"%s\"", r->user_agent);
	if (r->malformed)
		fprintf(f, " malformed=\"%s\"", r->malformed_reason);
	fprintf(f, " flow=%s community_id=%s", hv->flow_id, ep->community_id);
	owner__text(f, "", ov);
	fputc('\n', f);
}

void output__http_event(struct output *o, const struct http_view *hv)
{
	const struct chunk_event *e = hv->e;
	struct owner_view ov;
	struct endpoints ep;

	if (!net__begin(o, !o->pkt || http__selected(o->pkt, &hv->req), &e->h, e->h.ts_ns, &ov,
			&ep))
		return;
	if (o->fmt == OUTPUT_TEXT) {
		http_text(o->f, hv, &ep, &ov);
		output__text_done(o);
		return;
	}
	net_json__head(o, &(struct net_head){ &ep, &e->h, &e->stream_off, 4, "web", "http-request",
					      "whoflow.http", "http", hv->ifname, e->h.ifindex, e->h.hook });
	owner__json_ecs(&o->j, NULL, &ov);
	http_json__body(&o->j, hv, &ov);
	json__obj_close(&o->j);
	output__line(o);
}
