// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <sys/epoll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "api.h"
#include "cmd_serve.h"
#include "config.h"
#include "log.h"
#include "meta_stage.h"
#include "monitor.h"
#include "monitor_ctr.h"
#include "monitor_files.h"
#include "mounts.h"
#include "netns.h"
#include "pipeline.h"
#include "flow.h"
#include "iface.h"
#include "offline.h"
#include "tls_session.h"
#include "quic_session.h"
#include "privs.h"
#include "monitor_user.h"
#include "proc.h"
#include "owner.h"
#include "sock.h"
#include "linkwatch.h"
#include "loop.h"
#include "metrics_http.h"
#include "monitor_metrics.h"
#include "nsguard.h"
#include "owner_sweep.h"
#include "sink_pcapng.h"
#include "expr.h"
#include "filter.h"
#include "pinned.h"
#include "timeconv.h"
#include "users.h"

static volatile sig_atomic_t exiting, reopen;

/* Only sets a flag: stdio and libbpf are not async-signal-safe. */
static void monitor__on_signal(int sig)
{
	exiting = 1;
}

/* SIGHUP: files moved away (logrotate) are reopened, from the loop. */
static void monitor__on_hup(int sig)
{
	reopen = 1;
}

static void monitor__signals(void)
{
	/*
	 * SA_RESTART: a signal that comes while a write to a slow reader's full pipe blocks
	 * must not cut the record being written (the write goes on); the loop's epoll_wait
	 * is never restarted, so it still wakes up to see the flag.
	 */
	struct sigaction sa = { .sa_handler = monitor__on_signal, .sa_flags = SA_RESTART },
			 hup = { .sa_handler = monitor__on_hup, .sa_flags = SA_RESTART };

	sigemptyset(&sa.sa_mask);
	sigemptyset(&hup.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &hup, NULL);
	/* A closed output pipe shows up as a write error, and ends the run cleanly. */
	signal(SIGPIPE, SIG_IGN);
}

/* A closed pipe (`| head`) ends a run as tcpdump's does; any other failed write is said, and
 * the run fails: the events after it were not written. */
static int monitor__output_failed(const struct pipeline *out)
{
	const char *sink;
	int err = pipeline__failure(out, &sink);

	if (!err || err == EPIPE)
		return 0;
	pr_say("writing the events (%s output) failed: %s; the run stopped there and the events after "
	       "it were not written: make room or choose another place, and start again\n",
	       sink, strerror(err));
	return 1;
}

/* Every --netns must exist, and every -i in one of them (or here, without --netns). */
static int monitor__check_ifaces(const struct config *cfg)
{
	size_t nns = cfg->netnses.n ? cfg->netnses.n : 1;
	int fds[16];

	if (nns > 16) {
		pr_say("at most 16 --netns\n");
		return 2;
	}
	for (size_t n = 0; n < nns; n++) {
		fds[n] = cfg->netnses.n ? netns__open(cfg->netnses.v[n]) : -1;
		if (cfg->netnses.n && fds[n] < 0) {
			pr_say("cannot open network namespace '%s': %s (see 'ip netns list')\n",
			       cfg->netnses.v[n], strerror(-fds[n]));
			while (n--)
				close(fds[n]);
			return 1;
		}
	}
	int rc = 0;

	for (size_t i = 0; i < cfg->ifaces.n && !rc; i++) {
		bool found = false;

		for (size_t n = 0; n < nns && !found; n++)
			found = netns__ifindex(fds[n], cfg->ifaces.v[i]) != 0;
		if (!found) {
			pr_say("no interface named '%s'%s%s (see 'ip link')\n", cfg->ifaces.v[i],
			       cfg->netns ? " in network namespace " : "",
			       cfg->netns ? cfg->netns : "");
			rc = 1;
		}
	}
	for (size_t n = 0; n < nns; n++)
		if (fds[n] >= 0)
			close(fds[n]);
	return rc;
}

static int monitor__check_cgroup(const struct config *cfg)
{
	if (!cfg->cgroup)
		return 0;
	if (access(cfg->cgroup, F_OK)) {
		pr_say("--cgroup %s: %s\n", cfg->cgroup, strerror(errno));
		return 1;
	}
	if (!mounts__is_cgroup2(cfg->cgroup)) {
		pr_say("--cgroup %s is not a cgroup v2 directory (find the cgroup2 "
		       "mount with 'grep cgroup2 /proc/mounts')\n",
		       cfg->cgroup);
		return 1;
	}
	return 0;
}

