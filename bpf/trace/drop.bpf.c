// SPDX-License-Identifier: GPL-2.0-only
/*
 * Packet drops (--drops): the skb:kfree_skb BTF tracepoint gives every packet
 * the kernel frees as a drop, with its reason, where it was freed and (since
 * 6.12) the socket it was for. Drops in the watched namespaces are summed per
 * kind (reason, place, tuple, socket) in one of two tables: the agent flips
 * the table in use and reads the other a window later, when no program can
 * still be writing it, so a storm costs one map update per drop and nothing
 * is lost between a read and a delete. --drops-all ships every drop instead.
 * It runs for every drop on the host, most of them in namespaces nobody
 * watches: fields are plain loads through the tracepoint's BTF-typed pointers
 * (the verifier guards them), not bpf_probe_read_kernel calls, and an
 * unwatched namespace leaves after one hash lookup.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "drop_events.h"
#include "owner_maps.h"
#include "owner_helpers.h"

char LICENSE[] SEC("license") = "GPL";

const volatile bool drops_all = false;

/* The table in use (0 or 1): the agent flips it (.bss is mapped into the agent). */
__u32 drop_gen = 0;

#define DROP_TABLE(name)                            \
	struct {                                    \
		__uint(type, BPF_MAP_TYPE_HASH);    \
		__uint(max_entries, WF_DROP_KINDS); \
		__type(key, struct wf_drop_key);    \
		__type(value, struct wf_drop_val);  \
	} name SEC(".maps")

DROP_TABLE(drops0);
DROP_TABLE(drops1);

/* The classifiers' flow table, shared (the agent hands its map over): the flow
 * of a dropped packet, and the owner its sender's end already has. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, struct flow_key);
	__type(value, struct flow_value);
} flows SEC(".maps");

/* The namespaces whose drops count: the agent's and each --netns. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u64);
	__type(value, __u8);
} drop_netns SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20); /* --drops-all only (else the agent shrinks it) */
} drop_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, WF_DROP_STAT__MAX);
	__type(key, __u32);
	__type(value, __u64);
} drop_stats SEC(".maps");

/* The per-CPU scratch where a new kind's first value is built. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct wf_drop_event);
} drop_scratch SEC(".maps");

static __always_inline void drop__stat(__u32 which)
{
	__u64 *n = bpf_map_lookup_elem(&drop_stats, &which);

	if (n)
		*n += 1;
}

#define ETH_P_IP_ 0x0800
#define ETH_P_IPV6_ 0x86DD
#define IPPROTO_ICMPV6_ 58
#define NO_HEADER 0xffff /* skb->network_header / transport_header unset */

/* Ports (or ICMP type and code) at the transport header, when the packet has one. */
static __always_inline void drop__ports(struct wf_drop_key *k, const unsigned char *head, __u16 th,
					__u16 fallback)
{
	__u8 l4[4];

	if (k->proto != IPPROTO_TCP && k->proto != IPPROTO_UDP && k->proto != IPPROTO_ICMP &&
	    k->proto != IPPROTO_ICMPV6_)
		return;
	if (th == NO_HEADER || th < fallback)
		th = fallback;
	if (bpf_probe_read_kernel(l4, sizeof(l4), head + th))
		return;
	if (k->proto == IPPROTO_ICMP || k->proto == IPPROTO_ICMPV6_) {
		k->sport = l4[0];
		k->dport = l4[1];
	} else {
		k->sport = (__u16)l4[0] << 8 | l4[1];
		k->dport = (__u16)l4[2] << 8 | l4[3];
	}
}

