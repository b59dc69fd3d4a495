/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_FILE_OPEN_H
#define WHOFLOW_FILE_OPEN_H

#include <stdint.h>
#include <sys/sysmacros.h>
#include <linux/types.h>
#include "fileopen_events.h"

/*
 * --files: opens for writing, from the sys_exit tracepoint
 * (bpf/trace/fileopen.bpf.c). Read on the files timer, never on a wakeup.
 */
struct fileopen_bpf;
struct ring_buffer;

typedef void (*file_open_fn)(void *ctx, const struct wf_file_open *e);

struct file_opens {
	struct fileopen_bpf *skel;
	struct ring_buffer *rb;
	file_open_fn fn;
	void *ctx;
	uint64_t seen; /* opens read from the ring */
};

/* 0, or a negative errno after saying why (the caller goes on without opens). */
int file_opens__start(struct file_opens *o, file_open_fn fn, void *ctx);
/* Hands every open waiting in the ring to fn. */
void file_opens__read(struct file_opens *o);
/* Opens the kernel could not ship (its ring was full). */
uint64_t file_opens__lost(const struct file_opens *o);
void file_opens__stop(struct file_opens *o);

/* The kernel's dev_t (major << 20 | minor) as stat(2) gives it. */
static inline uint64_t file_opens__dev(__u32 kdev)
{
	return makedev(kdev >> 20, kdev & 0xfffff);
}

#endif
