/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_OWNER_FMT_H
#define WHOFLOW_OWNER_FMT_H

#include <stddef.h>
#include <stdio.h>
#include "event.h"

struct json;

/* process.parent: pid and name; entity_id, executable and command line when the parent is known. */
void owner__json_parent(struct json *j, const struct proc_info *p, const struct proc_info *parent);
/* argv (NUL-separated, len bytes) as a JSON array under key. */
void owner__json_args(struct json *j, const char *key, const char *args, size_t len);
/* process.*, container.* at the top level of an event (key NULL), or under key. */
void owner__json_ecs(struct json *j, const char *key, const struct owner_view *v);
/* whoflow.attribution, whoflow.cgroup.*, whoflow.socket.*: inside the whoflow object. */
void owner__json_whoflow(struct json *j, const struct owner_view *v);
/* " pid=N comm=NAME [container=ID]" or " pid=? attribution=unknown:REASON", keys prefixed. */
void owner__text(FILE *f, const char *prefix, const struct owner_view *v);
/*
 * The pcapng packet comment, one stable key=value line: pid tid comm exe
 * cmdline ppid pcomm uid container cgroup attribution (absent keys left out;
 * values with spaces, quotes, '=' or control bytes in double quotes, C escapes).
 * An unknown owner gives only attribution=unknown:REASON.
 */
void owner__comment(const struct owner_view *v, char *out, size_t n);

#endif
