// SPDX-License-Identifier: GPL-2.0-only
/*
 * BPF tests of bpf/tc/flow.bpf.c: crafted packets through bpf_prog_test_run_opts,
 * with what the program parsed read back from .bss, the flow map and the ring
 * buffer. Loading the object is itself the verifier-acceptance test.
 */
#include "testdev.h" /* first: it defines _GNU_SOURCE */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <linux/types.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "flow_events.h"
#include "parse_types.h"
#include "flow.skel.h"
#include "pktbuild.h"

static struct flow_bpf *skel;

static unsigned int test_ifindex; /* testdev.h */

static int run(const struct pkt *p, int prog_fd)
{
	struct __sk_buff ctx = { .ifindex = test_ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = p->b, .data_size_in = (__u32)p->len,
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = 1);
	int err = bpf_prog_test_run_opts(prog_fd, &opts);

	assert_int_equal(err, 0);
	assert_int_equal((int)opts.retval, -1); /* TC_ACT_UNSPEC: never drop, never stop others */
	return err;
}

static const struct pkt_meta *run_meta(const struct pkt *p)
{
	memset(&skel->bss->last_meta, 0xee, sizeof(skel->bss->last_meta));
	run(p, bpf_program__fd(skel->progs.wf_tc_egress));
	return &skel->bss->last_meta;
}

struct parse_case {
	const char *name;
	void (*build)(struct pkt *p);
	int status;
	int family;
	int l4_proto;
	int sport, dport;
	int vlan_depth;
	int vlan0, vlan1;
	int frag;
	int ext_count;
	int payload_off; /* -1: not checked */
	int payload_len;
};

static void b_udp4(struct pkt *p)
{
	pkt__eth(p, 0x0800);
	pkt__ipv4(p, 17, "10.0.0.1", "10.0.0.2", 0, 0);
	pkt__udp(p, 40000, 53);
	pkt__dns_query(p, 0x1111, "example.com", 1);
	pkt__finish(p, 1);
}

static void b_tcp4_opts(struct pkt *p)
{
	pkt__eth(p, 0x0800);
	pkt__ipv4(p, 6, "10.0.0.1", "10.0.0.2", 2, 0); /* 8 bytes of IP options */
	pkt__tcp(p, 1234, 443, 0x18, 3); /* 12 bytes of TCP options */
	pkt__put(p, "hello", 5);
	pkt__finish(p, 0);
}

static void b_ihl4(struct pkt *p)
{
	b_udp4(p);
	p->b[14] = 0x44;
}

static void b_doff4(struct pkt *p)
{
	pkt__eth(p, 0x0800);
	pkt__ipv4(p, 6, "10.0.0.1", "10.0.0.2", 0, 0);
	pkt__tcp(p, 1, 2, 0x02, 0);
	pkt__finish(p, 0);
	p->b[14 + 20 + 12] = 0x40;
}

static void b_vlan(struct pkt *p)
{
	pkt__eth(p, 0x8100);
	pkt__vlan(p, 100, 0x0800);
	pkt__ipv4(p, 17, "10.0.0.1", "10.0.0.2", 0, 0);
	pkt__udp(p, 5000, 6000);
	pkt__put(p, "x", 1);
	pkt__finish(p, 1);
}

static void b_qinq(struct pkt *p)
{
	pkt__eth(p, 0x88a8);
	pkt__vlan(p, 200, 0x8100);
	pkt__vlan(p, 300, 0x86dd);
	pkt__ipv6(p, 17, "fd00::1", "fd00::2");
	pkt__udp(p, 5000, 6000);
	pkt__finish(p, 1);
}

static void b_three_tags(struct pkt *p)
{
	pkt__eth(p, 0x88a8);
	pkt__vlan(p, 1, 0x8100);
	pkt__vlan(p, 2, 0x8100);
	pkt__vlan(p, 3, 0x0800);
	pkt__ipv4(p, 17, "10.0.0.1", "10.0.0.2", 0, 0);
	pkt__udp(p, 1, 2);
	pkt__finish(p, 1);
}

static void b_udp6(struct pkt *p)
{
	pkt__eth(p, 0x86dd);
	pkt__ipv6(p, 17, "fd00::1", "fd00::2");
	pkt__udp(p, 40000, 53);
	pkt__dns_query(p, 2, "a.example", 28);
	pkt__finish(p, 1);
}

static void b_ip6_ext(struct pkt *p)
{
	pkt__eth(p, 0x86dd);
	pkt__ipv6(p, 0, "fd00::1", "fd00::2");
	pkt__ipv6_ext(p, 60); /* hop-by-hop -> destination options */
	pkt__ipv6_ext(p, 6); /* destination options -> TCP */
	pkt__tcp(p, 2222, 80, 0x02, 0);
	pkt__finish(p, 0);
}

static void b_ip6_frag_first(struct pkt *p)
{
	pkt__eth(p, 0x86dd);
	pkt__ipv6(p, 44, "fd00::1", "fd00::2");
	pkt__ipv6_frag(p, 17, 0, 1);
	pkt__udp(p, 53, 40000);
	pkt__put(p, "0123456789ab", 12);
	pkt__finish(p, 1);
}

