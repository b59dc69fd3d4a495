// SPDX-License-Identifier: GPL-2.0-only
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
#include "output.h"
#include "sock.h"
#include "strlist.h"
#include "timeconv.h"
#include "tls_session.h"
#include "stale.h"

/* Closed flows are reported after this much quiet, so the last ACK joins them. */
#define FLOW_CLOSE_LINGER_NS 1000000000ull

void flow__id(const struct flow_key *k, uint64_t first_ns, char out[17])
{
	unsigned char md[EVP_MAX_MD_SIZE], in[sizeof(*k) + 8];
	unsigned int n = 0;

	memcpy(in, k, sizeof(*k));
	memcpy(in + sizeof(*k), &first_ns, 8);
	EVP_Digest(in, sizeof(in), md, &n, EVP_sha256(), NULL);
	for (int i = 0; i < 8; i++)
		sprintf(out + 2 * i, "%02x", md[i]);
}

void flow_tracker__rescan(struct flow_watch *w)
{
	struct iface *list = NULL;
	int self, n;

	if (netns__enter(w->netns, &self))
		return;
	n = iface__list(&list);
	netns__leave(self);
	for (int i = 0; i < n; i++) {
		struct link_info l = { .ifindex = list[i].ifindex, .up = list[i].up,
				       .loopback = list[i].loopback, .no_l2 = list[i].no_l2 };

		snprintf(l.name, sizeof(l.name), "%s", list[i].name);
		flow_tracker__on_link(w, LINK_NEW, &l);
	}
	free(list);
}

