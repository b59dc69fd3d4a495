/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_DWRITER_H
#define WHOFLOW_DWRITER_H

#include <stddef.h>
#include <stdint.h>

/*
 * Sequential writing of a file opened with O_DIRECT, around the page cache:
 * bytes gather in page-aligned 4 MiB buffers; a full buffer goes to one of two
 * writer threads, so that copying the next one overlaps the disk's work and two
 * writes are in flight (a virtio disk here takes 2.4 GB/s from one stream of
 * 4 MiB writes, 3.1 GB/s from two). The caller's thread never waits on the
 * disk but when all buffers are in flight, and at a flush.
 */
struct dwriter;

/*
 * What the disk did for a capture, summed over its writers (files): the bytes
 * it took (padding and rewritten partial pages included), the time it had at
 * least one write in flight, and the time the caller's thread waited for it
 * (no free buffer, or a flush). A capture that drops packets while its writer
 * waited for most of the run was held back by the disk, not by the CPU.
 * Written by the writer's threads under its lock; read them with
 * __atomic_load_n from another thread.
 */
struct dwriter_stats {
	uint64_t bytes;
	uint64_t busy_ns;
	uint64_t wait_ns;
};

/* Writes fd (which has O_DIRECT) from offset 0, adding to *acc when not NULL.
 * NULL when memory or threads are refused. */
struct dwriter *dwriter__new(int fd, struct dwriter_stats *acc);
/* Appends n bytes; 0, or the first write error seen (negative errno). */
int dwriter__put(struct dwriter *d, const void *p, size_t n);
/*
 * Makes everything put so far part of the file: waits for the writes in
 * flight, writes the last partial page padded to a whole one and cuts the file
 * back to its real length. 0, or the first write error seen.
 */
int dwriter__flush(struct dwriter *d);
/* After a failure: waits for the writes in flight and forgets what is buffered. */
void dwriter__discard(struct dwriter *d);
/* Waits for the writes in flight, stops the threads, frees d (fd stays open). */
void dwriter__free(struct dwriter *d);

#endif
