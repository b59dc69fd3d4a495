/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_DROPS_H
#define WHOFLOW_DROPS_H

/*
 * --drops: packets the kernel dropped in the watched namespaces, with the
 * reason's name (from the kernel's BTF), the place that freed them, the
 * tuple, the flow and the owner; summed per kind over a window in the kernel
 * (bpf/trace/drop.bpf.c), or one by one with --drops-all.
 */
#include <stdbool.h>
#include <stdint.h>
#include <linux/types.h>
#include "drop_events.h"

struct bpf_object;
struct drop_bpf;
struct event_out;
struct flow_tracker;
struct loop;
struct ksyms;

struct drop_reason {
	__u32 value;
	char *name; /* without SKB_DROP_REASON_ */
};

struct drop_tracker {
	struct drop_bpf *skel;
	bool all; /* --drops-all */
	const struct flow_tracker *ft; /* flows (ids, senders) and interface names */
	struct event_out *out;
	struct drop_reason *reasons; /* enum skb_drop_reason, from the kernel's BTF */
	size_t nreasons;
	struct ksyms *ksyms; /* /proc/kallsyms, read at the first drop */
	bool ksyms_tried;
	uint64_t reported; /* DROP events made */
	uint64_t packets; /* packets they stand for */
};

/* Loads and attaches the tracepoint; classifiers: the loaded flow object, whose
 * socket owner tables and flow table it reads. */
int drop_tracker__start(struct drop_tracker *d, bool all, const struct flow_tracker *ft,
			struct event_out *out, const struct bpf_object *classifiers);
/* The name of a reason ("UNKNOWN_<n>" in buf when BTF named none). */
const char *drop_tracker__reason(const struct drop_tracker *d, __u32 value, char *buf,
				 size_t len);
/* Drops in this namespace (a cookie) count from now on. */
void drop_tracker__watch_netns(struct drop_tracker *d, __u64 netns);
/* --drops-all: the ring of single drops. */
int drop_tracker__add_ring(struct drop_tracker *d, struct loop *l);
/* Reports the window that ended (all: at exit, every window). */
void drop_tracker__scan(struct drop_tracker *d, bool all);
void drop_tracker__detach(struct drop_tracker *d);
void drop_tracker__stats(const struct drop_tracker *d, uint64_t out[WF_DROP_STAT__MAX]);
void drop_tracker__destroy(struct drop_tracker *d);

#endif
