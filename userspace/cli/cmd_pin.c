// SPDX-License-Identifier: GPL-2.0-only
/*
 * whoflow attach / detach / status: classifiers that stay attached and pinned
 * between agent runs. The pins live in the host's bpffs; --netns enters the
 * namespace only for link operations, so separate commands see one state.
 */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "attach.h"
#include "cmd_pin.h"
#include "config.h"
#include "flow_events.h"
#include "iface.h"
#include "json.h"
#include "log.h"
#include "mounts.h"
#include "netns.h"
#include "pinned.h"
#include "percpu.h"
#include "iface_slot.h"
#include "privs.h"
#include "xdp.h"
#include "stale.h"

/* Exit code of detach when something named was not attached (documented). */
#define EXIT_NOT_ATTACHED 3

/* The interfaces named on the command line: -i and trailing arguments. */
static size_t cmd__ifaces(const struct config *cfg, const char **out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < cfg->ifaces.n && n < max; i++)
		out[n++] = cfg->ifaces.v[i];
	for (int i = 0; i < cfg->nexpr && n < max; i++)
		out[n++] = cfg->expr[i];
	return n;
}

/* XDP for ingress, with TC kept for egress and for TCP payload on ingress. */
static int attach__xdp(struct pinned *p, struct tc_attachment *a, const struct config *cfg,
		       const struct wf_attach_key *k, __u32 flags)
{
	__u32 idx = a->iface.ifindex;

	if (a->iface.no_l2 || a->iface.loopback) {
		pr_warn("%s has no Ethernet header: XDP mode is for Ethernet devices; attach it "
			"without --xdp\n",
			a->iface.name);
		return -EINVAL;
	}
	if (xdp__attach(p->prog_xdp, idx, a->iface.name, cfg->xdp_skb))
		return -EINVAL;
	flags |= WF_IFACE_XDP;
	bpf_map_update_elem(p->iface_flags, k, &flags, BPF_ANY);
	return 0;
}

/* Where attach pins an interface's TCX link (in: ingress); the pin holds it attached. */
static void tcx__pin_path(const struct pinned *p, const struct wf_attach_key *k, bool in, char *out,
			  size_t outsz)
{
	snprintf(out, outsz, "%s/links/tcx-%llx-%u-%s", p->dir, (unsigned long long)k->netns,
		 k->ifindex, in ? "in" : "out");
}

static int tcx__pin(const struct pinned *p, const struct wf_attach_key *k,
		    const struct tc_attachment *a)
{
	char path[PATH_MAX + 96];

	for (int in = 1; in >= 0; in--) {
		tcx__pin_path(p, k, in, path, sizeof(path));
		if (bpf_obj_pin(in ? a->link_in : a->link_out, path)) {
			pr_warn("cannot pin the TCX link of %s at %s: %m\n", a->iface.name, path);
			return -errno;
		}
	}
	return 0;
}

/* Unpinning the last reference detaches the link (whatever namespace we are in). */
static void tcx__unpin(const struct pinned *p, const struct wf_attach_key *k)
{
	char path[PATH_MAX + 96];

	for (int in = 0; in < 2; in++) {
		tcx__pin_path(p, k, in, path, sizeof(path));
		unlink(path);
	}
}

/* Takes back a half-made attachment: pins, links or filters. */
static void attach__undo(struct pinned *p, const struct wf_attach_key *k, struct tc_attachment *a)
{
	if (a->tcx)
		tcx__unpin(p, k);
	attach__tc_detach(a);
}

