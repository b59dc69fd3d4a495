// SPDX-License-Identifier: GPL-2.0-only
/* The join of process events: what every sink prints, computed once. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmdline.h"
#include "config.h"
#include "hash.h"
#include "join.h"
#include "proc.h"
#include "proc_info.h"
#include "redact.h"
#include "timeconv.h"
#include "users.h"

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

/* The derived fields of a process event (see join__process). */
static void proc_view__make(struct proc_view *v, enum proc_view_kind kind,
			    const struct proc_info *p, uint64_t ts_ns)
{
	memset(v, 0, sizeof(*v));
	v->kind = kind;
	v->p = p;
	timeconv__rfc3339(timeconv__boot_to_real(ts_ns), v->ts, sizeof(v->ts));
	timeconv__rfc3339(timeconv__boot_to_real(p->start_ns), v->start, sizeof(v->start));
	v->command_line = cmdline__dup(p->args, p->args_len);
	if (p->env)
		view__env(v, p);
	if (kind == PROC_VIEW_EXIT) {
		view__exit_status(v, p->exit_status);
		v->duration_ns = p->exit_ns > p->start_ns ? p->exit_ns - p->start_ns : 0;
	}
	v->user = users__user_name(p->uid);
	v->group = users__group_name(p->gid);
}

void join__process(const struct config *cfg, const struct owner_ctx *oc, struct event *ev)
{
	struct proc_info *p = ev->proc_info;
	uint64_t who[2] = { (uint64_t)p->pid, p->start_ns };

	/* Hashing reads the binary: only for what is selected, once per binary (cached). */
	if (cfg->hash_binaries && !p->md5[0])
		hash__executable(p->pid, p->exe, p->md5, p->sha256);
	/* A process event is its process (pid and start) at its time. */
	event_id__make(ev->id, ev->proc_ts, EVENT_ID_PROC + ev->proc_kind, who, sizeof(who), NULL,
		       0);
	proc_view__make(&ev->proc, ev->proc_kind, p, ev->proc_ts);
	if (oc && oc->procs)
		ev->proc.parent = proc_tracker__parent(oc->procs, p);
}

void join__release(struct event *ev)
{
	if (ev->kind != EVENT_PROC)
		return;
	free(ev->proc.command_line);
	free(ev->proc.env);
	ev->proc.command_line = ev->proc.env = NULL;
}
