// SPDX-License-Identifier: GPL-2.0-only
/* The flow tracker's interfaces: attach, auto-attach, detach, namespaces. */
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
#include <openssl/evp.h>
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
#include "netns.h"
#include "event.h"
#include "sock.h"
#include "strlist.h"
#include "timeconv.h"
#include "tls_session.h"
#include "stale.h"
#include "flow_int.h"
#include "iface_slot.h"

void flow_tracker__rescan(struct flow_watch *w)
{
	struct iface *list = NULL;
	int self, n;

	if (netns__enter(w->netns, &self))
		return;
	n = iface__list(&list);
	netns__leave(self);
	for (int i = 0; i < n; i++) {
		struct link_info l = { .ifindex = list[i].ifindex,
				       .up = list[i].up,
				       .loopback = list[i].loopback,
				       .no_l2 = list[i].no_l2 };

		snprintf(l.name, sizeof(l.name), "%s", list[i].name);
		flow_tracker__on_link(w, LINK_NEW, &l);
	}
	free(list);
}

int flow_tracker__adopt_pinned(struct flow_tracker *t)
{
	int fd = bpf_map__fd(t->skel->maps.attachments);
	struct wf_attach_key k, next;
	struct wf_attach_val v;
	void *prev = NULL;
	size_t cap = 16;

	t->pinned = true;
	t->att = calloc(cap, sizeof(*t->att));
	while (t->att && !bpf_map_get_next_key(fd, prev, &next)) {
		k = next;
		prev = &k;
		if (bpf_map_lookup_elem(fd, &k, &v))
			continue;
		if (t->natt == cap) {
			struct tc_attachment *n = realloc(t->att, 2 * cap * sizeof(*n));

			if (!n)
				break;
			t->att = n;
			cap *= 2;
		}
		memset(&t->att[t->natt], 0, sizeof(t->att[0]));
		t->att[t->natt].iface.ifindex = k.ifindex;
		t->att[t->natt].netns_cookie = k.netns;
		drop_tracker__watch_netns(&t->drops, k.netns);
		t->att[t->natt].slot = v.slot;
		snprintf(t->att[t->natt].iface.name, sizeof(t->att[0].iface.name), "%s", v.ifname);
		t->natt++;
	}
	t->capatt = t->att ? cap : 0;
	return t->att ? 0 : -ENOMEM;
}

/* Interface indexes repeat across namespaces: the cookie tells them apart. */
const char *flow_tracker__ifname(const struct flow_tracker *t, __u64 netns, unsigned int ifindex)
{
	for (size_t i = 0; i < t->natt; i++)
		if (t->att[i].iface.ifindex == ifindex &&
		    (!netns || !t->att[i].netns_cookie || t->att[i].netns_cookie == netns))
			return t->att[i].iface.name;
	return t->offline_ifname;
}

static bool flow__excluded(const struct config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->excludes.n; i++)
		if (!fnmatch(cfg->excludes.v[i], name, 0))
			return true;
	return false;
}

static bool flow__wanted(const struct config *cfg, const struct iface *i)
{
	if (cfg->ifaces.n)
		return strlist__contains(&cfg->ifaces, i->name);
	/* All interfaces that are up; loopback only when named. */
	return i->up && !i->loopback && !flow__excluded(cfg, i->name);
}

static int flow__att_reserve(struct flow_tracker *t)
{
	struct tc_attachment *n;
	size_t cap = t->capatt ? t->capatt * 2 : 16;

	if (t->natt < t->capatt)
		return 0;
	n = realloc(t->att, cap * sizeof(*n));
	if (!n)
		return -ENOMEM;
	memset(n + t->capatt, 0, (cap - t->capatt) * sizeof(*n));
	t->att = n;
	t->capatt = cap;
	return 0;
}

/*
 * --xdp: ingress by XDP as well, where the device has an Ethernet header; TC
 * stays for egress and for what needs an skb (see wf_xdp_ingress). Interfaces
 * without one (lo, tun) keep TC alone, with a note: --xdp asks for speed, not
 * for leaving them out.
 */
static int flow__attach_xdp(struct flow_tracker *t, struct tc_attachment *a,
			    const struct wf_attach_key *ik, __u32 flags)
{
	if (a->iface.no_l2 || a->iface.loopback) {
		pr_info("%s has no Ethernet header: TC only (XDP is for Ethernet devices)\n",
			a->iface.name);
		return 0;
	}
	if (xdp__attach(bpf_program__fd(t->skel->progs.wf_xdp_ingress), a->iface.ifindex,
			a->iface.name, t->cfg->xdp_skb)) {
		attach__tc_detach(a);
		return -EINVAL;
	}
	a->xdp = true;
	a->xdp_skb = t->cfg->xdp_skb;
	flags |= WF_IFACE_XDP;
	bpf_map_update_elem(bpf_map__fd(t->skel->maps.iface_flags), ik, &flags, BPF_ANY);
	return 0;
}

