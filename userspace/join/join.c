// SPDX-License-Identifier: GPL-2.0-only
/* The join of network events: ids, endpoints, owners (see join.h). */
#include <arpa/inet.h>
#include <stddef.h>
#include <string.h>
#include <linux/types.h>
#include "dns_names.h"
#include "drop_events.h"
#include "flow_events.h"
#include "join.h"
#include "owner.h"
#include "timeconv.h"

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

/*
 * A flow names the owner of its local end: the initiator's when local (then the
 * responder, if local too, is the peer), else the responder's.
 */
static void join__flow(const struct owner_ctx *oc, struct event *ev)
{
	const struct flow_view *fv = ev->flow;
	const struct flow_key *k = fv->k;
	const struct flow_value *v = fv->v;
	__u8 e = WF_DIR_ORIG, a0 = v->ep_attr[WF_DIR_ORIG];
	__u8 hook = v->first_hook;

	/* The flow's key and period start: a period reported again after a restart keeps its id. */
	event_id__make(ev->id, v->first_ns, EVENT_ID_FLOW, k, sizeof(*k), NULL, 0);
	if (a0 == WF_ATTR_NONE && v->ep_attr[WF_DIR_REPLY] != WF_ATTR_NONE)
		e = WF_DIR_REPLY;
	owner__view(&ev->owner, oc, FLOW_EP(v, e), v->ep_attr[e], hook, v->had_sk);
	memset(&ev->peer, 0, sizeof(ev->peer));
	if (e == WF_DIR_ORIG && v->ep_attr[WF_DIR_REPLY] != WF_ATTR_NONE)
		owner__view(&ev->peer, oc, FLOW_EP(v, WF_DIR_REPLY), v->ep_attr[WF_DIR_REPLY], hook,
			    v->had_sk);
	endpoints__fill(&ev->ep, k->family, k->saddr, k->daddr, k->proto, k->sport, k->dport,
			v->last_ns);
	/* The name the initiator resolved to where it connected (flow keys hold the
	 * initiator first in reports). */
	ev->dest_domain = e == WF_DIR_ORIG && ev->owner.known ?
				  dns_names__find(&ev->owner.o, k->family, k->daddr, v->last_ns) :
				  NULL;
}

/*
 * A packet event: its id from its record (the header up to the owner, and the
 * bytes that tell records of one packet apart), its owner and endpoints.
 */
static void join__packet(const struct owner_ctx *oc, struct event *ev, const void *more,
			 size_t more_len, uint64_t ts)
{
	const struct pkt_event_hdr *h = ev->rec;

	event_id__make(ev->id, h->ts_ns, h->kind, h, offsetof(struct pkt_event_hdr, owner), more,
		       more_len);
	owner__view(&ev->owner, oc, &h->owner, h->attr, h->hook, h->has_sk);
	endpoints__fill(&ev->ep, h->family, h->saddr, h->daddr, h->proto, h->sport, h->dport, ts);
}

/*
 * A window of drops: its id from its kind and first time; its owner as the
 * kernel found it (bpf/trace/drop.bpf.c).
 */
static void join__drop(const struct owner_ctx *oc, struct event *ev)
{
	const struct drop_view *dv = ev->drop;
	const struct wf_drop_key *k = dv->k;
	const struct wf_drop_val *v = dv->v;

	event_id__make(ev->id, v->first_ns, EVENT_ID_DROP, k, sizeof(*k), NULL, 0);
	owner__view(&ev->owner, oc, v->owner_attr != WF_ATTR_NONE ? &v->owner : NULL, v->owner_attr,
		    WF_HOOK_INGRESS, k->cookie != 0);
	memset(&ev->peer, 0, sizeof(ev->peer));
	if (k->family)
		endpoints__fill(&ev->ep, k->family, k->saddr, k->daddr, k->proto, k->sport,
				k->dport, v->last_ns);
	else
		timeconv__rfc3339(timeconv__boot_to_real(v->last_ns), ev->ep.ts, sizeof(ev->ep.ts));
}

/* A file record: its process by pid, its time the last notification's. */
static void join__file(const struct owner_ctx *oc, struct event *ev)
{
	const struct file_view *fv = ev->file;
	struct {
		pid_t pid;
		uint64_t first_ns;
	} who = { fv->pid, fv->first_ns };

	event_id__make(ev->id, fv->first_ns, EVENT_ID_FILE, &who, sizeof(who), fv->id_bytes,
		       fv->id_len);
	owner__pid_view(&ev->owner, oc, fv->pid, fv->proc_start_ns);
	memset(&ev->peer, 0, sizeof(ev->peer));
	timeconv__rfc3339(fv->last_ns, ev->ep.ts, sizeof(ev->ep.ts));
}

void join__network(const struct owner_ctx *oc, struct event *ev)
{
	switch (ev->kind) {
	case EVENT_FLOW:
		join__flow(oc, ev);
		break;
	case EVENT_DNS:
		ev->rec = &ev->dns->e->h;
		join__packet(oc, ev, &ev->dns->e->id, 12, ev->rec->ts_ns);
		dns_names__learn(ev);
		break;
	case EVENT_TLS:
		ev->rec = &ev->tls->e->h;
		join__packet(oc, ev, &ev->tls->e->stream_off, 4, ev->tls->ts_ns);
		break;
	case EVENT_HTTP:
		ev->rec = &ev->http->e->h;
		join__packet(oc, ev, &ev->http->e->stream_off, 4, ev->rec->ts_ns);
		break;
	case EVENT_PACKET: {
		const struct cap_event *e = ev->packet->e;

		owner__view(&ev->owner, oc, &e->owner, e->attr, e->hook, e->has_sk);
		break;
	}
	case EVENT_DROP:
		join__drop(oc, ev);
		break;
	case EVENT_FILE:
		join__file(oc, ev);
		break;
	case EVENT_PROC:
	case EVENT_ALERT:
		break;
	}
}
