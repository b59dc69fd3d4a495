// SPDX-License-Identifier: GPL-2.0-only
#define _GNU_SOURCE
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include "ctr_cache.h"
#include "filter.h"
#include "proc_info.h"

int pidlist__add_csv(struct pidlist *l, const char *s)
{
	const char *p = s;

	while (*p) {
		char *end;
		long v;

		errno = 0;
		v = strtol(p, &end, 10);
		if (errno || end == p || v <= 0 || v > 0x7fffffff || (*end && *end != ','))
			return -1;
		if (l->n == l->cap) {
			size_t cap = l->cap ? l->cap * 2 : 8;
			pid_t *nv = realloc(l->v, cap * sizeof(*nv));

			if (!nv)
				return -1;
			l->v = nv;
			l->cap = cap;
		}
		l->v[l->n++] = (pid_t)v;
		p = *end ? end + 1 : end;
	}
	return 0;
}

bool pidlist__contains(const struct pidlist *l, pid_t pid)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i] == pid)
			return true;
	return false;
}

void filter__free(struct proc_filter *f)
{
	free(f->pids.v);
	free(f->ppids.v);
	free(f->trees.v);
	strlist__free(&f->comms);
	strlist__free(&f->exes);
	strlist__free(&f->cmdlines);
	strlist__free(&f->containers);
	strlist__free(&f->pods);
	strlist__free(&f->k8s_namespaces);
	strlist__free(&f->cgroup_paths);
	memset(f, 0, sizeof(*f));
}

bool filter__in_tree(const struct proc_filter *f, pid_t pid, const struct proc_info *parent)
{
	return pidlist__contains(&f->trees, pid) || (parent && parent->in_tree);
}

static bool match__exe(const struct strlist *l, const char *exe)
{
	for (size_t i = 0; i < l->n; i++)
		if (exe && !fnmatch(l->v[i], exe, 0))
			return true;
	return false;
}

/* Substring of the arguments joined by single spaces, as a user would type them. */
static bool match__cmdline(const struct strlist *l, const struct proc_info *p)
{
	char *joined;
	bool hit = false;

	if (!p->args_len)
		return false;
	joined = malloc(p->args_len + 1);
	if (!joined)
		return false;
	for (size_t i = 0; i < p->args_len; i++)
		joined[i] = p->args[i] ? p->args[i] : ' ';
	joined[p->args_len] = '\0';
	for (size_t i = 0; i < l->n && !hit; i++)
		hit = memmem(joined, p->args_len, l->v[i], strlen(l->v[i])) != NULL;
	free(joined);
	return hit;
}

/* A name as the runtime knows it, or an id prefix (the name only once the runtime said it). */
static bool match__container(const struct strlist *l, const struct container *c)
{
	const struct ctr_meta *m = ctr_cache__find(c);

	for (size_t i = 0; c->id[0] && i < l->n; i++)
		if (!strncmp(c->id, l->v[i], strlen(l->v[i])) || (m && !strcmp(m->name, l->v[i])))
			return true;
	return false;
}

/* --pod, --k8s-namespace: what the runtime said of the container's pod. */
static bool match__pod(const struct strlist *l, const struct container *c, bool ns)
{
	const struct ctr_meta *m = ctr_cache__find(c);

	return m && strlist__contains(l, ns ? m->pod_namespace : m->pod_name);
}

bool filter__needs_images(const struct proc_filter *f)
{
	return f->ppids.n || f->trees.n || f->exes.n || f->cmdlines.n || f->containers.n ||
	       f->pods.n || f->k8s_namespaces.n ||
	       f->cgroup_paths.n || f->pids.n > 8 || f->comms.n > 4;
}

bool filter__match(const struct proc_filter *f, const struct proc_info *p, bool is_exit,
		   uint64_t exit_duration_ns)
{
	if (f->pids.n && !pidlist__contains(&f->pids, p->pid))
		return false;
	if (f->ppids.n && !pidlist__contains(&f->ppids, p->ppid))
		return false;
	if (f->trees.n && !p->in_tree)
		return false;
	if (f->comms.n && !strlist__contains(&f->comms, p->comm))
		return false;
	if (f->exes.n && !match__exe(&f->exes, p->exe))
		return false;
	if (f->cmdlines.n && !match__cmdline(&f->cmdlines, p))
		return false;
	if (f->containers.n && !match__container(&f->containers, proc_info__container(p)))
		return false;
	if (f->pods.n && !match__pod(&f->pods, proc_info__container(p), false))
		return false;
	if (f->k8s_namespaces.n && !match__pod(&f->k8s_namespaces, proc_info__container(p), true))
		return false;
	if (f->cgroup_paths.n && !match__exe(&f->cgroup_paths, p->cgroup_path))
		return false;
	if (is_exit && f->has_min_duration && exit_duration_ns < f->min_duration_ns)
		return false;
	return true;
}
