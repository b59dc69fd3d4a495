/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the classifiers need of the packet's device, read from the device.
 */
#ifndef WHOFLOW_TC_DEVICE_H
#define WHOFLOW_TC_DEVICE_H

/*
 * What the classifiers need of the packet's device, read from the device
 * itself (no map lookup): its namespace, and whether it has an Ethernet header
 * or is loopback. Not bpf_get_netns_cookie(skb): that follows skb->sk, and a
 * packet arriving over a veth can still carry the sender's socket from the
 * peer namespace.
 */
#define ARPHRD_ETHER_ 1

#define ARPHRD_LOOPBACK_ 772

#define IFF_LOOPBACK_ 0x8

static __always_inline __u64 dev__netns_cookie(struct __sk_buff *skb)
{
	struct sk_buff *kskb = bpf_cast_to_kern_ctx(skb);

	return kskb->dev->nd_net.net->net_cookie;
}

static __always_inline __u32 dev__flags(struct __sk_buff *skb, __u64 netns, __u8 hook)
{
	struct sk_buff *kskb = bpf_cast_to_kern_ctx(skb);
	struct net_device *dev = kskb->dev;
	__u16 type = dev->type;
	__u32 fl = 0, *xfl;

	/* Loopback skbs carry an all-zero Ethernet header: they count as L2. */
	if (type != ARPHRD_ETHER_ && type != ARPHRD_LOOPBACK_)
		fl |= WF_IFACE_NO_L2;
	if (dev->flags & IFF_LOOPBACK_)
		fl |= WF_IFACE_LOOPBACK;
	if (xdp_ingress && hook == WF_HOOK_INGRESS) {
		struct wf_attach_key ik = { .netns = netns, .ifindex = skb->ifindex };

		xfl = bpf_map_lookup_elem(&iface_flags, &ik);
		if (xfl)
			fl |= *xfl & WF_IFACE_XDP;
	}
	return fl;
}

/*
 * Moves an entry's counters to its slot in iface_stats, if the interface still
 * has that slot (one given up may already count another interface's packets).
 */
static __noinline void dev__cache_flush(struct wf_iface_cache_entry *e)
{
	struct wf_attach_key k = { .netns = e->netns, .ifindex = e->ifindex };
	struct wf_iface_stats *s = NULL;
	struct wf_attach_val *a;
	__u32 slot = e->slot;

	if (slot && (e->st.seen | e->st.not_ip | e->st.truncated | e->st.malformed)) {
		a = bpf_map_lookup_elem(&attachments, &k);
		if (a && a->slot == slot)
			s = bpf_map_lookup_elem(&iface_stats, &slot);
	}
	if (s) {
		s->seen += e->st.seen;
		s->not_ip += e->st.not_ip;
		s->truncated += e->st.truncated;
		s->malformed += e->st.malformed;
	}
	__builtin_memset(&e->st, 0, sizeof(e->st));
}

/*
 * Gives the entry to the interface, with the slot the attachments map names
 * (0: none yet; the agent may record it later), once a second: a detached
 * and attached again interface gets its new slot.
 */
static __noinline void dev__cache_fill(struct wf_iface_cache_entry *e, __u64 netns, __u32 ifindex,
				       __u64 now)
{
	struct wf_attach_key k = { .netns = netns, .ifindex = ifindex };
	struct wf_attach_val *a = bpf_map_lookup_elem(&attachments, &k);
	__u32 slot = a && a->slot < WF_IFACE_SLOTS ? a->slot : 0;

	if (e->netns != netns || e->ifindex != ifindex || e->slot != slot) {
		dev__cache_flush(e);
		e->netns = netns;
		e->ifindex = ifindex;
		e->slot = slot;
	}
	e->checked_ns = now;
}

/*
 * The interface's packet counters: its entry in this CPU's cache (NULL: the
 * interface has no slot, e.g. it was attached by an older whoflow, or a test
 * runner's device). One line a packet: counting in the slot of iface_stats
 * itself, a second per-CPU lookup and line, cost ~65 ns of a small UDP
 * packet's ~380 on the bench's VM (docs/performance.md, 2026-12-03).
 */
static __always_inline struct wf_iface_stats *dev__stats(__u64 netns, __u32 ifindex, __u64 now)
{
	struct wf_iface_cache_entry *e;
	struct wf_iface_cache *c;
	__u32 zero = 0;

	c = bpf_map_lookup_elem(&iface_cache, &zero);
	if (!c)
		return NULL;
	e = &c->e[iface_cache__index(netns, ifindex)];
	if (e->netns != netns || e->ifindex != ifindex || now - e->checked_ns > 1000000000ull)
		dev__cache_fill(e, netns, ifindex, now);
	return e->slot ? &e->st : NULL;
}

static __always_inline __u64 xdp__netns_cookie(struct xdp_md *ctx)
{
	struct xdp_buff *x = bpf_cast_to_kern_ctx(ctx);

	return x->rxq->dev->nd_net.net->net_cookie;
}

#endif
