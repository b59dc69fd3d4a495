// SPDX-License-Identifier: GPL-2.0-only
/* The flow tracker: loading and configuring the classifiers, their maps and counters. */
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
#include "flow_base.h"
#include "percpu.h"
#include "quic_session.h"

int flow_tracker__owners_fd(const struct flow_tracker *t)
{
	return bpf_map__fd(t->skel->maps.owners);
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
	err = err ?: bpf_map__reuse_fd(s->maps.tuple_ports, om->tuple_ports);
	/* --cgroup: an ingress packet's sender socket made outside it, with no
	 * socket storage, is not looked up among the owners (bpf/tc/join.h). */
	if (!err && om->scope >= 0) {
		err = bpf_map__reuse_fd(s->maps.sock_scope, om->scope);
		s->rodata->owner_scope_enabled = true;
	}
	if (err)
		pr_warn("cannot share the socket owner tables with the classifiers: %s\n",
			strerror(-err));
	return err;
}

/*
 * A map pinned by another version of whoflow may have another layout (an entry
 * grew, a table became per-CPU): reusing it would end in the verifier's
 * refusal at load, in its own words. Said here, with what to do.
 */
static int flow__pinned_fits(const struct bpf_map *m, int fd, const char *path)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		int e = errno;

		pr_warn("cannot read the pinned map %s: %s\n", path, strerror(e));
		return -e;
	}
	if (info.type == bpf_map__type(m) && info.key_size == bpf_map__key_size(m) &&
	    info.value_size == bpf_map__value_size(m))
		return 0;
	pr_warn("the pinned map %s does not fit this whoflow (type %u, key %u bytes, value %u; "
		"this version needs type %u, key %u, value %u): it was pinned by another version; "
		"run 'whoflow detach --all' and attach again with this one\n",
		path, info.type, info.key_size, info.value_size, bpf_map__type(m),
		bpf_map__key_size(m), bpf_map__value_size(m));
	return -EINVAL;
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
		err = flow__pinned_fits(m, fd, path);
		if (!err) {
			err = bpf_map__reuse_fd(m, fd);
			if (err)
				pr_warn("cannot reuse the pinned map %s: %s\n", path,
					strerror(-err));
		}
		close(fd);
		if (err)
			return err;
	}
	return 0;
}

/*
 * -w: how much of each packet to copy, and the process selectors the kernel can
 * check itself (up to 8 pids and 4 comms); the others are checked in userspace.
 */
/* A sixteenth of a ring of size bytes (a power of two), as a shift. */
static unsigned ring__step_shift(unsigned long size)
{
	return (unsigned)__builtin_ctzl(size) - 4;
}

static void flow__set_capture(struct flow_bpf *s, const struct config *cfg)
{
	const struct proc_filter *f = &cfg->filter;
	unsigned long cap = config__ring_bytes(cfg, RING_CAP_KIB);

	/* The copies' ring: one page when unused; with -w, room for the writer's
	 * pauses (a disk's stall) at full rate, unless -B says otherwise, and at
	 * least 4 MiB (60 records of the largest class, 65536 bytes and a header). */
	cap = cap < (4ul << 20) ? 4ul << 20 : cap;
	bpf_map__set_max_entries(s->maps.pkt_capture, cfg->write_file ? cap : 4096);
	s->rodata->capture_wake_shift = ring__step_shift(cap);
	if (!cfg->write_file)
		return;
	s->rodata->capture_by_name = cfg->pkt.domains.n || cfg->pkt.snis.n;
	s->rodata->capture_snaplen =
		cfg->snaplen && cfg->snaplen < WF_CAP_MAX ? cfg->snaplen : WF_CAP_MAX;
	if (f->pids.n && f->pids.n <= 8) {
		for (size_t i = 0; i < f->pids.n; i++)
			s->rodata->capture_pids[i] = f->pids.v[i];
		s->rodata->capture_npids = f->pids.n;
	}
	if (f->comms.n && f->comms.n <= 4) {
		for (size_t i = 0; i < f->comms.n; i++)
			strncpy((char *)s->rodata->capture_comms[i], f->comms.v[i],
				WF_OWNER_COMM_LEN - 1);
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
		pr_warn("cannot hand the filter expression to the classifiers: %s\n",
			strerror(-err));
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

int flow_tracker__load(struct flow_tracker *t, const struct config *cfg, struct event_out *out,
		       const struct flow_load *how)
{
	bool offline = how->offline;
	int err;

	memset(t, 0, sizeof(*t));
	t->cfg = cfg;
	t->out = out;
	t->tcp_health_fd = how->om ? how->om->tcp_health : -1;
	t->pairs = dns_pairs__new();
	t->tls = tls_sessions__new(out);
	t->quic = quic_sessions__new(out);
	t->dns_tcp = dns_tcp__new(flow__on_dns_tcp_msg, t);
	t->frags = dns_frags__new(flow__on_dns_tcp_msg, t);
	t->skel = flow_bpf__open();
	if (!t->pairs || !t->tls || !t->quic || !t->dns_tcp || !t->frags || !t->skel) {
		pr_warn("cannot open the packet classifier BPF object: %m\n");
		return -ENOMEM;
	}
	for (int i = 0; i < WF_DNS_PORTS_MAX; i++)
		t->skel->rodata->dns_ports[i] = cfg->dns_ports[i];
	flow__set_filters(t->skel, &cfg->pkt);
	bpf_map__set_max_entries(t->skel->maps.flows, cfg->flow_table);
	bpf_map__set_max_entries(t->skel->maps.flow_base, cfg->flow_table);
	bpf_map__set_max_entries(t->skel->maps.pkt_events, config__ring_bytes(cfg, RING_PKT_KIB));
	/* A record wakes the agent at each sixteenth of its ring waiting (bpf/tc/ring.h);
	 * the loop's poll timeout collects smaller amounts. */
	t->skel->rodata->events_wake_shift = ring__step_shift(config__ring_bytes(cfg, RING_PKT_KIB));
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
	if (!err) {
		t->bases = flow_bases__new(bpf_map__fd(t->skel->maps.flow_base));
		err = t->bases ? 0 : -ENOMEM;
	}
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
		return err;
	}
	if (cfg->drops && !offline)
		err = drop_tracker__start(&t->drops, cfg->drops_all, t, out, t->skel->obj);
	return err;
}

void flow_tracker__stats(const struct flow_tracker *t, uint64_t out[WF_STAT__MAX])
{
	percpu__sum(t->skel ? bpf_map__fd(t->skel->maps.pkt_stats) : -1, out, WF_STAT__MAX);
}

void flow_tracker__destroy(struct flow_tracker *t)
{
	flow_tracker__detach(t);
	flow_bpf__destroy(t->skel);
	dns_pairs__free(t->pairs);
	tls_sessions__free(t->tls);
	quic_sessions__free(t->quic);
	dns_tcp__free(t->dns_tcp);
	dns_frags__free(t->frags);
	free(t->att);
	free(t->scan_keys);
	free(t->scan_vals);
	flow_bases__free(t->bases);
	drop_tracker__destroy(&t->drops);
	if (t->tcp_health_owned)
		close(t->tcp_health_fd);
	memset(t, 0, sizeof(*t));
}
