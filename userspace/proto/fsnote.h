/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_FSNOTE_H
#define WHOFLOW_FSNOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * fanotify's records as a group with FAN_REPORT_DFID_NAME_TARGET reads them
 * (the event metadata, then info records: the directory's file handle with
 * the entry's name, the object's own handle, and for FAN_RENAME the old and
 * new directory and name). Pure: the bytes read() gave, in; each record's
 * parts, out, pointing into those bytes.
 */
struct fs_handle {
	uint32_t bytes; /* of f_handle */
	int32_t type;
	const unsigned char *f_handle;
};

struct fs_note {
	uint64_t mask; /* FAN_* bits, merged by the kernel while unread */
	pid_t pid; /* the actor's tgid */
	uint32_t fsid[2]; /* the filesystem the handles belong to */
	bool has_dir, has_obj, has_old, has_new;
	struct fs_handle dir, obj, old_dir, new_dir;
	const char *name, *old_name, *new_name; /* NUL-terminated in the buffer */
};

/*
 * Calls fn for each whole record of buf (len bytes). Returns the records
 * given to fn, or -1 when a record or an info record does not fit where its
 * length says (the rest of buf is left: nothing after a fault is trusted).
 */
int fsnote__parse(const void *buf, size_t len, void (*fn)(void *ctx, const struct fs_note *n),
		  void *ctx);

#endif
