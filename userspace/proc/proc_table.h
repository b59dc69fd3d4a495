/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_PROC_TABLE_H
#define WHOFLOW_PROC_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "proc_info.h"

struct proc_table {
	struct proc_info **buckets;
	size_t nbuckets, count;
};

int proc_table__init(struct proc_table *t);
void proc_table__free(struct proc_table *t);
struct proc_info *proc_table__find(const struct proc_table *t, pid_t pid);
/* Returns the existing entry for pid, or a new zeroed one. */
struct proc_info *proc_table__get(struct proc_table *t, pid_t pid);
void proc_table__remove(struct proc_table *t, pid_t pid);
/* Takes the entry out of the table without freeing it. */
struct proc_info *proc_table__unlink(struct proc_table *t, pid_t pid);
/* Inserts an unlinked entry, replacing any entry with its pid. */
void proc_table__put(struct proc_table *t, struct proc_info *p);
/* Deep-copies what a forked child inherits from its parent (image, cwd, cgroup). */
void proc_info__inherit(struct proc_info *child, const struct proc_info *parent);
void proc_info__set_str(char **dst, const char *src);
void proc_info__set_bytes(char **dst, size_t *dst_len, const char *src, size_t len);

#define proc_table__for_each(t, p, i)       \
	for (i = 0; i < (t)->nbuckets; i++) \
		for (p = (t)->buckets[i]; p; p = p->next)

#endif
