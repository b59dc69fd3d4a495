// SPDX-License-Identifier: GPL-2.0-only
/* The monitor's container metadata: the stage started, -w's verdicts kept right, the summary. */
#include <inttypes.h>
#include "ctr_cache.h"
#include "meta_stage.h"
#include "log.h"
#include "monitor_ctr.h"
#include "parse_container.h"
#include "proc.h"

#define CTR_CACHE_ENTRIES 4096

/* A container got its name (or a new one): selectors by name judge its processes again. */
static void monitor_ctr__changed(void *ctx, const char *id)
{
	proc_tracker__judge_container(ctx, id);
}

int monitor_ctr__start(const struct config *cfg, struct proc_tracker *t)
{
	struct meta_stage_cfg mc = {
		.docker_socket = cfg->docker_socket,
		.podman_socket = cfg->podman_socket,
		.containerd_socket = cfg->containerd_socket,
		.docker_set = cfg->docker_socket != NULL,
		.podman_set = cfg->podman_socket != NULL,
		.containerd_set = cfg->containerd_socket != NULL,
		.labels = (const char *const *)cfg->container_labels.v,
		.nlabels = (unsigned int)cfg->container_labels.n,
		.cache_entries = CTR_CACHE_ENTRIES,
	};

	if (cfg->no_container_meta)
		return 0;
	if (!mc.nlabels) {
		mc.labels = container_labels_default;
		mc.nlabels = container_labels_default_n;
	}
	return meta_stage__start(&mc, monitor_ctr__changed, t);
}

void monitor_ctr__summary(void)
{
	struct meta_stage_stats st;
	struct ctr_cache_stats cs;

	meta_stage__stats(&st);
	ctr_cache__stats(&cs);
	if (!meta_stage__sources()[0])
		return;
	pr_say("summary: containers from %s: lookups=%" PRIu64 " found=%" PRIu64
	       " not_found=%" PRIu64 " runtime_events=%" PRIu64 " events_named=%" PRIu64
	       " events_unnamed=%" PRIu64 "; lost unreachable=%" PRIu64 " errors=%" PRIu64
	       " queue_full=%" PRIu64 " evicted=%" PRIu64 "\n",
	       meta_stage__sources(), st.lookups, st.found, st.not_found, st.events, cs.hits,
	       cs.misses, st.unreachable, st.errors, st.queue_full, cs.evicted);
}

void monitor_ctr__stop(void)
{
	meta_stage__stop();
}

void monitor_ctr__free(void)
{
	ctr_cache__free();
}
