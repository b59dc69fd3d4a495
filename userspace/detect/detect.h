/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_DETECT_H
#define WHOFLOW_DETECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "event.h"

struct detect;

/* Where alerts go (the pipeline's sinks). */
typedef void (*detect_emit_fn)(void *ctx, const struct event *alert);

struct detect_stats {
	unsigned int usable, skipped, broken;
	uint64_t alerts, reloads, reload_refused;
};

/* The rules' ids the first rules directory turns off (one a line); the API writes it. */
#define DETECT_DISABLED_FILE ".whoflow-disabled"

/* Loads the rules under dirs (kept by the caller), says what loaded, watches the directories.
 * api_writes: the API may write rules into dirs[0] (when it is a directory). NULL only when
 * memory ran out. */
struct detect *detect__open(const char *const *dirs, size_t ndirs, bool api_writes);
/* Evaluates one joined event; each match is an alert event given to emit. */
void detect__event(struct detect *d, const struct event *ev, detect_emit_fn emit, void *ctx);
/* The inotify descriptor of the rule directories (readable: something changed), or -1. */
int detect__fd(const struct detect *d);
/* Reloads the rules when their directories changed. */
void detect__poll(struct detect *d);
void detect__stats(const struct detect *d, struct detect_stats *st);
/* The loaded rules as /api/rules answers (malloc'd JSON; NULL: no detection running);
 * safe from any thread. */
char *detect__rules_json(size_t *len);
void detect__close(struct detect *d);
/* For the API's writes, from any thread: the file rule id was loaded from (false: no such
 * rule loaded), and the directory writes go to (NULL: writing is off). */
bool detect__rule_file(const char *id, char *file, size_t n);
const char *detect__write_dir(void);

#endif
