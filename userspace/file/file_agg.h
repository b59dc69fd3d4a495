/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_FILE_AGG_H
#define WHOFLOW_FILE_AGG_H

#include <stdbool.h>
#include <stdint.h>
#include "config.h"
#include "event.h"
#include "file_open.h"
#include "fsmon.h"

/*
 * --files: fanotify's notifications made into FILE events. By default one
 * record per file and process, counting each kind of action, reported once
 * the file has been left alone for FILE_IDLE_NS (or FILE_SPAN_NS after the
 * first notification, for a file written on and on); with --files-all, one
 * event per notification.
 */
#define FILE_IDLE_NS (1000000000ull)
#define FILE_SPAN_NS (10000000000ull)
#define FILE_RECS_MAX 65536

struct proc_tracker;
struct file_rec;
struct open_pending;

struct file_tracker {
	struct fsmon mon;
	const struct config *cfg;
	const struct proc_tracker *procs;
	struct event_out *out;
	struct file_rec **buckets;
	struct file_rec **ibuckets; /* the same records by process and inode, for opens */
	size_t nrecs;
	struct file_opens opens;
	bool opens_on; /* the sys_exit tracepoint is attached */
	struct open_pending **pending; /* opens waiting for their record, by process and inode */
	size_t npending;
	pid_t self;
	bool all_scope; /* --cgroup is the whole host: processes the table lacks still count */
	uint64_t notes, reported, out_of_scope, unaggregated, hashed, hash_skipped;
	/* Opens for writing: seen on watched filesystems, counted on a record that
	 * had the file, counted on one made from the descriptor, neither (the
	 * descriptor closed or reused before it could be read). */
	uint64_t opens_seen, opens_matched, opens_resolved, opens_unresolved;
};

/* 0, or -1 after saying why. */
int file_tracker__open(struct file_tracker *ft, const struct config *cfg,
		       const struct proc_tracker *procs, bool all_scope, struct event_out *out);
/* The loop's callback for the fanotify descriptor (ft->mon.fd). */
int file_tracker__readable(void *ctx, uint32_t events);
/* Reports the records left alone long enough (all: every one, at the end). */
void file_tracker__flush(struct file_tracker *ft, bool all);
void file_tracker__close(struct file_tracker *ft);

#endif
