/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_EVENT_H
#define WHOFLOW_EVENT_H

/*
 * The one event type of the userspace pipeline: sources (process tracker,
 * flow tracker, TLS sessions, offline reader) make an event from kernel
 * records and decoded bytes and hand it to an event_out; the pipeline
 * (out/pipeline.c) joins it with its process, selects it, and gives it to the
 * sinks. See docs/architecture.md.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <linux/types.h>
#include "community_id.h"
#include "dns.h"
#include "event_id.h"
#include "http.h"
#include "ja.h"
#include "sock_events.h"
#include "tls.h"

struct proc_info;
struct flow_key;
struct flow_value;
struct dns_event;
struct chunk_event;
struct pkt_event_hdr;
struct cap_event;
struct event;

enum event_kind {
	EVENT_PROC,
	EVENT_FLOW,
	EVENT_DNS,
	EVENT_TLS,
	EVENT_HTTP,
	EVENT_PACKET, /* a packet copy for -w */
	EVENT_ALERT, /* a Sigma rule matched an event (the detect stage) */
	EVENT_DROP, /* packets the kernel dropped (--drops) */
	EVENT_FILE, /* what a process did to a file (--files) */
};

enum proc_view_kind {
	PROC_VIEW_EXEC,
	PROC_VIEW_FORK,
	PROC_VIEW_EXIT,
};

/* One process event with every derived field computed once for all sinks (join). */
struct proc_view {
	enum proc_view_kind kind;
	const struct proc_info *p;
	const struct proc_info *parent; /* its parent, when the table has it (join) */
	char ts[40];
	char start[40];
	char *command_line;
	char *env; /* NUL-separated "NAME=VALUE", secrets redacted; NULL without --env */
	size_t env_len;
	int exit_code; /* exit events: the code, or 128 + signal as shells report it */
	int signal; /* 0 when the process exited by itself */
	char signame[16];
	bool core_dumped;
	uint64_t duration_ns;
	const char *user;
	const char *group;
};

/* exec, fork or exit. */
static inline const char *proc_view__action(const struct proc_view *v)
{
	static const char *const actions[] = { "exec", "fork", "exit" };

	return actions[v->kind];
}

/* A flow record being reported. */
struct flow_view {
	const struct flow_key *k;
	const struct flow_value *v;
	const char *reason; /* fin, rst, idle, active, exit */
	const char *ifname;
	char flow_id[17];
	bool has_tcp; /* TCP, its local socket known to the socket hooks: tcp holds its health */
	struct wf_tcp_health tcp;
};

/* One HTTP/1.x request head seen on the wire. */
struct http_view {
	const struct chunk_event *e; /* the segment that starts the request */
	const char *ifname;
	char flow_id[17];
	struct http_request req;
};

/* One DNS message seen on the wire, decoded. */
struct dns_view {
	const struct dns_event *e;
	struct dns_msg msg;
	const char *ifname;
	char flow_id[17];
	bool capture_cut; /* the message was longer than what the kernel shipped */
	bool has_rtt;
	uint64_t rtt_ns;
};

/* One ClientHello ready to report, with the ServerHello that answered it if any. */
struct tls_view {
	const struct chunk_event *e; /* a chunk of the client's stream: endpoints, iface */
	const char *ifname;
	char flow_id[17];
	uint64_t ts_ns; /* when the hello's first byte was seen */
	struct tls_client_hello ch;
	bool has_sh;
	struct tls_server_hello sh;
	char *ja3; /* the JA3 string (malloc'd), NULL when the reference gives none */
	char ja3_md5[33]; /* "" when none */
	char ja4[JA4_MAX]; /* "" when none */
	char *ja4_r; /* malloc'd, NULL when none */
	/* The SNI where the kernel's selection read it (first segment and record), "" when not there. */
	char kernel_sni[TLS_SNI_MAX];
	bool incomplete; /* the hello never arrived whole */
	uint32_t captured, wanted;
	/* QUIC: the hello came in Initial packets (version, connection ids as sent). */
	bool quic;
	uint32_t quic_version;
	uint8_t quic_dcid[20], quic_scid[20], quic_dcid_len, quic_scid_len;
	uint32_t quic_packets; /* Initial packets its CRYPTO frames came in */
};

struct wf_drop_key;
struct wf_drop_val;

/* Packets the kernel dropped, of one kind (reason, place, tuple, socket), over a window. */
struct drop_view {
	const struct wf_drop_key *k;
	const struct wf_drop_val *v;
	const char *reason; /* the kernel's name without SKB_DROP_REASON_ */
	const char *location; /* the freeing function, "name+0xoff"; "" when unreadable */
	const char *ifname; /* the device's name when watched; NULL otherwise */
	bool has_flow;
	char flow_id[17];
};

/* What a process did to a file, by kind: the counts of a FILE record. */
enum file_action {
	FILE_CREATE,
	FILE_MODIFY, /* written to (the first write of each time it was open, see docs) */
	FILE_CLOSE_WRITE, /* closed after being opened for writing */
	FILE_DELETE,
	FILE_RENAME,
	FILE_ATTRIB, /* mode, owner, times or links changed */
	FILE_OPEN_WRITE, /* opened for writing (the sys_exit tracepoint, not fanotify) */
	FILE__N,
};