static uint64_t losses__total(const uint64_t l[WF_PROC_LOSS__MAX])
{
	uint64_t sum = 0;

	for (int i = 0; i < WF_PROC_LOSS__MAX; i++)
		sum += l[i];
	return sum;
}

/* Loss is never silent: say so while it grows, not only at the end. */
static void monitor__warn_losses(const struct proc_tracker *t, const struct flow_tracker *ft,
				 uint64_t *last_total, uint64_t *last_pkt, uint64_t *last_drop)
{
	uint64_t l[WF_PROC_LOSS__MAX], s[WF_STAT__MAX], total, pkt;

	proc_tracker__losses(t, l);
	flow_tracker__stats(ft, s);
	total = losses__total(l);
	pkt = s[WF_STAT_RINGBUF_LOST] + s[WF_STAT_FLOW_FULL] + s[WF_STAT_TLS_LOST] +
	      s[WF_STAT_HTTP_LOST] + s[WF_STAT_FRAG_LOST];
	if (total > *last_total)
		pr_warn("warning: %" PRIu64
			" process events lost so far (ring buffer full: %" PRIu64
			", unreadable argv/env: %" PRIu64 "); a larger -B helps\n",
			total, l[WF_PROC_LOSS_RINGBUF], l[WF_PROC_LOSS_READ]);
	if (pkt > *last_pkt)
		pr_warn("warning: packet events lost so far: %" PRIu64 " DNS records and %" PRIu64
			" TLS chunks and %" PRIu64 " HTTP requests (ring buffer full), %" PRIu64
			" new flows (flow table full)\n",
			s[WF_STAT_RINGBUF_LOST], s[WF_STAT_TLS_LOST], s[WF_STAT_HTTP_LOST],
			s[WF_STAT_FLOW_FULL]);
	*last_total = total;
	*last_pkt = pkt;
	if (ft->drops.skel) {
		uint64_t d[WF_DROP_STAT__MAX], lost;

		drop_tracker__stats(&ft->drops, d);
		lost = d[WF_DROP_TABLE_FULL] + d[WF_DROP_RING_FULL];
		if (lost > *last_drop)
			pr_warn("warning: %" PRIu64 " packet drops not reported so far (%" PRIu64
				" new kinds found the window's table full, %" PRIu64
				" single drops the ring buffer)\n",
				lost, d[WF_DROP_TABLE_FULL], d[WF_DROP_RING_FULL]);
		*last_drop = lost;
	}
}

/* Sinks that go on past a failed write (log files on a full disk) say what it cost. */
static void monitor__warn_sink_losses(const struct pipeline *out, uint64_t *last)
{
	char what[512];
	uint64_t n = pipeline__losses(out, what, sizeof(what));

	if (n > *last)
		pr_warn("warning: %" PRIu64 " events not written so far (%s)\n", n, what);
	*last = n;
}