static int attach__iface(struct pinned *p, const struct config *cfg, const char *name,
			 const char *netns_name)
{
	struct wf_attach_key k = { 0 };
	struct wf_attach_val v = { 0 }, old;
	struct tc_attachment a = { 0 };
	__u32 flags;
	int err = iface__get(name, &a.iface);

	if (err) {
		pr_warn("no interface %s in %s%s: nothing attached\n", name,
			*netns_name ? "network namespace " : "the host's network namespace",
			netns_name);
		return 1;
	}
	k.netns = netns__cookie();
	k.ifindex = a.iface.ifindex;
	if (!bpf_map_lookup_elem(p->attachments, &k, &old)) {
		pr_say("%s is already attached; nothing changed\n", name);
		return 0;
	}
	flags = (a.iface.no_l2 ? WF_IFACE_NO_L2 : 0) | (a.iface.loopback ? WF_IFACE_LOOPBACK : 0);
	if (flags)
		bpf_map_update_elem(p->iface_flags, &k, &flags, BPF_ANY);
	if (attach__tc_mode(&a, p->prog_ingress, p->prog_egress, (enum tc_mode)cfg->tc_mode))
		return 1;
	if ((a.tcx && tcx__pin(p, &k, &a)) || (cfg->xdp && attach__xdp(p, &a, cfg, &k, flags))) {
		attach__undo(p, &k, &a);
		return 1;
	}
	v.tcx = a.tcx;
	v.xdp = cfg->xdp;
	v.xdp_skb = cfg->xdp && cfg->xdp_skb;
	snprintf(v.ifname, sizeof(v.ifname), "%s", name);
	snprintf(v.netns_name, sizeof(v.netns_name), "%s", netns_name);
	v.created_qdisc = a.created_qdisc;
	v.slot = iface_slot__take(p->attachments, p->iface_stats);
	v.attached_ns = (uint64_t)time(NULL) * 1000000000ull;
	if (bpf_map_update_elem(p->attachments, &k, &v, BPF_ANY)) {
		pr_warn("cannot record the attachment to %s: %m; detaching it again\n", name);
		if (cfg->xdp)
			xdp__detach(p->prog_xdp, a.iface.ifindex, name, cfg->xdp_skb);
		attach__undo(p, &k, &a);
		return 1;
	}
	pr_say("attached to %s%s%s (ifindex %u, %s%s)\n", name, *netns_name ? " in " : "",
	       netns_name, a.iface.ifindex,
	       !cfg->xdp    ? "" :
	       cfg->xdp_skb ? "xdp (skb mode) + " :
			      "xdp (native) + ",
	       a.tcx ? "tcx" : "tc clsact");
	/* The pins hold the links now. */
	if (a.tcx)
		attach__tc_detach(&a);
	return 0;
}

static size_t pinned__count(const struct pinned *p)
{
	struct wf_attach_key k, next;
	size_t n = 0;
	void *prev = NULL;

	while (!bpf_map_get_next_key(p->attachments, prev, &next)) {
		k = next;
		prev = &k;
		n++;
	}
	return n;
}

int cmd__attach(struct config *cfg)
{
	const char *names[256];
	size_t n = cmd__ifaces(cfg, names, 256);
	char dir[PATH_MAX], cg[PATH_MAX], here[64] = "";
	struct pinned p;
	bool mounted, created = false;
	int self, rc = 0;

	if (!n) {
		pr_say("attach needs at least one interface (whoflow attach IFACE...)\n");
		return 2;
	}
	if (privs__check() || pinned__dir(dir, sizeof(dir), true, &mounted) ||
	    mounts__cgroup2(cg, sizeof(cg)))
		return 1;
	if (pinned__exists(dir)) {
		if (pinned__open(&p, dir))
			return 1;
	} else {
		if (pinned__create(&p, cfg, dir, cg, mounted))
			return 1;
		created = true;
	}
	if (netns__enter(cfg->netns, &self)) {
		pr_warn("cannot enter network namespace %s: %m\n", cfg->netns);
		rc = 1;
	} else {
		if (cfg->netns)
			snprintf(here, sizeof(here), "%s", cfg->netns);
		else
			netns__current_name(here, sizeof(here));
		for (size_t i = 0; i < n; i++)
			rc |= attach__iface(&p, cfg, names[i], here);
		netns__leave(self);
	}
	/* A first attach that attached nothing leaves no pins behind. */
	if (created && !pinned__count(&p)) {
		pinned__close(&p);
		pinned__destroy(dir);
		return rc ? rc : 1;
	}
	pinned__close(&p);
	return rc;
}

/* Removes one recorded attachment, entering its namespace for the link operations. */
static int detach__one(struct pinned *p, const struct wf_attach_key *k,
		       const struct wf_attach_val *v)
{
	struct tc_attachment a = { .ingress = true,
				   .egress = true,
				   .created_qdisc = v->created_qdisc };
	int self;

	a.iface.ifindex = k->ifindex;
	snprintf(a.iface.name, sizeof(a.iface.name), "%s", v->ifname);
	if (netns__enter(v->netns_name, &self)) {
		/* The namespace is gone, and its interfaces and filters with it. */
		pr_info("network namespace %s is gone; forgetting %s\n", v->netns_name, v->ifname);
	} else {
		if (netns__cookie() == k->netns) {
			if (v->xdp)
				xdp__detach(p->prog_xdp, k->ifindex, v->ifname, v->xdp_skb);
			if (!v->tcx)
				attach__tc_detach(&a);
		}
		netns__leave(self);
	}
	if (v->tcx)
		tcx__unpin(p, k);
	bpf_map_delete_elem(p->attachments, k);
	bpf_map_delete_elem(p->iface_flags, k);
	pr_say("detached from %s%s%s\n", v->ifname, *v->netns_name ? " in " : "", v->netns_name);
	return 0;
}

