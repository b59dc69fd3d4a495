/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The flow table: clocks, counters, the canonical key, lookup and creation,
 * accounting.
 */
#ifndef WHOFLOW_TC_FLOW_TABLE_H
#define WHOFLOW_TC_FLOW_TABLE_H

/* An event's time: now, or the packet's capture time when replaying a file. */
/*
 * What the entry point tells the concerns about a packet, packed in one
 * argument (global functions take at most five): its hook, its direction in
 * the flow, and whether its device has no Ethernet header.
 */
static __always_inline __u32 hook_dir__pack(__u8 hook, __u8 dir, __u32 no_l2)
{
	return hook | (__u32)(dir & 1) << 8 | (no_l2 ? 1u : 0u) << 16;
}

static __always_inline __u8 hook_dir__hook(__u32 hd)
{
	return hd & 0xff;
}

static __always_inline __u8 hook_dir__dir(__u32 hd)
{
	return (hd >> 8) & 1;
}

static __always_inline bool hook_dir__no_l2(__u32 hd)
{
	return (hd >> 16) & 1;
}

static __always_inline __u64 clock__now(struct __sk_buff *skb)
{
	return offline ? skb->tstamp : bpf_ktime_get_boot_ns();
}

/* XDP never replays files: now. */
static __always_inline __u64 clock__xdp_now(struct xdp_md *xdp)
{
	return bpf_ktime_get_boot_ns();
}

#define ctx_now(c) CTX_PICK(c, clock__now, clock__xdp_now)(c)

/*
 * A flow's last-seen time, read for every packet: the coarse clock needs no
 * clock-source read (userspace converts it to CLOCK_BOOTTIME). Replayed
 * packets keep their capture time.
 */
static __always_inline __u64 clock__coarse(struct __sk_buff *skb)
{
	return offline ? skb->tstamp : bpf_ktime_get_coarse_ns();
}

static __always_inline void stat__inc(__u32 which)
{
	__u64 *n = bpf_map_lookup_elem(&pkt_stats, &which);

	if (n)
		*n += 1;
}

/* What the parser made of a packet, counted for all and for its interface (is). */
static __always_inline void stat__parse(int status, const struct pkt_meta *m,
					struct wf_iface_stats *is)
{
	if (status == PARSE_NOT_IP) {
		stat__inc(WF_STAT_NOT_IP);
		if (is)
			is->not_ip++;
	} else if (status == PARSE_TRUNCATED) {
		stat__inc(WF_STAT_TRUNCATED);
		if (is)
			is->truncated++;
	} else if (status == PARSE_MALFORMED) {
		stat__inc(WF_STAT_MALFORMED);
		if (is)
			is->malformed++;
	} else if (status == PARSE_EXT_LIMIT)
		stat__inc(WF_STAT_EXT_LIMIT);
	if (m->frag == PARSE_FRAG_LATER)
		stat__inc(WF_STAT_FRAGMENTS);
}

static __always_inline bool dns__is_port(__u16 port)
{
#pragma unroll
	for (int i = 0; i < WF_DNS_PORTS_MAX; i++)
		if (dns_ports[i] && dns_ports[i] == port)
			return true;
	return false;
}

static __always_inline void key__fill(struct flow_key *k, const struct pkt_meta *m, __u64 netns,
				      __u32 ifindex, bool reverse)
{
	k->netns = netns;
	k->ifindex = ifindex;
	k->family = m->family;
	k->proto = m->l4_proto;
	if (!reverse) {
		__builtin_memcpy(k->saddr, m->saddr, 16);
		__builtin_memcpy(k->daddr, m->daddr, 16);
		k->sport = m->sport;
		k->dport = m->dport;
	} else {
		__builtin_memcpy(k->saddr, m->daddr, 16);
		__builtin_memcpy(k->daddr, m->saddr, 16);
		k->sport = m->dport;
		k->dport = m->sport;
	}
}

