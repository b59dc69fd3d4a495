/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The flow table and what every classifier shares: per-CPU counters, the
 * record ring buffer, interface flags and attachments.
 */
#ifndef WHOFLOW_FLOW_MAPS_H
#define WHOFLOW_FLOW_MAPS_H

/*
 * A plain hash, not LRU: when full, a new flow fails to insert and is counted
 * (WF_STAT_FLOW_FULL) instead of silently evicting an older one. The agent
 * removes ended and idle flows every second.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536); /* resized by the agent (--flow-table) */
	__type(key, struct flow_key);
	__type(value, struct flow_value);
} flows SEC(".maps");

/* The agent's own (the classifiers never touch it): see struct wf_flow_base.
 * A map, not agent memory, so that it is pinned with the flows and a restarted
 * agent goes on counting from the same place. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 65536); /* the flow table's size (--flow-table) */
	__type(key, struct flow_key);
	__type(value, struct wf_flow_base);
} flow_base SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20);
} pkt_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, WF_STAT__MAX);
	__type(key, __u32);
	__type(value, __u64);
} pkt_stats SEC(".maps");

/* What `whoflow attach` put where: written and read by the agent only, and
 * pinned with the rest so that separate commands see the same state. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct wf_attach_key);
	__type(value, struct wf_attach_val);
} attachments SEC(".maps");

/* Per interface, keyed by namespace and index (indexes repeat across
 * namespaces): enum wf_iface_flags. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct wf_attach_key);
	__type(value, __u32);
} iface_flags SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct flow_value);
} flow_init SEC(".maps");

/* Packets per interface, in the slot the agent gave it (wf_attach_val.slot),
 * but for those iface_cache's entries still hold. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, WF_IFACE_SLOTS);
	__type(key, __u32);
	__type(value, struct wf_iface_stats);
} iface_stats SEC(".maps");

/* Each CPU's last interfaces with their counters (wf_iface_cache in flow_events.h). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct wf_iface_cache);
} iface_cache SEC(".maps");

#endif
