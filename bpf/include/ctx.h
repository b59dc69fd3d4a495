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

#endif
