/* SPDX-License-Identifier: GPL-2.0-only */
/* Builds test packets byte by byte: Ethernet, VLAN, IPv4/IPv6 (+ext), TCP/UDP, payload. */
#ifndef WHOFLOW_PKTBUILD_H
#define WHOFLOW_PKTBUILD_H

#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>

struct pkt {
	uint8_t b[9000];
	size_t len;
	size_t ip_off; /* where the IP header starts, to patch lengths */
	size_t l4_off;
	int family;
};

static inline void pkt__put(struct pkt *p, const void *d, size_t n)
{
	memcpy(p->b + p->len, d, n);
	p->len += n;
}

static inline void pkt__u8(struct pkt *p, uint8_t v)
{
	pkt__put(p, &v, 1);
}

static inline void pkt__u16(struct pkt *p, uint16_t v)
{
	v = htons(v);
	pkt__put(p, &v, 2);
}

static inline void pkt__u32(struct pkt *p, uint32_t v)
{
	v = htonl(v);
	pkt__put(p, &v, 4);
}

static inline void pkt__eth(struct pkt *p, uint16_t proto)
{
	static const uint8_t macs[12] = { 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2 };

	pkt__put(p, macs, 12);
	pkt__u16(p, proto);
}

static inline void pkt__vlan(struct pkt *p, uint16_t vid, uint16_t next)
{
	pkt__u16(p, vid);
	pkt__u16(p, next);
}

/* IPv4 header with optional options (opt_words * 4 bytes of NOPs); lengths patched by pkt__finish. */
static inline void pkt__ipv4(struct pkt *p, uint8_t proto, const char *src, const char *dst,
			     int opt_words, uint16_t frag)
{
	struct in_addr a;

	p->ip_off = p->len;
	p->family = 4;
	pkt__u8(p, 0x40 | (5 + opt_words));
	pkt__u8(p, 0);
	pkt__u16(p, 0); /* total length */
	pkt__u16(p, 0x1234);
	pkt__u16(p, frag);
	pkt__u8(p, 64);
	pkt__u8(p, proto);
	pkt__u16(p, 0);
	inet_pton(AF_INET, src, &a);
	pkt__put(p, &a, 4);
	inet_pton(AF_INET, dst, &a);
	pkt__put(p, &a, 4);
	for (int i = 0; i < opt_words * 4; i++)
		pkt__u8(p, 1);
	p->l4_off = p->len;
}

static inline void pkt__ipv6(struct pkt *p, uint8_t nexthdr, const char *src, const char *dst)
{
	struct in6_addr a;

	p->ip_off = p->len;
	p->family = 6;
	pkt__u32(p, 0x60000000);
	pkt__u16(p, 0); /* payload length */
	pkt__u8(p, nexthdr);
	pkt__u8(p, 64);
	inet_pton(AF_INET6, src, &a);
	pkt__put(p, &a, 16);
	inet_pton(AF_INET6, dst, &a);
	pkt__put(p, &a, 16);
	p->l4_off = p->len;
}

/* A generic 8-byte extension header (hop-by-hop, destination options, routing). */
static inline void pkt__ipv6_ext(struct pkt *p, uint8_t next)
{
	pkt__u8(p, next);
	pkt__u8(p, 0);
	for (int i = 0; i < 6; i++)
		pkt__u8(p, 0);
	p->l4_off = p->len;
}

static inline void pkt__ipv6_frag(struct pkt *p, uint8_t next, uint16_t offset8, int more)
{
	pkt__u8(p, next);
	pkt__u8(p, 0);
	pkt__u16(p, (uint16_t)(offset8 << 3) | (more ? 1 : 0));
	pkt__u32(p, 0xabcdef01);
	p->l4_off = p->len;
}

static inline void pkt__tcp(struct pkt *p, uint16_t sport, uint16_t dport, uint8_t flags,
			    int opt_words)
{
	pkt__u16(p, sport);
	pkt__u16(p, dport);
	pkt__u32(p, 1000);
	pkt__u32(p, 0);
	pkt__u8(p, (uint8_t)((5 + opt_words) << 4));
	pkt__u8(p, flags);
	pkt__u16(p, 65535);
	pkt__u16(p, 0);
	pkt__u16(p, 0);
	for (int i = 0; i < opt_words * 4; i++)
		pkt__u8(p, 1);
}

static inline void pkt__udp(struct pkt *p, uint16_t sport, uint16_t dport)
{
	pkt__u16(p, sport);
	pkt__u16(p, dport);
	pkt__u16(p, 0); /* length, patched */
	pkt__u16(p, 0);
}

/* Patches IP and UDP length fields to the packet as built. */
static inline void pkt__finish(struct pkt *p, int udp_at_l4)
{
	size_t ip_payload;

	if (p->family == 4) {
		uint16_t tot = htons((uint16_t)(p->len - p->ip_off));

		memcpy(p->b + p->ip_off + 2, &tot, 2);
	} else if (p->family == 6) {
		uint16_t pl = htons((uint16_t)(p->len - p->ip_off - 40));

		memcpy(p->b + p->ip_off + 4, &pl, 2);
	}
	ip_payload = p->len - p->l4_off;
	if (udp_at_l4) {
		uint16_t ul = htons((uint16_t)ip_payload);

		memcpy(p->b + p->l4_off + 4, &ul, 2);
	}
}

/* A DNS query message: header + one question (name given as dotted text). */
static inline void pkt__dns_query(struct pkt *p, uint16_t id, const char *name, uint16_t qtype)
{
	const char *s = name;

	pkt__u16(p, id);
	pkt__u16(p, 0x0100); /* RD */
	pkt__u16(p, 1);
	pkt__u16(p, 0);
	pkt__u16(p, 0);
	pkt__u16(p, 0);
	while (*s) {
		const char *dot = strchr(s, '.');
		size_t n = dot ? (size_t)(dot - s) : strlen(s);

		pkt__u8(p, (uint8_t)n);
		pkt__put(p, s, n);
		s += n + (dot ? 1 : 0);
	}
	pkt__u8(p, 0);
	pkt__u16(p, qtype);
	pkt__u16(p, 1);
}

#endif