static void monitor__summary(const struct proc_tracker *t, const struct flow_tracker *ft,
			     const struct sock_tracker *st, const struct pipeline *out)
{
	uint64_t l[WF_PROC_LOSS__MAX], s[WF_STAT__MAX], so[WF_SOCK_STAT__MAX];
	struct quic_stats qs;
	char what[512];

	pipeline__say_rules(out);
	monitor_ctr__summary();
	monitor_files__summary();
	monitor_files__binaries(t);
	/* Before the main line, which scripts read as the last. */
	if (ft->drops.skel) {
		uint64_t d[WF_DROP_STAT__MAX];

		drop_tracker__stats(&ft->drops, d);
		pr_say("summary: drops seen=%" PRIu64 " reported_packets=%" PRIu64
		       "; lost drop_table_full=%" PRIu64 " drop_ringbuf_full=%" PRIu64 "\n",
		       d[WF_DROP_SEEN], ft->drops.packets, d[WF_DROP_TABLE_FULL],
		       d[WF_DROP_RING_FULL]);
	}
	quic_sessions__stats(ft->quic, &qs);
	if (qs.hellos || qs.undecryptable || qs.malformed || qs.incomplete)
		pr_say("summary: quic hellos=%" PRIu64 " undecryptable=%" PRIu64 " malformed=%" PRIu64
		       " incomplete=%" PRIu64 "\n",
		       qs.hellos, qs.undecryptable, qs.malformed, qs.incomplete);
	sock_tracker__stats(st, so);
	proc_tracker__losses(t, l);
	flow_tracker__stats(ft, s);
	pr_say("summary: events exec=%" PRIu64 " fork=%" PRIu64 " exit=%" PRIu64 " flow=%" PRIu64
	       " dns=%" PRIu64 " tls=%" PRIu64 " http=%" PRIu64 " drop=%" PRIu64 " printed=%" PRIu64
	       " filtered=%" PRIu64 "; packets seen=%" PRIu64 " not_ip=%" PRIu64
	       " truncated=%" PRIu64 " malformed=%" PRIu64 " fragments=%" PRIu64
	       " left_out=%" PRIu64 "; lost ringbuf_full=%" PRIu64 " argv_unreadable=%" PRIu64
	       " pkt_ringbuf_full=%" PRIu64 " tls_ringbuf_full=%" PRIu64
	       " http_ringbuf_full=%" PRIu64 " dns_fragments=%" PRIu64 " flow_table_full=%" PRIu64
	       " socket_owners_full=%" PRIu64 " socket_tuples_full=%" PRIu64
	       "; sockets snapshot=%" PRIu64 "; sink_lost=%" PRIu64 "\n",
	       t->seen[WF_PROC_EVENT_EXEC], t->seen[WF_PROC_EVENT_FORK],
	       t->seen[WF_PROC_EVENT_EXIT], ft->flows_reported, ft->dns_seen,
	       tls_sessions__reported(ft->tls) + qs.hellos, ft->http_reported, ft->drops.reported,
	       out->emitted,
	       out->filtered,
	       s[WF_STAT_PACKETS], s[WF_STAT_NOT_IP], s[WF_STAT_TRUNCATED], s[WF_STAT_MALFORMED],
	       s[WF_STAT_FRAGMENTS], s[WF_STAT_FILTERED] + s[WF_STAT_EXPR_FILTERED],
	       l[WF_PROC_LOSS_RINGBUF], l[WF_PROC_LOSS_READ], s[WF_STAT_RINGBUF_LOST],
	       s[WF_STAT_TLS_LOST], s[WF_STAT_HTTP_LOST], s[WF_STAT_FRAG_LOST],
	       s[WF_STAT_FLOW_FULL], so[WF_SOCK_OWNERS_FULL], so[WF_SOCK_TUPLES_FULL],
	       st->snapshot_sockets, pipeline__losses(out, what, sizeof(what)));
	if (what[0])
		pr_say("summary: not written by sinks: %s\n", what);
}

/*
 * The capture's line of the summary. With direct writes, what the disk did: a
 * capture that dropped packets while its writer waited for the disk most of
 * the time was held back by the disk's speed, not by whoflow's CPU.
 */
static void monitor__say_capture(struct capture *cap, const struct flow_tracker *ft,
				 uint64_t filtered_here)
{
	char disk[160] = "";
	uint64_t s[WF_STAT__MAX];

	capture__sync(cap);
	flow_tracker__stats(ft, s);
	if (cap->disk.bytes)
		snprintf(
			disk, sizeof(disk),
			"; the disk took %.1f MB in %.1f s of writes (%.0f MB/s), the writer waited "
			"%.1f s for it",
			cap->disk.bytes / 1e6, cap->disk.busy_ns / 1e9,
			cap->disk.busy_ns ? cap->disk.bytes * 1e3 / cap->disk.busy_ns : 0.0,
			cap->disk.wait_ns / 1e9);
	pr_say("capture: %" PRIu64 " packets written to %u file%s (%s); dropped %" PRIu64
	       " in the kernel (buffer full), %" PRIu64 " here; filtered %" PRIu64
	       " in the kernel, %" PRIu64 " here%s\n",
	       cap->written, cap->files, cap->files == 1 ? "" : "s", cap->path, s[WF_STAT_CAP_LOST],
	       cap->user_dropped,
	       s[WF_STAT_CAP_FILTERED] + s[WF_STAT_FILTERED] + s[WF_STAT_EXPR_FILTERED],
	       filtered_here, disk);
}

