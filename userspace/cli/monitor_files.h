/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_MONITOR_FILES_H
#define WHOFLOW_MONITOR_FILES_H

#include <stdint.h>
#include "config.h"
#include "event.h"

struct proc_tracker;
struct loop;

/* --files for a monitor run: the fanotify group on the loop. 0, or 1 after saying why. */
int monitor_files__start(const struct config *cfg, const struct proc_tracker *t,
			 struct event_out *out, struct loop *l);
/* Every record still open goes out (before the sinks close); the group closes. */
void monitor_files__stop(void);
/* "summary: binaries ..." with --preserve-binaries. */
void monitor_files__binaries(const struct proc_tracker *t);
/* "summary: files ..." when --files ran. */
void monitor_files__summary(void);
/* Notifications the kernel's queue could not hold (lost, counted). */
uint64_t monitor_files__overflows(void);
/* Opens for writing the kernel could not ship, and those never matched to a file. */
void monitor_files__opens_lost(uint64_t *ring_full, uint64_t *unresolved);

#endif