/* The addresses and ports from the headers the kernel already located. */
static __always_inline void drop__parse(struct wf_drop_key *k, struct sk_buff *skb)
{
	unsigned char *head = skb->head;
	__u16 nh = skb->network_header, th = skb->transport_header;
	__u16 proto = bpf_ntohs(skb->protocol);

	if (nh == NO_HEADER || !head)
		return;
	if (proto == ETH_P_IP_) {
		struct iphdr ip;

		if (bpf_probe_read_kernel(&ip, sizeof(ip), head + nh) || ip.version != 4)
			return;
		k->family = 4;
		k->proto = ip.protocol;
		__builtin_memcpy(k->saddr, &ip.saddr, 4);
		__builtin_memcpy(k->daddr, &ip.daddr, 4);
		if (!(bpf_ntohs(ip.frag_off) & 0x1fff))
			drop__ports(k, head, th, nh + ip.ihl * 4);
	} else if (proto == ETH_P_IPV6_) {
		struct ipv6hdr ip6;

		if (bpf_probe_read_kernel(&ip6, sizeof(ip6), head + nh) || ip6.version != 6)
			return;
		k->family = 6;
		k->proto = ip6.nexthdr;
		__builtin_memcpy(k->saddr, &ip6.saddr, 16);
		__builtin_memcpy(k->daddr, &ip6.daddr, 16);
		drop__ports(k, head, th, nh + sizeof(ip6));
	}
}

/* The packet's length from its IP header on, wherever the kernel's data pointer stands. */
static __always_inline __u32 drop__ip_len(struct sk_buff *skb)
{
	unsigned char *head = skb->head, *data = skb->data;
	__u16 nh = skb->network_header;
	__u32 len = skb->len;
	long at = (long)(data - head) - (long)nh;

	if (nh == NO_HEADER || !head)
		return len;
	/* at > 0: headers already pulled (a socket's queue); at < 0: an L2 header before. */
	if (at >= 0)
		return len + (__u32)at;
	return (__u32)(-at) < len ? len - (__u32)(-at) : len;
}

/* Where the drop happened: the device's namespace, else the socket's (0: neither). */
static __always_inline __u64 drop__netns(struct sk_buff *skb, struct sock *sk, __u32 *ifindex)
{
	struct net_device *dev = skb->dev;

	if (dev) {
		*ifindex = dev->ifindex;
		return dev->nd_net.net->net_cookie;
	}
	return sk ? sk->__sk_common.skc_net.net->net_cookie : 0;
}

static __always_inline void drop__tuple_key(struct wf_tuple_key *k, const struct wf_drop_key *dk,
					    __u64 netns)
{
	__builtin_memset(k, 0, sizeof(*k));
	k->netns = netns;
	k->family = dk->family;
	k->proto = dk->proto;
	k->lport = dk->sport;
	k->rport = dk->dport;
	__builtin_memcpy(k->laddr, dk->saddr, 16);
	__builtin_memcpy(k->raddr, dk->daddr, 16);
}

/*
 * The sending socket by the packet's addresses: its own namespace's index
 * (a connection, else a bound UDP socket, as the classifiers look), else the
 * host's.
 */
static __always_inline __u64 drop__sender(const struct wf_drop_key *dk, __u8 *attr)
{
	struct wf_tuple_key k;
	struct wf_tuple_val *tv;

	if (!tuple_port__seen(dk->sport))
		return 0;
	drop__tuple_key(&k, dk, dk->netns);
	tv = tuple__lookup(&k);
	if (tv) {
		*attr = WF_ATTR_TUPLE;
		return tv->cookie;
	}
	drop__tuple_key(&k, dk, 0);
	tv = bpf_map_lookup_elem(&tuples_any, &k);
	if (tv && !tv->ambiguous) {
		*attr = WF_ATTR_TUPLE_OTHER_NS;
		return tv->cookie;
	}
	return 0;
}

/*
 * The flow the packet belongs to, seen on the same interface: its start (the
 * agent makes its id from it) and, when the sender's end has an owner, that.
 */