static bool detach__wanted(const struct config *cfg, const char **names, size_t n,
			   const struct wf_attach_val *v, bool *matched)
{
	const char *ns = cfg->netns ? cfg->netns : "";

	if (cfg->detach_all)
		return true;
	if (strcmp(ns, v->netns_name))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(names[i], v->ifname)) {
			matched[i] = true;
			return true;
		}
	return false;
}

static __u32 prog__id(int fd);

/*
 * The stale attachments of the namespace --netns names (else the command's
 * own); pinned programs (attach's, on purpose) are passed over. Returns the
 * count, or -1 with a message.
 */
static int stale__list(const struct config *cfg, const struct pinned *p, struct stale_tc **out)
{
	__u32 keep[2] = { p ? prog__id(p->prog_ingress) : 0, p ? prog__id(p->prog_egress) : 0 };
	int self = -1, n;

	if (cfg->netns && netns__enter(cfg->netns, &self)) {
		pr_say("cannot enter network namespace %s: %m\n", cfg->netns);
		return -1;
	}
	n = stale__scan(out, keep, 2);
	if (cfg->netns)
		netns__leave(self);
	if (n < 0)
		pr_say("cannot list interfaces: %s\n", strerror(-n));
	return n;
}

/* detach --stale: what a whoflow that died left, and pins no attachment uses. */
static int detach__stale(const struct config *cfg)
{
	struct stale_tc *st = NULL;
	char dir[PATH_MAX], desc[512];
	bool mounted, pins = false;
	struct pinned p;
	int n, self = -1, removed = 0;

	if (privs__check())
		return 1;
	if (!pinned__dir(dir, sizeof(dir), false, &mounted) && pinned__exists(dir) &&
	    !pinned__open(&p, dir))
		pins = true;
	n = stale__list(cfg, pins ? &p : NULL, &st);
	if (n < 0) {
		if (pins)
			pinned__close(&p);
		return 1;
	}
	if (n && cfg->netns && netns__enter(cfg->netns, &self)) {
		pr_say("cannot enter network namespace %s: %m\n", cfg->netns);
		free(st);
		return 1;
	}
	for (int i = 0; i < n; i++) {
		stale__describe(&st[i], desc, sizeof(desc));
		stale__remove(&st[i]);
		pr_say("removed what a dead whoflow left on %s\n", desc);
		removed++;
	}
	if (n && cfg->netns)
		netns__leave(self);
	free(st);
	if (pins && !pinned__count(&p)) {
		pinned__close(&p);
		pinned__destroy(dir);
		pr_say("removed pins no attachment uses (%s)\n", dir);
		removed++;
	} else if (pins) {
		pinned__close(&p);
	}
	if (!removed)
		pr_say("nothing stale%s%s\n", cfg->netns ? " in " : "",
		       cfg->netns ? cfg->netns : "");
	return 0;
}

int cmd__detach(struct config *cfg)
{
	const char *names[256];
	size_t n = cmd__ifaces(cfg, names, 256);
	bool matched[256] = { false }, mounted;
	struct wf_attach_key k, next;
	struct wf_attach_val v;
	char dir[PATH_MAX];
	struct pinned p;
	int rc = 0, err;

	if (cfg->detach_stale)
		return detach__stale(cfg);
	if (!n && !cfg->detach_all) {
		pr_say("detach needs interfaces, --all or --stale\n");
		return 2;
	}
	if (privs__check())
		return 1;
	err = pinned__dir(dir, sizeof(dir), false, &mounted);
	if (err && err != -ENOENT)
		return 1;
	if (err || !pinned__exists(dir)) {
		pr_say("nothing is attached\n");
		return cfg->detach_all ? 0 : EXIT_NOT_ATTACHED;
	}
	if (pinned__open(&p, dir))
		return 1;
	/* Restart the walk after each removal: the current key is gone. */
	for (int more = 1; more;) {
		void *prev = NULL;

		more = 0;
		while (!bpf_map_get_next_key(p.attachments, prev, &next)) {
			k = next;
			prev = &k;
			if (!bpf_map_lookup_elem(p.attachments, &k, &v) &&
			    detach__wanted(cfg, names, n, &v, matched)) {
				detach__one(&p, &k, &v);
				more = 1;
				break;
			}
		}
	}
	for (size_t i = 0; !cfg->detach_all && i < n; i++)
		if (!matched[i]) {
			pr_say("%s is not attached%s%s\n", names[i], cfg->netns ? " in " : "",
			       cfg->netns ? cfg->netns : "");
			rc = EXIT_NOT_ATTACHED;
		}
	if (!pinned__count(&p)) {
		pinned__close(&p);
		pinned__destroy(dir);
		pr_say("no attachment left; programs and maps unpinned\n");
		return rc;
	}
	pinned__close(&p);
	return rc;
}

