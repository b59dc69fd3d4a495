/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * TCP health per connection (struct wf_tcp_health): retransmitted segments,
 * RTT, RTO and state, kept by socket cookie for the agent to put on the
 * connection's flow records. Written only on state changes and
 * retransmissions, never per packet. Included by sock.bpf.c.
 */
#ifndef WHOFLOW_CGROUP_TCP_HEALTH_H
#define WHOFLOW_CGROUP_TCP_HEALTH_H

extern unsigned long CONFIG_HZ __kconfig;

/* LRU: a full table forgets the longest-untouched connection. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536); /* resized by the agent (--socket-table) */
	__type(key, __u64); /* socket cookie */
	__type(value, struct wf_tcp_health);
} tcp_health SEC(".maps");

/* RTT and RTO from the socket itself (srtt and mdev are kept scaled by 8 and 4). */
static __always_inline void health__from_tcp(struct wf_tcp_health *h, const struct tcp_sock *tp)
{
	unsigned long hz = CONFIG_HZ ? CONFIG_HZ : 1000;

	h->srtt_us = tp->srtt_us >> 3;
	h->rttvar_us = tp->mdev_us >> 2;
	h->min_rtt_us = tp->rtt_min.s[0].v;
	h->rto_us = (__u32)((__u64)tp->inet_conn.icsk_rto * 1000000 / hz);
	h->updated_ns = bpf_ktime_get_boot_ns();
}

/*
 * The entry of a socket in scope, made if new. in_scope: the caller knows it
 * is (sockops runs for the watched cgroup's sockets only); else the socket
 * must have an owner.
 */
static __always_inline struct wf_tcp_health *health__get(__u64 cookie, bool in_scope)
{
	struct wf_tcp_health zero = {}, *h;

	if (!cookie || (!in_scope && !bpf_map_lookup_elem(&owners, &cookie)))
		return NULL;
	h = bpf_map_lookup_elem(&tcp_health, &cookie);
	if (h)
		return h;
	bpf_map_update_elem(&tcp_health, &cookie, &zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(&tcp_health, &cookie);
}

/* A state change: the kernel's own count of retransmissions, and the states. */
static __always_inline void health__state(struct bpf_sock_ops *ops, __u64 cookie, __u32 old_state,
					  __u32 new_state)
{
	struct wf_tcp_health *h = health__get(cookie, true);
	struct bpf_sock *bsk = ops->sk;
	struct tcp_sock *tp;

	if (!h || !bsk)
		return;
	tp = bpf_skc_to_tcp_sock(bsk);
	if (tp)
		health__from_tcp(h, tp);
	h->retrans_segs = ops->total_retrans;
	h->prev_state = (__u8)old_state;
	h->state = (__u8)new_state;
}

/*
 * A retransmission that left (err 0): counted as the kernel counts it, in
 * segments, since the socket's total is raised only after this tracepoint.
 */
SEC("tp_btf/tcp_retransmit_skb")
int BPF_PROG(wf_tcp_retransmit, const struct sock *sk, const struct sk_buff *skb, int err)
{
	struct wf_tcp_health *h;
	struct tcp_sock *tp;
	__u16 segs = 0;

	if (err)
		return 0;
	h = health__get(sk->__sk_common.skc_cookie.counter, false);
	if (!h)
		return 0;
	bpf_probe_read_kernel(&segs, sizeof(segs),
			      (void *)skb->cb +
				      __builtin_offsetof(struct tcp_skb_cb, tcp_gso_segs));
	__sync_fetch_and_add(&h->retrans_segs, segs ? segs : 1);
	tp = bpf_skc_to_tcp_sock((void *)sk);
	if (tp)
		health__from_tcp(h, tp);
	if (!h->state)
		h->state = sk->__sk_common.skc_state;
	return 0;
}

#endif
