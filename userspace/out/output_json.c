// SPDX-License-Identifier: GPL-2.0-only
/* ECS-shaped JSON lines. Field reference: docs/events.md. */
#include <stdio.h>
#include <string.h>
#include "cmdline.h"
#include "output.h"
#include "proc_table.h"

static void json__arg(const char *arg, size_t n, void *ctx)
{
	json__strn(ctx, NULL, arg, n);
}

static void json__event(struct json *j, const struct proc_view *v)
{
	json__obj_open(j, "event");
	json__str(j, "kind", "event");
	json__str(j, "id", v->event_id);
	json__arr_open(j, "category");
	json__str(j, NULL, "process");
	json__arr_close(j);
	json__arr_open(j, "type");
	json__str(j, NULL, v->kind == PROC_VIEW_EXIT ? "end" : "start");
	json__arr_close(j);
	json__str(j, "action", proc_view__action(v));
	json__str(j, "dataset", "whoflow.process");
	if (v->kind == PROC_VIEW_EXIT)
		json__u64(j, "duration", v->duration_ns);
	json__obj_close(j);
}

static void json__id_name(struct json *j, const char *key, unsigned int id, const char *name)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%u", id);
	json__obj_open(j, key);
	json__str(j, "id", buf); /* ECS: keyword */
	if (name)
		json__str(j, "name", name);
	json__obj_close(j);
}

static void json__process_image(struct json *j, const struct proc_view *v)
{
	const struct proc_info *p = v->p;

	json__str(j, "name", p->comm);
	if (p->exe)
		json__str(j, "executable", p->exe);
	if (p->cwd)
		json__str(j, "working_directory", p->cwd);
	json__arr_open(j, "args");
	cmdline__each(p->args, p->args_len, json__arg, j);
	json__arr_close(j);
	json__u64(j, "args_count", cmdline__count(p->args, p->args_len));
	json__str(j, "command_line", v->command_line);
	if (p->md5[0]) {
		json__obj_open(j, "hash");
		json__str(j, "md5", p->md5);
		json__str(j, "sha256", p->sha256);
		json__obj_close(j);
	}
	if (v->env) {
		json__arr_open(j, "env_vars");
		cmdline__each(v->env, v->env_len, json__arg, j);
		json__arr_close(j);
	}
}

static void json__process(struct json *j, const struct proc_view *v)
{
	const struct proc_info *p = v->p;

	json__obj_open(j, "process");
	json__i64(j, "pid", p->pid);
	json__obj_open(j, "thread");
	json__i64(j, "id", p->tid);
	json__obj_close(j);
	json__str(j, "entity_id", p->entity_id);
	json__process_image(j, v);
	json__str(j, "start", v->start);
	if (v->kind == PROC_VIEW_EXIT) {
		json__str(j, "end", v->ts);
		json__i64(j, "exit_code", v->exit_code);
	}
	json__obj_open(j, "parent");
	json__i64(j, "pid", p->ppid);
	if (p->pcomm[0])
		json__str(j, "name", p->pcomm);
	json__obj_close(j);
	json__id_name(j, "user", p->uid, v->user);
	json__id_name(j, "group", p->gid, v->group);
	json__obj_close(j);
}

static void json__whoflow(struct json *j, const struct proc_view *v)
{
	static const char *const sources[] = { "snapshot", "fork", "exec", "exit" };
	const struct proc_info *p = v->p;

	json__obj_open(j, "whoflow");
	json__obj_open(j, "cgroup");
	json__u64(j, "id", p->cgroup_id);
	if (p->cgroup_path)
		json__str(j, "path", p->cgroup_path);
	json__obj_close(j);
	json__obj_open(j, "process");
	json__str(j, "source", sources[p->source]);
	if (p->args_truncated)
		json__bool(j, "args_truncated", true);
	if (v->env && p->env_truncated)
		json__bool(j, "env_truncated", true);
	if (v->signal) {
		json__str(j, "signal", v->signame);
		json__bool(j, "core_dumped", v->core_dumped);
	}
	json__obj_close(j);
	json__obj_close(j);
}

void output_json__proc(struct output *o, const struct proc_view *v)
{
	struct json *j = &o->j;
	const struct proc_info *p = v->p;

	json__reset(j);
	json__obj_open(j, NULL);
	json__str(j, "@timestamp", v->ts);
	json__event(j, v);
	json__obj_open(j, "host");
	json__str(j, "name", o->host);
	json__obj_close(j);
	json__process(j, v);
	if (p->container.id[0]) {
		json__obj_open(j, "container");
		json__str(j, "id", p->container.id);
		json__str(j, "runtime", p->container.runtime);
		json__obj_close(j);
	}
	json__whoflow(j, v);
	json__obj_close(j);
	if (!j->oom) {
		fwrite(j->buf, 1, j->len, o->f);
		fputc('\n', o->f);
	}
}
