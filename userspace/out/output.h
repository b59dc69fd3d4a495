/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_OUTPUT_H
#define WHOFLOW_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "config.h"
#include "json.h"

struct proc_info;
struct flow_key;
struct flow_value;
struct dns_event;

#include "dns.h"

/* A flow record being reported. */
struct flow_view {
	const struct flow_key *k;
	const struct flow_value *v;
	const char *reason; /* fin, rst, idle, active, exit */
	const char *ifname;
	char flow_id[17];
};

#include "http.h"

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

/* Writes out what is buffered; a failed write (closed pipe, full disk) sets failed. */
struct output;
void output__flush(struct output *o);

struct output {
	enum output_format fmt;
	FILE *f;
	struct json j;
	char host[256];
	uint64_t emitted; /* events written, for -c */
	uint64_t filtered; /* packet events left out by --domain, --sni, --dns-type, ... */
	const struct packet_filter *pkt;
	const struct owner_ctx *owners; /* joins network events with processes */
	bool failed; /* a write failed (closed pipe, full disk): stop */
};

enum proc_view_kind {
	PROC_VIEW_EXEC,
	PROC_VIEW_FORK,
	PROC_VIEW_EXIT,
};

/* One process event with every derived field computed once for all formats. */
struct proc_view {
	enum proc_view_kind kind;
	const struct proc_info *p;
	char event_id[33]; /* EVENT_ID_LEN */
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

int output__init(struct output *o, const struct config *cfg);
void output__free(struct output *o);
void output__proc_event(struct output *o, enum proc_view_kind kind, const struct proc_info *p,
			uint64_t ts_ns);

struct tls_view;
struct http_view;
void output__http_event(struct output *o, const struct http_view *v);
void output__flow_event(struct output *o, const struct flow_view *v);
void output__tls_event(struct output *o, const struct tls_view *v);
void output__dns_event(struct output *o, const struct dns_view *v);

/* Backends. */
void output_json__proc(struct output *o, const struct proc_view *v);
void output_text__proc(struct output *o, const struct proc_view *v);

/* Shared by the backends. */
const char *proc_view__action(const struct proc_view *v);

#endif