/*
 * A pipe's writer end reports an error once its reader is gone (`whoflow |
 * head -1`, `whoflow -w - | tshark` when tshark quits): the monitor stops then,
 * as tcpdump does, even when it has nothing to write at that moment. A file
 * or terminal cannot be waited on this way (epoll refuses them): no matter.
 */
static int monitor__stdout_gone(void *ctx, uint32_t events)
{
	return LOOP_STOP;
}

static int monitor__link_event(void *ctx, uint32_t events)
{
	linkwatch__process(&((struct flow_watch *)ctx)->lw);
	return LOOP_GO;
}

/* The --cgroup scope removed under the monitor: said once; the rest goes on. */
static void monitor__check_scope(const struct config *cfg, bool *gone)
{
	if (!cfg->cgroup || *gone || !access(cfg->cgroup, F_OK))
		return;
	*gone = true;
	pr_warn("warning: the --cgroup scope %s was removed: no process can be in it any more, "
		"so no process, flow owner or socket of it will be reported; the packet "
		"classifiers go on (Ctrl-C stops)\n",
		cfg->cgroup);
}

/*
 * A --netns namespace deleted (`ip netns del`): its classifiers come off and
 * the agent lets go of it, so that the kernel can free it and its interfaces.
 */
static void monitor__check_netns(struct flow_tracker *ft, struct flow_watch *w, size_t nw,
				 struct nsguard *g, size_t ng)
{
	for (size_t i = 0; i < ng; i++) {
		size_t n;

		if (!nsguard__deleted(&g[i]))
			continue;
		n = flow_tracker__forget_netns(ft, g[i].name, g[i].fd);
		for (size_t j = 0; j < nw; j++)
			if (w[j].netns && !strcmp(w[j].netns, g[i].name))
				linkwatch__close(&w[j].lw);
		nsguard__close(&g[i]);
		pr_warn("network namespace %s was deleted: detached from its %zu interface%s and let "
			"it go; %zu interface%s still watched\n",
			g[i].name, n, n == 1 ? "" : "s", ft->natt, ft->natt == 1 ? "" : "s");
	}
}

/* What the loop's callbacks share. */
struct monitor_run {
	struct proc_tracker *t;
	struct flow_tracker *ft;
	struct sock_tracker *st;
	struct metrics_http *metrics;
	struct pipeline *out;
	struct flow_watch *w;
	size_t nw;
	struct nsguard *g;
	size_t ng;
	struct owner_sweep sweep;
	uint64_t next_sweep, last_loss, last_pkt, last_sink, last_drop;
	bool scope_gone;
};

/* After each batch: what it made goes out in one write; a failed write stops the run. */
static int monitor__after_batch(void *ctx)
{
	struct monitor_run *m = ctx;

	pipeline__flush(m->out);
	if (reopen) {
		reopen = 0;
		pipeline__reopen(m->out);
	}
	/* The reader of our output is gone, or -w is done: a clean stop, as tcpdump's. */
	return pipeline__done(m->out) ? LOOP_STOP : LOOP_GO;
}

/* Once a second: losses said, faults checked, flows and exited processes reported. */
static void monitor__every_second(void *ctx, uint64_t now)
{
	struct monitor_run *m = ctx;

	monitor__warn_losses(m->t, m->ft, &m->last_loss, &m->last_pkt, &m->last_drop);
	monitor__warn_sink_losses(m->out, &m->last_sink);
	monitor__check_scope(m->ft->cfg, &m->scope_gone);
	monitor__check_netns(m->ft, m->w, m->nw, m->g, m->ng);
	/* Owners of released sockets go once every flow that may name them was reported. */
	if (m->ft->skel && now >= m->next_sweep) {
		m->next_sweep = now + 10000000000ull;
		owner_sweep__run(&m->sweep, flow_tracker__owners_fd(m->ft), now,
				 m->ft->cfg->flow_idle_ns + 10000000000ull);
	}
	meta_stage__poll(); /* names that came while no event did: -w's verdicts */
	flow_tracker__scan(m->ft, now, false);
	proc_tracker__expire(m->t, now);
	monitor_metrics__publish(m->metrics, m->t, m->ft, m->st, m->out);
}

/* --rules: a rule file changed: the set is reloaded (or kept, when a file is broken). */
static int monitor__rules_changed(void *ctx, uint32_t events)
{
	struct monitor_run *m = ctx;

	detect__poll(m->out->detect);
	return LOOP_GO;
}