static void b_ip6_frag_later(struct pkt *p)
{
	pkt__eth(p, 0x86dd);
	pkt__ipv6(p, 44, "fd00::1", "fd00::2");
	pkt__ipv6_frag(p, 17, 185, 0);
	pkt__put(p, "rest of the datagram", 20);
	pkt__finish(p, 0);
}

static void b_ip6_ext_limit(struct pkt *p)
{
	pkt__eth(p, 0x86dd);
	pkt__ipv6(p, 60, "fd00::1", "fd00::2");
	for (int i = 0; i < 9; i++)
		pkt__ipv6_ext(p, i == 8 ? 17 : 60);
	pkt__udp(p, 1, 2);
	pkt__finish(p, 0);
}

static void b_ip4_frag_first(struct pkt *p)
{
	pkt__eth(p, 0x0800);
	pkt__ipv4(p, 17, "10.0.0.1", "10.0.0.2", 0, 0x2000);
	pkt__udp(p, 53, 1000);
	pkt__put(p, "0123456789ab", 12);
	pkt__finish(p, 0);
}

static void b_ip4_frag_later(struct pkt *p)
{
	pkt__eth(p, 0x0800);
	pkt__ipv4(p, 17, "10.0.0.1", "10.0.0.2", 0, 185);
	pkt__put(p, "more bytes", 10);
	pkt__finish(p, 0);
}

static void b_arp(struct pkt *p)
{
	pkt__eth(p, 0x0806);
	for (int i = 0; i < 28; i++)
		pkt__u8(p, 0);
}

static void b_icmp(struct pkt *p)
{
	pkt__eth(p, 0x0800);
	pkt__ipv4(p, 1, "10.0.0.1", "10.0.0.2", 0, 0);
	pkt__u32(p, 0x08000000);
	pkt__u32(p, 0x00010001);
	pkt__finish(p, 0);
}

static const struct parse_case parse_cases[] = {
	{ "udp4", b_udp4, PARSE_OK, 4, 17, 40000, 53, 0, 0, 0, 0, 0, 42, 29 },
	{ "tcp4 ip+tcp options", b_tcp4_opts, PARSE_OK, 4, 6, 1234, 443, 0, 0, 0, 0, 0,
	  14 + 28 + 32, 5 },
	{ "ipv4 ihl 4", b_ihl4, PARSE_MALFORMED, 0, -1, -1, -1, 0, 0, 0, 0, 0, -1, -1 },
	{ "tcp doff 4", b_doff4, PARSE_MALFORMED, 4, 6, -1, -1, 0, 0, 0, 0, 0, -1, -1 },
	{ "802.1Q", b_vlan, PARSE_OK, 4, 17, 5000, 6000, 1, 100, 0, 0, 0, 18 + 28, 1 },
	{ "QinQ + ipv6", b_qinq, PARSE_OK, 6, 17, 5000, 6000, 2, 200, 300, 0, 0, 22 + 48, 0 },
	{ "three tags", b_three_tags, PARSE_NOT_IP, 0, -1, -1, -1, 2, 1, 2, 0, 0, -1, -1 },
	{ "udp6", b_udp6, PARSE_OK, 6, 17, 40000, 53, 0, 0, 0, 0, 0, 62, 27 },
	{ "ipv6 hop+dst options", b_ip6_ext, PARSE_OK, 6, 6, 2222, 80, 0, 0, 0, 0, 2, 14 + 56 + 20,
	  0 },
	{ "ipv6 first fragment", b_ip6_frag_first, PARSE_OK, 6, 17, 53, 40000, 0, 0, 0,
	  PARSE_FRAG_FIRST, 1, 14 + 48 + 8, 12 },
	{ "ipv6 later fragment", b_ip6_frag_later, PARSE_L4_OTHER, 6, 17, 0, 0, 0, 0, 0,
	  PARSE_FRAG_LATER, 1, -1, -1 },
	{ "ipv6 9 ext headers", b_ip6_ext_limit, PARSE_EXT_LIMIT, 6, 60, -1, -1, 0, 0, 0, 0, 8, -1,
	  -1 },
	{ "ipv4 first fragment", b_ip4_frag_first, PARSE_OK, 4, 17, 53, 1000, 0, 0, 0,
	  PARSE_FRAG_FIRST, 0, 42, 12 },
	{ "ipv4 later fragment", b_ip4_frag_later, PARSE_L4_OTHER, 4, 17, 0, 0, 0, 0, 0,
	  PARSE_FRAG_LATER, 0, -1, -1 },
	{ "arp", b_arp, PARSE_NOT_IP, 0, -1, -1, -1, 0, 0, 0, 0, 0, -1, -1 },
	{ "icmp", b_icmp, PARSE_L4_OTHER, 4, 1, 0, 0, 0, 0, 0, 0, 0, -1, -1 },
};

