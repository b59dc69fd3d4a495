/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_OWNER_H
#define WHOFLOW_OWNER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <linux/types.h>
#include "sock_events.h"

struct json;
struct proc_info;
struct proc_tracker;
struct proc_filter;

/* What the agent joins kernel owners with: the process table and the owner map. */
struct owner_ctx {
	const struct proc_tracker *procs;
	int owners_fd; /* -1: none (offline) */
	const struct proc_filter *filter; /* process selectors, for network events */
	bool selecting; /* any process selector was given */
};

/* The process a network event is attributed to, completed from the process table. */
struct owner_view {
	bool known;
	char attribution[48]; /* cookie, tuple, snapshot, or unknown:REASON */
	struct wf_owner o; /* as the kernel recorded it */
	const struct proc_info *p; /* NULL when the process table does not have it */
};

/*
 * Resolves a kernel owner record: completes a pending one from the owner map,
 * looks the process up, and names the reason when the owner is unknown.
 * hook/has_sk: where the packet was seen, and whether it carried a socket.
 */
void owner__view(struct owner_view *v, const struct owner_ctx *ctx, const struct wf_owner *o,
		 __u8 attr, __u8 hook, bool has_sk);
/* Whether the process selectors (--pid, --comm, ...) let a network event through. */
bool owner__selected(const struct owner_ctx *ctx, const struct owner_view *v);
/* process.*, container.* at the top level of an event (key NULL), or under key. */
void owner__json_ecs(struct json *j, const char *key, const struct owner_view *v);
/* whoflow.attribution, whoflow.cgroup.*, whoflow.socket.*: inside the whoflow object. */
void owner__json_whoflow(struct json *j, const struct owner_view *v);
/* " pid=N comm=NAME [container=ID]" or " pid=? attribution=unknown:REASON", keys prefixed. */
void owner__text(FILE *f, const char *prefix, const struct owner_view *v);

/*
 * The pcapng packet comment, one stable key=value line: pid tid comm exe
 * cmdline ppid pcomm uid container cgroup attribution (absent keys left out;
 * values with spaces, quotes, '=' or control bytes in double quotes, C escapes).
 * An unknown owner gives only attribution=unknown:REASON.
 */
void owner__comment(const struct owner_view *v, char *out, size_t n);

#endif
