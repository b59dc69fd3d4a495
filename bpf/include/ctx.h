/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The packet context layer: what the classifiers need from a packet, for TC's
 * struct __sk_buff and XDP's struct xdp_md alike. Headers are read in place
 * (direct packet access) when they sit in the linear area, which is where the
 * stack puts them; the load helpers are the fallback for the rest (paged data,
 * a header split across fragments). Nothing here pulls or writes the packet:
 * egress TCP skbs are clones.
 *
 * Include vmlinux.h and bpf_helpers.h first.
 */
#ifndef WHOFLOW_CTX_H
#define WHOFLOW_CTX_H

/* Offsets past this are read with the helper: it bounds the verifier's view of
 * a variable offset into the packet. Headers end well before it. */
#define CTX_DIRECT_MAX 1024

static __always_inline int ctx__skb_load(struct __sk_buff *skb, __u32 off, void *dst, __u32 len)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;

	if (off <= CTX_DIRECT_MAX && data + off + len <= end) {
		__builtin_memcpy(dst, data + off, len);
		return 0;
	}
	return bpf_skb_load_bytes(skb, off, dst, len);
}

static __always_inline int ctx__xdp_load(struct xdp_md *xdp, __u32 off, void *dst, __u32 len)
{
	void *data = (void *)(long)xdp->data;
	void *end = (void *)(long)xdp->data_end;

	if (off <= CTX_DIRECT_MAX && data + off + len <= end) {
		__builtin_memcpy(dst, data + off, len);
		return 0;
	}
	return bpf_xdp_load_bytes(xdp, off, dst, len);
}

static __always_inline __u64 ctx__skb_len(struct __sk_buff *skb)
{
	return skb->len;
}

static __always_inline __u64 ctx__xdp_len(struct xdp_md *xdp)
{
	return bpf_xdp_get_buff_len(xdp);
}

/*
 * One function for TC and XDP: a concern writes its context-dependent
 * functions once, in a section of its header guarded by CTX_T, and
 * bpf/tc/flow.bpf.c includes that section once per context with CTX_T (the
 * context type) and CTX_FN(name) (the function's name in that context)
 * defined. The accessors below pick the context's way at compile time:
 *   ctx_len(c)                      the packet's length
 *   ctx_load(c, off, dst, len)      len (a constant) bytes, in place if linear
 *   ctx_load_bytes(c, off, dst, n)  n bytes, through the helper
 *   ctx_ifindex(c)                  the device the packet is on
 *   ctx_vlan_present(c), ctx_vlan_tci(c), ctx_vlan_proto(c): a tag the kernel
 *                                   holds apart from the data (TC only)
 *   ctx_l3_proto(c)                 the network protocol (TC; 0 for XDP)
 * and, defined by the units that own them: ctx_now(c) (the event clock) and
 * ctx_sender(c, m, hook) (the packet's sending socket's owner).
 */
#define CTX_PICK(c, skb_fn, xdp_fn) \
	_Generic((c), struct __sk_buff * : skb_fn, struct xdp_md * : xdp_fn)

#define ctx_len(c) CTX_PICK(c, ctx__skb_len, ctx__xdp_len)(c)
#define ctx_load(c, off, dst, len) CTX_PICK(c, ctx__skb_load, ctx__xdp_load)(c, off, dst, len)
#define ctx_load_bytes(c, off, dst, n) \
	CTX_PICK(c, bpf_skb_load_bytes, bpf_xdp_load_bytes)(c, off, dst, n)

static __always_inline __u32 ctx__skb_ifindex(struct __sk_buff *skb)
{
	return skb->ifindex;
}

static __always_inline __u32 ctx__xdp_ifindex(struct xdp_md *xdp)
{
	return xdp->ingress_ifindex;
}

#define ctx_ifindex(c) CTX_PICK(c, ctx__skb_ifindex, ctx__xdp_ifindex)(c)

static __always_inline __u32 ctx__skb_vlan_present(struct __sk_buff *skb)
{
	return skb->vlan_present;
}

static __always_inline __u32 ctx__skb_vlan_tci(struct __sk_buff *skb)
{
	return skb->vlan_tci;
}

static __always_inline __u32 ctx__skb_vlan_proto(struct __sk_buff *skb)
{
	return skb->vlan_proto;
}

static __always_inline __u32 ctx__skb_l3_proto(struct __sk_buff *skb)
{
	return bpf_ntohs(skb->protocol);
}

/* XDP sees the frame as the NIC gave it: no tag held apart, no protocol yet. */
static __always_inline __u32 ctx__xdp_zero(struct xdp_md *xdp)
{
	return 0;
}

#define ctx_vlan_present(c) CTX_PICK(c, ctx__skb_vlan_present, ctx__xdp_zero)(c)
#define ctx_vlan_tci(c) CTX_PICK(c, ctx__skb_vlan_tci, ctx__xdp_zero)(c)
#define ctx_vlan_proto(c) CTX_PICK(c, ctx__skb_vlan_proto, ctx__xdp_zero)(c)
#define ctx_l3_proto(c) CTX_PICK(c, ctx__skb_l3_proto, ctx__xdp_zero)(c)

#endif