static void check_case(const struct parse_case *c, const struct pkt_meta *m)
{
	if (m->status != c->status)
		fail_msg("%s: status %d, want %d", c->name, m->status, c->status);
	assert_int_equal(m->family, c->family);
	if (c->l4_proto >= 0)
		assert_int_equal(m->l4_proto, c->l4_proto);
	if (c->sport >= 0) {
		assert_int_equal(m->sport, c->sport);
		assert_int_equal(m->dport, c->dport);
	}
	assert_int_equal(m->vlan_depth, c->vlan_depth);
	if (c->vlan_depth) {
		assert_int_equal(m->vlan_id[0], c->vlan0);
		if (c->vlan_depth > 1)
			assert_int_equal(m->vlan_id[1], c->vlan1);
	}
	assert_int_equal(m->frag, c->frag);
	assert_int_equal(m->ext_count, c->ext_count);
	if (c->payload_off >= 0) {
		assert_int_equal(m->payload_off, c->payload_off);
		assert_int_equal(m->payload_len, c->payload_len);
	}
}

static void test_parse_table(void **state)
{
	for (size_t i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
		struct pkt p = { 0 };

		parse_cases[i].build(&p);
		check_case(&parse_cases[i], run_meta(&p));
	}
}

static void test_addresses_network_order(void **state)
{
	struct pkt p = { 0 };
	const struct pkt_meta *m;
	uint8_t want[4] = { 10, 0, 0, 1 };

	b_udp4(&p);
	m = run_meta(&p);
	assert_memory_equal(m->saddr, want, 4);
	assert_int_equal(m->saddr[4], 0);
}

/*
 * Every cut inside the headers is "truncated"; none crashes or misparses. The
 * kernel's test runner itself refuses packets shorter than an Ethernet header,
 * or whose fixed IPv4/IPv6 header is incomplete (-EINVAL): those cuts are skipped.
 */
static void test_every_truncation_point(void **state)
{
	void (*builders[])(struct pkt *) = { b_tcp4_opts, b_qinq, b_ip6_ext, b_ip6_frag_first };
	int prog = bpf_program__fd(skel->progs.wf_tc_egress), tested = 0;

	for (size_t b = 0; b < sizeof(builders) / sizeof(builders[0]); b++) {
		struct pkt full = { 0 };
		const struct pkt_meta *m = &skel->bss->last_meta;
		size_t hdr_end;

		builders[b](&full);
		run(&full, prog);
		assert_int_equal(m->status, PARSE_OK);
		hdr_end = m->payload_off;
		for (size_t cut = 14; cut < hdr_end; cut++) {
			LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = full.b, .data_size_in = cut,
				    .repeat = 1);

			memset(&skel->bss->last_meta, 0xee, sizeof(skel->bss->last_meta));
			if (bpf_prog_test_run_opts(prog, &opts) == -EINVAL)
				continue;
			tested++;
			if (m->status != PARSE_TRUNCATED)
				fail_msg("builder %zu cut at %zu of %zu: status %d", b, cut,
					 hdr_end, m->status);
		}
	}
	/* Most cuts must have run: the skipped ones are only inside fixed IP headers. */
	assert_true(tested > 100);
}

struct dns_seen {
	int n;
	size_t len; /* the record's length */
	struct dns_event ev;
};

static int on_dns(void *ctx, void *data, size_t len)
{
	struct dns_seen *s = ctx;

	s->n++;
	s->len = len;
	memset(&s->ev, 0, sizeof(s->ev));
	memcpy(&s->ev, data, len < sizeof(s->ev) ? len : sizeof(s->ev));
	return 0;
}

static struct dns_seen run_dns(struct pkt *p)
{
	struct dns_seen s = { 0 };
	struct ring_buffer *rb =
		ring_buffer__new(bpf_map__fd(skel->maps.pkt_events), on_dns, &s, NULL);

	assert_non_null(rb);
	ring_buffer__consume(rb); /* records earlier tests left behind */
	s.n = 0;
	run(p, bpf_program__fd(skel->progs.wf_tc_ingress));
	ring_buffer__consume(rb);
	ring_buffer__free(rb);
	return s;
}

static void test_dns_question(void **state)
{
	struct pkt p = { 0 };
	struct dns_seen s;

	b_udp4(&p);
	s = run_dns(&p);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.ev.status, WF_DNS_PARSED);
	assert_string_equal(skel->bss->last_dns_qname, "example.com");
	assert_int_equal(s.ev.qname_len, 11);
	assert_int_equal(s.ev.qtype, 1);
	assert_int_equal(s.ev.qclass, 1);
	assert_int_equal(s.ev.id, 0x1111);
	assert_int_equal(s.ev.flags, 0x0100);
	assert_int_equal(s.ev.qdcount, 1);
	assert_int_equal(s.ev.msg_len, 29);
	assert_int_equal(s.ev.cap_len, 29);
	/* A record holds the message and nothing after it (the ring buffer rounds up to 8). */
	assert_int_equal(s.len, offsetof(struct dns_event, msg) + 29);
	assert_int_equal(s.ev.h.hook, WF_HOOK_INGRESS);
	assert_memory_equal(s.ev.msg, p.b + 42, 29);

	memset(&p, 0, sizeof(p));
	b_udp6(&p);
	s = run_dns(&p);
	assert_int_equal(s.n, 1);
	assert_string_equal(skel->bss->last_dns_qname, "a.example");
	assert_int_equal(s.ev.qtype, 28);
	assert_int_equal(s.ev.h.family, 6);
}

