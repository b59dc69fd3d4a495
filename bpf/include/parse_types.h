/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What bpf/include/parse.h produces, types only, so that userspace (the BPF
 * tests read it from .bss) shares the definition. Include vmlinux.h or
 * <linux/types.h> first. Byte order: addresses as on the wire (network order);
 * ports, ethertypes, offsets and lengths host order.
 */
#ifndef WHOFLOW_PARSE_TYPES_H
#define WHOFLOW_PARSE_TYPES_H

#ifndef PARSE_VLAN_MAX
#define PARSE_VLAN_MAX 2 /* 802.1Q and 802.1ad (QinQ): two tags at most */
#endif

enum parse_status {
	PARSE_OK = 0, /* every header up to L4 parsed */
	PARSE_TRUNCATED = 1, /* a header runs past the packet */
	PARSE_MALFORMED = 2, /* a header field is impossible (ihl < 5, doff < 5, ...) */
	PARSE_NOT_IP = 3, /* ARP, LLDP, ...: counted, not parsed */
	PARSE_L4_OTHER = 4, /* IP, but neither TCP nor UDP (or a non-first fragment) */
	PARSE_EXT_LIMIT = 5, /* more IPv6 extension headers than PARSE_IPV6_EXT_MAX */
};

enum parse_frag {
	PARSE_FRAG_NONE = 0,
	PARSE_FRAG_FIRST = 1, /* offset 0, more fragments: L4 header present */
	PARSE_FRAG_LATER = 2, /* offset > 0: no L4 header */
};

struct pkt_meta {
	__u8 status; /* enum parse_status */
	__u8 family; /* 4 or 6, 0 before L3 */
	__u8 l4_proto; /* IPPROTO_* of the upper layer */
	__u8 frag; /* enum parse_frag */
	__u8 vlan_depth; /* tags seen, including one the kernel moved to skb->vlan_tci */
	__u8 ext_count; /* IPv6 extension headers walked */
	__u8 tcp_flags; /* FIN 0x01 SYN 0x02 RST 0x04 PSH 0x08 ACK 0x10 URG 0x20 ... */
	__u8 ttl;
	__u16 vlan_id[PARSE_VLAN_MAX]; /* outermost first */
	__u16 l3_proto; /* ethertype of the network layer */
	__u16 l3_off;
	__u16 l4_off;
	__u16 payload_off;
	__u16 sport, dport;
	__u32 payload_len; /* L4 payload per the IP length fields (Ethernet padding excluded) */
	__u32 ip_id; /* IPv4 id or IPv6 fragment identification */
	__u32 tcp_seq; /* of the first payload byte (a SYN's own number + 1) */
	__u16 frag_off; /* bytes: where this fragment's data sits in its datagram */
	__u8 more_frags; /* MF: more fragments follow */
	__u8 pad;
	__u32 udp_len; /* UDP length field: the whole datagram's, even in a first fragment */
	__u8 saddr[16]; /* IPv4: first 4 bytes, rest zero */
	__u8 daddr[16];
};

#endif