/* What the classifiers counted: packets seen and records lost, over every CPU. */
static void status__counters(const struct pinned *p, uint64_t *seen, uint64_t *lost)
{
	static const __u32 losses[] = { WF_STAT_RINGBUF_LOST, WF_STAT_TLS_LOST, WF_STAT_HTTP_LOST,
					WF_STAT_FRAG_LOST, WF_STAT_FLOW_FULL };
	uint64_t s[WF_STAT__MAX];

	percpu__sum(p->pkt_stats, s, WF_STAT__MAX);
	*seen = s[WF_STAT_PACKETS];
	*lost = 0;
	for (size_t l = 0; l < sizeof(losses) / sizeof(losses[0]); l++)
		*lost += s[losses[l]];
}

static __u32 prog__id(int fd)
{
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.id;
}

/* What of one attachment is still there (an interface can vanish under us). */
struct att_state {
	bool ingress, egress, xdp;
};

static bool status__tc(const struct wf_attach_key *k, enum bpf_tc_attach_point point)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)k->ifindex, .attach_point = point);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = WF_TC_HANDLE, .priority = WF_TC_PRIORITY);

	return !bpf_tc_query(&hook, &opts);
}

/* Enters the attachment's namespace once, and looks at every hook there. */
static void status__probe(const struct pinned *p, const struct wf_attach_key *k,
			  const struct wf_attach_val *v, struct att_state *st)
{
	int self;

	memset(st, 0, sizeof(*st));
	if (netns__enter(v->netns_name, &self))
		return;
	if (netns__cookie() == k->netns && v->tcx) {
		st->ingress = attach__tcx_has_prog(k->ifindex, true, prog__id(p->prog_ingress));
		st->egress = attach__tcx_has_prog(k->ifindex, false, prog__id(p->prog_egress));
	} else if (netns__cookie() == k->netns) {
		st->ingress = status__tc(k, BPF_TC_INGRESS);
		st->egress = status__tc(k, BPF_TC_EGRESS);
	}
	if (netns__cookie() == k->netns) {
		st->xdp = v->xdp && xdp__attached(p->prog_xdp, k->ifindex);
	}
	netns__leave(self);
}

static void status__maps(struct json *j, const char *dir)
{
	char path[PATH_MAX + 64];
	struct dirent *e;
	DIR *d;

	snprintf(path, sizeof(path), "%s/maps", dir);
	d = opendir(path);
	json__arr_open(j, "pinned_maps");
	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.')
			json__str(j, NULL, e->d_name);
	json__arr_close(j);
	if (d)
		closedir(d);
}

static void status__stale_json(struct json *j, const struct stale_tc *st, int n)
{
	json__arr_open(j, "stale");
	for (int i = 0; i < n; i++) {
		json__obj_open(j, NULL);
		json__str(j, "interface", st[i].iface.name);
		json__u64(j, "ifindex", st[i].iface.ifindex);
		json__u64(j, "ingress_program", st[i].prog_in);
		json__u64(j, "egress_program", st[i].prog_out);
		json__u64(j, "xdp_program", st[i].prog_xdp);
		json__bool(j, "clsact_made_by_whoflow", st[i].qdisc_marked);
		json__obj_close(j);
	}
	json__arr_close(j);
}

static void status__stale_text(const struct config *cfg, const struct stale_tc *st, int n)
{
	char desc[512];

	for (int i = 0; i < n; i++) {
		stale__describe(&st[i], desc, sizeof(desc));
		printf("stale (left by a whoflow that died): %s\n", desc);
	}
	if (n)
		printf("remove with: whoflow detach --stale%s%s\n", cfg->netns ? " --netns " : "",
		       cfg->netns ? cfg->netns : "");
}

