/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_FILTER_H
#define WHOFLOW_FILTER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "config.h"
#include "strlist.h"

struct proc_info;

int pidlist__add_csv(struct pidlist *l, const char *s);
bool pidlist__contains(const struct pidlist *l, pid_t pid);
void filter__free(struct proc_filter *f);

/* A new process is in the --tree set when it is a root or its parent is in it. */
bool filter__in_tree(const struct proc_filter *f, pid_t pid, const struct proc_info *parent);
/*
 * Whether -w needs the agent's verdict per process image: selectors the
 * classifiers cannot judge from a socket's owner (pid, tgid, comm) alone, or
 * more pids or names than they hold (8 and 4).
 */
bool filter__needs_images(const struct proc_filter *f);
/* exit_duration_ns is used only for exit events (is_exit). */
bool filter__match(const struct proc_filter *f, const struct proc_info *p, bool is_exit,
		   uint64_t exit_duration_ns);

#endif