static int monitor__loop(struct loop *l, struct monitor_run *m)
{
	int rc;

	for (size_t i = 0; i < m->nw; i++)
		if (m->w[i].lw.fd >= 0)
			loop__add_fd(l, m->w[i].lw.fd, EPOLLIN, monitor__link_event, &m->w[i]);
	loop__add_fd(l, STDOUT_FILENO, 0, monitor__stdout_gone, m);
	if (detect__fd(m->out->detect) >= 0)
		loop__add_fd(l, detect__fd(m->out->detect), EPOLLIN, monitor__rules_changed, m);
	loop__after_batch(l, monitor__after_batch, m);
	loop__every(l, 1000000000ull, monitor__every_second, m);
	rc = loop__run(l, &exiting);
	owner_sweep__free(&m->sweep);
	return rc;
}

static void monitor__ready(const struct config *cfg, const struct proc_tracker *t,
			   const struct flow_tracker *ft, const char *cg_mount)
{
	char ifaces[512] = "";
	size_t len = 0;

	for (size_t i = 0; i < ft->natt && len < sizeof(ifaces); i++)
		len += snprintf(ifaces + len, sizeof(ifaces) - len, "%s%s%s", i ? "," : "",
				ft->att[i].iface.name, ft->att[i].xdp ? "+xdp" : "");
	pr_say("ready: process tracker attached (cgroup scope %s%s), packet classifiers on "
	       "%zu interface%s%s%s%s%s, %s output%s%s\n",
	       cg_mount, strcmp(t->scope_path, "/") ? t->scope_path : "", ft->natt,
	       ft->natt == 1 ? "" : "s", ft->natt ? " (" : "", ifaces, ft->natt ? ")" : "",
	       ft->pinned ? ", pinned by whoflow attach" : "",
	       cfg->format == OUTPUT_JSON  ? "json" :
	       cfg->format == OUTPUT_TABLE ? "table" :
					     "text",
	       meta_stage__sources()[0] ? ", container names from " : "", meta_stage__sources());
}

static bool monitor__selects_processes(const struct proc_filter *f)
{
	return f->pids.n || f->ppids.n || f->trees.n || f->comms.n || f->exes.n || f->cmdlines.n ||
	       f->containers.n || f->pods.n || f->k8s_namespaces.n || f->cgroup_paths.n;
}

/*
 * `whoflow attach` left classifiers and socket hooks pinned: read their maps.
 * Records they queued while no agent ran come first.
 */
static int monitor__start_pinned(struct config *cfg, struct proc_tracker *t,
				 struct flow_tracker *ft, struct pipeline *out,
				 struct owner_ctx *oc, struct loop *l, const char *pindir,
				 const char *cg_mount)
{
	char maps[PATH_MAX + 8], health[PATH_MAX + 24];

	snprintf(maps, sizeof(maps), "%s/maps", pindir);
	if (cfg->ifaces.n || cfg->netns)
		pr_warn("warning: reading the classifiers pinned by 'whoflow attach' in %s; -i and "
			"--netns are ignored (use attach and detach)\n",
			pindir);
	if (pipeline__init(out, cfg))
		return 1;
	out->flush_each = true; /* the rings outlive us: nothing read may be lost to a SIGKILL */
	if (sink_pcapng__capture(pipeline__sink(out, "pcapng")))
		sink_pcapng__capture(pipeline__sink(out, "pcapng"))->sync_each = true;
	if (proc_tracker__load(t, cfg, &out->base, cg_mount, false) ||
	    flow_tracker__load(ft, cfg, &out->base, &(struct flow_load){ .pinned_maps = maps }))
		return 1;
	/* The pinned socket hooks' TCP health, for the flows' records (absent in old pins). */
	snprintf(health, sizeof(health), "%s/sock/tcp_health", pindir);
	ft->tcp_health_fd = bpf_obj_get(health);
	ft->tcp_health_owned = ft->tcp_health_fd >= 0;
	*oc = (struct owner_ctx){ .procs = t,
				  .owners_fd = flow_tracker__owners_fd(ft),
				  .filter = &cfg->filter,
				  .selecting = monitor__selects_processes(&cfg->filter) };
	out->owners = oc;
	if (cfg->write_file)
		pr_warn("warning: -w with pinned classifiers: they copy no packets (attach was run "
			"without -w); detach them to capture\n");
	if (proc_tracker__attach(t, l) || flow_tracker__add_ring(ft, l) ||
	    flow_tracker__adopt_pinned(ft))
		return 1;
	proc_tracker__snapshot(t);
	return 0;
}

