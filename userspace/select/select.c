// SPDX-License-Identifier: GPL-2.0-only
/*
 * The select stage: every selector, applied once to every event. Process
 * selectors (--pid, --comm, --tree, ...) on process events and on the owner of
 * network events; packet selectors (--domain, --sni, --dns-type, --tls-version)
 * on DNS, TLS and HTTP events.
 */
#define _GNU_SOURCE
#include <fnmatch.h>
#include <string.h>
#include <strings.h>
#include "config.h"
#include "filter.h"
#include "proc_info.h"
#include "select.h"

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

/* --domain selects HTTP requests by host too; the TLS- and DNS-only selectors leave them out. */
static bool http__selected(const struct packet_filter *f, const struct http_request *r)
{
	if (f->snis.n || f->dns_types.n || f->tls_versions.n)
		return false;
	return !f->domains.n || (r->has_host && glob__any(&f->domains, r->domain));
}

bool owner__selected(const struct owner_ctx *ctx, const struct owner_view *v)
{
	if (!ctx || !ctx->selecting)
		return true;
	return v->known && v->p && filter__match(ctx->filter, v->p, false, 0);
}

/* --file-path: the path now, or the name before a rename. */
static bool file__selected(const struct config *cfg, const struct file_view *fv)
{
	for (size_t i = 0; i < cfg->file_paths.n; i++)
		if (!fnmatch(cfg->file_paths.v[i], fv->path, 0) ||
		    (fv->old_path && !fnmatch(cfg->file_paths.v[i], fv->old_path, 0)))
			return true;
	return !cfg->file_paths.n;
}

static bool select__process(const struct config *cfg, const struct event *ev)
{
	const struct proc_info *p = ev->proc_info;
	bool exit = ev->proc_kind == PROC_VIEW_EXIT;
	uint64_t duration = p->exit_ns > p->start_ns ? p->exit_ns - p->start_ns : 0;

	return filter__match(&cfg->filter, p, exit, duration);
}

bool select__event(const struct config *cfg, const struct owner_ctx *oc, const struct event *ev)
{
	const struct packet_filter *f = &cfg->pkt;

	switch (ev->kind) {
	case EVENT_PROC:
		return select__process(cfg, ev);
	case EVENT_FLOW:
		return owner__selected(oc, &ev->owner) ||
		       (ev->peer.known && owner__selected(oc, &ev->peer));
	case EVENT_DNS:
		return dns__selected(f, &ev->dns->msg) && owner__selected(oc, &ev->owner);
	case EVENT_TLS:
		return tls__selected(f, ev->tls) && owner__selected(oc, &ev->owner);
	case EVENT_HTTP:
		return http__selected(f, &ev->http->req) && owner__selected(oc, &ev->owner);
	case EVENT_PACKET: /* packet selectors ran in the kernel */
		return owner__selected(oc, &ev->owner);
	case EVENT_ALERT: /* matched on every event, selected or not */
		return true;
	case EVENT_FILE: /* the packet selectors ask for network events only */
		return file__selected(cfg, ev->file) && owner__selected(oc, &ev->owner);
	case EVENT_DROP: /* the DNS and TLS selectors ask for those events only */
		return !f->snis.n && !f->dns_types.n && !f->tls_versions.n && !f->domains.n &&
		       owner__selected(oc, &ev->owner);
	}
	return false;
}
