// SPDX-License-Identifier: GPL-2.0-only
/* Joins the kernel's socket owners with the process table for network events. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "owner.h"
#include "proc.h"
#include <linux/types.h>
#include "flow_events.h"

static const char *owner__how(const struct wf_owner *o, __u8 attr)
{
	if (o->how == WF_OWN_SNAPSHOT)
		return "snapshot";
	return attr == WF_ATTR_COOKIE ? "cookie" : "tuple";
}

/* Why nobody is named: the kernel's view, in words users can act on. */
static const char *owner__reason(__u8 attr, __u8 hook, bool has_sk)
{
	switch (attr) {
	case WF_ATTR_AMBIGUOUS:
		return "unknown:tuple_in_several_netns";
	case WF_ATTR_PENDING:
		return "unknown:accepted_not_used_yet";
	default:
		/* Sent from a socket no process owns: the kernel's own (TCP resets, ICMP errors). */
		if (hook == WF_HOOK_EGRESS && has_sk)
			return "unknown:kernel";
		/* Forwarded, from another host, to a closed port, or outside --cgroup. */
		return "unknown:no_local_socket";
	}
}

void owner__view(struct owner_view *v, const struct owner_ctx *ctx, const struct wf_owner *o,
		 __u8 attr, __u8 hook, bool has_sk)
{
	bool reused = false;

	memset(v, 0, sizeof(*v));
	if (!ctx)
		return; /* offline (-r): no sockets to join with, nothing to say */
	if (o)
		v->o = *o;
	/* An accepted socket that had no user when the packet passed may have one now. */
	if (attr == WF_ATTR_PENDING && ctx->owners_fd >= 0) {
		struct wf_owner now;

		if (!bpf_map_lookup_elem(ctx->owners_fd, &v->o.cookie, &now) && now.tgid) {
			v->o = now;
			attr = WF_ATTR_TUPLE;
		}
	}
	if (attr == WF_ATTR_NONE || attr == WF_ATTR_AMBIGUOUS || attr == WF_ATTR_PENDING ||
	    !v->o.tgid) {
		snprintf(v->attribution, sizeof(v->attribution), "%s",
			 owner__reason(attr, hook, has_sk));
		return;
	}
	if (ctx->procs)
		v->p = proc_tracker__lookup(ctx->procs, v->o.tgid, v->o.start_ns, &reused);
	if (reused) {
		/* The pid names another process now: its details would be a stranger's. */
		snprintf(v->attribution, sizeof(v->attribution), "unknown:pid_reused");
		return;
	}
	v->known = true;
	if (v->p)
		v->parent = proc_tracker__parent(ctx->procs, v->p);
	snprintf(v->attribution, sizeof(v->attribution), "%s", owner__how(&v->o, attr));
}

void owner__pid_view(struct owner_view *v, const struct owner_ctx *ctx, pid_t pid,
		     uint64_t start_ns)
{
	bool reused = false;

	memset(v, 0, sizeof(*v));
	v->o.tgid = v->o.tid = (__u32)pid;
	v->o.start_ns = start_ns;
	if (ctx && ctx->procs)
		v->p = proc_tracker__lookup(ctx->procs, pid, start_ns, &reused);
	if (!v->p) {
		snprintf(v->attribution, sizeof(v->attribution), "%s",
			 reused ? "unknown:pid_reused" : "unknown:process_not_tracked");
		return;
	}
	v->known = true;
	v->o.uid = v->p->uid;
	v->o.cgroup_id = v->p->cgroup_id;
	memcpy(v->o.comm, v->p->comm, sizeof(v->o.comm) < sizeof(v->p->comm) ? sizeof(v->o.comm) :
										 sizeof(v->p->comm));
	v->o.comm[sizeof(v->o.comm) - 1] = '\0';
	v->parent = proc_tracker__parent(ctx->procs, v->p);
	snprintf(v->attribution, sizeof(v->attribution), "pid");
}