/*
 * Order matters: the socket hooks load first so the classifiers can share their
 * tables; every hook is attached before the snapshots, so that no process or
 * socket falls between a snapshot and the first event.
 */
static int monitor__start(struct config *cfg, struct proc_tracker *t, struct flow_tracker *ft,
			  struct sock_tracker *st, struct pipeline *out, struct owner_ctx *oc,
			  struct loop *l, char *cg_mount)
{
	char pindir[PATH_MAX];
	struct flow_load how;
	struct owner_maps om;

	if (mounts__cgroup2(cg_mount, PATH_MAX) || monitor__check_cgroup(cfg))
		return 1;
	if (pinned__find(pindir, sizeof(pindir)))
		return monitor__start_pinned(cfg, t, ft, out, oc, l, pindir, cg_mount);
	if (pipeline__init(out, cfg) ||
	    proc_tracker__load(t, cfg, &out->base, cg_mount,
			       cfg->write_file && filter__needs_images(&cfg->filter)) ||
	    sock_tracker__load(st, cfg, t->scope_fd, cg_mount))
		return 1;
	sock_tracker__maps(st, &om);
	*oc = (struct owner_ctx){ .procs = t,
				  .owners_fd = om.owners,
				  .filter = &cfg->filter,
				  .selecting = monitor__selects_processes(&cfg->filter) };
	out->owners = oc;
	how = (struct flow_load){ .om = &om,
				  .proc_gen_fd = proc_tracker__gen_fd(t),
				  .proc_verdicts_fd = proc_tracker__verdicts_fd(t) };
	if (flow_tracker__load(ft, cfg, &out->base, &how) || proc_tracker__attach(t, l) ||
	    sock_tracker__attach(st) || flow_tracker__add_ring(ft, l) ||
	    (cfg->write_file && flow_tracker__add_capture_ring(ft, l)) || flow_tracker__attach(ft))
		return 1;
	proc_tracker__snapshot(t);
	proc_tracker__judge_all(t);
	sock_tracker__snapshot(st, &t->table);
	return 0;
}

/* One link watch per namespace (the agent's own without --netns); then a rescan,
 * so that an interface that came up before its watch started is not missed. */
static size_t monitor__watch(const struct config *cfg, struct flow_tracker *ft,
			     struct flow_watch *w)
{
	size_t n = 0, want = cfg->netnses.n ? cfg->netnses.n : 1;

	for (size_t i = 0; i < want && i < 16; i++) {
		w[n] = (struct flow_watch){ .t = ft,
					    .netns = cfg->netnses.n ? cfg->netnses.v[i] : NULL };
		if (!linkwatch__open(&w[n].lw, w[n].netns, flow_tracker__on_link, &w[n]))
			n++;
	}
	for (size_t i = 0; i < n; i++)
		flow_tracker__rescan(&w[i]);
	return n;
}

