/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The owner join's own state: the packet's sender (per CPU) and the hints
 * that name forwarded packets (see bpf/tc/join.h). The socket hooks' tables
 * are in owner_maps.h.
 */
#ifndef WHOFLOW_JOIN_MAPS_H
#define WHOFLOW_JOIN_MAPS_H

/* Event time: now, or the packet's capture time when replaying a file. */
/* The owner of the packet's own socket, when it left with one (see sender__load). */
struct pkt_sender {
	struct wf_owner o;
	__u32 valid; /* o names a process */
	__u32 found; /* o is the socket's entry in owners (valid, or its owner pending) */
	struct wf_tuple_key key; /* scratch: the stack is full */
	__u64 cookie; /* egress: the packet's socket, 0 if none */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pkt_sender);
} pkt_sender SEC(".maps");

/* Senders known from the socket a packet brought from another namespace, by the
 * packet's addresses in this namespace (see hint__note). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct wf_tuple_key);
	__type(value, struct wf_owner);
} owner_hints SEC(".maps");

#endif
