// SPDX-License-Identifier: GPL-2.0-only
/* The text sink: one grep-friendly line per event, KIND key=value ... Reference: docs/events.md. */
#include <inttypes.h>
#include <linux/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmdline.h"
#include "drop_events.h"
#include "flow_events.h"
#include "net_fmt.h"
#include "owner_fmt.h"
#include "proc_info.h"
#include "binkeep.h"
#include "ctr_fmt.h"
#include "ctr_meta.h"
#include "sink.h"

static void text__kv(FILE *f, const char *key, const char *val);

/* A TLS list by name, GREASE left out: " key=a,b,c". */
static void tls_list_text(FILE *f, const char *key, const struct tls_u16_list *l, bool groups)
{
	char nb[32];
	bool first = true;

	for (size_t i = 0; i < l->n; i++) {
		if (tls__is_grease(l->v[i]))
			continue;
		fprintf(f, "%s%s", first ? " " : ",", first ? key : "");
		if (first)
			fputc('=', f);
		fputs(groups ? tls__group_name(l->v[i], nb, sizeof(nb)) :
			       tls__cipher_name(l->v[i], nb, sizeof(nb)),
		      f);
		first = false;
	}
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
	if (fv->has_tcp) {
		char sb[16];

		fprintf(f, " retrans=%u rtt_us=%u rto_us=%u state=%s", fv->tcp.retrans_segs,
			fv->tcp.srtt_us, fv->tcp.rto_us, tcp_state__name(fv->tcp.state, sb, sizeof(sb)));
	}
	fprintf(f, " reason=%s flow=%s community_id=%s", fv->reason, fv->flow_id, ep->community_id);
	owner__text(f, "", ov);
	if (peer->known)
		owner__text(f, "peer_", peer);
	fputc('\n', f);
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
		/* each answer whole: owner name, TTL, type, data */
		for (size_t i = 0; i < m->nrrs[DNS_SECTION_ANSWER]; i++) {
			const struct dns_rr *rr = &m->rrs[DNS_SECTION_ANSWER][i];
			char a[DNS_NAME_TEXT_MAX + DNS_DATA_TEXT_MAX + 48];

			snprintf(a, sizeof(a), "%s %u %s %s", rr->name, rr->ttl,
				 dns__type_name(rr->type, tb, sizeof(tb)), rr->data);
			text__kv(f, "answer", a);
		}
	}
	if (dv->has_rtt)
		fprintf(f, " rtt=%.3fms", dv->rtt_ns / 1e6);
	if (m->malformed) {
		char why[160];

		dns__malformed_text(m, why, sizeof(why));
		fprintf(f, " malformed=\"%s\"", why);
	}
	fprintf(f, " flow=%s community_id=%s", dv->flow_id, ep->community_id);
	owner__text(f, "", ov);
	fputc('\n', f);
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
	tls_list_text(f, "ciphers", &tv->ch.ciphers, false);
	tls_list_text(f, "groups", &tv->ch.groups, true);
	fprintf(f, " ja3=%s ja4=%s", tv->ja3_md5[0] ? tv->ja3_md5 : "-",
		tv->ja4[0] ? tv->ja4 : "-");
	if (tv->ch.malformed)
		fprintf(f, " malformed=\"%s\"", tv->ch.malformed_reason);
	fprintf(f, " flow=%s community_id=%s", tv->flow_id, ep->community_id);
	owner__text(f, "", ov);
	fputc('\n', f);
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

static void drop_text(FILE *f, const struct drop_view *dv, const struct endpoints *ep,
		      const struct owner_view *ov)
{
	fprintf(f, "DROP ts=%s reason=%s count=%llu bytes=%llu iface=%s", ep->ts, dv->reason,
		(unsigned long long)dv->v->count, (unsigned long long)dv->v->bytes,
		dv->ifname ? dv->ifname : dv->k->ifindex ? "?" : "-");
	if (dv->k->family)
		fprintf(f, " src=%s sport=%u dst=%s dport=%u proto=%u", ep->src, ep->sport, ep->dst,
			ep->dport, ep->proto);
	if (dv->location[0])
		fprintf(f, " location=%s", dv->location);
	if (dv->has_flow)
		fprintf(f, " flow=%s", dv->flow_id);
	if (dv->k->family)
		fprintf(f, " community_id=%s", ep->community_id);
	owner__text(f, "", ov);
	fputc('\n', f);
}

/* FILE ts= action= path= [old_path=] type= counts... [inode= ... size=] [md5= sha256=] owner */
static void file_text(FILE *f, const struct file_view *v, const struct endpoints *ep,
		      const struct owner_view *ov)
{
	fprintf(f, "FILE ts=%s action=%s", ep->ts, file_view__action(v));
	text__kv(f, "path", v->path);
	if (v->old_path)
		text__kv(f, "old_path", v->old_path);
	fprintf(f, " type=%s", v->is_dir ? "dir" : "file");
	for (int i = 0; i < FILE__N; i++)
		if (v->counts[i])
			fprintf(f, " %s=%u", file_action_names[i], v->counts[i]);
	if (v->has_stat)
		fprintf(f, " inode=%llu dev=%llu mode=%04o uid=%u gid=%u size=%llu",
			(unsigned long long)v->inode, (unsigned long long)v->dev, v->mode & 07777,
			v->uid, v->gid, (unsigned long long)v->size);
	if (v->sha256[0])
		fprintf(f, " md5=%s sha256=%s", v->md5, v->sha256);
	if (v->hash_skipped)
		fprintf(f, " hash_skipped=%s", v->hash_skipped);
	owner__text(f, "", ov);
	fputc('\n', f);
}