static void status__build(struct json *j, const struct pinned *p)
{
	struct wf_attach_key k, next;
	struct wf_attach_val v;
	struct att_state st;
	uint64_t seen, lost;
	void *prev = NULL;

	status__counters(p, &seen, &lost);
	json__obj_open(j, NULL);
	json__str(j, "pin_dir", p->dir);
	json__obj_open(j, "programs");
	json__u64(j, "tc_ingress", prog__id(p->prog_ingress));
	json__u64(j, "tc_egress", prog__id(p->prog_egress));
	json__obj_close(j);
	status__maps(j, p->dir);
	json__obj_open(j, "counters");
	json__u64(j, "packets_seen", seen);
	json__u64(j, "events_lost", lost);
	json__obj_close(j);
	json__arr_open(j, "attachments");
	while (!bpf_map_get_next_key(p->attachments, prev, &next)) {
		k = next;
		prev = &k;
		if (bpf_map_lookup_elem(p->attachments, &k, &v))
			continue;
		json__obj_open(j, NULL);
		json__str(j, "netns", *v.netns_name ? v.netns_name : "(host)");
		json__u64(j, "netns_cookie", k.netns);
		json__str(j, "interface", v.ifname);
		json__u64(j, "ifindex", k.ifindex);
		status__probe(p, &k, &v, &st);
		json__str(j, "mode", v.xdp ? "xdp+tc" : "tc");
		json__str(j, "tc_hook", v.tcx ? "tcx" : "clsact");
		if (v.xdp)
			json__bool(j, "xdp", st.xdp);
		json__bool(j, "ingress", st.ingress);
		json__bool(j, "egress", st.egress);
		json__bool(j, "qdisc_created", v.created_qdisc);
		json__obj_close(j);
	}
	json__arr_close(j);
}

static void status__text(const struct pinned *p)
{
	struct wf_attach_key k, next;
	struct wf_attach_val v;
	uint64_t seen, lost;
	void *prev = NULL;

	status__counters(p, &seen, &lost);
	printf("pinned in %s: programs tc_ingress id %u, tc_egress id %u; packets seen %" PRIu64
	       ", events lost %" PRIu64 "\n",
	       p->dir, prog__id(p->prog_ingress), prog__id(p->prog_egress), seen, lost);
	printf("%-16s %-16s %-8s %-10s %-8s %s\n", "NETNS", "INTERFACE", "IFINDEX", "MODE", "HOOKS",
	       "STATE");
	while (!bpf_map_get_next_key(p->attachments, prev, &next)) {
		struct att_state st;

		k = next;
		prev = &k;
		if (bpf_map_lookup_elem(p->attachments, &k, &v))
			continue;
		status__probe(p, &k, &v, &st);
		printf("%-16s %-16s %-8u %-10s %-8s %s\n", *v.netns_name ? v.netns_name : "(host)",
		       v.ifname, k.ifindex,
		       v.xdp ? (v.tcx ? "xdp+tcx" : "xdp+clsact") : (v.tcx ? "tcx" : "clsact"),
		       st.ingress && st.egress ? "in+out" :
		       st.ingress	       ? "in" :
		       st.egress	       ? "out" :
						 "-",
		       st.ingress && st.egress && (!v.xdp || st.xdp) ?
			       "attached" :
			       "MISSING (interface gone or filter removed)");
	}
}

/* The pinned attachments (p; NULL: none) and what a dead whoflow left, as text or JSON. */
static int status__print(const struct config *cfg, const struct pinned *p)
{
	struct stale_tc *st = NULL;
	int n = stale__list(cfg, p, &st);

	if (n < 0)
		return 1;
	if (cfg->format == OUTPUT_JSON) {
		struct json j;

		json__init(&j);
		if (p) {
			status__build(&j, p);
		} else {
			json__obj_open(&j, NULL);
			json__null(&j, "pin_dir");
			json__arr_open(&j, "attachments");
			json__arr_close(&j);
		}
		status__stale_json(&j, st, n);
		json__obj_close(&j);
		if (!j.oom)
			printf("%.*s\n", (int)j.len, j.buf);
		json__free(&j);
	} else {
		if (p)
			status__text(p);
		else
			printf("no whoflow attachments\n");
		status__stale_text(cfg, st, n);
	}
	free(st);
	return 0;
}

int cmd__status(struct config *cfg)
{
	char dir[PATH_MAX];
	struct pinned p;
	bool mounted;
	int err;

	if (cfg->format == OUTPUT_TABLE) {
		pr_say("status prints text or json, not a table (-o text|json)\n");
		return 2;
	}
	if (privs__check())
		return 1;
	err = pinned__dir(dir, sizeof(dir), false, &mounted);
	if (err && err != -ENOENT)
		return 1;
	if (err || !pinned__exists(dir))
		return status__print(cfg, NULL);
	if (pinned__open(&p, dir))
		return 1;
	err = status__print(cfg, &p);
	pinned__close(&p);
	return err;
}