int flow_tracker__owners_fd(const struct flow_tracker *t)
{
	return bpf_map__fd(t->skel->maps.owners);
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

/* The packet selectors become read-only data: the verifier sees them as constants. */
static void flow__set_filters(struct flow_bpf *s, const struct packet_filter *f)
{
	s->rodata->hooks_wanted = f->hooks;
	for (int l = 0; l < 3; l++) {
		s->rodata->filter_nports[l] = f->nports[l];
		s->rodata->filter_nnets[l] = f->nnets[l];
		for (int i = 0; i < WF_FILTER_MAX; i++) {
			s->rodata->filter_ports[l][i] = f->ports[l][i];
			s->rodata->filter_nets[l][i].family = f->nets[l][i].family;
			s->rodata->filter_nets[l][i].prefix = f->nets[l][i].prefix;
			memcpy((void *)s->rodata->filter_nets[l][i].addr, f->nets[l][i].addr, 16);
		}
	}
}

static void flow__on_dns_tcp_msg(const struct dns_event *e, size_t len, void *ctx);

/* -w's process selectors beyond pid and comm: the process tracker's verdicts per image. */
static int flow__share_verdict_maps(struct flow_bpf *s, const struct flow_load *how)
{
	int err = bpf_map__reuse_fd(s->maps.proc_gen, how->proc_gen_fd);

	err = err ?: bpf_map__reuse_fd(s->maps.proc_verdicts, how->proc_verdicts_fd);
	if (err)
		pr_warn("cannot share the process verdicts with the classifiers: %s\n",
			strerror(-err));
	else
		s->rodata->capture_by_image = s->rodata->capture_snaplen != 0;
	return err;
}

/* The classifiers read the socket hooks' owner tables: the same maps, not copies. */
static int flow__share_owner_maps(struct flow_bpf *s, const struct owner_maps *om)
{
	int err = 0;

	if (!om)
		return 0;
	err = err ?: bpf_map__reuse_fd(s->maps.owners, om->owners);
	err = err ?: bpf_map__reuse_fd(s->maps.tuples, om->tuples);
	err = err ?: bpf_map__reuse_fd(s->maps.tuples_any, om->tuples_any);
	if (err)
		pr_warn("cannot share the socket owner tables with the classifiers: %s\n",
			strerror(-err));
	return err;
}

/* A restarted agent reads the maps the pinned classifiers kept filling. */
static int flow__reuse_pinned(struct flow_bpf *s, const char *dir)
{
	struct bpf_map *m;

	bpf_object__for_each_map(m, s->obj)
	{
		char path[PATH_MAX];
		int fd, err;

		if (strchr(bpf_map__name(m), '.'))
			continue; /* .rodata and .bss are the new programs' own */
		snprintf(path, sizeof(path), "%s/%s", dir, bpf_map__name(m));
		fd = bpf_obj_get(path);
		if (fd < 0)
			continue;
		err = bpf_map__reuse_fd(m, fd);
		close(fd);
		if (err) {
			pr_warn("cannot reuse the pinned map %s: %s\n", path, strerror(-err));
			return err;
		}
	}
	return 0;
}

/*
 * -w: how much of each packet to copy, and the process selectors the kernel can
 * check itself (up to 8 pids and 4 comms); the others are checked in userspace.
 */
static void flow__set_capture(struct flow_bpf *s, const struct config *cfg)
{
	const struct proc_filter *f = &cfg->filter;

	if (!cfg->write_file)
		return;
	s->rodata->capture_by_name = cfg->pkt.domains.n || cfg->pkt.snis.n;
	s->rodata->capture_snaplen = cfg->snaplen && cfg->snaplen < WF_CAP_MAX ? cfg->snaplen : WF_CAP_MAX;
	if (f->pids.n && f->pids.n <= 8) {
		for (size_t i = 0; i < f->pids.n; i++)
			s->rodata->capture_pids[i] = f->pids.v[i];
		s->rodata->capture_npids = f->pids.n;
	}
	if (f->comms.n && f->comms.n <= 4) {
		for (size_t i = 0; i < f->comms.n; i++)
			strncpy((char *)s->rodata->capture_comms[i], f->comms.v[i], WF_OWNER_COMM_LEN - 1);
		s->rodata->capture_ncomms = f->comms.n;
	}
}

/* The kernel's name hash (wf_name_selected): FNV-1a over the lower-cased bytes, last first. */
static uint64_t name__hash_rev(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	while (n--) {
		unsigned char c = (unsigned char)s[n];

		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		h = (h ^ c) * 0x100000001b3ull;
	}
	return h;
}

bool flow__name_pattern_ok(const char *p)
{
	const char *rest = !strncmp(p, "*.", 2) ? p + 1 : p;

	return *rest && !strpbrk(rest, "*?[") && strlen(rest) < WF_SNI_MAX;
}

/* -w with --domain/--sni: exact names and *.suffix patterns, for the kernel to match. */
static int flow__install_names(struct flow_tracker *t, const struct config *cfg)
{
	const struct strlist *lists[2] = { &cfg->pkt.domains, &cfg->pkt.snis };
	int fd = bpf_map__fd(t->skel->maps.capture_names);

	for (int l = 0; l < 2; l++)
		for (size_t i = 0; i < lists[l]->n; i++) {
			const char *p = lists[l]->v[i];
			bool suffix = !strncmp(p, "*.", 2);
			const char *name = suffix ? p + 1 : p;
			uint64_t h = name__hash_rev(name, strlen(name));
			__u8 kind = 0;

			bpf_map_lookup_elem(fd, &h, &kind);
			kind |= suffix ? 2 : 1;
			if (bpf_map_update_elem(fd, &h, &kind, BPF_ANY))
				return -errno;
		}
	return 0;
}

static void flow__event_key(struct flow_key *k, const struct pkt_event_hdr *h);

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
static void flow__on_hello(void *ctx, const struct tls_view *v)
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

/* The filter expression: compiled by libpcap, written for the interpreter after load. */
static int flow__install_expr(struct flow_tracker *t, const struct config *cfg)
{
	struct expr *e;
	int err = expr__compile(cfg, &e);

	if (err)
		return -EINVAL;
	err = expr__install(e, bpf_map__fd(t->skel->maps.cbpf_prog), t->skel->bss->cbpf_len);
	expr__free(e);
	if (err)
		pr_warn("cannot hand the filter expression to the classifiers: %s\n", strerror(-err));
	return err;
}

int flow_tracker__capture_fd(const struct flow_tracker *t)
{
	return bpf_map__fd(t->skel->maps.pkt_capture);
}

int flow_tracker__capture_drops_fd(const struct flow_tracker *t)
{
	return t->skel ? bpf_map__fd(t->skel->maps.capture_drops) : -1;
}

int flow_tracker__load(struct flow_tracker *t, const struct config *cfg, struct output *out,
		       const struct flow_load *how)
{
	bool offline = how->offline;
	int err;

	memset(t, 0, sizeof(*t));
	t->cfg = cfg;
	t->out = out;
	t->pairs = dns_pairs__new();
	t->tls = tls_sessions__new(out);
	t->dns_tcp = dns_tcp__new(flow__on_dns_tcp_msg, t);
	t->frags = dns_frags__new(flow__on_dns_tcp_msg, t);
	t->skel = flow_bpf__open();
	if (!t->pairs || !t->tls || !t->dns_tcp || !t->frags || !t->skel) {
		pr_warn("cannot open the packet classifier BPF object: %m\n");
		return -ENOMEM;
	}
	for (int i = 0; i < WF_DNS_PORTS_MAX; i++)
		t->skel->rodata->dns_ports[i] = cfg->dns_ports[i];
	flow__set_filters(t->skel, &cfg->pkt);
	bpf_map__set_max_entries(t->skel->maps.flows, cfg->flow_table);
	bpf_map__set_max_entries(t->skel->maps.pkt_events, config__ring_bytes(cfg, RING_PKT_KIB));
	t->skel->rodata->offline = offline;
	t->skel->rodata->xdp_ingress = cfg->xdp || how->for_pins;
	flow__set_capture(t->skel, cfg);
	err = flow__share_owner_maps(t->skel, how->om);
	if (!err && how->proc_gen_fd > 0 && how->proc_verdicts_fd > 0) {
		err = flow__share_verdict_maps(t->skel, how);
	} else if (!err) {
		bpf_map__set_max_entries(t->skel->maps.proc_gen, 1);
		bpf_map__set_max_entries(t->skel->maps.proc_verdicts, 1);
	}
	if (!err && how->pinned_maps)
		err = flow__reuse_pinned(t->skel, how->pinned_maps);
	if (err)
		return err;
	err = flow_bpf__load(t->skel);
	if (!err && cfg->nexpr)
		err = flow__install_expr(t, cfg);
	if (!err && t->skel->rodata->capture_by_name) {
		err = flow__install_names(t, cfg);
		tls_sessions__on_hello(t->tls, flow__on_hello, t);
	}
	if (err) {
		char msg[128];

		libbpf_strerror(err, msg, sizeof(msg));
		pr_warn("cannot load the packet classifiers into the kernel: %s (run with -vv to see "
			"the verifier's log)\n",
			msg);
	}
	return err;
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
	err = attach__tc_mode(a, bpf_program__fd(t->skel->progs.wf_tc_ingress),
			      bpf_program__fd(t->skel->progs.wf_tc_egress), t->cfg->tc_mode);
	if (!err && t->cfg->xdp)
		err = flow__attach_xdp(t, a, &ik, flags);
	if (!err) {
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
	struct iface i = { .ifindex = l->ifindex, .up = l->up, .loopback = l->loopback,
			   .no_l2 = l->no_l2 };
	int self;

	snprintf(i.name, sizeof(i.name), "%s", l->name);
	if (change == LINK_GONE) {
		if (a) {
			pr_warn("interface %s (ifindex %u) is gone; its classifiers went with it\n",
				a->iface.name, l->ifindex);
			attach__forget(a);
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
	tls_sessions__chunk(t->tls, e, len, flow_id, flow_tracker__ifname(t, e->h.netns, e->h.ifindex));
}

static void flow__on_dns_tcp(struct flow_tracker *t, const struct chunk_event *e, size_t len)
{
	char flow_id[17];

	flow__event_id(&e->h, flow_id);
	dns_tcp__chunk(t->dns_tcp, e, len, flow_id);
}

static void flow__on_http(struct flow_tracker *t, const struct chunk_event *e, size_t len)
{
	struct http_view v = { .e = e, .ifname = flow_tracker__ifname(t, e->h.netns, e->h.ifindex) };
	size_t n = e->len;

	if (n > len - offsetof(struct chunk_event, data))
		n = len - offsetof(struct chunk_event, data);
	flow__event_id(&e->h, v.flow_id);
	http__parse_request(e->data, n, &v.req);
	output__http_event(t->out, &v);
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
	output__dns_event(t->out, &v);
	t->dns_reported++;
	dns__free(&v.msg);
}

static void flow__on_dns_tcp_msg(const struct dns_event *e, size_t len, void *ctx)
{
	flow__on_dns(ctx, e, len);
}

static int flow__on_record(void *ctx, void *data, size_t len)
{
	struct flow_tracker *t = ctx;
	const __u32 *kind = data;

	if (t->out->failed || (t->cfg->count > 0 && t->out->emitted >= (uint64_t)t->cfg->count))
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
	return 0;
}

int flow_tracker__add_ringbuf(struct flow_tracker *t, struct ring_buffer **rb)
{
	int fd = bpf_map__fd(t->skel->maps.pkt_events);

	if (!*rb) {
		*rb = ring_buffer__new(fd, flow__on_record, t, NULL);
		return *rb ? 0 : -errno;
	}
	return ring_buffer__add(*rb, fd, flow__on_record, t);
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

static void flow__report(struct flow_tracker *t, const struct flow_key *k,
			 const struct flow_value *v, const char *reason)
{
	struct flow_view fv = {
		.k = k, .v = v, .reason = reason, .ifname = flow_tracker__ifname(t, k->netns, k->ifindex)
	};

	flow__id(k, v->first_ns, fv.flow_id);
	output__flow_event(t->out, &fv);
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

/* One flow of a scan: reported when it ended, went idle or hit the active timeout. */
static void flow__scan_one(struct flow_tracker *t, int fd, const struct flow_key *k,
			   struct flow_value *v, uint64_t now, bool all, uint64_t mono_to_boot)
{
	struct flow_key rk;
	const char *reason;

	v->last_ns = flow__last_boot(t, v, mono_to_boot);
	reason = flow__reason(t, v, now, all);
	if (!reason)
		return;
	flow__report_key(&rk, k, v);
	flow__report(t, &rk, v, reason);
	if (!strcmp(reason, "active")) {
		/* Keep the flow (and its direction); start a new reporting period. */
		v->orig.packets = v->orig.bytes = v->reply.packets = v->reply.bytes = 0;
		v->first_ns = now;
		bpf_map_update_elem(fd, k, v, BPF_EXIST);
	} else {
		bpf_map_delete_elem(fd, k);
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

	/* Hellos first: a flow's TLS event comes before its flow record. */
	tls_sessions__expire(t->tls, now, all);
	dns_tcp__expire(t->dns_tcp, now, all);
	dns_frags__expire(t->frags, now, all);
	if (!flow__scan_batches(t, fd, now, all, mono_to_boot))
		return;
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
		*a = t->att[--t->natt];
		n++;
	}
	netns__leave(self);
	return n;
}

void flow_tracker__stats(const struct flow_tracker *t, uint64_t out[WF_STAT__MAX])
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t vals[ncpu > 0 ? ncpu : 1];

	for (__u32 i = 0; i < WF_STAT__MAX; i++) {
		out[i] = 0;
		if (!t->skel || ncpu <= 0 ||
		    bpf_map_lookup_elem(bpf_map__fd(t->skel->maps.pkt_stats), &i, vals))
			continue;
		for (int c = 0; c < ncpu; c++)
			out[i] += vals[c];
	}
}

void flow_tracker__destroy(struct flow_tracker *t)
{
	flow_tracker__detach(t);
	flow_bpf__destroy(t->skel);
	dns_pairs__free(t->pairs);
	tls_sessions__free(t->tls);
	dns_tcp__free(t->dns_tcp);
	dns_frags__free(t->frags);
	free(t->att);
	free(t->scan_keys);
	free(t->scan_vals);
	memset(t, 0, sizeof(*t));
}