static void text_net__write(struct sink *s, const struct event *ev)
{
	switch (ev->kind) {
	case EVENT_FLOW:
		flow_text(s->f, ev->flow, &ev->ep, &ev->owner, &ev->peer);
		break;
	case EVENT_DNS:
		dns_text(s->f, ev->dns, &ev->ep, &ev->owner);
		break;
	case EVENT_TLS:
		tls_text(s->f, ev->tls, &ev->ep, &ev->owner);
		break;
	case EVENT_HTTP:
		http_text(s->f, ev->http, &ev->ep, &ev->owner);
		break;
	case EVENT_DROP:
		drop_text(s->f, ev->drop, &ev->ep, &ev->owner);
		break;
	case EVENT_FILE:
		file_text(s->f, ev->file, &ev->ep, &ev->owner);
		break;
	default:
		break;
	}
}

static void text__kv(FILE *f, const char *key, const char *val)
{
	const unsigned char *s = (const unsigned char *)val;
	bool plain = *s != '\0';

	for (const unsigned char *c = s; *c && plain; c++)
		plain = *c > 0x20 && *c != 0x7f && *c != '"' && *c != '\\' && *c != '=';
	fprintf(f, " %s=", key);
	if (plain) {
		fputs(val, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if (*s < 0x20 || *s == 0x7f)
			fprintf(f, "\\x%02x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void text__ku(FILE *f, const char *key, long long val)
{
	fprintf(f, " %s=%lld", key, val);
}

/* The environment as shell words (NAME=VALUE each), like the command line. */
static void text__env(FILE *f, const struct proc_view *v)
{
	char *words = cmdline__dup(v->env, v->env_len);

	if (!words)
		return;
	text__kv(f, "env", words);
	free(words);
}

static void text__image(FILE *f, const struct proc_view *v)
{
	const struct proc_info *p = v->p;

	if (p->exe)
		text__kv(f, "exe", p->exe);
	if (p->cwd)
		text__kv(f, "cwd", p->cwd);
	if (p->cgroup_path)
		text__kv(f, "cgroup", p->cgroup_path);
	if (proc_info__container(p)->id[0]) {
		const struct container *c = proc_info__container(p);
		char buf[CTR_IMAGE_MAX + CTR_TAG_MAX + 2];

		text__kv(f, "container", c->id);
		text__kv(f, "runtime", c->runtime);
		if (*ctr__name(c))
			text__kv(f, "ctr", ctr__name(c));
		if (*ctr__image(c, buf, sizeof(buf)))
			text__kv(f, "image", buf);
		if (*ctr__pod(c, buf, sizeof(buf)))
			text__kv(f, "pod", buf);
	}
	if (p->md5[0]) {
		text__kv(f, "md5", p->md5);
		text__kv(f, "sha256", p->sha256);
	}
	if (v->kind == PROC_VIEW_EXEC && p->bin_status)
		text__kv(f, "preserved", binkeep__status_name(p->bin_status));
	text__kv(f, "entity", p->entity_id);
	text__kv(f, "cmdline", v->command_line ? v->command_line : "");
	if (p->args_truncated)
		text__kv(f, "truncated", "yes");
	if (v->env)
		text__env(f, v);
}

static void text__proc(struct sink *s, const struct proc_view *v)
{
	static const char *const kinds[] = { "EXEC", "FORK", "EXIT" };
	const struct proc_info *p = v->p;
	FILE *f = s->f;

	fputs(kinds[v->kind], f);
	text__kv(f, "ts", v->ts);
	text__ku(f, "pid", p->pid);
	text__ku(f, "ppid", p->ppid);
	if (p->pcomm[0])
		text__kv(f, "pcomm", p->pcomm);
	text__kv(f, "comm", p->comm);
	text__ku(f, "uid", p->uid);
	if (v->user)
		text__kv(f, "user", v->user);
	if (v->kind == PROC_VIEW_EXIT) {
		text__ku(f, "exit_code", v->exit_code);
		if (v->signal)
			text__kv(f, "signal", v->signame);
		fprintf(f, " duration=%.3fms", v->duration_ns / 1e6);
	}
	text__image(f, v);
	fputc('\n', f);
}

/* ALERT ts= rule= level= category= pid= comm= exe= matched Field=value ... event= */
static void text__alert(FILE *f, const struct event *ev)
{
	const struct alert_view *a = ev->alert;

	fputs("ALERT", f);
	text__kv(f, "ts", event__ts(a->ev));
	text__kv(f, "rule", a->title);
	if (a->rule_id)
		text__kv(f, "rule_id", a->rule_id);
	if (a->level)
		text__kv(f, "level", a->level);
	text__kv(f, "category", a->category);
	if (a->p) {
		text__ku(f, "pid", a->p->pid);
		text__kv(f, "comm", a->p->comm);
		if (a->p->exe)
			text__kv(f, "exe", a->p->exe);
	}
	for (size_t i = 0; i < a->nfields; i++)
		text__kv(f, a->names[i], a->values[i]);
	text__kv(f, "event", a->ev->id);
	fputc('\n', f);
}

static void sink_text__write(struct sink *s, const struct event *ev)
{
	if (ev->kind == EVENT_PROC)
		text__proc(s, &ev->proc);
	else if (ev->kind == EVENT_ALERT)
		text__alert(s->f, ev);
	else if (ev->kind != EVENT_PACKET)
		text_net__write(s, ev);
}

const struct sink_ops sink_text_ops = {
	.name = "text",
	.open = sink__open_stdout,
	.write = sink_text__write,
	.flush = sink__flush_stdout,
	.close = sink__close_stdout,
};
