// SPDX-License-Identifier: GPL-2.0-only
#define PCAP_DONT_INCLUDE_PCAP_BPF_H
#include <errno.h>
#include <stdbool.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <pcap/pcap.h>
#include <pcap/dlt.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "config.h"
#include "flow.h"
#include "parse_types.h"
#include "flow.skel.h"
#include "log.h"
#include "offline.h"
#include "loop.h"
#include "pipeline.h"
#include "timeconv.h"
#include "tls_session.h"

/* The kernel's test runner takes a linear skb of about a page at most. */
#define REPLAY_MAX 3600

struct replay {
	uint64_t packets, too_big, other_link, failed;
};

/*
 * The classifier expects an Ethernet header (802.1Q and 802.1ad tags in it are
 * parsed): link types without one get a synthetic header whose ethertype comes
 * from the capture, or from the IP version where the capture's own field is a
 * host's address family (BSD loopback: DLT_NULL in the writer's byte order,
 * DLT_LOOP in network order, with family numbers that differ between systems).
 */
static long frame__build(int dlt, const u_char *data, uint32_t len, uint8_t *out, size_t outsz)
{
	static const uint8_t macs[12] = { 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2 };
	size_t skip = 0;
	uint16_t proto = 0;

	switch (dlt) {
	case DLT_EN10MB:
		if (len > outsz)
			return -1;
		memcpy(out, data, len);
		return len;
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
		proto = len && (data[0] >> 4) == 6 ? 0x86dd : 0x0800;
		break;
	case DLT_LINUX_SLL:
		skip = 16;
		proto = len >= 16 ? (uint16_t)(data[14] << 8 | data[15]) : 0;
		break;
	case DLT_LINUX_SLL2:
		skip = 20;
		proto = len >= 2 ? (uint16_t)(data[0] << 8 | data[1]) : 0;
		break;
	case DLT_NULL:
	case DLT_LOOP:
		skip = 4;
		proto = len > 4 && (data[4] >> 4) == 6 ? 0x86dd : 0x0800;
		break;
	default:
		return -2;
	}
	if (len < skip || len - skip + 14 > outsz)
		return -1;
	memcpy(out, macs, 12);
	out[12] = proto >> 8;
	out[13] = proto & 0xff;
	memcpy(out + 14, data + skip, len - skip);
	return (long)(len - skip + 14);
}

static void replay__packet(struct flow_tracker *ft, int dlt, const struct pcap_pkthdr *h,
			   const u_char *data, struct replay *r)
{
	uint8_t frame[REPLAY_MAX];
	struct __sk_buff ctx = { 0 };
	long n = frame__build(dlt, data, h->caplen, frame, sizeof(frame));
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = 1);

	r->packets++;
	if (n == -2) {
		r->other_link++;
		return;
	}
	if (n < 14) {
		r->too_big++;
		return;
	}
	opts.data_size_in = (__u32)n;
	/* The file is opened with nanosecond precision: tv_usec holds nanoseconds. */
	ctx.tstamp = (uint64_t)h->ts.tv_sec * 1000000000ull + (uint64_t)h->ts.tv_usec;
	if (bpf_prog_test_run_opts(bpf_program__fd(ft->skel->progs.wf_tc_ingress), &opts))
		r->failed++;
}

static bool offline__link_ok(int dlt)
{
	static const int ok[] = { DLT_EN10MB,	 DLT_RAW,	 DLT_IPV4, DLT_IPV6,
				  DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_NULL, DLT_LOOP };

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (ok[i] == dlt)
			return true;
	return false;
}

static int offline__open(const char *path, pcap_t **p)
{
	char err[PCAP_ERRBUF_SIZE];
	int dlt;

	*p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, err);
	if (!*p) {
		pr_say("cannot read %s: %s\n", path, err);
		return 1;
	}
	dlt = pcap_datalink(*p);
	if (!offline__link_ok(dlt)) {
		pr_say("cannot replay %s: its link type is %s (%s), and the classifier reads IP "
		       "packets from Ethernet (802.1Q tags included), Linux cooked (SLL, SLL2), raw "
		       "IP (RAW, IPV4, IPV6) and BSD loopback (NULL, LOOP) captures only\n",
		       path, pcap_datalink_val_to_name(dlt) ?: "?",
		       pcap_datalink_val_to_description(dlt) ?: "unknown");
		pcap_close(*p);
		*p = NULL;
		return 1;
	}
	return 0;
}