/* The packet's direction in a flow whose key it built with swap (see flow_key). */
static __always_inline __u8 flow__dir(const struct flow_value *v, bool swap)
{
	return swap == v->key_rev ? WF_DIR_ORIG : WF_DIR_REPLY;
}

/*
 * Finds the packet's flow with one lookup (the key is the same both ways),
 * creating it when new: the packet that creates a flow is its initiator's.
 */
static __always_inline struct flow_value *flow__get(struct flow_key *k, const struct pkt_meta *m,
						    __u64 netns, __u32 ifindex, __u8 hook,
						    __u64 now, __u8 *dir, bool create)
{
	bool swap = !flow_ep__le(m->saddr, m->sport, m->daddr, m->dport);
	struct flow_value *v, *init;
	__u32 zero = 0;

	key__fill(k, m, netns, ifindex, swap);
	*dir = WF_DIR_ORIG;
	v = bpf_map_lookup_elem(&flows, k);
	if (v || !create)
		goto found;
	/* Built in a per-CPU scratch: a flow record is too large for the stack. */
	init = bpf_map_lookup_elem(&flow_init, &zero);
	if (!init)
		return NULL;
	__builtin_memset(init, 0, sizeof(*init));
	/* The precise clock, once per flow: with the key, the start names the flow. */
	init->first_ns = offline ? now : bpf_ktime_get_boot_ns();
	init->orig.last_ns = init->reply.last_ns = now;
	init->first_hook = hook;
	init->key_rev = swap;
	init->dns_port = dns__is_port(m->sport) || dns__is_port(m->dport);
	/* NOEXIST: another CPU may have created it a moment ago; then use theirs. */
	if (bpf_map_update_elem(&flows, k, init, BPF_NOEXIST) && !bpf_map_lookup_elem(&flows, k)) {
		stat__inc(WF_STAT_FLOW_FULL);
		return NULL;
	}
	v = bpf_map_lookup_elem(&flows, k);
found:
	if (v)
		*dir = flow__dir(v, swap);
	return v;
}

/*
 * A flow's first packets, both directions together: the owner join retries
 * an unknown end on each, and QUIC Initials come among them. Past them a flag
 * on the key's line says so, set once: the two directions' counters are on
 * lines the CPUs sending each way write, and reading both for every packet
 * would pull the other CPU's line over.
 */
#define FLOW_YOUNG_PACKETS 16

static __always_inline bool flow__young(struct flow_value *v)
{
	if (v->aged)
		return false;
	if (v->orig.packets + v->reply.packets <= FLOW_YOUNG_PACKETS)
		return true;
	v->aged = 1;
	return false;
}

static __always_inline void flow__count(struct flow_value *v, const struct pkt_meta *m, __u32 segs,
					__u64 bytes, __u8 dir, __u64 now)
{
	struct flow_dir_stats *st = FLOW_DIR(v, dir & 1);

	/* Written only when it moves: a tick lasts thousands of packets. */
	if (st->last_ns != now)
		st->last_ns = now;
	__sync_fetch_and_add(&st->packets, segs);
	__sync_fetch_and_add(&st->bytes, bytes);
	if (m->l4_proto == IPPROTO_TCP) {
		if ((st->tcp_flags | m->tcp_flags) != st->tcp_flags)
			st->tcp_flags |= m->tcp_flags;
		if (m->tcp_flags & 0x04)
			v->closed |= WF_FLOW_RST;
		if (m->tcp_flags & 0x01)
			v->closed |= dir ? WF_FLOW_FIN_REPLY : WF_FLOW_FIN_ORIG;
	}
}

static __always_inline void flow__account(struct flow_value *v, const struct pkt_meta *m,
					  struct __sk_buff *skb, __u8 dir, __u64 now)
{
	__u32 segs = skb->gso_segs > 1 ? skb->gso_segs : 1;

	/* A GSO super-packet leaves as segs packets, each repeating the headers. */
	flow__count(v, m, segs, skb->len + (__u64)(segs - 1) * m->payload_off, dir, now);
}

#endif
