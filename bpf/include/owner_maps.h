/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The socket owner tables, defined identically in bpf/cgroup/sock.bpf.c (which
 * fills them) and bpf/tc/flow.bpf.c (which reads them). The agent creates them
 * once and hands the same maps to both objects (bpf_map__reuse_fd). BPF only.
 */
#ifndef WHOFLOW_OWNER_MAPS_H
#define WHOFLOW_OWNER_MAPS_H

#include "sock_events.h"

/* LRU: a full table forgets the longest-unused socket rather than refusing a new one. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536); /* resized by the agent (--socket-table) */
	__type(key, __u64); /* socket cookie */
	__type(value, struct wf_owner);
} owners SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct wf_tuple_key); /* netns set */
	__type(value, struct wf_tuple_val);
} tuples SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct wf_tuple_key); /* netns 0 */
	__type(value, struct wf_tuple_val);
} tuples_any SEC(".maps");

/*
 * Which local ports tuples, tuples_any and owner_hints have ever held (see
 * WF_TUPLE_PORT_WORDS): an end of a flow whose port has no bit cannot be
 * found by its addresses, and the owner join skips its lookups (a remote
 * host's end, or a process's outside --cgroup, would pay them on each of a
 * young flow's packets). Mapped into the agent, whose start-up snapshot
 * indexes sockets too (atomic OR from both sides).
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, WF_TUPLE_PORT_WORDS);
	__type(key, __u32);
	__type(value, __u64);
} tuple_ports SEC(".maps");

/*
 * The watched cgroup (--cgroup), when there is one: the tracepoints check
 * the current thread against it, the classifiers an ingress packet's sender
 * socket (see sender__unowned in bpf/tc/join.h).
 */
struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} sock_scope SEC(".maps");

#endif
