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

/* Appends " key=value", quoting values with spaces, quotes or control bytes. */
static void comment__kv(char *out, size_t n, size_t *len, const char *key, const char *val)
{
	bool quote = !*val || strpbrk(val, " \"\\=\t\n") != NULL;

	if (*len >= n)
		return;
	*len += snprintf(out + *len, n - *len, "%s%s=%s", *len ? " " : "", key, quote ? "\"" : "");
	for (const char *p = val; *p && *len + 4 < n; p++) {
		unsigned char ch = (unsigned char)*p;

		if (ch == '"' || ch == '\\')
			*len += snprintf(out + *len, n - *len, "\\%c", ch);
		else if (ch < 0x20 || ch == 0x7f)
			*len += snprintf(out + *len, n - *len, "\\x%02x", ch);
		else
			out[(*len)++] = (char)ch;
	}
	if (quote && *len + 1 < n)
		out[(*len)++] = '"';
	if (*len < n)
		out[*len] = '\0';
}

void owner__comment(const struct owner_view *v, char *out, size_t n)
{
	const struct proc_info *p = v->p;
	char num[32];
	size_t len = 0;

	out[0] = '\0';
	if (!v->known) {
		comment__kv(out, n, &len, "attribution", v->attribution[0] ? v->attribution : "none");
		return;
	}
	snprintf(num, sizeof(num), "%u", v->o.tgid);
	comment__kv(out, n, &len, "pid", num);
	snprintf(num, sizeof(num), "%u", v->o.tid);
	comment__kv(out, n, &len, "tid", num);
	comment__kv(out, n, &len, "comm", p ? p->comm : v->o.comm);
	if (p && p->exe)
		comment__kv(out, n, &len, "exe", p->exe);
	if (p && p->args_len) {
		size_t cl = cmdline__format(p->args, p->args_len, NULL, 0);
		char *buf = malloc(cl + 1);

		if (buf) {
			cmdline__format(p->args, p->args_len, buf, cl + 1);
			comment__kv(out, n, &len, "cmdline", buf);
			free(buf);
		}
	}
	if (p) {
		snprintf(num, sizeof(num), "%d", p->ppid);
		comment__kv(out, n, &len, "ppid", num);
		if (p->pcomm[0])
			comment__kv(out, n, &len, "pcomm", p->pcomm);
	}
	snprintf(num, sizeof(num), "%u", v->o.uid);
	comment__kv(out, n, &len, "uid", num);
	if (p && p->container.id[0])
		comment__kv(out, n, &len, "container", p->container.id);
	if (p && p->cgroup_path)
		comment__kv(out, n, &len, "cgroup", p->cgroup_path);
	comment__kv(out, n, &len, "attribution", v->attribution);
}
