/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_BINKEEP_H
#define WHOFLOW_BINKEEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * --preserve-binaries DIR: a copy of every executable that runs (and of the
 * script a script's interpreter runs), named by its SHA-256, 0444 in a 0700
 * directory, with index.json (first and last seen, paths, size, the
 * processes that ran it). Copied from the process's own image
 * (/proc/PID/exe), so a binary deleted or replaced after exec is kept; at
 * most max_total bytes, the least recently seen evicted first; a file over
 * max_file is not copied. Runs at exec, on the process tracker's thread.
 */
enum binkeep_status {
	BIN_NONE, /* not asked */
	BIN_KEPT, /* copied now */
	BIN_KNOWN, /* already kept */
	BIN_MISSED, /* the process was gone before its image could be read */
	BIN_TOO_LARGE, /* over the per-file cap (or the whole cap) */
	BIN_FAILED, /* not written (the directory refused it): said once, counted */
};

struct binkeep_entry;

struct binkeep {
	char *dir;
	int dirfd;
	uint64_t max_total, max_file, total;
	struct binkeep_entry *v;
	size_t n, cap;
	bool dirty; /* index.json is behind */
	uint64_t kept, known, missed, too_large, failed, evicted;
	bool said_failure;
};

struct proc_info;

/* 0, or -1 after saying why (the directory cannot be made or used). */
int binkeep__open(struct binkeep *k, const char *dir, uint64_t max_total, uint64_t max_file);
/* p's image (and its script): kept, or found kept; p->md5 and p->sha256 get its hashes. */
enum binkeep_status binkeep__exec(struct binkeep *k, struct proc_info *p);
/* index.json written if anything changed (atomically: a temporary file renamed). */
void binkeep__sync(struct binkeep *k);
void binkeep__close(struct binkeep *k);
const char *binkeep__status_name(enum binkeep_status s);

#endif