/* Its packet counters (without a slot it is watched all the same, uncounted). */
static void flow__slot_take(struct flow_tracker *t, struct tc_attachment *a)
{
	int att_fd = bpf_map__fd(t->skel->maps.attachments);

	a->slot = iface_slot__take(att_fd, bpf_map__fd(t->skel->maps.iface_stats));
	if (!a->slot || iface_slot__record(att_fd, a->netns_cookie, a->iface.ifindex,
					   a->iface.name, a->netns, a->slot)) {
		pr_info("%s: no packet counters of its own (%d interfaces at most)\n",
			a->iface.name, WF_IFACE_SLOTS - 1);
		a->slot = 0;
	}
}

static void flow__slot_forget(struct flow_tracker *t, struct tc_attachment *a)
{
	if (a->slot && !t->pinned)
		iface_slot__forget(bpf_map__fd(t->skel->maps.attachments), a->netns_cookie,
				   a->iface.ifindex);
	a->slot = 0;
}

/* Called inside the namespace netns names (NULL: the agent's own). */
static int flow__attach_one(struct flow_tracker *t, const struct iface *i, const char *netns)
{
	struct tc_attachment *a;
	__u32 flags = (i->no_l2 ? WF_IFACE_NO_L2 : 0) | (i->loopback ? WF_IFACE_LOOPBACK : 0);
	struct wf_attach_key ik = { .netns = netns__cookie(), .ifindex = i->ifindex };
	int err = flow__att_reserve(t);

	if (err)
		return err;
	a = &t->att[t->natt];
	memset(a, 0, sizeof(*a));
	a->iface = *i;
	a->netns = netns;
	a->netns_cookie = ik.netns;
	if (flags)
		bpf_map_update_elem(bpf_map__fd(t->skel->maps.iface_flags), &ik, &flags, BPF_ANY);
	/* Before the classifiers: the first packets count too. */
	flow__slot_take(t, a);
	err = attach__tc_mode(a, bpf_program__fd(t->skel->progs.wf_tc_ingress),
			      bpf_program__fd(t->skel->progs.wf_tc_egress), t->cfg->tc_mode);
	if (!err && t->cfg->xdp)
		err = flow__attach_xdp(t, a, &ik, flags);
	if (err)
		flow__slot_forget(t, a);
	if (!err) {
		drop_tracker__watch_netns(&t->drops, ik.netns);
		t->natt++;
		pr_info("attached to %s (ifindex %u%s)%s%s\n", i->name, i->ifindex,
			a->xdp ? ", ingress by XDP" : "", netns ? " in " : "", netns ? netns : "");
	}
	return err;
}

/* What a whoflow that died left here: named, with the command that removes it. */
static void flow__warn_stale(const char *netns)
{
	struct stale_tc *st = NULL;
	int n = stale__scan(&st, NULL, 0);
	char desc[512];

	for (int i = 0; i < n; i++) {
		stale__describe(&st[i], desc, sizeof(desc));
		pr_warn("warning: a whoflow that died left its classifier running on %s; "
			"'whoflow detach --stale%s%s' removes it\n",
			desc, netns ? " --netns " : "", netns ? netns : "");
	}
	free(st);
}

static int flow__attach_here(struct flow_tracker *t, const char *netns)
{
	struct iface *list;
	int n, err = 0;

	flow__warn_stale(netns);
	n = iface__list(&list);
	if (n < 0) {
		pr_warn("cannot list interfaces: %s\n", strerror(-n));
		return n;
	}
	for (int i = 0; i < n && !err; i++)
		if (flow__wanted(t->cfg, &list[i]))
			err = flow__attach_one(t, &list[i], netns);
	free(list);
	return err;
}

int flow_tracker__attach(struct flow_tracker *t)
{
	const struct strlist *ns = &t->cfg->netnses;
	int err = 0;

	if (!ns->n)
		return flow__attach_here(t, NULL);
	/* Only the link operations happen in the other namespaces; the agent stays home. */
	for (size_t i = 0; i < ns->n && !err; i++) {
		int self;

		if (netns__enter(ns->v[i], &self)) {
			pr_warn("cannot enter network namespace %s: %m\n", ns->v[i]);
			return -EINVAL;
		}
		err = flow__attach_here(t, ns->v[i]);
		netns__leave(self);
	}
	return err;
}

static struct tc_attachment *flow__att_find(struct flow_tracker *t, const char *netns,
					    unsigned int ifindex)
{
	for (size_t i = 0; i < t->natt; i++)
		if (t->att[i].iface.ifindex == ifindex && t->att[i].netns == netns)
			return &t->att[i];
	return NULL;
}

