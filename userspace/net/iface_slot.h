/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_IFACE_SLOT_H
#define WHOFLOW_IFACE_SLOT_H

/*
 * Per-interface packet counters: each attached interface gets a slot in the
 * classifiers' iface_stats map, recorded in its attachments entry (the
 * kernel finds it there). Used by the monitor and by `whoflow attach`.
 */
#include <stdbool.h>
#include <linux/types.h>
#include "flow_events.h"

/* The smallest slot no attachments entry holds, its counters zeroed (0: none left). */
__u32 iface_slot__take(int attachments_fd, int stats_fd);
/* Records the interface (and its slot) where the classifiers look for it. */
int iface_slot__record(int attachments_fd, __u64 netns, __u32 ifindex, const char *ifname,
		       const char *netns_name, __u32 slot);
void iface_slot__forget(int attachments_fd, __u64 netns, __u32 ifindex);
/* A slot's counters summed over the CPUs. */
int iface_slot__read(int stats_fd, __u32 slot, struct wf_iface_stats *sum);

/*
 * The classifiers' interface caches (iface_cache: each CPU's entries with the
 * counts not yet moved to their slots), read once for a round of readings.
 * Read the slots first, then the caches: a count the kernel moves from a cache
 * to its slot in between is missed by that reading, never counted twice.
 */
struct iface_cache_snap {
	struct wf_iface_cache *cpu; /* one per possible CPU; NULL: not read */
	int ncpu;
};
int iface_cache__snap(int cache_fd, struct iface_cache_snap *s);
void iface_cache__snap_free(struct iface_cache_snap *s);
/* Adds to sum what the CPUs' entries of the interface with that slot hold. */
void iface_cache__add(const struct iface_cache_snap *s, __u64 netns, __u32 ifindex, __u32 slot,
		      struct wf_iface_stats *sum);
/*
 * Each counter the larger of this reading (st) and the last one kept (last),
 * into both: a count in flight between a cache and its slot is missed by one
 * reading, which would otherwise show the counter stepping back.
 */
void iface_count__keep(struct wf_iface_stats *st, struct wf_iface_stats *last);

#endif