int monitor__run(struct config *cfg)
{
	struct proc_tracker t = { .scope_fd = -1 };
	struct flow_tracker ft = { 0 };
	struct sock_tracker st = { .cgroup_fd = -1 };
	struct pipeline out = { 0 };
	struct owner_ctx oc;
	struct flow_watch watch[16];
	struct capture *cap;
	struct loop loop = { .epfd = -1 };
	struct nsguard guard[16];
	struct api *api = NULL;
	struct metrics_http *metrics = NULL;
	char cg_mount[PATH_MAX];
	size_t nwatch = 0, nguard = 0;
	int rc;

	/* -w selects by name in the kernel, which matches exact names and *.suffix only. */
	for (int l = 0; cfg->write_file && l < 2; l++) {
		const struct strlist *names = l ? &cfg->pkt.snis : &cfg->pkt.domains;

		for (size_t i = 0; i < names->n; i++)
			if (!flow__name_pattern_ok(names->v[i])) {
				pr_say("with -w, --domain and --sni take exact names or "
				       "'*.suffix' (got '%s')\nTry 'whoflow --help' for more "
				       "information.\n",
				       names->v[i]);
				return 2;
			}
	}
	if (cfg->api_allow_write && !cfg->api_listen) {
		pr_say("--api-allow-write is for the API: give --api ADDR:PORT too\nTry 'whoflow "
		       "--help' for more information.\n");
		return 2;
	}
	if (cfg->api_listen && !cfg->db_path) {
		pr_say("--api serves the store: give --db PATH too\nTry 'whoflow --help' for more "
		       "information.\n");
		return 2;
	}
	/* A bad expression is a usage error, found before anything is loaded. */
	if (cfg->nexpr) {
		struct expr *e;
		int rc = expr__compile(cfg, &e);

		if (rc)
			return rc;
		expr__free(e);
	}
	if (monitor_user__check(cfg))
		return 2;
	if (privs__check())
		return 1;
	if (cfg->list_ifaces)
		return iface__print_list(cfg->netns);
	if (cfg->read_file)
		return offline__run(cfg);
	timeconv__init();
	if (monitor__check_ifaces(cfg))
		return 1;
	monitor__signals();
	/* The API is up before 'ready' (the store it reads is made just after). */
	if (cfg->api_listen) {
		struct api_config ac;

		cmd__api_config(cfg, &ac);
		if (api__start(&api, &ac))
			return 1;
	}
	if (cfg->metrics_listen && metrics_http__start(&metrics, cfg->metrics_listen)) {
		api__stop(api);
		return 1;
	}
	/* -w: the capture sink opens its file first (pipeline__init), so that an
	 * unwritable path fails before any hook; -c then counts packets written,
	 * and events are not printed, as with tcpdump. */
	rc = loop__init(&loop) ? 1 : monitor_ctr__start(cfg, &t);
	rc = rc ?: monitor__start(cfg, &t, &ft, &st, &out, &oc, &loop, cg_mount);
	rc = rc ?: monitor_files__start(cfg, &t, &out.base, &loop);
	cap = sink_pcapng__capture(pipeline__sink(&out, "pcapng"));
	if (cap && ft.skel)
		cap->drops_fd = flow_tracker__capture_drops_fd(&ft);
	/* With every interface selected, new ones are attached as they come up. */
	if (!rc && !cfg->ifaces.n && !ft.pinned)
		nwatch = monitor__watch(cfg, &ft, watch);
	for (size_t i = 0; !rc && !ft.pinned && i < cfg->netnses.n && i < 16; i++)
		if (!nsguard__open(&guard[nguard], cfg->netnses.v[i]))
			nguard++;
	/* Everything that needs root is done: --user gives it up before 'ready'. */
	rc = rc ?: monitor_user__drop(cfg, api);
	if (!rc)
		monitor__ready(cfg, &t, &ft, cg_mount);
	if (!rc)
		monitor_metrics__publish(metrics, &t, &ft, &st, &out);
	if (!rc)
		rc = monitor__loop(&loop, &(struct monitor_run){ .t = &t,
								 .ft = &ft,
								 .st = &st,
								 .metrics = metrics,
								 .out = &out,
								 .w = watch,
								 .nw = nwatch,
								 .g = guard,
								 .ng = nguard });
	for (size_t i = 0; i < nwatch; i++)
		linkwatch__close(&watch[i].lw);
	for (size_t i = 0; i < nguard; i++)
		nsguard__close(&guard[i]);
	/* Hooks off first, then every record already queued, then open flows, then the summary. */
	flow_tracker__detach(&ft);
	proc_tracker__detach(&t);
	loop__consume(&loop);
	monitor_files__stop();
	if (ft.skel && !pipeline__done(&out))
		flow_tracker__scan(&ft, timeconv__now_boot(), true);
	if (cap)
		monitor__say_capture(cap, &ft, out.packets_filtered);
	api__stop(api); /* before the store's writer goes */
	metrics_http__stop(metrics);
	pipeline__free(&out); /* the capture file gets its statistics and closes */
	rc = monitor__output_failed(&out) ?: rc;
	monitor_ctr__stop(); /* lookups under way end first: the summary counts them */
	if (t.skel)
		monitor__summary(&t, &ft, &st, &out);
	monitor_ctr__free();
	loop__free(&loop);
	flow_tracker__destroy(&ft);
	sock_tracker__destroy(&st);
	proc_tracker__destroy(&t);
	mounts__cleanup();
	users__free();
	return rc;
}
