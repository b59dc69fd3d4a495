// SPDX-License-Identifier: GPL-2.0-only
/* One grep-friendly line per event: KIND key=value ... Reference: docs/events.md. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmdline.h"
#include "output.h"
#include "proc_table.h"

/* Values with spaces, quotes, '=' or control bytes are double-quoted with C escapes. */
static void text__kv(FILE *f, const char *key, const char *val)
{
	const unsigned char *s = (const unsigned char *)val;
	bool plain = *s != '\0';

	for (const unsigned char *c = s; *c && plain; c++)
		plain = *c > 0x20 && *c != 0x7f && *c != '"' && *c != '\\' && *c != '=';
	fprintf(f, " %s=", key);
	if (plain) {
		fputs(val, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if (*s < 0x20 || *s == 0x7f)
			fprintf(f, "\\x%02x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void text__ku(FILE *f, const char *key, long long val)
{
	fprintf(f, " %s=%lld", key, val);
}

/* The environment as shell words (NAME=VALUE each), like the command line. */
static void text__env(FILE *f, const struct proc_view *v)
{
	size_t n = cmdline__format(v->env, v->env_len, NULL, 0);
	char *words = malloc(n + 1);

	if (!words)
		return;
	cmdline__format(v->env, v->env_len, words, n + 1);
	text__kv(f, "env", words);
	free(words);
}

static void text__image(FILE *f, const struct proc_view *v)
{
	const struct proc_info *p = v->p;

	if (p->exe)
		text__kv(f, "exe", p->exe);
	if (p->cwd)
		text__kv(f, "cwd", p->cwd);
	if (p->cgroup_path)
		text__kv(f, "cgroup", p->cgroup_path);
	if (p->container.id[0]) {
		text__kv(f, "container", p->container.id);
		text__kv(f, "runtime", p->container.runtime);
	}
	if (p->md5[0]) {
		text__kv(f, "md5", p->md5);
		text__kv(f, "sha256", p->sha256);
	}
	text__kv(f, "entity", p->entity_id);
	text__kv(f, "cmdline", v->command_line ? v->command_line : "");
	if (p->args_truncated)
		text__kv(f, "truncated", "yes");
	if (v->env)
		text__env(f, v);
}

void output_text__proc(struct output *o, const struct proc_view *v)
{
	static const char *const kinds[] = { "EXEC", "FORK", "EXIT" };
	const struct proc_info *p = v->p;
	FILE *f = o->f;

	fputs(kinds[v->kind], f);
	text__kv(f, "ts", v->ts);
	text__ku(f, "pid", p->pid);
	text__ku(f, "ppid", p->ppid);
	if (p->pcomm[0])
		text__kv(f, "pcomm", p->pcomm);
	text__kv(f, "comm", p->comm);
	text__ku(f, "uid", p->uid);
	if (v->user)
		text__kv(f, "user", v->user);
	if (v->kind == PROC_VIEW_EXIT) {
		text__ku(f, "exit_code", v->exit_code);
		if (v->signal)
			text__kv(f, "signal", v->signame);
		fprintf(f, " duration=%.3fms", v->duration_ns / 1e6);
	}
	text__image(f, v);
	fputc('\n', f);
}
