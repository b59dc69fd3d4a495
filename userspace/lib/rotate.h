/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_ROTATE_H
#define WHOFLOW_ROTATE_H

/*
 * When a file is due for a new one (by size, by age), for -w's -C/-G and the
 * log files' --log-rotate-size/--log-rotate-interval alike; and the log files'
 * way of making room: rename (FILE -> FILE.1 -> FILE.2 ..., the oldest beyond
 * keep removed, FILE.1 gzipped on request), then the writer reopens FILE. A
 * follower reading by name finishes the renamed file and goes on with the new.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct rotor {
	uint64_t max_bytes; /* 0: no size limit */
	unsigned long max_seconds; /* 0: no age limit */
	uint64_t bytes; /* in the current file */
	time_t opened; /* when the current file was started */
};

/* A new file was started (or reopened holding bytes already). */
static inline void rotor__start(struct rotor *r, uint64_t bytes, time_t now)
{
	r->bytes = bytes;
	r->opened = now;
}

/* Whether writing next more bytes should go to a new file first. An empty
 * file is never due: one record larger than the limit still gets written. */
static inline bool rotor__due(const struct rotor *r, size_t next, time_t now)
{
	if (!r->bytes)
		return false;
	return (r->max_bytes && r->bytes + next > r->max_bytes) ||
	       (r->max_seconds && (unsigned long)(now - r->opened) >= r->max_seconds);
}

/* FILE -> FILE.1 (gzipped to FILE.1.gz with compress), older ones shifted up,
 * at most keep kept. 0, or -errno (the file stays where it was). */
int rotate__shift(const char *path, unsigned int keep, bool compress);

#endif
