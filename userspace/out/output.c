// SPDX-License-Identifier: GPL-2.0-only
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cmdline.h"
#include "event_id.h"
#include "output.h"
#include "proc_table.h"
#include "redact.h"
#include "timeconv.h"
#include "users.h"

int output__init(struct output *o, const struct config *cfg)
{
	memset(o, 0, sizeof(*o));
	o->fmt = cfg->format;
	o->pkt = &cfg->pkt;
	o->f = stdout;
	json__init(&o->j);
	if (gethostname(o->host, sizeof(o->host) - 1))
		strcpy(o->host, "localhost");
	/*
	 * -l: every line is written at once. Otherwise a pipe or file gets what a
	 * batch of records made in one write (output__flush, after each batch):
	 * as live for `| grep`, without a system call per event under load.
	 */
	if (cfg->line_buffered)
		setvbuf(stdout, NULL, _IOLBF, 0);
	return 0;
}

void output__flush(struct output *o)
{
	if (fflush(o->f) || ferror(o->f))
		o->failed = true;
}

void output__free(struct output *o)
{
	fflush(o->f);
	json__free(&o->j);
}

const char *proc_view__action(const struct proc_view *v)
{
	static const char *const actions[] = { "exec", "fork", "exit" };

	return actions[v->kind];
}

static void view__exit_status(struct proc_view *v, int status)
{
	int sig = status & 0x7f;

	if (sig) {
		const char *abbrev = sigabbrev_np(sig);

		v->signal = sig;
		v->exit_code = 128 + sig;
		v->core_dumped = status & 0x80;
		if (abbrev)
			snprintf(v->signame, sizeof(v->signame), "SIG%s", abbrev);
		else
			snprintf(v->signame, sizeof(v->signame), "SIG%d", sig);
	} else {
		v->exit_code = (status >> 8) & 0xff;
	}
}

static void view__env(struct proc_view *v, const struct proc_info *p)
{
	/* Redaction can lengthen an entry ("K=v" -> "K=[REDACTED]"): room for every one. */
	size_t entries = cmdline__count(p->env, p->env_len), i = 0;
	size_t cap = p->env_len + entries * (sizeof(REDACTED) + 1) + 1;

	v->env = malloc(cap);
	if (!v->env)
		return;
	while (i < p->env_len) {
		const char *e = p->env + i, *nul = memchr(e, '\0', p->env_len - i);
		size_t n = nul ? (size_t)(nul - e) : p->env_len - i;

		v->env_len += redact__env_entry(e, n, v->env + v->env_len, cap - v->env_len) + 1;
		i += n + 1;
	}
}

void output__proc_event(struct output *o, enum proc_view_kind kind, const struct proc_info *p,
			uint64_t ts_ns)
{
	struct proc_view v = { .kind = kind, .p = p };
	uint64_t who[2] = { (uint64_t)p->pid, p->start_ns };
	size_t n;

	if (o->failed)
		return;
	/* A process event is its process (pid and start) at its time. */
	event_id__make(v.event_id, ts_ns, EVENT_ID_PROC + kind, who, sizeof(who), NULL, 0);
	timeconv__rfc3339(timeconv__boot_to_real(ts_ns), v.ts, sizeof(v.ts));
	timeconv__rfc3339(timeconv__boot_to_real(p->start_ns), v.start, sizeof(v.start));
	n = cmdline__format(p->args, p->args_len, NULL, 0);
	v.command_line = malloc(n + 1);
	if (v.command_line)
		cmdline__format(p->args, p->args_len, v.command_line, n + 1);
	if (p->env)
		view__env(&v, p);
	if (kind == PROC_VIEW_EXIT) {
		view__exit_status(&v, p->exit_status);
		v.duration_ns = p->exit_ns > p->start_ns ? p->exit_ns - p->start_ns : 0;
	}
	v.user = users__user_name(p->uid);
	v.group = users__group_name(p->gid);
	if (o->fmt == OUTPUT_JSON)
		output_json__proc(o, &v);
	else
		output_text__proc(o, &v);
	o->emitted++;
	if (ferror(o->f))
		o->failed = true;
	free(v.command_line);
	free(v.env);
}
