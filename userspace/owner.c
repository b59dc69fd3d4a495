// SPDX-License-Identifier: GPL-2.0-only
/* Joins the kernel's socket owners with the process table for network events. */
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "cmdline.h"
#include "filter.h"
#include "json.h"
#include "owner.h"
#include "proc.h"
#include "users.h"
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
	snprintf(v->attribution, sizeof(v->attribution), "%s", owner__how(&v->o, attr));
}

bool owner__selected(const struct owner_ctx *ctx, const struct owner_view *v)
{
	if (!ctx || !ctx->selecting)
		return true;
	return v->known && v->p && filter__match(ctx->filter, v->p, false, 0);
}

static void json__arg(const char *arg, size_t n, void *ctx)
{
	json__strn(ctx, NULL, arg, n);
}

void owner__json_ecs(struct json *j, const char *key, const struct owner_view *v)
{
	const struct proc_info *p = v->p;
	char id[16];

	if (!v->known)
		return;
	if (key)
		json__obj_open(j, key);
	json__obj_open(j, "process");
	json__i64(j, "pid", v->o.tgid);
	json__obj_open(j, "thread");
	json__i64(j, "id", v->o.tid);
	json__obj_close(j);
	json__str(j, "name", p ? p->comm : v->o.comm);
	if (p) {
		size_t n = cmdline__format(p->args, p->args_len, NULL, 0);
		char *cl = malloc(n + 1);

		json__str(j, "entity_id", p->entity_id);
		if (p->exe)
			json__str(j, "executable", p->exe);
		if (cl) {
			cmdline__format(p->args, p->args_len, cl, n + 1);
			json__str(j, "command_line", cl);
			free(cl);
		}
		json__arr_open(j, "args");
		cmdline__each(p->args, p->args_len, json__arg, j);
		json__arr_close(j);
		json__obj_open(j, "parent");
		json__i64(j, "pid", p->ppid);
		if (p->pcomm[0])
			json__str(j, "name", p->pcomm);
		json__obj_close(j);
	}
	json__obj_open(j, "user");
	snprintf(id, sizeof(id), "%u", v->o.uid);
	json__str(j, "id", id);
	if (users__user_name(v->o.uid))
		json__str(j, "name", users__user_name(v->o.uid));
	json__obj_close(j);
	json__obj_close(j);
	if (p && p->container.id[0]) {
		json__obj_open(j, "container");
		json__str(j, "id", p->container.id);
		json__str(j, "runtime", p->container.runtime);
		json__obj_close(j);
	}
	if (key)
		json__obj_close(j);
}

void owner__json_whoflow(struct json *j, const struct owner_view *v)
{
	if (!v->attribution[0])
		return;
	json__str(j, "attribution", v->attribution);
	if (!v->known)
		return;
	json__obj_open(j, "cgroup");
	json__u64(j, "id", v->o.cgroup_id);
	if (v->p && v->p->cgroup_path)
		json__str(j, "path", v->p->cgroup_path);
	json__obj_close(j);
	json__obj_open(j, "socket");
	json__u64(j, "cookie", v->o.cookie);
	json__u64(j, "netns", v->o.netns);
	json__obj_close(j);
}

void owner__text(FILE *f, const char *prefix, const struct owner_view *v)
{
	if (!v->attribution[0])
		return;
	if (!v->known) {
		fprintf(f, " %spid=? %sattribution=%s", prefix, prefix, v->attribution);
		return;
	}
	fprintf(f, " %spid=%u %scomm=%s", prefix, v->o.tgid, prefix,
		v->p ? v->p->comm : v->o.comm);
	if (v->p && v->p->container.id[0])
		fprintf(f, " %scontainer=%.12s", prefix, v->p->container.id);
}