/*
 * Interfaces come and go (a container starts, a VPN connects): with every
 * interface selected, new ones that are up get the classifiers, renamed ones
 * keep them, and deleted ones are forgotten (their filters went with them).
 */
void flow_tracker__on_link(void *ctx, enum link_change change, const struct link_info *l)
{
	struct flow_watch *w = ctx;
	struct flow_tracker *t = w->t;
	struct tc_attachment *a = flow__att_find(t, w->netns, l->ifindex);
	struct iface i = {
		.ifindex = l->ifindex, .up = l->up, .loopback = l->loopback, .no_l2 = l->no_l2
	};
	int self;

	snprintf(i.name, sizeof(i.name), "%s", l->name);
	if (change == LINK_GONE) {
		if (a) {
			pr_warn("interface %s (ifindex %u) is gone; its classifiers went with it\n",
				a->iface.name, l->ifindex);
			attach__forget(a);
			flow__slot_forget(t, a);
			*a = t->att[--t->natt];
		}
		return;
	}
	if (a) {
		if (strcmp(a->iface.name, l->name)) {
			pr_warn("interface %s (ifindex %u) is now called %s; still attached\n",
				a->iface.name, l->ifindex, l->name);
			snprintf(a->iface.name, sizeof(a->iface.name), "%s", l->name);
		}
		if (a->iface.up != l->up)
			pr_info("interface %s went %s\n", l->name, l->up ? "up" : "down");
		a->iface.up = l->up;
		return;
	}
	if (t->cfg->ifaces.n || !flow__wanted(t->cfg, &i))
		return;
	if (netns__enter(w->netns, &self))
		return;
	/* Printed whatever the verbosity: scripts and tests wait for it. */
	if (!flow__attach_one(t, &i, w->netns))
		pr_warn("attached to new interface %s (ifindex %u)%s%s\n", i.name, i.ifindex,
			w->netns ? " in " : "", w->netns ? w->netns : "");
	netns__leave(self);
}

static void flow__detach_one(struct flow_tracker *t, struct tc_attachment *a)
{
	if (a->xdp)
		xdp__detach(bpf_program__fd(t->skel->progs.wf_xdp_ingress), a->iface.ifindex,
			    a->iface.name, a->xdp_skb);
	attach__tc_detach(a);
}

void flow_tracker__detach(struct flow_tracker *t)
{
	drop_tracker__detach(&t->drops);
	if (t->pinned)
		return; /* attach's classifiers stay: detach removes them */
	for (size_t i = 0; i < t->natt; i++) {
		int self;

		if (netns__enter(t->att[i].netns, &self))
			continue; /* the namespace is gone, with its interfaces */
		flow__detach_one(t, &t->att[i]);
		netns__leave(self);
	}
}

size_t flow_tracker__forget_netns(struct flow_tracker *t, const char *netns, int fd)
{
	size_t n = 0;
	int self;

	if (t->pinned || netns__enter_fd(fd, &self))
		return 0;
	for (size_t i = 0; i < t->natt;) {
		struct tc_attachment *a = &t->att[i];

		if (!a->netns || strcmp(a->netns, netns)) {
			i++;
			continue;
		}
		flow__detach_one(t, a);
		flow__slot_forget(t, a);
		*a = t->att[--t->natt];
		n++;
	}
	netns__leave(self);
	return n;
}

size_t flow_tracker__iface_counts(struct flow_tracker *t, struct iface_count *rows, size_t max)
{
	struct iface_cache_snap snap = { 0 };
	size_t at[max ? max : 1], n = 0;
	int err;

	if (!t->skel)
		return 0;
	for (size_t i = 0; i < t->natt && n < max; i++) {
		struct tc_attachment *a = &t->att[i];

		if (!a->slot ||
		    iface_slot__read(bpf_map__fd(t->skel->maps.iface_stats), a->slot, &rows[n].st))
			continue;
		rows[n].name = a->iface.name;
		rows[n].netns = a->netns ? a->netns : "";
		at[n++] = i;
	}
	err = n ? iface_cache__snap(bpf_map__fd(t->skel->maps.iface_cache), &snap) : 0;
	if (err)
		pr_debug("cannot read the interface caches: %s\n", strerror(-err));
	for (size_t r = 0; r < n; r++) {
		struct tc_attachment *a = &t->att[at[r]];

		iface_cache__add(&snap, a->netns_cookie, a->iface.ifindex, a->slot, &rows[r].st);
		iface_count__keep(&rows[r].st, &a->counted);
	}
	iface_cache__snap_free(&snap);
	return n;
}
