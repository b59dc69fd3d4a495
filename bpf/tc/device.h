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
 * The interface's packet counters (NULL: the interface has no slot, e.g. it
 * was attached by an older whoflow, or a test runner's device). The slot is
 * the agent's, in the attachments map; each CPU keeps the last ones it found,
 * and for a second that an interface had none (the agent may record it later).
 */
static __always_inline struct wf_iface_stats *dev__stats(__u64 netns, __u32 ifindex, __u64 now)
{
	struct wf_attach_key k = { .netns = netns, .ifindex = ifindex };
	struct wf_attach_val *a;
	struct wf_iface_cache *c;
	__u32 zero = 0, i = ifindex & (WF_IFACE_CACHE - 1), slot;

	c = bpf_map_lookup_elem(&iface_cache, &zero);
	if (!c)
		return NULL;
	if (c->e[i].netns != netns || c->e[i].ifindex != ifindex ||
	    (!c->e[i].slot && now - c->e[i].checked_ns > 1000000000ull)) {
		a = bpf_map_lookup_elem(&attachments, &k);
		c->e[i].netns = netns;
		c->e[i].ifindex = ifindex;
		c->e[i].slot = a && a->slot < WF_IFACE_SLOTS ? a->slot : 0;
		c->e[i].checked_ns = now;
	}
	slot = c->e[i].slot;
	return slot ? bpf_map_lookup_elem(&iface_stats, &slot) : NULL;
}

static __always_inline __u64 xdp__netns_cookie(struct xdp_md *ctx)
{
	struct xdp_buff *x = bpf_cast_to_kern_ctx(ctx);

	return x->rxq->dev->nd_net.net->net_cookie;
}

#endif
