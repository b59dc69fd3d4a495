/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_CTR_CACHE_H
#define WHOFLOW_CTR_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "container.h"
#include "ctr_meta.h"

/*
 * What the runtimes said of each container, for the sinks and selectors: the
 * pipeline's thread only (the meta stage's threads hand it their answers
 * through meta_stage__poll). Bounded: the least recently used entry goes when
 * it is full. A container not known yet is asked for once (ask) and the
 * event goes out with its id alone: nothing here ever waits on a runtime.
 */

/* Queue a lookup; false when it cannot (the queue is full: asked again later). */
typedef bool (*ctr_ask_fn)(void *ctx, const char *id, const char *runtime);

/* max_entries 0: off (find answers NULL, asks nothing). */
void ctr_cache__init(size_t max_entries, ctr_ask_fn ask, void *ctx);
void ctr_cache__free(void);

/*
 * The container's metadata, NULL when not known (yet). Valid until the next
 * put; a find evicts only the least recently used of at least 16 entries, so
 * one event's lookups (its two ends) stay valid together. LXC and
 * systemd-nspawn containers are not asked for (their ids are their names). A container no
 * runtime knows, or whose runtime did not answer, is asked again after 30 s;
 * one whose runtime has no event stream, after 5 min.
 */
const struct ctr_meta *ctr_cache__find(const struct container *c);

/* A runtime's answer (copied). True when what events show of it changed. */
bool ctr_cache__put(const struct ctr_meta *m);

struct ctr_cache_stats {
	uint64_t hits; /* events whose container was known */
	uint64_t misses; /* events that went out with the id alone */
	uint64_t evicted;
	uint64_t entries;
};
void ctr_cache__stats(struct ctr_cache_stats *st);

#endif
