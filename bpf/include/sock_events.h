/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ABI between bpf/cgroup/sock.bpf.c (which fills the owner tables),
 * bpf/tc/flow.bpf.c (which joins packets with them) and userspace/sock.c.
 * Types only: include vmlinux.h (BPF) or <linux/types.h> (user) first.
 * Addresses are network byte order, IPv4 in the first 4 bytes of 16 (a
 * v4-mapped IPv6 socket is keyed as IPv4, as its packets are); ports host order.
 */
#ifndef WHOFLOW_SOCK_EVENTS_H
#define WHOFLOW_SOCK_EVENTS_H

#define WF_OWNER_COMM_LEN 16

/* Which hook last set a socket's owner. */
enum wf_owner_how {
	WF_OWN_NONE = 0,
	WF_OWN_CREATE = 1, /* cgroup/sock_create: the creator */
	WF_OWN_BIND = 2, /* cgroup/post_bind4/6 */
	WF_OWN_CONNECT = 3, /* cgroup/connect4/6 */
	WF_OWN_SENDMSG = 4, /* cgroup/sendmsg4/6: an unconnected UDP send */
	WF_OWN_RECVMSG = 5, /* cgroup/recvmsg4/6 */
	WF_OWN_SEND = 6, /* tp_btf/sock_send_length: the thread that sent */
	WF_OWN_RECV = 7, /* tp_btf/sock_recv_length: the thread that received */
	WF_OWN_ACCEPTED = 8, /* sock_ops passive establishment: owner not known yet (tgid 0) */
	WF_OWN_SNAPSHOT = 9, /* sock_diag + /proc at agent start */
};

/* The process that owns a socket, as a hook in that process's context saw it. */
struct wf_owner {
	__u64 cookie; /* socket cookie */
	__u64 netns; /* the socket's network namespace cookie */
	__u64 cgroup_id;
	__u64 start_ns; /* thread group leader's start_boottime: tells a reused pid apart */
	__u32 tgid; /* 0: not known yet (an accepted socket nobody used) */
	__u32 tid;
	__u32 uid;
	__u8 how; /* enum wf_owner_how */
	__u8 family; /* 4 or 6 */
	__u8 proto;
	__u8 released; /* the socket is gone; the agent deletes the owner a while later */
	char comm[WF_OWNER_COMM_LEN];
};

/*
 * Index from a socket's addresses to its cookie. netns 0 keys the index over
 * every namespace (tuples_any), used for packets seen outside the socket's own
 * namespace, such as on the host side of a container's veth. A bound but
 * unconnected socket has raddr and rport 0; a wildcard bind has laddr 0 too.
 */
struct wf_tuple_key {
	__u64 netns;
	__u8 family;
	__u8 proto;
	__u16 lport;
	__u16 rport;
	__u16 pad;
	__u8 laddr[16];
	__u8 raddr[16];
};

/*
 * The local ports that have had an entry in tuples, tuples_any or owner_hints
 * (the tuple_ports map): one bit each, in 64-bit words. Bits are never
 * cleared; a port with none cannot be found in those tables.
 */
#define WF_TUPLE_PORT_WORDS (65536 / 64)

struct wf_tuple_val {
	__u64 cookie;
	__u64 netns; /* the socket's namespace (for tuples_any) */
	__u32 ambiguous; /* tuples_any: the tuple is alive in several namespaces */
	__u32 pad;
};

/* How a packet or flow endpoint found its owner (whoflow.attribution). */
enum wf_attr {
	WF_ATTR_NONE = 0, /* no local socket matched */
	WF_ATTR_COOKIE = 1, /* skb->sk's cookie (egress) */
	WF_ATTR_TUPLE = 2, /* addresses and ports, in the packet's namespace */
	WF_ATTR_TUPLE_OTHER_NS = 3, /* addresses and ports, in another namespace of this host */
	WF_ATTR_PENDING = 4, /* the socket is known, its owner not yet (accepted, unused) */
	WF_ATTR_AMBIGUOUS = 5, /* the tuple is alive in several namespaces */
};

/* Per-CPU counters of the socket hooks. */
/*
 * A TCP connection's health (the tcp_health map, by socket cookie): what its
 * flow records carry. Snapshotted at each state change (sock_ops) and each
 * retransmission (the tcp_retransmit_skb tracepoint).
 */
struct wf_tcp_health {
	__u32 retrans_segs; /* segments retransmitted */
	__u32 srtt_us; /* smoothed RTT */
	__u32 rttvar_us; /* its mean deviation */
	__u32 min_rtt_us; /* the lowest RTT sampled */
	__u32 rto_us; /* the retransmission timeout */
	__u8 state, prev_state; /* TCP_ESTABLISHED (1) ... TCP_CLOSE (7); the state before */
	__u16 pad;
	__u64 updated_ns; /* CLOCK_BOOTTIME of the last snapshot */
};

enum wf_sock_stat {
	WF_SOCK_OWNERS_FULL = 0, /* an owner could not be recorded: the table is full */
	WF_SOCK_TUPLES_FULL, /* a tuple could not be indexed */
	WF_SOCK_STAT__MAX,
};

#endif
