/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_META_STAGE_H
#define WHOFLOW_META_STAGE_H

#include <stdbool.h>
#include <stdint.h>
#include "ctr_meta.h"

/*
 * The container metadata stage: the runtimes' local APIs asked off the event
 * path (a worker thread, a bounded queue of lookups), their event streams
 * followed (a thread per API socket), and the answers handed to the cache
 * (lib/ctr_cache.c) on the pipeline's thread by meta_stage__poll.
 */
struct meta_stage_cfg {
	const char *docker_socket; /* NULL: the default path, used when present */
	const char *podman_socket;
	const char *containerd_socket;
	bool docker_set, podman_set, containerd_set; /* given on the command line */
	const char *const *labels; /* the label keys events carry */
	unsigned int nlabels;
	unsigned long cache_entries;
};

/* A container's metadata changed (new, renamed, relabelled): -w's verdicts. */
typedef void (*meta_stage_changed_fn)(void *ctx, const char *id);

/* Starts what the configuration asks for; 0, or 1 after saying why. */
int meta_stage__start(const struct meta_stage_cfg *cfg, meta_stage_changed_fn changed, void *ctx);
/* The answers that arrived, into the cache (pipeline thread; cheap when none). */
void meta_stage__poll(void);
void meta_stage__stop(void);
/* The sources in use, e.g. "docker,containerd" ("" when none). */
const char *meta_stage__sources(void);

struct meta_stage_stats {
	uint64_t lookups; /* asked of a runtime */
	uint64_t found;
	uint64_t not_found; /* no runtime knew the id */
	uint64_t unreachable; /* no answer (socket missing, dead or slow) */
	uint64_t errors; /* an answer that was not what was asked (bad JSON) */
	uint64_t queue_full; /* lookups refused: asked again on a later event */
	uint64_t events; /* runtime events read from the streams */
};
void meta_stage__stats(struct meta_stage_stats *st);

#endif
