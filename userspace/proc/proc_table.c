// SPDX-License-Identifier: GPL-2.0-only
#include <stdlib.h>
#include <string.h>
#include "proc_table.h"

int proc_table__init(struct proc_table *t)
{
	t->nbuckets = 4096;
	t->count = 0;
	t->buckets = calloc(t->nbuckets, sizeof(*t->buckets));
	return t->buckets ? 0 : -1;
}

static void proc_info__free(struct proc_info *p)
{
	free(p->exe);
	free(p->cwd);
	free(p->args);
	proc_info__forget_cmdline(p);
	free(p->env);
	free(p->cgroup_path);
	proc_info__drop_container(p);
	free(p);
}

void proc_table__free(struct proc_table *t)
{
	for (size_t i = 0; i < t->nbuckets; i++) {
		struct proc_info *p = t->buckets[i], *next;

		for (; p; p = next) {
			next = p->next;
			proc_info__free(p);
		}
	}
	free(t->buckets);
	memset(t, 0, sizeof(*t));
}

static size_t proc_table__slot(const struct proc_table *t, pid_t pid)
{
	return ((uint32_t)pid * 2654435761u) & (t->nbuckets - 1);
}

/* Doubles the bucket array when chains grow long; pids are dense so this stays rare. */
static void proc_table__grow(struct proc_table *t)
{
	size_t old_n = t->nbuckets;
	struct proc_info **old = t->buckets, **nb = calloc(old_n * 2, sizeof(*nb));

	if (!nb)
		return;
	t->buckets = nb;
	t->nbuckets = old_n * 2;
	for (size_t i = 0; i < old_n; i++) {
		struct proc_info *p = old[i], *next;

		for (; p; p = next) {
			size_t s = proc_table__slot(t, p->pid);

			next = p->next;
			p->next = nb[s];
			nb[s] = p;
		}
	}
	free(old);
}

struct proc_info *proc_table__find(const struct proc_table *t, pid_t pid)
{
	struct proc_info *p = t->buckets[proc_table__slot(t, pid)];

	while (p && p->pid != pid)
		p = p->next;
	return p;
}

struct proc_info *proc_table__get(struct proc_table *t, pid_t pid)
{
	struct proc_info *p = proc_table__find(t, pid);
	size_t s;

	if (p)
		return p;
	if (t->count >= t->nbuckets * 2)
		proc_table__grow(t);
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->pid = p->tid = pid;
	s = proc_table__slot(t, pid);
	p->next = t->buckets[s];
	t->buckets[s] = p;
	t->count++;
	return p;
}

struct proc_info *proc_table__unlink(struct proc_table *t, pid_t pid)
{
	struct proc_info **pp = &t->buckets[proc_table__slot(t, pid)], *p;

	while (*pp && (*pp)->pid != pid)
		pp = &(*pp)->next;
	p = *pp;
	if (p) {
		*pp = p->next;
		p->next = NULL;
		t->count--;
	}
	return p;
}

void proc_table__put(struct proc_table *t, struct proc_info *p)
{
	size_t s;

	proc_table__remove(t, p->pid);
	if (t->count >= t->nbuckets * 2)
		proc_table__grow(t);
	s = proc_table__slot(t, p->pid);
	p->next = t->buckets[s];
	t->buckets[s] = p;
	t->count++;
}

void proc_table__remove(struct proc_table *t, pid_t pid)
{
	struct proc_info **pp = &t->buckets[proc_table__slot(t, pid)];

	while (*pp && (*pp)->pid != pid)
		pp = &(*pp)->next;
	if (*pp) {
		struct proc_info *p = *pp;

		*pp = p->next;
		proc_info__free(p);
		t->count--;
	}
}

void proc_info__set_str(char **dst, const char *src)
{
	free(*dst);
	*dst = src ? strdup(src) : NULL;
}

void proc_info__set_bytes(char **dst, size_t *dst_len, const char *src, size_t len)
{
	free(*dst);
	*dst = NULL;
	*dst_len = 0;
	if (!src || !len)
		return;
	*dst = malloc(len);
	if (*dst) {
		memcpy(*dst, src, len);
		*dst_len = len;
	}
}

void proc_info__inherit(struct proc_info *c, const struct proc_info *p)
{
	proc_info__set_str(&c->exe, p->exe);
	proc_info__set_str(&c->cwd, p->cwd);
	proc_info__set_str(&c->cgroup_path, p->cgroup_path);
	proc_info__set_bytes(&c->args, &c->args_len, p->args, p->args_len);
	proc_info__forget_cmdline(c);
	c->args_truncated = p->args_truncated;
	proc_info__share_container(c, p);
	memcpy(c->md5, p->md5, sizeof(c->md5));
	memcpy(c->sha256, p->sha256, sizeof(c->sha256));
}