static void dns_packet(struct pkt *p, const uint8_t *msg, size_t n, uint16_t dport)
{
	pkt__eth(p, 0x0800);
	pkt__ipv4(p, 17, "10.0.0.1", "10.0.0.2", 0, 0);
	pkt__udp(p, 40000, dport);
	pkt__put(p, msg, n);
	pkt__finish(p, 1);
}

static void test_dns_bad_questions(void **state)
{
	static const uint8_t hdr1[12] = { 0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0 };
	static const uint8_t hdr0[12] = { 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	uint8_t msg[64];
	struct pkt p = { 0 };
	struct dns_seen s;

	/* A label running past the message. */
	memcpy(msg, hdr1, 12);
	memcpy(msg + 12,
	       "\x07"
	       "exa",
	       4);
	dns_packet(&p, msg, 16, 53);
	s = run_dns(&p);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.ev.status, WF_DNS_NAME_TRUNCATED);
	/* A compression pointer where the question name starts. */
	memset(&p, 0, sizeof(p));
	memcpy(msg + 12, "\xc0\x0c\x00\x01\x00\x01", 6);
	dns_packet(&p, msg, 18, 53);
	s = run_dns(&p);
	assert_int_equal(s.ev.status, WF_DNS_NAME_MALFORMED);
	/* No question at all (a valid, if odd, message). */
	memset(&p, 0, sizeof(p));
	memcpy(msg, hdr0, 12);
	dns_packet(&p, msg, 12, 53);
	s = run_dns(&p);
	assert_int_equal(s.ev.status, WF_DNS_NO_QUESTION);
	/* Shorter than a DNS header, or not on a DNS port: no record. */
	memset(&p, 0, sizeof(p));
	dns_packet(&p, msg, 11, 53);
	assert_int_equal(run_dns(&p).n, 0);
	memset(&p, 0, sizeof(p));
	dns_packet(&p, msg, 12, 5353);
	assert_int_equal(run_dns(&p).n, 0);
}

static void tcp_packet(struct pkt *p, const char *src, const char *dst, uint16_t sport,
		       uint16_t dport, uint8_t flags)
{
	pkt__eth(p, 0x0800);
	pkt__ipv4(p, 6, src, dst, 0, 0);
	pkt__tcp(p, sport, dport, flags, 0);
	pkt__put(p, "abcd", 4);
	pkt__finish(p, 0);
}

