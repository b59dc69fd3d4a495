// SPDX-License-Identifier: GPL-2.0-only
/* The JSON sink: one ECS-shaped JSON line per event. Field reference: docs/events.md. */
#include <inttypes.h>
#include <linux/types.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "cmdline.h"
#include "drop_events.h"
#include "flow_events.h"
#include "binkeep.h"
#include "ctr_fmt.h"
#include "file_json.h"
#include "json.h"
#include "net_fmt.h"
#include "owner_fmt.h"
#include "proc_info.h"
#include "sink.h"
#include "tls_json.h"
#include "alert_json.h"
#include "timeconv.h"

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

/* The local socket's TCP health (whoflow.flow.tcp). */
static void flow_json__tcp(struct json *j, const struct wf_tcp_health *h)
{
	char name[16];

	json__obj_open(j, "tcp");
	json__u64(j, "retransmitted_segments", h->retrans_segs);
	if (h->srtt_us) {
		json__u64(j, "rtt_us", h->srtt_us);
		json__u64(j, "rttvar_us", h->rttvar_us);
		json__u64(j, "min_rtt_us", h->min_rtt_us);
	}
	if (h->rto_us)
		json__u64(j, "rto_us", h->rto_us);
	if (h->state)
		json__str(j, "state", tcp_state__name(h->state, name, sizeof(name)));
	if (h->prev_state)
		json__str(j, "previous_state", tcp_state__name(h->prev_state, name, sizeof(name)));
	json__obj_close(j);
}

static void flow_json__body(struct json *j, const struct event *ev, const char *host)
{
	const struct flow_view *fv = ev->flow;
	const struct endpoints *ep = &ev->ep;
	const struct owner_view *ov = &ev->owner, *peer = &ev->peer;
	const struct flow_value *v = fv->v;
	char start[40], flags[64];
	bool ports = proto__has_ports(ep->proto);

	timeconv__rfc3339(timeconv__boot_to_real(v->first_ns), start, sizeof(start));
	json__event(j, ev->id, "network", "connection", "end", "flow", "whoflow.flow");
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
	if (ev->dest_domain)
		json__str(j, "domain", ev->dest_domain);
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
	if (ov->known)
		json__bool(j, "initiated", v->ep_attr[WF_DIR_ORIG] != WF_ATTR_NONE);
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
	if (fv->has_tcp)
		flow_json__tcp(j, &fv->tcp);
	json__obj_close(j);
	json__obj_open(j, "netns");
	json__u64(j, "cookie", fv->k->netns);
	json__obj_close(j);
	json__obj_close(j);
}

/* What a packet event (DNS, TLS, HTTP) writes before its own fields. */
struct net_head {
	const char *category2; /* a second event.category, or NULL */
	const char *action;
	const char *dataset;
	const char *protocol; /* network.protocol */
	const char *ifname;
};

static void net_json__head(struct sink *s, const struct event *ev, const struct net_head *h)
{
	const struct pkt_event_hdr *rec = ev->rec;
	struct json *j = &s->j;

	json__reset(j);
	json__obj_open(j, NULL);
	json__str(j, "@timestamp", ev->ep.ts);
	json__obj_open(j, "event");
	json__str(j, "kind", "event");
	json__str(j, "id", ev->id);
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
	json__str(j, "name", s->host);
	json__obj_close(j);
	json__endpoint(j, "source", ev->ep.src, ev->ep.sport, true);
	json__obj_close(j);
	json__endpoint(j, "destination", ev->ep.dst, ev->ep.dport, true);
	json__obj_close(j);
	json__network(j, &ev->ep, rec->hook == WF_HOOK_EGRESS ? "egress" : "ingress");
	json__str(j, "protocol", h->protocol);
	json__obj_close(j);
	json__observer(j, h->ifname, rec->ifindex, rec->hook == WF_HOOK_INGRESS);
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
		char why[160];

		dns__malformed_text(m, why, sizeof(why));
		json__bool(j, "malformed", true);
		json__str(j, "malformed_reason", why);
	}
	if (dv->capture_cut)
		json__bool(j, "capture_truncated", true);
	json__obj_close(j);
	json__obj_open(j, "netns");
	json__u64(j, "cookie", dv->e->h.netns);
	json__obj_close(j);
	json__obj_close(j);
}

static void http_json__body(struct json *j, const struct http_view *hv, const struct owner_view *ov)
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
	if (r->path[0]) /* CONNECT has none */
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

static void json_net__flow(struct sink *s, const struct event *ev)
{
	json__reset(&s->j);
	json__obj_open(&s->j, NULL);
	json__str(&s->j, "@timestamp", ev->ep.ts);
	owner__json_ecs(&s->j, NULL, &ev->owner);
	flow_json__body(&s->j, ev, s->host);
	json__obj_close(&s->j);
}