static void offline__summary(const struct flow_tracker *ft, const struct pipeline *out,
			     const struct replay *r, const char *path)
{
	uint64_t s[WF_STAT__MAX];

	flow_tracker__stats(ft, s);
	pipeline__say_rules(out);
	pr_say("summary: read %" PRIu64 " packets from %s (%" PRIu64 " longer than %d bytes "
	       "and %" PRIu64 " of other link types not replayed, %" PRIu64
	       " failed); events flow=%" PRIu64 " dns=%" PRIu64 " tls=%" PRIu64 " http=%" PRIu64
	       " printed=%" PRIu64 " filtered=%" PRIu64 "; packets not_ip=%" PRIu64
	       " truncated=%" PRIu64 " malformed=%" PRIu64 " left_out=%" PRIu64
	       "; lost pkt_ringbuf_full=%" PRIu64 " tls_ringbuf_full=%" PRIu64
	       " flow_table_full=%" PRIu64 "\n",
	       r->packets, path, r->too_big, REPLAY_MAX, r->other_link, r->failed,
	       ft->flows_reported, ft->dns_seen, tls_sessions__reported(ft->tls), ft->http_reported,
	       out->emitted, out->filtered, s[WF_STAT_NOT_IP], s[WF_STAT_TRUNCATED],
	       s[WF_STAT_MALFORMED], s[WF_STAT_FILTERED], s[WF_STAT_RINGBUF_LOST],
	       s[WF_STAT_TLS_LOST], s[WF_STAT_FLOW_FULL]);
}

static int offline__loop(struct flow_tracker *ft, struct loop *l, pcap_t *p, struct replay *r,
			 const struct config *cfg)
{
	uint64_t next_scan = 0, now = 0;
	struct pcap_pkthdr *h;
	const u_char *data;
	int dlt = pcap_datalink(p), rc;

	while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
		now = (uint64_t)h->ts.tv_sec * 1000000000ull + (uint64_t)h->ts.tv_usec;
		replay__packet(ft, dlt, h, data, r);
		if (loop__consume(l) == -ECANCELED)
			return 0;
		/* Flows end, idle and time out in capture time, once a (captured) second. */
		if (now >= next_scan) {
			flow_tracker__scan(ft, now, false);
			next_scan = now + 1000000000ull;
		}
		if (event__done(ft->out))
			return 0;
	}
	if (rc == -1)
		pr_say("reading the capture failed: %s\n", pcap_geterr(p));
	flow_tracker__scan(ft, now, true);
	return rc == -1 ? 1 : 0;
}

int offline__run(struct config *cfg)
{
	struct flow_tracker ft = { 0 };
	struct loop loop = { .epfd = -1 };
	struct pipeline out;
	struct replay r = { 0 };
	pcap_t *p = NULL;
	int rc;

	if (offline__open(cfg->read_file, &p))
		return 1;
	timeconv__init_offline();
	rc = pipeline__init(&out, cfg) ||
	     flow_tracker__load(&ft, cfg, &out.base, &(struct flow_load){ .offline = true }) ||
	     loop__init(&loop) || flow_tracker__add_ring(&ft, &loop);
	if (!rc) {
		ft.offline_ifname = cfg->read_file;
		pr_say("reading %s (link type %s)\n", cfg->read_file,
		       pcap_datalink_val_to_name(pcap_datalink(p)) ?: "?");
		rc = offline__loop(&ft, &loop, p, &r, cfg);
		pipeline__free(&out);
		offline__summary(&ft, &out, &r, cfg->read_file);
	}
	loop__free(&loop);
	flow_tracker__destroy(&ft);
	pcap_close(p);
	return rc ? 1 : 0;
}
