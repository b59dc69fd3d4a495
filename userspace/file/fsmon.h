/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_FSMON_H
#define WHOFLOW_FSMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "fsnote.h"

/*
 * The fanotify group behind --files: one FAN_MARK_FILESYSTEM mark per
 * mounted filesystem that holds files (pseudo filesystems left out), records
 * with directory handles and names (FAN_REPORT_DFID_NAME_TARGET), and the
 * paths those handles name now (open_by_handle_at through a descriptor of
 * each filesystem's mount).
 */
#define FSMON_MOUNTS_MAX 256
#define FSMON_DIRS 256 /* directory paths remembered, by handle */

struct fsmon_mount {
	uint32_t fsid[2];
	int fd; /* the mount point, for open_by_handle_at */
	char *point;
	uint64_t dev; /* its st_dev: opens for writing are matched to watched filesystems by it */
	bool gen_handles; /* its handles hold inode and generation (file_agg.c, ident__of) */
};

struct fsmon_dir {
	uint32_t fsid[2];
	uint32_t bytes;
	unsigned char handle[64];
	char *path;
};

struct fsmon {
	int fd;
	struct fsmon_mount mounts[FSMON_MOUNTS_MAX];
	size_t nmounts;
	unsigned int mark_failed; /* filesystems not watched: refused a mark, or past FSMON_MOUNTS_MAX */
	uint32_t refused[FSMON_MOUNTS_MAX][2]; /* their fsids, judged once */
	size_t nrefused;
	int mounts_fd; /* /proc/self/mounts, polled for mounts made later */
	uint64_t mask;
	struct fsmon_dir dirs[FSMON_DIRS];
	uint64_t overflows; /* FAN_Q_OVERFLOW: the kernel's queue was full, notifications lost */
	uint64_t malformed; /* reads that did not parse */
};

/* 0, or -1 after saying what failed and what to do. writes: every write(2) too (FAN_MODIFY). */
int fsmon__open(struct fsmon *m, bool writes);
void fsmon__close(struct fsmon *m);
/* Marks the filesystems mounted since the last look, if the mount table changed: how many. */
size_t fsmon__rescan(struct fsmon *m);

/* Reads what is queued (never blocks); fn gets each notification. Returns the count. */
int fsmon__read(struct fsmon *m, void (*fn)(void *ctx, const struct fs_note *n), void *ctx);

/* The object's current path (dir + "/" + name when a directory handle is given). 0, or -1. */
int fsmon__path(struct fsmon *m, const uint32_t fsid[2], const struct fs_handle *dir,
		const char *name, char *out, size_t n);
/* A descriptor of the object (flags: O_PATH, O_RDONLY), -1 when it is gone or unreachable. */
int fsmon__open_obj(const struct fsmon *m, const uint32_t fsid[2], const struct fs_handle *h,
		    int flags);
/* A directory was renamed or removed: the paths remembered may be stale. */
void fsmon__forget_dirs(struct fsmon *m);
/* The watched filesystem of this st_dev, or NULL. */
const struct fsmon_mount *fsmon__by_dev(const struct fsmon *m, uint64_t dev);
/* The st_dev of the watched filesystem with this fsid (0: none). */
uint64_t fsmon__dev_of(const struct fsmon *m, const uint32_t fsid[2]);

#endif
