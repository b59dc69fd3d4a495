/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * -w: the copies' ring buffer, the names and flows it selects, its losses.
 */
#ifndef WHOFLOW_CAPTURE_MAPS_H
#define WHOFLOW_CAPTURE_MAPS_H

/* Packet copies for -w, apart from the event records so that one cannot starve
 * the other. Sized by the agent: a page without -w, 128 MiB (or -B) with it. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} pkt_capture SEC(".maps");

/* Names -w selects, by reversed FNV-1a hash (see wf_name_selected): 1 exact, 2 suffix. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u64);
	__type(value, __u8);
} capture_names SEC(".maps");

/* Flows userspace selected for -w after the kernel could not (an SNI beyond the
 * hello's first segment): copied from their next packet on. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct flow_key);
	__type(value, __u8);
} capture_flows SEC(".maps");

/* -w's losses per interface (namespace, ifindex), for each interface's ISB. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct wf_attach_key);
	__type(value, __u64);
} capture_drops SEC(".maps");

#endif
