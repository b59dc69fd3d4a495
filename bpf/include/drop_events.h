/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ABI between bpf/trace/drop.bpf.c and userspace/net/drops.c: types only.
 * Include vmlinux.h (BPF) or <linux/types.h> (user) first. Addresses are
 * network byte order; ports host order; times CLOCK_BOOTTIME nanoseconds.
 */
#ifndef WHOFLOW_DROP_EVENTS_H
#define WHOFLOW_DROP_EVENTS_H

#include "sock_events.h"
#include "flow_events.h"

/* Drops of one kind, summed over a window: what they are, where, whose. */
struct wf_drop_key {
	__u64 netns; /* the device's namespace, else the socket's */
	__u64 cookie; /* the socket the packet belonged to or was for (0: none) */
	__u64 location; /* the kernel address that freed it */
	__u32 ifindex; /* 0: no device (dropped in the socket layer) */
	__u32 reason; /* enum skb_drop_reason */
	__u8 family; /* 4, 6; 0: the packet did not parse */
	__u8 proto;
	__u16 sport, dport; /* ICMP: type and code */
	__u8 saddr[16];
	__u8 daddr[16];
	__u16 pad;
};

struct wf_drop_val {
	__u64 count;
	__u64 bytes;
	__u64 first_ns, last_ns;
	struct wf_owner owner; /* the owner of the socket the packets were for or from */
	__u8 owner_attr; /* enum wf_attr: how it was found (WF_ATTR_NONE: not) */
	__u8 flow_rev; /* the flow's key_rev (see flow_key) */
	__u8 pad[6];
	__u64 flow_first_ns; /* the flow the packets belonged to: its start (0: no flow) */
};

/* --drops-all: one record per dropped packet (count 1), in the drop ring. */
struct wf_drop_event {
	struct wf_drop_key k;
	struct wf_drop_val v;
};

enum wf_drop_stat {
	WF_DROP_SEEN = 0, /* drops in the watched namespaces */
	WF_DROP_TABLE_FULL, /* a new kind of drop found the window's table full */
	WF_DROP_RING_FULL, /* --drops-all: a record the ring had no room for */
	WF_DROP_STAT__MAX,
};

/* Kinds of drop held per window; a new kind past it is counted, not kept. */
#define WF_DROP_KINDS 16384

#endif