static void test_flow_accounting(void **state)
{
	struct pkt a = { 0 }, b = { 0 }, c = { 0 };
	int fd = bpf_map__fd(skel->maps.flows), egress = bpf_program__fd(skel->progs.wf_tc_egress);
	struct flow_key k = { 0 }, next;
	struct flow_value v;
	struct timespec ts;
	uint64_t mono;
	int found = 0;

	tcp_packet(&a, "192.0.2.1", "192.0.2.2", 33000, 8080, 0x02); /* SYN */
	tcp_packet(&b, "192.0.2.2", "192.0.2.1", 8080, 33000, 0x12); /* SYN-ACK */
	tcp_packet(&c, "192.0.2.1", "192.0.2.2", 33000, 8080, 0x11); /* FIN-ACK */
	run(&a, egress);
	run(&b, egress);
	run(&c, egress);
	while (!bpf_map_get_next_key(fd, found ? (void *)&k : NULL, &next)) {
		k = next;
		found = 1;
		if (k.proto != 6 || k.sport != 33000)
			continue;
		assert_int_equal(bpf_map_lookup_elem(fd, &k, &v), 0);
		assert_int_equal(k.dport, 8080);
		/* The key's lower endpoint is the initiator here: not reversed. */
		assert_int_equal(k.saddr[3], 1);
		assert_int_equal(v.key_rev, 0);
		assert_int_equal(v.orig.packets, 2);
		assert_int_equal(v.reply.packets, 1);
		assert_int_equal(v.orig.bytes, 2 * a.len);
		assert_int_equal(v.orig.tcp_flags, 0x13);
		assert_int_equal(v.reply.tcp_flags, 0x12);
		assert_int_equal(v.closed, WF_FLOW_FIN_ORIG);
		/* last_ns is on the coarse monotonic clock, read during the run. */
		clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
		mono = (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
		assert_true(v.reply.last_ns <= mono && v.reply.last_ns + 5000000000ull > mono);
		assert_int_equal(v.last_ns, 0); /* userspace's own field */
		return;
	}
	fail_msg("flow 192.0.2.1:33000 -> 192.0.2.2:8080 not in the map");
}

/*
 * A flow started by its higher endpoint: one key for both directions, with the
 * lower endpoint first and key_rev saying the initiator is the second; each
 * packet counted in its own direction, whichever hook and order.
 */
static void test_flow_canonical_key(void **state)
{
	struct pkt a = { 0 }, b = { 0 }, c = { 0 };
	int fd = bpf_map__fd(skel->maps.flows);
	int egress = bpf_program__fd(skel->progs.wf_tc_egress);
	int ingress = bpf_program__fd(skel->progs.wf_tc_ingress);
	struct flow_key k = { 0 }, next;
	struct flow_value v;
	int found = 0, n = 0;

	tcp_packet(&a, "192.0.2.9", "192.0.2.3", 33100, 443, 0x02); /* SYN from the higher end */
	tcp_packet(&b, "192.0.2.3", "192.0.2.9", 443, 33100, 0x12); /* SYN-ACK, ingress */
	tcp_packet(&c, "192.0.2.9", "192.0.2.3", 33100, 443, 0x10); /* ACK */
	run(&a, egress);
	run(&b, ingress);
	run(&c, egress);
	while (!bpf_map_get_next_key(fd, found ? (void *)&k : NULL, &next)) {
		k = next;
		found = 1;
		if (k.proto != 6 || (k.sport != 33100 && k.dport != 33100))
			continue;
		n++;
		assert_int_equal(bpf_map_lookup_elem(fd, &k, &v), 0);
		assert_int_equal(k.saddr[3], 3); /* the lower endpoint first */
		assert_int_equal(k.sport, 443);
		assert_int_equal(k.dport, 33100);
		assert_int_equal(v.key_rev, 1); /* the initiator is the second */
		assert_int_equal(v.orig.packets, 2);
		assert_int_equal(v.reply.packets, 1);
		assert_int_equal(v.orig.tcp_flags, 0x12);
		assert_int_equal(v.reply.tcp_flags, 0x12);
	}
	assert_int_equal(n, 1);
}

struct tls_seen {
	int n;
	struct chunk_event ev[4];
};

static int on_tls(void *ctx, void *data, size_t len)
{
	struct tls_seen *s = ctx;
	const __u32 *kind = data;

	if (*kind == WF_PKT_EVENT_TLS && s->n < 4)
		memcpy(&s->ev[s->n++], data, len < sizeof(s->ev[0]) ? len : sizeof(s->ev[0]));
	return 0;
}

static void tls_segment(struct pkt *p, uint16_t sport, uint32_t seq, const uint8_t *d, size_t n)
{
	pkt__eth(p, 0x0800);
	pkt__ipv4(p, 6, "203.0.113.1", "203.0.113.2", 0, 0);
	pkt__tcp(p, sport, 4433, 0x18, 0);
	/* pkt__tcp writes seq 1000: patch in the one wanted. */
	p->b[p->l4_off + 4] = seq >> 24;
	p->b[p->l4_off + 5] = seq >> 16;
	p->b[p->l4_off + 6] = seq >> 8;
	p->b[p->l4_off + 7] = seq;
	pkt__put(p, d, n);
	pkt__finish(p, 0);
}

/* A hello's first segment starts the capture; later segments follow by offset. */
static void test_tls_capture(void **state)
{
	uint8_t hello[600] = { 22, 3, 1, 0x02, 0x00, 1, 0, 0x01, 0xfc };
	struct tls_seen s = { 0 };
	struct ring_buffer *rb =
		ring_buffer__new(bpf_map__fd(skel->maps.pkt_events), on_tls, &s, NULL);
	int egress = bpf_program__fd(skel->progs.wf_tc_egress);
	struct pkt a = { 0 }, b = { 0 }, c = { 0 }, d = { 0 };

	assert_non_null(rb);
	ring_buffer__consume(rb);
	s.n = 0;
	/* Record of 512 bytes holding a 508-byte ClientHello, sent in two segments. */
	tls_segment(&a, 50001, 0xfffffff0, hello, 300); /* sequence numbers wrap inside */
	tls_segment(&b, 50001, 0xfffffff0 + 300, hello + 300, 217);
	run(&a, egress);
	run(&b, egress);
	ring_buffer__consume(rb);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.ev[0].stream_off, 0);
	assert_int_equal(s.ev[0].len, 300);
	assert_int_equal(s.ev[0].want, 517);
	assert_memory_equal(s.ev[0].data, hello, 300);
	assert_int_equal(s.ev[1].stream_off, 300);
	assert_int_equal(s.ev[1].len, 217);
	/* A stream that starts with something else is never looked at again. */
	s.n = 0;
	tls_segment(&c, 50002, 1, (const uint8_t *)"GET / HTTP/1.1\r\n\r\n", 18);
	tls_segment(&d, 50002, 19, hello, 100);
	run(&c, egress);
	run(&d, egress);
	ring_buffer__consume(rb);
	assert_int_equal(s.n, 0);
	ring_buffer__free(rb);
}

