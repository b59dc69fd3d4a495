/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_FLOW_H
#define WHOFLOW_FLOW_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/types.h>
#include "attach.h"
#include "drops.h"
#include "flow_events.h"
#include "linkwatch.h"

struct config;
struct event_out;
struct flow_bpf;
struct loop;
struct dns_pairs;
struct tls_sessions;
struct quic_sessions;
struct owner_maps;

/* The packet path: bpf/tc/flow.bpf.c on each selected interface, and its events. */
struct flow_tracker {
	struct flow_bpf *skel;
	struct tc_attachment *att;
	size_t natt, capatt;
	const struct config *cfg;
	struct event_out *out;
	struct dns_pairs *pairs;
	struct tls_sessions *tls;
	struct quic_sessions *quic; /* QUIC Initials' crypto streams (quic_session.h) */
	struct dns_tcp *dns_tcp;
	struct dns_frags *frags;
	uint64_t flows_reported;
	uint64_t dns_reported;
	uint64_t dns_seen;
	uint64_t http_reported;
	uint64_t flows_active, scan_kept; /* flows in the table after the last scan */
	const char *offline_ifname; /* -r: events name the file as their interface */
	bool pinned; /* reading `whoflow attach`'s classifiers: never detach them */
	struct flow_key *scan_keys; /* a scan's batch (FLOW_SCAN_BATCH entries) */
	struct flow_value *scan_vals;
	struct flow_bases *bases; /* long flows' reporting periods (flow_base.h) */
	struct drop_tracker drops; /* --drops (drops.h); skel NULL without */
	int tcp_health_fd; /* the socket hooks' TCP health map (-1: none) */
	bool tcp_health_owned; /* opened from the pins: closed with the tracker */
	bool base_warned;
};

/* Flows read per system call when the table is scanned. */
#define FLOW_SCAN_BATCH 1024

/* How to load the classifiers. */
struct flow_load {
	bool offline; /* -r: packets replayed with their capture time, no attach */
	bool for_pins; /* whoflow attach: later attaches may put any interface in XDP mode */
	const struct owner_maps *om; /* the socket hooks' owner tables (NULL: none) */
	const char *pinned_maps; /* reuse the maps pinned in this directory */
	/* -w's process-image verdicts, from the process tracker (0: none; see
	 * filter__needs_images). */
	int proc_gen_fd, proc_verdicts_fd;
};

int flow_tracker__load(struct flow_tracker *t, const struct config *cfg, struct event_out *out,
		       const struct flow_load *how);
/* Attaches to the selected interfaces (all that are up, lo only when named). */
int flow_tracker__attach(struct flow_tracker *t);
/* Adds the packet ring buffer to *rb (creating it when NULL). */
int flow_tracker__add_ring(struct flow_tracker *t, struct loop *l);
/* -w: the classifiers' packet copies, as events for the capture sink. */
int flow_tracker__add_capture_ring(struct flow_tracker *t, struct loop *l);
/* Reports flows that ended (FIN/RST), went idle, or hit the active timeout. */
void flow_tracker__scan(struct flow_tracker *t, uint64_t now_ns, bool all);
/* One watched namespace: the context of its link events. */
struct flow_watch {
	struct flow_tracker *t;
	const char *netns; /* NULL: the agent's own */
	struct linkwatch lw;
};

/* link_fn for linkwatch (ctx: a struct flow_watch): attaches to interfaces that
 * appear, when every interface is selected. */
void flow_tracker__on_link(void *ctx, enum link_change change, const struct link_info *l);
/* Attaches to wanted interfaces not attached yet (after the watch started:
 * one that appeared in between is not missed). */
void flow_tracker__rescan(struct flow_watch *w);
/* Whether -w can select by this --domain/--sni pattern in the kernel (exact or *.suffix). */
bool flow__name_pattern_ok(const char *pattern);
/* -w's ring buffer of packet copies, and its per-interface drop counts. */
int flow_tracker__capture_fd(const struct flow_tracker *t);
int flow_tracker__capture_drops_fd(const struct flow_tracker *t);
/* The owner table the classifiers join with (shared or pinned). */
int flow_tracker__owners_fd(const struct flow_tracker *t);
/* Takes the interfaces `whoflow attach` recorded as this run's (no attach). */
int flow_tracker__adopt_pinned(struct flow_tracker *t);
/* Removes every classifier this run attached. */
void flow_tracker__detach(struct flow_tracker *t);
/* Detaches and forgets every interface of the namespace netns (entered by fd,
 * its name being gone); how many. */
size_t flow_tracker__forget_netns(struct flow_tracker *t, const char *netns, int fd);
void flow_tracker__stats(const struct flow_tracker *t, uint64_t out[WF_STAT__MAX]);
void flow_tracker__destroy(struct flow_tracker *t);
/* netns 0: any namespace (offline). */
const char *flow_tracker__ifname(const struct flow_tracker *t, __u64 netns, unsigned int ifindex);
/* An attached interface's name, namespace ("": the agent's) and packet counters. */
struct iface_count {
	const char *name, *netns;
	struct wf_iface_stats st;
};
/* The attached interfaces that have counters, up to max of them; how many.
 * A counter never reads less than it did before (see iface_cache__snap). */
size_t flow_tracker__iface_counts(struct flow_tracker *t, struct iface_count *rows, size_t max);

/* Zeek-like flow id: 16 hex digits of SHA-256(key, first packet time). */
void flow__id(const struct flow_key *k, uint64_t first_ns, char out[17]);

#endif