/*
 * One file and one process over a short window (or one notification, with
 * --files-all): fanotify's notifications, counted by kind (file/file_agg.c).
 */
struct file_view {
	pid_t pid;
	uint64_t proc_start_ns; /* the process's start, when the table had it at the first notification */
	const char *path; /* the last name it had */
	const char *old_path; /* renamed: the name before the first rename, else NULL */
	bool is_dir, deleted;
	uint32_t counts[FILE__N];
	uint64_t first_ns, last_ns; /* CLOCK_REALTIME, when whoflow read them */
	char first_ts[40]; /* first_ns, RFC 3339 */
	bool has_stat; /* the file's identity, read while it existed */
	uint64_t inode, dev, size;
	uint32_t mode, uid, gid;
	char md5[33], sha256[65]; /* --hash-files: "" when not hashed */
	const char *hash_skipped; /* why not: "too_large", "unreadable", "deleted", "gone"; NULL */
	const char *id_bytes; /* what makes its event.id, with id_len */
	size_t id_len;
};

/* The counts' names, in enum file_action's order (JSON, log files, text). */
static const char *const file_action_names[FILE__N] = {
	"creation", "modification", "close_write", "deletion", "rename", "attributes_modified",
	"open_write",
};

/* What a record mostly is: its ECS event.action. */
static inline const char *file_view__action(const struct file_view *v)
{
	if (v->deleted && v->counts[FILE_DELETE])
		return "deletion";
	if (v->counts[FILE_RENAME])
		return "rename";
	if (v->counts[FILE_CREATE])
		return "creation";
	if (v->counts[FILE_MODIFY] || v->counts[FILE_CLOSE_WRITE])
		return "modification";
	if (v->counts[FILE_ATTRIB])
		return "attributes_modified";
	if (v->counts[FILE_DELETE])
		return "deletion";
	return v->counts[FILE_OPEN_WRITE] ? "open_write" : "modification";
}

/* A packet the classifiers copied for -w. */
struct packet_view {
	const struct cap_event *e;
	const char *ifname; /* its interface's name, NULL if unknown */
};

#define ALERT_FIELDS_MAX 16

/*
 * A Sigma rule's match (detect stage): what the rule says of itself, the event
 * it matched and the process that event names, and the fields that matched
 * (Sigma names and values).
 */
struct alert_view {
	const char *rule_id, *title, *author, *license, *level, *status, *description, *file;
	const char *const *tags;
	size_t ntags;
	const struct event *ev; /* the matched event */
	const struct proc_info *p; /* its process (for a flow, the end the rule read), or NULL */
	const struct proc_info *parent;
	const char *category; /* the Sigma log source category it was read as */
	const char *names[ALERT_FIELDS_MAX], *values[ALERT_FIELDS_MAX];
	size_t nfields;
};

/* The process a network event is attributed to, completed from the process table (join). */
struct owner_view {
	bool known;
	char attribution[48]; /* cookie, tuple, snapshot, or unknown:REASON */
	struct wf_owner o; /* as the kernel recorded it */
	const struct proc_info *p; /* NULL when the process table does not have it */
	const struct proc_info *parent; /* p's parent, when the table has it */
};

/* What the agent joins kernel owners with: the process table and the owner map. */
struct proc_tracker;
struct proc_filter;

struct owner_ctx {
	const struct proc_tracker *procs;
	int owners_fd; /* -1: none (offline) */
	const struct proc_filter *filter; /* process selectors, for network events */
	bool selecting; /* any process selector was given */
};

/* The network part of an event, in the packet's own direction (join). */
struct endpoints {
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
	uint16_t sport, dport;
	uint8_t proto, family;
	char community_id[COMMUNITY_ID_LEN];
	char ts[40];
};

struct event {
	enum event_kind kind;
	char id[EVENT_ID_LEN]; /* event.id: from the kernel record (join) */
	/* What the source made: */
	union {
		struct { /* EVENT_PROC: the process, its event kind and time */
			struct proc_info *proc_info;
			enum proc_view_kind proc_kind;
			uint64_t proc_ts;
		};
		const struct flow_view *flow;
		const struct dns_view *dns;
		const struct tls_view *tls;
		const struct http_view *http;
		const struct packet_view *packet;
		const struct alert_view *alert;
		const struct drop_view *drop;
		const struct file_view *file;
	};
	/* What the join adds: */
	struct proc_view proc; /* EVENT_PROC */
	const struct pkt_event_hdr *rec; /* DNS, TLS, HTTP: the record's header */
	struct endpoints ep; /* network events */
	struct owner_view owner, peer; /* network events; peer: a flow's other local end */
	/* Flows: the name the initiating process itself resolved to the destination (join). */
	const char *dest_domain;
};

/* An event's time as the sinks print it (joined events). */
static inline const char *event__ts(const struct event *ev)
{
	return ev->kind == EVENT_PROC ? ev->proc.ts : ev->ep.ts;
}

/* Where sources hand their events (the pipeline). */
struct event_out {
	void (*emit)(struct event_out *o, struct event *ev);
	/* No more events wanted: -c reached, or the output failed. */
	bool (*done)(const struct event_out *o);
};

static inline void event__emit(struct event_out *o, struct event *ev)
{
	o->emit(o, ev);
}

static inline bool event__done(const struct event_out *o)
{
	return o->done(o);
}

#endif
