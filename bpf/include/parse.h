/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The one packet parser, L2 to L4, shared by the TC programs (and the XDP
 * variant). It reads through a load function (ctx.h: in place when the header
 * is in the linear area, else the load helper), so non-linear and GSO skbs
 * parse the same as linear ones; the load fails (and parsing stops as
 * "truncated") whenever a header runs past the end.
 *
 * Byte order, documented once: addresses are copied as on the wire (network
 * order); ports, ethertypes and lengths in struct pkt_meta are host order.
 *
 * Include vmlinux.h and bpf_helpers.h first. The parser itself is a
 * per-context section (see ctx.h): emitted when this header is included with
 * CTX_T and CTX_FN defined, once for TC and once for XDP.
 */
#ifndef WHOFLOW_PARSE_H
#define WHOFLOW_PARSE_H

#include <bpf/bpf_endian.h>
#include "parse_types.h"
#include "ctx.h"

#define PARSE_VLAN_MAX 2 /* 802.1Q and 802.1ad (QinQ): two tags at most */
#define PARSE_IPV6_EXT_MAX 8 /* extension headers followed before giving up */

#define ETH_HLEN_ 14
#define ETH_P_IP_ 0x0800
#define ETH_P_IPV6_ 0x86DD
#define ETH_P_8021Q_ 0x8100
#define ETH_P_8021AD_ 0x88A8

#define IPPROTO_HOPOPTS_ 0
#define IPPROTO_ROUTING_ 43
#define IPPROTO_FRAGMENT_ 44
#define IPPROTO_AH_ 51
#define IPPROTO_DSTOPTS_ 60
#define IPPROTO_MH_ 135

static __always_inline bool ipv6__is_ext(__u8 nexthdr)
{
	return nexthdr == IPPROTO_HOPOPTS_ || nexthdr == IPPROTO_ROUTING_ ||
	       nexthdr == IPPROTO_FRAGMENT_ || nexthdr == IPPROTO_DSTOPTS_ ||
	       nexthdr == IPPROTO_AH_ || nexthdr == IPPROTO_MH_;
}

#endif /* WHOFLOW_PARSE_H */

#ifdef CTX_T

/* True when the byte at off is inside the packet: options must be there, not just promised. */
static __always_inline bool CTX_FN(parse__has)(CTX_T *ctx, __u32 off)
{
	__u8 b;

	return !ctx_load(ctx, off, &b, 1);
}

static __always_inline int CTX_FN(parse__vlan)(CTX_T *ctx, struct pkt_meta *m, __u32 *off,
					       __u16 *proto)
{
	struct {
		__be16 tci;
		__be16 proto;
	} tag;

#pragma unroll
	for (int i = 0; i < PARSE_VLAN_MAX; i++) {
		if (*proto != ETH_P_8021Q_ && *proto != ETH_P_8021AD_)
			return 0;
		if (ctx_load(ctx, *off, &tag, sizeof(tag)))
			return PARSE_TRUNCATED;
		if (m->vlan_depth < PARSE_VLAN_MAX)
			m->vlan_id[m->vlan_depth & 1] = bpf_ntohs(tag.tci) & 0x0fff;
		m->vlan_depth++;
		*proto = bpf_ntohs(tag.proto);
		*off += sizeof(tag);
	}
	/* A third tag: beyond what we promise to parse. */
	return *proto == ETH_P_8021Q_ || *proto == ETH_P_8021AD_ ? PARSE_NOT_IP : 0;
}

/* Ethernet header and up to two VLAN tags; *off ends at the network header. */
static __always_inline int CTX_FN(parse__l2)(CTX_T *ctx, struct pkt_meta *m, __u32 *off)
{
	struct {
		__u8 dst[6];
		__u8 src[6];
		__be16 proto;
	} eth;
	__u16 proto;
	int err;

	if (ctx_load(ctx, 0, &eth, sizeof(eth)))
		return PARSE_TRUNCATED;
	proto = bpf_ntohs(eth.proto);
	*off = sizeof(eth);
	err = CTX_FN(parse__vlan)(ctx, m, off, &proto);
	m->l3_proto = proto;
	return err;
}

