// SPDX-License-Identifier: GPL-2.0-only
/* The log files' columns and lines (see log_rows.h). */
#include <inttypes.h>
#include <linux/types.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmdline.h"
#include "ctr_cache.h"
#include "flow_events.h"
#include "drop_events.h"
#include "log_rows.h"
#include "net_fmt.h"
#include "proc_info.h"

void row_buf__free(struct row_buf *b)
{
	free(b->buf);
	memset(b, 0, sizeof(*b));
}

static bool row__room(struct row_buf *b, size_t more)
{
	size_t cap = b->cap ? b->cap : 4096;
	char *nb;

	if (b->len + more + 1 <= b->cap)
		return true;
	while (cap < b->len + more + 1)
		cap *= 2;
	nb = realloc(b->buf, cap);
	if (!nb) {
		b->oom = true;
		return false;
	}
	b->buf = nb;
	b->cap = cap;
	return true;
}

static void row__raw(struct row_buf *b, const char *s, size_t n)
{
	if (!row__room(b, n))
		return;
	memcpy(b->buf + b->len, s, n);
	b->len += n;
}

void row_buf__line(struct row_buf *b, const char *s, size_t n)
{
	row__raw(b, s, n);
	row__raw(b, "\n", 1);
	b->lines++;
}

/* One column: its separator, then the value escaped, '-' when absent or empty. */
static void row__col(struct row_buf *b, bool first, const char *v)
{
	if (!first)
		row__raw(b, " | ", 3);
	if (!v || !*v) {
		row__raw(b, "-", 1);
		return;
	}
	for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
		char esc[8];

		if (*p == '|' || *p == '\\') {
			esc[0] = '\\', esc[1] = (char)*p;
			row__raw(b, esc, 2);
		} else if (*p == '\n') {
			row__raw(b, "\\n", 2);
		} else if (*p < 0x20 || *p == 0x7f) {
			snprintf(esc, sizeof(esc), "\\x%02x", *p);
			row__raw(b, esc, 4);
		} else {
			row__raw(b, (const char *)p, 1);
		}
	}
}