static void json_net__dns(struct sink *s, const struct event *ev)
{
	const struct dns_event *e = ev->dns->e;

	net_json__head(s, ev,
		       &(struct net_head){ NULL, (e->flags & 0x8000) ? "dns-answer" : "dns-query",
					   "whoflow.dns", "dns", ev->dns->ifname });
	owner__json_ecs(&s->j, NULL, &ev->owner);
	dns_json__dns(&s->j, ev->dns);
	dns_json__whoflow(&s->j, ev->dns, &ev->owner);
	json__obj_close(&s->j);
}

static void json_net__tls(struct sink *s, const struct event *ev)
{
	net_json__head(s, ev,
		       &(struct net_head){ NULL, "tls-client-hello", "whoflow.tls",
					   ev->tls->quic ? "quic" : "tls", ev->tls->ifname });
	owner__json_ecs(&s->j, NULL, &ev->owner);
	tls_json__ecs(&s->j, ev->tls);
	tls_json__whoflow(&s->j, ev->tls, &ev->owner);
	json__obj_close(&s->j);
}

static void json_net__http(struct sink *s, const struct event *ev)
{
	net_json__head(s, ev,
		       &(struct net_head){ "web", "http-request", "whoflow.http", "http",
					   ev->http->ifname });
	owner__json_ecs(&s->j, NULL, &ev->owner);
	http_json__body(&s->j, ev->http, &ev->owner);
	json__obj_close(&s->j);
}

/* A window of drops of one kind: ECS network fields when the packet parsed. */
static void json_net__drop(struct sink *s, const struct event *ev)
{
	const struct drop_view *dv = ev->drop;
	const struct wf_drop_key *k = dv->k;
	const struct wf_drop_val *v = dv->v;
	struct json *j = &s->j;
	char start[40];

	json__reset(j);
	json__obj_open(j, NULL);
	json__str(j, "@timestamp", ev->ep.ts);
	json__event(j, ev->id, "network", "denied", NULL, "drop", "whoflow.drop");
	timeconv__rfc3339(timeconv__boot_to_real(v->first_ns), start, sizeof(start));
	json__str(j, "start", start);
	json__str(j, "end", ev->ep.ts);
	json__obj_close(j);
	json__obj_open(j, "host");
	json__str(j, "name", s->host);
	json__obj_close(j);
	if (k->family) {
		bool ports = proto__has_ports(k->proto);

		json__endpoint(j, "source", ev->ep.src, ev->ep.sport, ports);
		json__obj_close(j);
		json__endpoint(j, "destination", ev->ep.dst, ev->ep.dport, ports);
		json__obj_close(j);
		json__network(j, &ev->ep, "unknown");
		json__u64(j, "packets", v->count);
		json__u64(j, "bytes", v->bytes);
		json__obj_close(j);
	}
	owner__json_ecs(j, NULL, &ev->owner);
	json__obj_open(j, "whoflow");
	owner__json_whoflow(j, &ev->owner);
	json__obj_open(j, "drop");
	json__str(j, "reason", dv->reason);
	json__u64(j, "reason_code", k->reason);
	json__u64(j, "count", v->count);
	json__u64(j, "bytes", v->bytes);
	if (dv->location[0])
		json__str(j, "location", dv->location);
	if (k->ifindex) {
		json__obj_open(j, "interface");
		if (dv->ifname)
			json__str(j, "name", dv->ifname);
		json__u64(j, "id", k->ifindex);
		json__obj_close(j);
	}
	if (k->cookie)
		json__u64(j, "socket_cookie", k->cookie);
	json__obj_close(j);
	if (dv->has_flow) {
		json__obj_open(j, "flow");
		json__str(j, "id", dv->flow_id);
		json__obj_close(j);
	}
	json__obj_open(j, "netns");
	json__u64(j, "cookie", k->netns);
	json__obj_close(j);
	json__obj_close(j);
	json__obj_close(j);
}

static void json__arg(const char *arg, size_t n, void *ctx)
{
	json__strn(ctx, NULL, arg, n);
}

static void json__proc_event(struct json *j, const struct proc_view *v, const char *id)
{
	json__obj_open(j, "event");
	json__str(j, "kind", "event");
	json__str(j, "id", id);
	json__arr_open(j, "category");
	json__str(j, NULL, "process");
	json__arr_close(j);
	json__arr_open(j, "type");
	json__str(j, NULL, v->kind == PROC_VIEW_EXIT ? "end" : "start");
	json__arr_close(j);
	json__str(j, "action", proc_view__action(v));
	json__str(j, "dataset", "whoflow.process");
	if (v->kind == PROC_VIEW_EXIT)
		json__u64(j, "duration", v->duration_ns);
	json__obj_close(j);
}

static void json__id_name(struct json *j, const char *key, unsigned int id, const char *name)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%u", id);
	json__obj_open(j, key);
	json__str(j, "id", buf); /* ECS: keyword */
	if (name)
		json__str(j, "name", name);
	json__obj_close(j);
}