/* A minimal ClientHello: one cipher, one compression method, SNI the only extension. */
static size_t hello_with_sni(uint8_t *b, const char *sni, int cut_record_before_sni)
{
	size_t n = strlen(sni), hs = 2 + 32 + 1 + 4 + 2 + 2 + 9 + n, i = 0;

	b[i++] = 22, b[i++] = 3, b[i++] = 1;
	b[i++] = (uint8_t)((hs + 4) >> 8), b[i++] = (uint8_t)(hs + 4);
	b[i++] = 1, b[i++] = 0, b[i++] = (uint8_t)(hs >> 8), b[i++] = (uint8_t)hs;
	b[i++] = 3, b[i++] = 3;
	memset(b + i, 0, 32), i += 32;
	b[i++] = 0; /* session id */
	b[i++] = 0, b[i++] = 2, b[i++] = 0x13, b[i++] = 0x01;
	b[i++] = 1, b[i++] = 0;
	b[i++] = 0, b[i++] = (uint8_t)(9 + n); /* extensions */
	b[i++] = 0, b[i++] = 0, b[i++] = 0, b[i++] = (uint8_t)(5 + n);
	b[i++] = 0, b[i++] = (uint8_t)(3 + n), b[i++] = 0, b[i++] = 0, b[i++] = (uint8_t)n;
	memcpy(b + i, sni, n), i += n;
	if (cut_record_before_sni) /* the record ends before the name: a second record holds it */
		b[4] = (uint8_t)(b[4] - n - 2);
	return i;
}

/* The kernel reads the SNI from the first segment, and only within the first record. */
static void test_tls_kernel_sni(void **state)
{
	struct tls_seen s = { 0 };
	struct ring_buffer *rb =
		ring_buffer__new(bpf_map__fd(skel->maps.pkt_events), on_tls, &s, NULL);
	int egress = bpf_program__fd(skel->progs.wf_tc_egress);
	uint8_t hello[256];
	struct pkt a = { 0 }, b = { 0 }, c = { 0 };
	size_t n;

	assert_non_null(rb);
	ring_buffer__consume(rb);
	s.n = 0;
	n = hello_with_sni(hello, "kernel.test.example", 0);
	tls_segment(&a, 50005, 7, hello, n);
	run(&a, egress);
	n = hello_with_sni(hello, "kernel.test.example", 1);
	tls_segment(&b, 50006, 7, hello, n);
	run(&b, egress);
	/* The record holds the whole name, but this segment ends inside it: not read. */
	n = hello_with_sni(hello, "kernel.test.example", 0);
	tls_segment(&c, 50007, 7, hello, n - 4);
	run(&c, egress);
	ring_buffer__consume(rb);
	assert_int_equal(s.n, 3);
	/* The record says where the name is in the bytes it carries, not the name again. */
	assert_int_equal(s.ev[0].sni_len, strlen("kernel.test.example"));
	assert_true(s.ev[0].sni_off + s.ev[0].sni_len <= s.ev[0].len);
	assert_memory_equal(s.ev[0].data + s.ev[0].sni_off, "kernel.test.example",
			    strlen("kernel.test.example"));
	assert_int_equal(s.ev[1].sni_len, 0);
	assert_int_equal(s.ev[2].sni_len, 0);
	assert_int_equal(s.ev[2].len, n - 4);
	ring_buffer__free(rb);
}

/*
 * Hellos that are not where a stream's first payload starts (#14 items 2, 8),
 * table-driven: each case sends its segments (TCP flags, payload) on a flow of
 * its own, and says which chunks come out (stream offset, first bytes).
 */
static struct flow_value segment_flow(uint16_t sport);

struct late_seg {
	uint8_t flags;
	const char *data; /* NULL: the hello */
	size_t n;
};

struct late_case {
	const char *name;
	struct late_seg seg[WF_TLS_LATER_TRIES + 3];
	int nseg;
	int chunks; /* TLS chunks expected, each starting with the hello's bytes at its offset */
	uint8_t state; /* the client direction's tls_state after the last segment */
};

#define PROXY2 "\r\n\r\n\0\r\nQUIT\n\x21\x11\x00\x0c" "\xc0\x00\x02\x0a\xcb\x00\x71\x02\xc8\x22\x11\x5c"

static void late__send(struct pkt *p, uint16_t sport, uint32_t seq, uint8_t flags,
		       const uint8_t *d, size_t n)
{
	tls_segment(p, sport, seq, d, n);
	p->b[p->l4_off + 13] = flags;
}