static __always_inline void drop__flow(struct wf_drop_event *d, struct flow_key *fk)
{
	const struct wf_drop_key *k = &d->k;
	bool swap = !flow_ep__le(k->saddr, k->sport, k->daddr, k->dport);
	struct flow_value *v;
	__u8 e;

	__builtin_memset(fk, 0, sizeof(*fk));
	fk->netns = k->netns;
	fk->ifindex = k->ifindex;
	fk->family = k->family;
	fk->proto = k->proto;
	__builtin_memcpy(fk->saddr, swap ? k->daddr : k->saddr, 16);
	__builtin_memcpy(fk->daddr, swap ? k->saddr : k->daddr, 16);
	fk->sport = swap ? k->dport : k->sport;
	fk->dport = swap ? k->sport : k->dport;
	v = bpf_map_lookup_elem(&flows, fk);
	if (!v)
		return;
	d->v.flow_first_ns = v->first_ns;
	d->v.flow_rev = v->key_rev;
	e = swap == v->key_rev ? WF_DIR_ORIG : WF_DIR_REPLY;
	if (d->v.owner_attr == WF_ATTR_NONE && v->ep_attr[e] != WF_ATTR_NONE) {
		d->v.owner = *FLOW_EP(v, e);
		d->v.owner_attr = v->ep_attr[e];
	}
}

/*
 * Whose packets: the socket they were for or came with, else the local
 * socket that sent them (a connected one, found by its addresses), else the
 * sender's end of their flow.
 */
static __always_inline void drop__owner(struct wf_drop_event *d, struct flow_key *fk)
{
	__u64 cookie = d->k.cookie;
	__u8 attr = WF_ATTR_COOKIE;
	struct wf_owner *o;

	if (!cookie && d->k.family && (d->k.proto == IPPROTO_TCP || d->k.proto == IPPROTO_UDP))
		cookie = drop__sender(&d->k, &attr);
	o = cookie ? bpf_map_lookup_elem(&owners, &cookie) : NULL;
	if (o) {
		d->v.owner = *o;
		d->v.owner_attr = o->tgid ? attr : WF_ATTR_PENDING;
	}
	if (d->k.family && d->k.ifindex)
		drop__flow(d, fk);
}

/* One more drop of this kind in the window's table, or its first (d->v counts it). */
static __always_inline void drop__count(struct wf_drop_event *d, __u64 now)
{
	void *table = drop_gen & 1 ? (void *)&drops1 : (void *)&drops0;
	struct wf_drop_val *v = bpf_map_lookup_elem(table, &d->k);

	if (!v) {
		if (!bpf_map_update_elem(table, &d->k, &d->v, BPF_NOEXIST))
			return;
		v = bpf_map_lookup_elem(table, &d->k); /* another CPU made it first */
		if (!v) {
			drop__stat(WF_DROP_TABLE_FULL);
			return;
		}
	}
	__sync_fetch_and_add(&v->count, 1);
	__sync_fetch_and_add(&v->bytes, d->v.bytes);
	v->last_ns = now;
}

SEC("tp_btf/kfree_skb")
int BPF_PROG(wf_kfree_skb, struct sk_buff *skb, void *location, enum skb_drop_reason reason,
	     struct sock *rx_sk)
{
	struct sock *sk = rx_sk ? rx_sk : skb->sk;
	struct wf_drop_event *d;
	struct flow_key fk;
	__u32 zero = 0, ifindex = 0;
	__u64 netns, now;

	/* Not drops: a packet consumed as it should be, or not freed for a reason. */
	if (reason <= SKB_CONSUMED)
		return 0;
	netns = drop__netns(skb, sk, &ifindex);
	if (!netns || !bpf_map_lookup_elem(&drop_netns, &netns))
		return 0;
	drop__stat(WF_DROP_SEEN);
	d = bpf_map_lookup_elem(&drop_scratch, &zero);
	if (!d)
		return 0;
	__builtin_memset(d, 0, sizeof(*d));
	now = bpf_ktime_get_boot_ns();
	d->k.netns = netns;
	d->k.ifindex = ifindex;
	d->k.reason = reason;
	d->k.location = (__u64)location;
	if (sk)
		d->k.cookie = sk->__sk_common.skc_cookie.counter;
	drop__parse(&d->k, skb);
	d->v.count = 1;
	d->v.bytes = drop__ip_len(skb);
	d->v.first_ns = d->v.last_ns = now;
	drop__owner(d, &fk);
	if (drops_all) {
		if (bpf_ringbuf_output(&drop_events, d, sizeof(*d), 0))
			drop__stat(WF_DROP_RING_FULL);
		return 0;
	}
	drop__count(d, now);
	return 0;
}