static void __attribute__((format(printf, 2, 3))) row__colf(struct row_buf *b, const char *fmt, ...)
{
	char v[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(v, sizeof(v), fmt, ap);
	va_end(ap);
	row__col(b, false, v);
}

static void row__end(struct row_buf *b)
{
	row__raw(b, "\n", 1);
	b->lines++;
}

void log_rows__header(struct row_buf *b, enum log_kind k)
{
	const struct log_schema *s = &log_schemas[k];

	row__raw(b, "# ", 2);
	for (size_t i = 0; i < s->ncols; i++) {
		if (i)
			row__raw(b, " | ", 3);
		row__raw(b, s->cols[i].name, strlen(s->cols[i].name));
	}
	row__raw(b, "\n", 1);
}

static void row__head(struct row_buf *b, const char *ts, const char *session, const char *id)
{
	row__col(b, true, ts);
	row__col(b, false, session);
	row__col(b, false, id);
}

/* The runtime's name for the container, else the id's first 12 digits. */
static void row__container(struct row_buf *b, const struct container *c)
{
	const struct ctr_meta *m = c->id[0] ? ctr_cache__find(c) : NULL;

	if (m && m->name[0])
		row__col(b, false, m->name);
	else
		row__colf(b, "%.12s", c->id);
}

/* process_uid parent_process_uid pid ppid comm container */
static void row__proc(struct row_buf *b, const struct proc_info *p, const struct proc_info *parent)
{
	row__col(b, false, p->entity_id);
	row__col(b, false, parent ? parent->entity_id : NULL);
	row__colf(b, "%d", p->pid);
	row__colf(b, "%d", p->ppid);
	row__col(b, false, p->comm);
	row__container(b, proc_info__container(p));
}

/* container_id container_image pod (process.log) */
static void row__container_meta(struct row_buf *b, const struct container *c)
{
	const struct ctr_meta *m = c->id[0] ? ctr_cache__find(c) : NULL;

	row__col(b, false, c->id);
	if (m && m->image_name[0])
		row__colf(b, "%s%s%s", m->image_name, m->image_tag[0] ? ":" : "", m->image_tag);
	else
		row__col(b, false, NULL);
	if (m && m->pod_name[0])
		row__colf(b, "%s%s%s", m->pod_namespace, m->pod_namespace[0] ? "/" : "",
			  m->pod_name);
	else
		row__col(b, false, NULL);
}

/* The same for a network event's owner, as much as is known of it. */
static void row__owner(struct row_buf *b, const struct owner_view *ov)
{
	if (ov->p) {
		row__proc(b, ov->p, ov->parent);
	} else {
		row__col(b, false, NULL);
		row__col(b, false, NULL);
		if (ov->known)
			row__colf(b, "%u", ov->o.tgid);
		else
			row__col(b, false, NULL);
		row__col(b, false, NULL);
		row__col(b, false, ov->known ? ov->o.comm : NULL);
		row__col(b, false, NULL); /* container: its process is not in the table */
	}
	row__col(b, false, ov->attribution);
}

static void row__addr(struct row_buf *b, const char *ifname, const struct endpoints *ep)
{
	char pbuf[8];

	row__col(b, false, ifname);
	row__col(b, false, proto__name(ep->proto, pbuf, sizeof(pbuf)));
	row__col(b, false, ep->src);
	row__colf(b, "%u", ep->sport);
	row__col(b, false, ep->dst);
	row__colf(b, "%u", ep->dport);
}

static char *row__cmdline(const struct proc_info *p)
{
	return p && p->args_len ? cmdline__dup(p->args, p->args_len) : NULL;
}

static void row__process(struct row_buf *b, const struct event *ev, const char *session)
{
	const struct proc_view *v = &ev->proc;
	const struct proc_info *p = v->p, *pp = v->parent;
	char *pcl = row__cmdline(pp);
	bool exit = v->kind == PROC_VIEW_EXIT;

	row__head(b, v->ts, session, ev->id);
	row__col(b, false, proc_view__action(v));
	row__proc(b, p, pp);
	row__colf(b, "%u", p->uid);
	row__col(b, false, v->user);
	row__colf(b, "%u", p->gid);
	row__col(b, false, v->group);
	row__col(b, false, p->exe);
	row__col(b, false, v->command_line);
	row__col(b, false, p->cwd);
	row__col(b, false, pp ? pp->exe : NULL);
	row__col(b, false, pcl);
	row__col(b, false, p->cgroup_path);
	row__container_meta(b, proc_info__container(p));
	row__col(b, false, v->start);
	if (exit) {
		row__colf(b, "%d", v->exit_code);
		row__col(b, false, v->signal ? v->signame : NULL);
		row__colf(b, "%.3f", v->duration_ns / 1e6);
	} else {
		row__col(b, false, NULL);
		row__col(b, false, NULL);
		row__col(b, false, NULL);
	}
	row__end(b);
	free(pcl);
}

/* binary.log: an exec whose image was copied now, or could not be (BIN_KNOWN: nothing new). */
static void row__binary(struct row_buf *b, const struct event *ev, const char *session)
{
	static const char *const status[] = { "none", "kept", "known", "missed", "too_large",
					      "failed" };
	const struct proc_view *v = &ev->proc;
	const struct proc_info *p = v->p;

	if (v->kind != PROC_VIEW_EXEC || p->bin_status == 0 || p->bin_status == 2 ||
	    p->bin_status >= sizeof(status) / sizeof(status[0]))
		return;
	row__head(b, v->ts, session, ev->id);
	row__col(b, false, p->entity_id);
	row__colf(b, "%d", p->pid);
	row__col(b, false, p->comm);
	row__col(b, false, p->exe);
	row__col(b, false, status[p->bin_status]);
	row__col(b, false, p->sha256);
	row__col(b, false, p->md5);
	row__end(b);
}

/* One env.log line per captured variable (redacted as the join left them). */
static void row__env(struct row_buf *b, const struct event *ev, const char *session)
{
	const struct proc_view *v = &ev->proc;

	for (size_t i = 0; v->env && i < v->env_len;) {
		const char *var = v->env + i, *eq = strchr(var, '=');
		size_t n = strnlen(var, v->env_len - i);
		char name[256];

		if (n && eq && (size_t)(eq - var) < n) {
			snprintf(name, sizeof(name), "%.*s", (int)(eq - var), var);
			row__head(b, v->ts, session, ev->id);
			row__col(b, false, v->p->entity_id);
			row__colf(b, "%d", v->p->pid);
			row__col(b, false, v->p->comm);
			row__col(b, false, name);
			row__col(b, false, eq + 1);
			row__end(b);
		}
		i += n + 1;
	}
}

/* tcp_retrans tcp_rtt_ms tcp_state, from the local socket (whoflow.flow.tcp). */
static void row__tcp_health(struct row_buf *b, const struct flow_view *fv)
{
	char sb[16];

	if (!fv->has_tcp) {
		for (int i = 0; i < 3; i++)
			row__col(b, false, NULL);
		return;
	}
	row__colf(b, "%u", fv->tcp.retrans_segs);
	row__colf(b, "%.3f", fv->tcp.srtt_us / 1e3);
	row__col(b, false, tcp_state__name(fv->tcp.state, sb, sizeof(sb)));
}

static void row__flow(struct row_buf *b, const struct event *ev, const char *session)
{
	const struct flow_view *fv = ev->flow;
	const struct flow_value *v = fv->v;
	char fl0[64], fl1[64];

	row__head(b, ev->ep.ts, session, ev->id);
	row__col(b, false, fv->flow_id);
	row__owner(b, &ev->owner);
	row__addr(b, fv->ifname, &ev->ep);
	row__col(b, false, v->first_hook == WF_HOOK_EGRESS ? "egress" : "ingress");
	row__colf(b, "%" PRIu64, (uint64_t)v->orig.packets);
	row__colf(b, "%" PRIu64, (uint64_t)v->orig.bytes);
	row__colf(b, "%" PRIu64, (uint64_t)v->reply.packets);
	row__colf(b, "%" PRIu64, (uint64_t)v->reply.bytes);
	row__colf(b, "%.3f", (v->last_ns - v->first_ns) / 1e6);
	if (ev->ep.proto == 6) {
		tcp_flags__text(v->orig.tcp_flags, fl0, sizeof(fl0));
		tcp_flags__text(v->reply.tcp_flags, fl1, sizeof(fl1));
		row__colf(b, "%s/%s", fl0[0] ? fl0 : "-", fl1[0] ? fl1 : "-");
	} else {
		row__col(b, false, NULL);
	}
	row__col(b, false, fv->reason);
	row__col(b, false, ev->ep.community_id);
	row__tcp_health(b, fv);
	row__end(b);
}

/* A query and its answer share their flow and their DNS id. */
static void dns__conversation(const struct dns_view *dv, char out[17])
{
	uint64_t h = 0xcbf29ce484222325ull;
	char in[40];
	int n = snprintf(in, sizeof(in), "%s:%u", dv->flow_id, dv->e->id);

	for (int i = 0; i < n; i++)
		h = (h ^ (unsigned char)in[i]) * 0x100000001b3ull;
	snprintf(out, 17, "%016" PRIx64, h);
}

static void row__answers(struct row_buf *b, const struct dns_msg *m)
{
	size_t n = m->nrrs[DNS_SECTION_ANSWER], len = 0, cap = 1;
	char *s, tb[16];

	for (size_t i = 0; i < n; i++)
		cap += strlen(m->rrs[0][i].name) + strlen(m->rrs[0][i].data) + 48;
	s = malloc(cap);
	if (!s) {
		row__col(b, false, NULL);
		return;
	}
	s[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		const struct dns_rr *rr = &m->rrs[0][i];

		len += (size_t)snprintf(s + len, cap - len, "%s%s %u %s %s", i ? ", " : "",
					rr->name, rr->ttl, dns__type_name(rr->type, tb, sizeof(tb)),
					rr->data);
	}
	row__col(b, false, s);
	free(s);
}

static void row__dns(struct row_buf *b, const struct event *ev, const char *session)
{
	const struct dns_view *dv = ev->dns;
	const struct dns_msg *m = &dv->msg;
	bool answer = dv->e->flags & 0x8000;
	char conv[17], tb[16], rb[16];

	dns__conversation(dv, conv);
	row__head(b, ev->ep.ts, session, ev->id);
	row__col(b, false, conv);
	row__col(b, false, dv->flow_id);
	row__owner(b, &ev->owner);
	row__addr(b, dv->ifname, &ev->ep);
	row__col(b, false, answer ? "answer" : "query");
	row__colf(b, "%u", dv->e->id);
	row__col(b, false, m->nquestions ? m->questions[0].name : NULL);
	row__col(b, false,
		 m->nquestions ? dns__type_name(m->questions[0].type, tb, sizeof(tb)) : NULL);
	row__col(b, false, answer ? dns__rcode_name(m->rcode, rb, sizeof(rb)) : NULL);
	if (answer)
		row__answers(b, m);
	else
		row__col(b, false, NULL);
	if (dv->has_rtt)
		row__colf(b, "%.3f", dv->rtt_ns / 1e6);
	else
		row__col(b, false, NULL);
	row__col(b, false, ev->ep.community_id);
	row__end(b);
}

/* A list of TLS code points by name, comma-separated, GREASE left out. */
static void row__tls_list(struct row_buf *b, const struct tls_u16_list *l, bool groups)
{
	char s[1024], nb[32];
	size_t len = 0;

	s[0] = '\0';
	for (size_t i = 0; i < l->n && len + 40 < sizeof(s); i++) {
		if (tls__is_grease(l->v[i]))
			continue;
		len += (size_t)snprintf(s + len, sizeof(s) - len, "%s%s", len ? "," : "",
					groups ? tls__group_name(l->v[i], nb, sizeof(nb)) :
						 tls__cipher_name(l->v[i], nb, sizeof(nb)));
	}
	row__col(b, false, s);
}

static void row__tls(struct row_buf *b, const struct event *ev, const char *session)
{
	const struct tls_view *tv = ev->tls;
	char alpn[256] = "", vb[16], cb[24];
	size_t len = 0;

	for (size_t i = 0; i < tv->ch.nalpn && len + 70 < sizeof(alpn); i++)
		len += (size_t)snprintf(alpn + len, sizeof(alpn) - len, "%s%s", i ? "," : "",
					tv->ch.alpn[i]);
	row__head(b, ev->ep.ts, session, ev->id);
	row__col(b, false, tv->flow_id);
	row__owner(b, &ev->owner);
	row__addr(b, tv->ifname, &ev->ep);
	row__col(b, false, tv->ch.has_sni ? tv->ch.sni : NULL);
	row__col(b, false, alpn);
	if (tv->has_sh && !tv->sh.hello_retry) {
		uint16_t v =
			tv->sh.selected_version ? tv->sh.selected_version : tv->sh.legacy_version;

		row__col(b, false, tls__version_name(v, vb, sizeof(vb)));
		row__col(b, false, tls__cipher_name(tv->sh.cipher, cb, sizeof(cb)));
	} else {
		row__col(b, false, NULL);
		row__col(b, false, NULL);
	}
	row__tls_list(b, &tv->ch.ciphers, false);
	row__tls_list(b, &tv->ch.groups, true);
	row__col(b, false, tv->ja3_md5);
	row__col(b, false, tv->ja4);
	row__col(b, false, ev->ep.community_id);
	row__end(b);
}

static void row__http(struct row_buf *b, const struct event *ev, const char *session)
{
	const struct http_view *hv = ev->http;
	const struct http_request *r = &hv->req;

	row__head(b, ev->ep.ts, session, ev->id);
	row__col(b, false, hv->flow_id);
	row__owner(b, &ev->owner);
	row__addr(b, hv->ifname, &ev->ep);
	row__col(b, false, r->method);
	row__col(b, false, r->has_host ? r->host : NULL);
	row__col(b, false, r->target);
	row__col(b, false, r->version);
	row__col(b, false, r->has_user_agent ? r->user_agent : NULL);
	row__col(b, false, ev->ep.community_id);
	row__end(b);
}

static void row__alert(struct row_buf *b, const struct event *ev, const char *session)
{
	const struct alert_view *a = ev->alert;
	char matched[2048];
	size_t len = 0;

	matched[0] = '\0';
	for (size_t i = 0; i < a->nfields; i++) {
		int n = snprintf(matched + len, sizeof(matched) - len, "%s%s=%s", i ? ", " : "",
				 a->names[i], a->values[i]);

		if (n < 0 || (size_t)n >= sizeof(matched) - len)
			break;
		len += (size_t)n;
	}
	row__head(b, event__ts(a->ev), session, ev->id);
	row__col(b, false, a->ev->id);
	row__col(b, false, a->rule_id);
	row__col(b, false, a->title);
	row__col(b, false, a->level);
	row__col(b, false, a->category);
	row__col(b, false, a->p ? a->p->entity_id : NULL);
	if (a->p)
		row__colf(b, "%d", a->p->pid);
	else
		row__col(b, false, NULL);
	row__col(b, false, a->p ? a->p->exe : NULL);
	row__col(b, false, matched);
	row__col(b, false, a->file);
	row__end(b);
}

static void row__drop(struct row_buf *b, const struct event *ev, const char *session)
{
	const struct drop_view *dv = ev->drop;

	row__head(b, ev->ep.ts, session, ev->id);
	row__col(b, false, dv->has_flow ? dv->flow_id : NULL);
	row__owner(b, &ev->owner);
	if (dv->k->family) {
		row__addr(b, dv->ifname, &ev->ep);
	} else {
		row__col(b, false, dv->ifname);
		for (int i = 0; i < 5; i++)
			row__col(b, false, NULL);
	}
	row__col(b, false, dv->reason);
	row__colf(b, "%" PRIu64, (uint64_t)dv->v->count);
	row__colf(b, "%" PRIu64, (uint64_t)dv->v->bytes);
	row__col(b, false, dv->location[0] ? dv->location : NULL);
	row__col(b, false, dv->k->family ? ev->ep.community_id : NULL);
	row__end(b);
}

enum log_kind log_rows__kind(const struct event *ev)
{
	switch (ev->kind) {
	case EVENT_FLOW:
		return LOG_NETWORK;
	case EVENT_DNS:
		return LOG_DNS;
	case EVENT_TLS:
		return LOG_TLS;
	case EVENT_HTTP:
		return LOG_HTTP;
	case EVENT_ALERT:
		return LOG_SIGMA;
	case EVENT_DROP:
		return LOG_DROP;
	case EVENT_FILE:
		return LOG_FILE;
	default:
		return LOG_PROCESS;
	}
}

static void row__file(struct row_buf *b, const struct event *ev, const char *session)
{
	const struct file_view *v = ev->file;

	row__head(b, ev->ep.ts, session, ev->id);
	row__owner(b, &ev->owner);
	row__col(b, false, file_view__action(v));
	row__col(b, false, v->path);
	row__col(b, false, v->old_path);
	row__col(b, false, v->is_dir ? "dir" : "file");
	for (int i = 0; i < FILE__N; i++)
		row__colf(b, "%u", v->counts[i]);
	row__col(b, false, v->first_ts);
	if (v->has_stat) {
		row__colf(b, "%llu", (unsigned long long)v->inode);
		row__colf(b, "%llu", (unsigned long long)v->dev);
		row__colf(b, "%04o", v->mode & 07777);
		row__colf(b, "%u", v->uid);
		row__colf(b, "%u", v->gid);
		row__colf(b, "%llu", (unsigned long long)v->size);
	} else {
		for (int i = 0; i < 6; i++)
			row__col(b, false, NULL);
	}
	row__col(b, false, v->md5);
	row__col(b, false, v->sha256);
	row__end(b);
}

void log_rows__event(struct row_buf bufs[LOG__N], const struct event *ev, const char *session)
{
	switch (ev->kind) {
	case EVENT_PROC:
		row__process(&bufs[LOG_PROCESS], ev, session);
		if (ev->proc.kind == PROC_VIEW_EXEC && ev->proc.env)
			row__env(&bufs[LOG_ENV], ev, session);
		row__binary(&bufs[LOG_BINARY], ev, session);
		break;
	case EVENT_FLOW:
		row__flow(&bufs[LOG_NETWORK], ev, session);
		break;
	case EVENT_DNS:
		row__dns(&bufs[LOG_DNS], ev, session);
		break;
	case EVENT_TLS:
		row__tls(&bufs[LOG_TLS], ev, session);
		break;
	case EVENT_HTTP:
		row__http(&bufs[LOG_HTTP], ev, session);
		break;
	case EVENT_ALERT:
		row__alert(&bufs[LOG_SIGMA], ev, session);
		break;
	case EVENT_DROP:
		row__drop(&bufs[LOG_DROP], ev, session);
		break;
	case EVENT_FILE:
		row__file(&bufs[LOG_FILE], ev, session);
		break;
	case EVENT_PACKET:
		break;
	}
}