static void test_tls_late_starts(void **state)
{
	static const struct late_case cases[] = {
		{ "hello on a SYN (TFO), rest after", { { 0x02, NULL, 40 }, { 0x18, NULL, 0 } }, 2, 2,
		  WF_TLS_CAPTURE },
		{ "CONNECT, then the hello", { { 0x18, "CONNECT h:443 HTTP/1.1\r\n\r\n", 26 },
					       { 0x18, NULL, 0 } }, 2, 1, WF_TLS_CAPTURE },
		{ "PROXY v2 and the hello in one segment", { { 0x18, PROXY2, 28 } }, 1, 1,
		  WF_TLS_CAPTURE },
		{ "PROXY v1 alone, then the hello",
		  { { 0x18, "PROXY TCP4 192.0.2.1 203.0.113.2 1 2\r\n", 38 }, { 0x18, NULL, 0 } }, 2, 1,
		  WF_TLS_CAPTURE },
		{ "STARTTLS greeting, then the hello", { { 0x18, "220 mail ESMTP\r\n", 16 },
							 { 0x18, NULL, 0 } }, 2, 1, WF_TLS_CAPTURE },
		{ "plain start: never judged again", { { 0x18, "GET / HTTP/1.1\r\n\r\n", 18 },
						       { 0x18, NULL, 0 } }, 2, 0, WF_TLS_NOT_TLS },
	};
	uint8_t hello[200] = { 22, 3, 1, 0, 195, 1, 0, 0, 191 };
	int egress = bpf_program__fd(skel->progs.wf_tc_egress);

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		const struct late_case *lc = &cases[c];
		struct tls_seen s = { 0 };
		struct ring_buffer *rb =
			ring_buffer__new(bpf_map__fd(skel->maps.pkt_events), on_tls, &s, NULL);
		uint16_t sport = (uint16_t)(50100 + c);
		uint32_t seq = 5000;
		size_t sent_hello = 0;

		assert_non_null(rb);
		ring_buffer__consume(rb);
		s.n = 0;
		for (int i = 0; i < lc->nseg; i++) {
			const struct late_seg *sg = &lc->seg[i];
			uint8_t buf[256];
			size_t n = 0;
			struct pkt p = { 0 };

			if (sg->data) {
				memcpy(buf, sg->data, sg->n);
				n = sg->n;
			}
			/* The hello (its rest, after a first part): alone, or after a PROXY v2 header. */
			if (!sg->data || !memcmp(sg->data, "\r\n\r\n", 4)) {
				size_t part = sg->n && !sg->data ? sg->n : sizeof(hello) - sent_hello;

				memcpy(buf + n, hello + sent_hello, part);
				n += part;
				sent_hello += part;
			}
			late__send(&p, sport, seq, sg->flags, buf, n);
			run(&p, egress);
			seq += (uint32_t)n + ((sg->flags & 0x02) ? 1 : 0);
		}
		ring_buffer__consume(rb);
		print_message("%s\n", lc->name);
		assert_int_equal(s.n, lc->chunks);
		for (int i = 0; i < s.n; i++)
			assert_memory_equal(s.ev[i].data, hello + s.ev[i].stream_off, s.ev[i].len);
		if (lc->chunks)
			assert_int_equal(s.ev[s.n - 1].stream_off + s.ev[s.n - 1].len, sizeof(hello));
		assert_int_equal(segment_flow(sport).tls_state[WF_DIR_ORIG], lc->state);
		ring_buffer__free(rb);
	}
}

/* After an upgradable start, WF_TLS_LATER_TRIES segments without a hello end the judging. */
static void test_tls_late_tries(void **state)
{
	int egress = bpf_program__fd(skel->progs.wf_tc_egress);
	uint32_t seq = 9000;
	struct pkt p = { 0 };

	late__send(&p, 50200, seq, 0x18, (const uint8_t *)"220 ftp\r\n", 9);
	run(&p, egress);
	seq += 9;
	for (int i = 0; i < WF_TLS_LATER_TRIES; i++) {
		memset(&p, 0, sizeof(p));
		late__send(&p, 50200, seq, 0x18, (const uint8_t *)"250 ok\r\n", 8);
		run(&p, egress);
		seq += 8;
		assert_int_equal(segment_flow(50200).tls_state[WF_DIR_ORIG],
				 i + 1 < WF_TLS_LATER_TRIES ? WF_TLS_LATER : WF_TLS_NOT_TLS);
	}
}

static int on_http(void *ctx, void *data, size_t len)
{
	struct tls_seen *s = ctx;
	const __u32 *kind = data;

	if (*kind == WF_PKT_EVENT_HTTP && s->n < 4)
		memcpy(&s->ev[s->n++], data, len < sizeof(s->ev[0]) ? len : sizeof(s->ev[0]));
	return 0;
}

/* Each segment that starts a request is shipped; others, and non-methods, are not. */
static void test_http_requests(void **state)
{
	static const char req[] = "GET /x HTTP/1.1\r\nHost: h\r\n\r\n";
	struct tls_seen s = { 0 };
	struct ring_buffer *rb =
		ring_buffer__new(bpf_map__fd(skel->maps.pkt_events), on_http, &s, NULL);
	int egress = bpf_program__fd(skel->progs.wf_tc_egress);
	struct pkt a = { 0 }, b = { 0 }, c = { 0 }, d = { 0 };

	assert_non_null(rb);
	ring_buffer__consume(rb);
	s.n = 0;
	tls_segment(&a, 50003, 1, (const uint8_t *)req, sizeof(req) - 1);
	tls_segment(&b, 50003, 1 + sizeof(req) - 1, (const uint8_t *)"body bytes", 10);
	tls_segment(&c, 50003, 11 + sizeof(req) - 1, (const uint8_t *)req, sizeof(req) - 1);
	tls_segment(&d, 50004, 1, (const uint8_t *)"GETX / HTTP/1.1\r\n", 17);
	run(&a, egress);
	run(&b, egress);
	run(&c, egress);
	run(&d, egress);
	ring_buffer__consume(rb);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.ev[0].len, sizeof(req) - 1);
	assert_memory_equal(s.ev[0].data, req, sizeof(req) - 1);
	assert_int_equal(s.ev[1].stream_off, 11 + sizeof(req) - 1); /* the TCP sequence number */
	ring_buffer__free(rb);
}