static __always_inline int CTX_FN(parse__ipv4)(CTX_T *ctx, struct pkt_meta *m, __u32 off)
{
	struct iphdr ip;
	__u32 hlen, tot;
	__u16 frag;

	if (ctx_load(ctx, off, &ip, sizeof(ip)))
		return PARSE_TRUNCATED;
	hlen = ip.ihl * 4;
	tot = bpf_ntohs(ip.tot_len);
	if (ip.version != 4 || ip.ihl < 5 || tot < hlen)
		return PARSE_MALFORMED;
	if (hlen > sizeof(ip) && !CTX_FN(parse__has)(ctx, off + hlen - 1))
		return PARSE_TRUNCATED;
	m->family = 4;
	m->l4_proto = ip.protocol;
	m->ttl = ip.ttl;
	m->ip_id = bpf_ntohs(ip.id);
	__builtin_memcpy(m->saddr, &ip.saddr, 4);
	__builtin_memcpy(m->daddr, &ip.daddr, 4);
	frag = bpf_ntohs(ip.frag_off);
	m->frag_off = (frag & 0x1fff) * 8;
	m->more_frags = !!(frag & 0x2000);
	if (frag & 0x1fff)
		m->frag = PARSE_FRAG_LATER;
	else if (frag & 0x2000)
		m->frag = PARSE_FRAG_FIRST;
	m->l4_off = off + hlen; /* options skipped by ihl */
	m->payload_len = tot - hlen; /* for now: the whole L4 segment */
	return 0;
}

/* Walks extension headers; *off ends at the upper-layer header. */
static __always_inline int CTX_FN(parse__ipv6_ext)(CTX_T *ctx, struct pkt_meta *m, __u32 *off,
						   __u8 *nexthdr)
{
	struct {
		__u8 nexthdr;
		__u8 len;
		__be16 frag_off; /* fragment header only */
		__be32 ident; /* fragment header only */
	} ext;

#pragma unroll
	for (int i = 0; i < PARSE_IPV6_EXT_MAX; i++) {
		if (!ipv6__is_ext(*nexthdr))
			return 0;
		if (ctx_load(ctx, *off, &ext, sizeof(ext)))
			return PARSE_TRUNCATED;
		m->ext_count++;
		if (*nexthdr == IPPROTO_FRAGMENT_) {
			__u16 fo = bpf_ntohs(ext.frag_off);

			m->ip_id = bpf_ntohl(ext.ident);
			m->frag_off = fo & 0xfff8;
			m->more_frags = fo & 1;
			m->frag = (fo & 0xfff8) ? PARSE_FRAG_LATER :
				  (fo & 1)	? PARSE_FRAG_FIRST :
						  m->frag;
			*off += 8;
		} else if (*nexthdr == IPPROTO_AH_) {
			*off += (ext.len + 2) * 4; /* AH counts 4-byte words, minus 2 */
		} else {
			*off += (ext.len + 1) * 8;
		}
		*nexthdr = ext.nexthdr;
	}
	return ipv6__is_ext(*nexthdr) ? PARSE_EXT_LIMIT : 0;
}

static __always_inline int CTX_FN(parse__ipv6)(CTX_T *ctx, struct pkt_meta *m, __u32 off)
{
	struct ipv6hdr ip6;
	__u8 nexthdr;
	__u32 l4;
	int err;

	if (ctx_load(ctx, off, &ip6, sizeof(ip6)))
		return PARSE_TRUNCATED;
	if (ip6.version != 6)
		return PARSE_MALFORMED;
	m->family = 6;
	m->ttl = ip6.hop_limit;
	__builtin_memcpy(m->saddr, &ip6.saddr, 16);
	__builtin_memcpy(m->daddr, &ip6.daddr, 16);
	nexthdr = ip6.nexthdr;
	l4 = off + sizeof(ip6);
	err = CTX_FN(parse__ipv6_ext)(ctx, m, &l4, &nexthdr);
	m->l4_proto = nexthdr;
	if (err)
		return err;
	if (l4 - off - sizeof(ip6) > bpf_ntohs(ip6.payload_len))
		return PARSE_MALFORMED;
	m->l4_off = l4;
	m->payload_len = bpf_ntohs(ip6.payload_len) - (l4 - off - sizeof(ip6));
	return 0;
}

