// SPDX-License-Identifier: GPL-2.0-only
/*
 * The filter-expression differential test: for dozens of tcpdump expressions and
 * thousands of packets, the verdict of the classifiers' in-kernel interpreter
 * (bpf_prog_test_run_opts on wf_tc_ingress) must equal libpcap's
 * pcap_offline_filter() on the same bytes.
 * Usage: test_expr_diff PACKETS.pcap
 */
#include "testdev.h" /* first: it defines _GNU_SOURCE */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/types.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "flow_events.h"
#include "parse_types.h"
#include "flow.skel.h"
#include "expr.h"
#include "config.h"

/* pcap_offline_filter and friends, declared here for the same reason as in expr.c. */
typedef struct pcap pcap_t;
struct pcap_pkthdr {
	struct {
		long tv_sec, tv_usec;
	} ts;
	unsigned int caplen, len;
};
pcap_t *pcap_open_offline(const char *, char *);
int pcap_next_ex(pcap_t *, struct pcap_pkthdr **, const unsigned char **);
void pcap_close(pcap_t *);
int expr__offline_match(const struct expr *e, const void *hdr, const unsigned char *data);

static const char *const exprs[] = {
	"host 198.18.0.1", "src host 198.18.0.2", "dst host 10.1.2.3", "net 198.18.0.0/16",
	"src net 203.0.113.0/24", "not net 198.18.0.0/24", "host fd00:77::1", "net 2001:db8::/32",
	"port 53", "src port 443", "dst port 8080", "portrange 1000-9000", "tcp portrange 20-80",
	"udp port 5353", "tcp", "udp", "icmp", "icmp6", "ip", "ip6", "arp", "not ip",
	"tcp[tcpflags] & tcp-syn != 0", "tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn",
	"tcp[tcpflags] & tcp-rst != 0", "tcp[13] & 0x01 != 0", "vlan", "vlan 100", "vlan and udp",
	"ip6 and tcp", "ip6 and udp port 53", "ip[8] < 5", "ip[6:2] & 0x1fff != 0", "ip[0] & 0xf > 5",
	"len > 500", "len <= 64", "greater 1000", "less 100", "ether[12:2] = 0x0800",
	"ether broadcast", "ether dst 02:00:00:00:00:02", "udp[8:2] = 0x0000",
	"tcp and (port 80 or port 443) and len > 100", "(udp and port 53) or (tcp and port 22)",
	"ip and not tcp and not udp", "ip6 protochain 44", "ip[2:2] > 1000",
};

int main(int argc, char **argv)
{
	struct flow_bpf *skel;
	char err[256];
	pcap_t *pcap;
	struct pcap_pkthdr *h;
	const unsigned char *data;
	static unsigned char pkt[65536];
	struct {
		struct pcap_pkthdr h;
		unsigned char *d;
	} *pkts = calloc(8192, sizeof(*pkts));
	size_t npkts = 0, checked = 0, mismatches = 0, skipped = 0;

	if (argc != 2 || !pkts) {
		fprintf(stderr, "usage: test_expr_diff PACKETS.pcap\n");
		return 2;
	}
	pcap = pcap_open_offline(argv[1], err);
	if (!pcap) {
		fprintf(stderr, "cannot read %s: %s\n", argv[1], err);
		return 1;
	}
	while (npkts < 8192 && pcap_next_ex(pcap, &h, &data) == 1) {
		pkts[npkts].h = *h;
		pkts[npkts].d = malloc(h->caplen);
		memcpy(pkts[npkts].d, data, h->caplen);
		npkts++;
	}
	pcap_close(pcap);
	unsigned int ifindex = testdev__setup();

	if (!ifindex)
		return 1;
	skel = flow_bpf__open();
	if (!skel)
		return 1;
	skel->rodata->record_last = true;
	if (flow_bpf__load(skel)) {
		fprintf(stderr, "cannot load the classifiers\n");
		return 1;
	}
	for (size_t x = 0; x < sizeof(exprs) / sizeof(exprs[0]); x++) {
		char *words[1] = { (char *)exprs[x] };
		struct config cfg = { .nexpr = 1, .expr = words };
		struct expr *e;
		size_t bad = 0, matched = 0;

		if (expr__compile(&cfg, &e)) {
			fprintf(stderr, "'%s' does not compile\n", exprs[x]);
			mismatches++;
			continue;
		}
		if (expr__install(e, bpf_map__fd(skel->maps.cbpf_prog), skel->bss->cbpf_len)) {
			fprintf(stderr, "cannot install '%s'\n", exprs[x]);
			return 1;
		}
		for (size_t i = 0; i < npkts; i++) {
			struct __sk_buff ctx = { .ifindex = ifindex };
			LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt,
				    .data_size_in = pkts[i].h.caplen, .ctx_in = &ctx,
				    .ctx_size_in = sizeof(ctx));
			int want = expr__offline_match(e, &pkts[i].h, pkts[i].d) != 0, got;

			/* The test runner needs an Ethernet header's worth. */
			if (pkts[i].h.caplen < 14)
				continue;
			memcpy(pkt, pkts[i].d, pkts[i].h.caplen);
			skel->bss->last_cbpf_verdict = 0xdeadbeef;
			int rr = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.wf_tc_ingress), &opts);
			/* The kernel's test runner refuses some truncated frames (-EINVAL): untestable here. */
			if (rr == -EINVAL) {
				skipped++;
				continue;
			}
			if (rr || skel->bss->last_cbpf_verdict == 0xdeadbeef) {
				if (bad < 3)
					fprintf(stderr, "'%s': packet %zu (%u bytes) did not run (%d)\n", exprs[x], i,
						pkts[i].h.caplen, rr);
				bad++;
				continue;
			}
			got = skel->bss->last_cbpf_verdict != 0;
			matched += got;
			if (got != want) {
				if (bad < 3)
					fprintf(stderr, "'%s': packet %zu: kernel %d, libpcap %d\n", exprs[x], i,
						got, want);
				bad++;
			}
			checked++;
		}
		printf("%-55s %5zu of %zu packets match, %zu differ\n", exprs[x], matched, npkts, bad);
		mismatches += bad;
		expr__free(e);
	}
	printf("differential: %zu expressions x %zu packets, %zu verdicts compared, %zu differ "
	       "(%zu runs refused by the kernel's test runner, not compared)\n",
	       sizeof(exprs) / sizeof(exprs[0]), npkts, checked, mismatches, skipped);
	flow_bpf__destroy(skel);
	return mismatches ? 1 : 0;
}