/* The flow of a tls_segment() from sport: its value, read back from the map. */
static struct flow_value segment_flow(uint16_t sport)
{
	struct flow_key k = { 0 }, next;
	struct flow_value v = { 0 };
	int fd = bpf_map__fd(skel->maps.flows), found = 0;

	while (!bpf_map_get_next_key(fd, found ? (void *)&k : NULL, &next)) {
		k = next;
		found = 1;
		if (k.proto == 6 && k.sport == sport && k.dport == 4433 &&
		    !bpf_map_lookup_elem(fd, &k, &v))
			return v;
	}
	fail_msg("flow from port %u not in the map", sport);
	return v;
}

/*
 * A direction whose first payload is no request is never looked at again when
 * the flow's start was seen; a flow seen from its middle gets WF_HTTP_TRIES
 * segments before that. Requests after the verdict ship nothing.
 */
static void test_http_state(void **state)
{
	static const char req[] = "GET /late HTTP/1.1\r\nHost: h\r\n\r\n";
	static const uint8_t bin[16] = { 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07 };
	struct tls_seen s = { 0 };
	struct ring_buffer *rb =
		ring_buffer__new(bpf_map__fd(skel->maps.pkt_events), on_http, &s, NULL);
	int egress = bpf_program__fd(skel->progs.wf_tc_egress);
	struct pkt p;
	uint32_t seq = 1;

	assert_non_null(rb);
	ring_buffer__consume(rb);
	s.n = 0;
	/* Seen from its SYN: the first payload decides. */
	memset(&p, 0, sizeof(p));
	pkt__eth(&p, 0x0800);
	pkt__ipv4(&p, 6, "203.0.113.1", "203.0.113.2", 0, 0);
	pkt__tcp(&p, 50010, 4433, 0x02, 0);
	pkt__finish(&p, 0);
	run(&p, egress);
	memset(&p, 0, sizeof(p));
	tls_segment(&p, 50010, seq, bin, sizeof(bin));
	run(&p, egress);
	assert_int_equal(segment_flow(50010).http_state[WF_DIR_ORIG], WF_HTTP_NOT_HTTP);
	memset(&p, 0, sizeof(p));
	tls_segment(&p, 50010, seq + sizeof(bin), (const uint8_t *)req, sizeof(req) - 1);
	run(&p, egress);
	/* Seen from its middle: WF_HTTP_TRIES segments, then never again. */
	for (int i = 0; i < WF_HTTP_TRIES; i++) {
		memset(&p, 0, sizeof(p));
		tls_segment(&p, 50011, seq, bin, sizeof(bin));
		run(&p, egress);
		assert_int_equal(segment_flow(50011).http_state[WF_DIR_ORIG],
				 i + 1 < WF_HTTP_TRIES ? WF_HTTP_UNKNOWN : WF_HTTP_NOT_HTTP);
		seq += sizeof(bin);
	}
	memset(&p, 0, sizeof(p));
	tls_segment(&p, 50011, seq, (const uint8_t *)req, sizeof(req) - 1);
	run(&p, egress);
	/* Seen from its middle, a request within the tries: shipped, and the direction is HTTP. */
	memset(&p, 0, sizeof(p));
	tls_segment(&p, 50012, 1, bin, sizeof(bin));
	run(&p, egress);
	memset(&p, 0, sizeof(p));
	tls_segment(&p, 50012, 1 + sizeof(bin), (const uint8_t *)req, sizeof(req) - 1);
	run(&p, egress);
	assert_int_equal(segment_flow(50012).http_state[WF_DIR_ORIG], WF_HTTP_REQUESTS);
	ring_buffer__consume(rb);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.ev[0].h.sport, 50012);
	assert_memory_equal(s.ev[0].data, req, sizeof(req) - 1);
	ring_buffer__free(rb);
}

static int setup(void **state)
{
	if (!getenv("WF_TEST_VERBOSE"))
		libbpf_set_print(NULL);
	test_ifindex = testdev__setup();
	if (!test_ifindex)
		return -1;
	skel = flow_bpf__open();
	if (!skel)
		return -1;
	skel->rodata->record_last = true;
	if (flow_bpf__load(skel)) {
		fprintf(stderr, "flow.bpf.o rejected by the verifier (run as root?)\n");
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	flow_bpf__destroy(skel);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_table),
		cmocka_unit_test(test_addresses_network_order),
		cmocka_unit_test(test_every_truncation_point),
		cmocka_unit_test(test_dns_question),
		cmocka_unit_test(test_dns_bad_questions),
		cmocka_unit_test(test_flow_accounting),
		cmocka_unit_test(test_flow_canonical_key),
		cmocka_unit_test(test_tls_capture),
		cmocka_unit_test(test_tls_late_starts),
		cmocka_unit_test(test_tls_late_tries),
		cmocka_unit_test(test_http_requests),
		cmocka_unit_test(test_http_state),
		cmocka_unit_test(test_tls_kernel_sni),
	};

	return cmocka_run_group_tests_name("flow.bpf", tests, setup, teardown);
}
