// SPDX-License-Identifier: GPL-2.0-only
/* What every stage derives from a process the same way, made once, and the
 * containers process entries share (see proc_info.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "cmdline.h"
#include "proc_info.h"
#include "strhash.h"

const char *proc_info__cmdline(const struct proc_info *p)
{
	/* A cache, not a change of what the process is: sinks hold it const. */
	struct proc_info *m = (struct proc_info *)p;

	if (!p->args_len)
		return NULL;
	if (!m->cmdline)
		m->cmdline = cmdline__dup(p->args, p->args_len);
	return m->cmdline;
}

void proc_info__forget_cmdline(struct proc_info *p)
{
	free(p->cmdline);
	p->cmdline = NULL;
}

/*
 * Containers, shared: one entry per container id, counted by the processes
 * that name it, gone with the last of them. The pipeline's thread alone
 * reads and changes process entries, so the counts need no lock.
 */
struct ctr_shared {
	struct container c; /* first: a process entry points at it */
	unsigned int refs;
	struct ctr_shared *next;
};

#define CTR_SHARED_BUCKETS 256

static struct ctr_shared *ctr_shared[CTR_SHARED_BUCKETS];
static const struct container ctr_none;

static unsigned int ctr_shared__slot(const char *id)
{
	return str__hash(id) & (CTR_SHARED_BUCKETS - 1);
}

static const struct container *ctr_shared__get(const struct container *c)
{
	struct ctr_shared **head = &ctr_shared[ctr_shared__slot(c->id)], *e;

	for (e = *head; e; e = e->next)
		if (!strcmp(e->c.id, c->id) && e->c.runtime == c->runtime) {
			e->refs++;
			return &e->c;
		}
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL; /* out of memory: the process is shown in no container */
	e->c = *c;
	e->refs = 1;
	e->next = *head;
	*head = e;
	return &e->c;
}

static void ctr_shared__put(const struct container *c)
{
	struct ctr_shared **pp = &ctr_shared[ctr_shared__slot(c->id)], *e;

	for (; (e = *pp); pp = &e->next)
		if (&e->c == c) {
			if (--e->refs == 0) {
				*pp = e->next;
				free(e);
			}
			return;
		}
}

const struct container *proc_info__container(const struct proc_info *p)
{
	return p->container ? p->container : &ctr_none;
}

void proc_info__set_container(struct proc_info *p, const struct container *c)
{
	const struct container *old = p->container;

	if (old && !strcmp(old->id, c->id) && old->runtime == c->runtime)
		return;
	p->container = c->id[0] ? ctr_shared__get(c) : NULL;
	if (old)
		ctr_shared__put(old);
}

void proc_info__share_container(struct proc_info *p, const struct proc_info *from)
{
	proc_info__set_container(p, proc_info__container(from));
}

void proc_info__drop_container(struct proc_info *p)
{
	if (p->container)
		ctr_shared__put(p->container);
	p->container = NULL;
}