static void json__process_image(struct json *j, const struct proc_view *v)
{
	const struct proc_info *p = v->p;

	json__str(j, "name", p->comm);
	if (p->exe)
		json__str(j, "executable", p->exe);
	if (p->cwd)
		json__str(j, "working_directory", p->cwd);
	json__arr_open(j, "args");
	cmdline__each(p->args, p->args_len, json__arg, j);
	json__arr_close(j);
	json__u64(j, "args_count", cmdline__count(p->args, p->args_len));
	json__str(j, "command_line", v->command_line);
	if (p->md5[0]) {
		json__obj_open(j, "hash");
		json__str(j, "md5", p->md5);
		json__str(j, "sha256", p->sha256);
		json__obj_close(j);
	}
	if (v->env) {
		json__arr_open(j, "env_vars");
		cmdline__each(v->env, v->env_len, json__arg, j);
		json__arr_close(j);
	}
}

static void json__process(struct json *j, const struct proc_view *v)
{
	const struct proc_info *p = v->p;

	json__obj_open(j, "process");
	json__i64(j, "pid", p->pid);
	json__obj_open(j, "thread");
	json__i64(j, "id", p->tid);
	json__obj_close(j);
	json__str(j, "entity_id", p->entity_id);
	json__process_image(j, v);
	json__str(j, "start", v->start);
	if (v->kind == PROC_VIEW_EXIT) {
		json__str(j, "end", v->ts);
		json__i64(j, "exit_code", v->exit_code);
	}
	owner__json_parent(j, p, v->parent);
	json__id_name(j, "user", p->uid, v->user);
	json__id_name(j, "group", p->gid, v->group);
	json__obj_close(j);
}

static void json__whoflow(struct json *j, const struct proc_view *v)
{
	static const char *const sources[] = { "snapshot", "fork", "exec", "exit" };
	const struct proc_info *p = v->p;

	json__obj_open(j, "whoflow");
	json__obj_open(j, "cgroup");
	json__u64(j, "id", p->cgroup_id);
	if (p->cgroup_path)
		json__str(j, "path", p->cgroup_path);
	json__obj_close(j);
	json__obj_open(j, "process");
	json__str(j, "source", sources[p->source]);
	if (p->args_truncated)
		json__bool(j, "args_truncated", true);
	if (v->env && p->env_truncated)
		json__bool(j, "env_truncated", true);
	if (v->signal) {
		json__str(j, "signal", v->signame);
		json__bool(j, "core_dumped", v->core_dumped);
	}
	/* --preserve-binaries: what became of its image (the copy is DIR/process.hash.sha256) */
	if (v->kind == PROC_VIEW_EXEC && p->bin_status)
		json__str(j, "binary_preserved", binkeep__status_name(p->bin_status));
	json__obj_close(j);
	json__obj_close(j);
}

static void json__proc(struct sink *s, const struct proc_view *v, const char *id)
{
	struct json *j = &s->j;
	const struct proc_info *p = v->p;

	json__reset(j);
	json__obj_open(j, NULL);
	json__str(j, "@timestamp", v->ts);
	json__proc_event(j, v, id);
	json__obj_open(j, "host");
	json__str(j, "name", s->host);
	json__obj_close(j);
	json__process(j, v);
	ctr__json(j, proc_info__container(p));
	json__whoflow(j, v);
	json__obj_close(j);
}

bool sink_json__render(struct sink *s, const struct event *ev)
{
	switch (ev->kind) {
	case EVENT_PROC:
		json__proc(s, &ev->proc, ev->id);
		break;
	case EVENT_FLOW:
		json_net__flow(s, ev);
		break;
	case EVENT_DNS:
		json_net__dns(s, ev);
		break;
	case EVENT_TLS:
		json_net__tls(s, ev);
		break;
	case EVENT_HTTP:
		json_net__http(s, ev);
		break;
	case EVENT_ALERT:
		json__reset(&s->j);
		json__obj_open(&s->j, NULL);
		alert_json__body(&s->j, ev, s->host);
		json__obj_close(&s->j);
		break;
	case EVENT_DROP:
		json_net__drop(s, ev);
		break;
	case EVENT_FILE:
		json__reset(&s->j);
		json__obj_open(&s->j, NULL);
		file_json__body(&s->j, ev, s->host);
		json__obj_close(&s->j);
		break;
	case EVENT_PACKET:
		return false; /* for the capture sink */
	}
	return !s->j.oom;
}

static void sink_json__write(struct sink *s, const struct event *ev)
{
	const struct json *j = sink_json__object(ev);

	if (j) {
		fwrite(j->buf, 1, j->len, s->f);
		fputc('\n', s->f);
	}
}

void sink_json__init(struct sink *s)
{
	json__init(&s->j);
	if (gethostname(s->host, sizeof(s->host) - 1))
		strcpy(s->host, "localhost");
}

static int sink_json__open(struct sink *s, const struct config *cfg)
{
	return sink__open_stdout(s, cfg);
}

static void sink_json__close(struct sink *s)
{
	sink__close_stdout(s);
}

const struct sink_ops sink_json_ops = {
	.name = "json",
	.open = sink_json__open,
	.write = sink_json__write,
	.flush = sink__flush_stdout,
	.close = sink_json__close,
};