static __always_inline int CTX_FN(parse__tcp)(CTX_T *ctx, struct pkt_meta *m)
{
	struct tcphdr tcp;
	__u32 hlen;

	if (ctx_load(ctx, m->l4_off, &tcp, sizeof(tcp)))
		return PARSE_TRUNCATED;
	hlen = tcp.doff * 4; /* options included: never sizeof(tcphdr) */
	if (tcp.doff < 5 || hlen > m->payload_len)
		return PARSE_MALFORMED;
	if (hlen > sizeof(tcp) && !CTX_FN(parse__has)(ctx, m->l4_off + hlen - 1))
		return PARSE_TRUNCATED;
	m->sport = bpf_ntohs(tcp.source);
	m->dport = bpf_ntohs(tcp.dest);
	m->tcp_flags = ((__u8 *)&tcp)[13];
	/* The first payload byte's sequence number: a SYN takes one, so data on a
	 * SYN (TCP Fast Open) starts one after the segment's number. */
	m->tcp_seq = bpf_ntohl(tcp.seq) + ((m->tcp_flags & 0x02) ? 1 : 0);
	m->payload_off = m->l4_off + hlen;
	m->payload_len -= hlen;
	return 0;
}

static __always_inline int CTX_FN(parse__udp)(CTX_T *ctx, struct pkt_meta *m)
{
	struct udphdr udp;

	if (ctx_load(ctx, m->l4_off, &udp, sizeof(udp)))
		return PARSE_TRUNCATED;
	if (m->payload_len < sizeof(udp))
		return PARSE_MALFORMED;
	m->sport = bpf_ntohs(udp.source);
	m->dport = bpf_ntohs(udp.dest);
	m->udp_len = bpf_ntohs(udp.len);
	m->payload_off = m->l4_off + sizeof(udp);
	m->payload_len -= sizeof(udp);
	return 0;
}

static __always_inline int CTX_FN(parse__l4)(CTX_T *ctx, struct pkt_meta *m)
{
	if (m->frag == PARSE_FRAG_LATER)
		return PARSE_L4_OTHER;
	if (m->l4_proto == IPPROTO_TCP)
		return CTX_FN(parse__tcp)(ctx, m);
	if (m->l4_proto == IPPROTO_UDP)
		return CTX_FN(parse__udp)(ctx, m);
	return PARSE_L4_OTHER;
}

/*
 * Parses from l3_off (0 on devices without an Ethernet header, whose network
 * protocol comes from skb->protocol) or from the Ethernet header (has_l2).
 * outer_vlan: a tag the kernel already took off the packet (skb->vlan_tci), or 0.
 * Returns the enum parse_status, also stored in m->status.
 */
static __always_inline int CTX_FN(parse__packet)(CTX_T *ctx, struct pkt_meta *m, bool has_l2,
						 __u16 l3_proto, __u16 outer_vlan)
{
	__u32 off = 0;
	int err = 0;

	if (outer_vlan) {
		m->vlan_id[0] = outer_vlan & 0x0fff;
		m->vlan_depth = 1;
	}
	if (has_l2)
		err = CTX_FN(parse__l2)(ctx, m, &off);
	else
		m->l3_proto = l3_proto;
	m->l3_off = off;
	if (!err) {
		if (m->l3_proto == ETH_P_IP_)
			err = CTX_FN(parse__ipv4)(ctx, m, off);
		else if (m->l3_proto == ETH_P_IPV6_)
			err = CTX_FN(parse__ipv6)(ctx, m, off);
		else
			err = PARSE_NOT_IP;
	}
	if (!err)
		err = CTX_FN(parse__l4)(ctx, m);
	m->status = err;
	return err;
}

/* The parser as a global function: verified once, on its own. */
__noinline int CTX_FN(wf_parse)(CTX_T *ctx, struct pkt_meta *m, __u32 iface_flags)
{
	if (!ctx || !m)
		return PARSE_TRUNCATED;
	return CTX_FN(parse__packet)(ctx, m, !(iface_flags & WF_IFACE_NO_L2), ctx_l3_proto(ctx),
				     ctx_vlan_present(ctx) ? ctx_vlan_tci(ctx) : 0);
}

#endif /* CTX_T */
