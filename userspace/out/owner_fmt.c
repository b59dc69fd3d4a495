// SPDX-License-Identifier: GPL-2.0-only
/* An event's process (owner view) as JSON, text and the pcapng comment. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmdline.h"
#include "json.h"
#include "ctr_fmt.h"
#include "ctr_meta.h"
#include "owner_fmt.h"
#include "proc_info.h"
#include "users.h"
#include <linux/types.h>
#include "flow_events.h"

static void json__arg(const char *arg, size_t n, void *ctx)
{
	json__strn(ctx, NULL, arg, n);
}

void owner__json_args(struct json *j, const char *key, const char *args, size_t len)
{
	json__arr_open(j, key);
	cmdline__each(args, len, json__arg, j);
	json__arr_close(j);
}

void owner__json_parent(struct json *j, const struct proc_info *p, const struct proc_info *parent)
{
	json__obj_open(j, "parent");
	json__i64(j, "pid", p->ppid);
	if (p->pcomm[0])
		json__str(j, "name", p->pcomm);
	if (parent) {
		const char *cl = proc_info__cmdline(parent);

		json__str(j, "entity_id", parent->entity_id);
		if (parent->exe)
			json__str(j, "executable", parent->exe);
		if (cl)
			json__str(j, "command_line", cl);
		if (parent->args_len)
			owner__json_args(j, "args", parent->args, parent->args_len);
	}
	json__obj_close(j);
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
		const char *cl = p->args_len ? proc_info__cmdline(p) : "";

		json__str(j, "entity_id", p->entity_id);
		if (p->exe)
			json__str(j, "executable", p->exe);
		if (cl)
			json__str(j, "command_line", cl);
		owner__json_args(j, "args", p->args, p->args_len);
		owner__json_parent(j, p, v->parent);
	}
	json__obj_open(j, "user");
	snprintf(id, sizeof(id), "%u", v->o.uid);
	json__str(j, "id", id);
	if (users__user_name(v->o.uid))
		json__str(j, "name", users__user_name(v->o.uid));
	json__obj_close(j);
	if (p) {
		json__obj_open(j, "group");
		snprintf(id, sizeof(id), "%u", p->gid);
		json__str(j, "id", id);
		if (users__group_name(p->gid))
			json__str(j, "name", users__group_name(p->gid));
		json__obj_close(j);
	}
	json__obj_close(j);
	if (p)
		ctr__json(j, proc_info__container(p));
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
	if (!v->o.cookie)
		return; /* a file event's process: no socket */
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
	fprintf(f, " %spid=%u %scomm=%s", prefix, v->o.tgid, prefix, v->p ? v->p->comm : v->o.comm);
	if (v->p && proc_info__container(v->p)->id[0]) {
		const struct container *c = proc_info__container(v->p);

		fprintf(f, " %scontainer=%.12s", prefix, c->id);
		ctr__text(f, prefix, c);
	}
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
		comment__kv(out, n, &len, "attribution",
			    v->attribution[0] ? v->attribution : "none");
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
		const char *buf = proc_info__cmdline(p);

		if (buf)
			comment__kv(out, n, &len, "cmdline", buf);
	}
	if (p) {
		snprintf(num, sizeof(num), "%d", p->ppid);
		comment__kv(out, n, &len, "ppid", num);
		if (p->pcomm[0])
			comment__kv(out, n, &len, "pcomm", p->pcomm);
	}
	snprintf(num, sizeof(num), "%u", v->o.uid);
	comment__kv(out, n, &len, "uid", num);
	if (p && proc_info__container(p)->id[0]) {
		const struct container *c = proc_info__container(p);
		char buf[CTR_IMAGE_MAX + CTR_TAG_MAX + 2];

		comment__kv(out, n, &len, "container", c->id);
		if (*ctr__name(c))
			comment__kv(out, n, &len, "container_name", ctr__name(c));
		if (*ctr__image(c, buf, sizeof(buf)))
			comment__kv(out, n, &len, "container_image", buf);
		if (*ctr__pod(c, buf, sizeof(buf)))
			comment__kv(out, n, &len, "pod", buf);
	}
	if (p && p->cgroup_path)
		comment__kv(out, n, &len, "cgroup", p->cgroup_path);
	comment__kv(out, n, &len, "attribution", v->attribution);
}
