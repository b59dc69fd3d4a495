// SPDX-License-Identifier: GPL-2.0-only
/*
 * The classifiers' entry points: TC ingress and egress (TCX links or clsact
 * filters) and XDP ingress. Each parses the packet, accounts it to its flow
 * and hands it to the concerns that want it. The concerns live in headers of
 * bpf/tc/, one each (flow table, device, owner join, packet chunks, DNS, TLS,
 * HTTP, selectors, capture, filter expression), with their types and maps in
 * bpf/include/ (flow_config.h and one maps header each); all are built into
 * this one object.
 * The programs never drop or change a packet and return TC_ACT_UNSPEC (TCX's
 * "next") or XDP_PASS, so programs and filters after ours still run.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "parse.h"
#include "flow_events.h"
#include "owner_maps.h"
#include "owner_helpers.h"
#include "proc_verdict_maps.h"

#define TC_ACT_UNSPEC_ (-1)

extern void *bpf_cast_to_kern_ctx(void *) __ksym;

char LICENSE[] SEC("license") = "GPL";

#include "flow_config.h"
#include "flow_maps.h"
#include "dns_maps.h"
#include "chunk_maps.h"
#include "capture_maps.h"
#include "cbpf_maps.h"
#include "join_maps.h"

#include "ring.h"
#include "names.h"
#include "flow_table.h"
#include "device.h"
#include "join.h"
#include "chunk.h"
#include "dns.h"
#include "tls.h"
#include "http.h"
#include "quic.h"
#include "filter.h"
#include "capture.h"
#include "cbpf.h"

/* The per-context sections (see ctx.h): once for TC, once for XDP (names _xdp). */
#define CTX_T struct __sk_buff
#define CTX_FN(name) name
#include "parse.h"
#include "dns.h"
#include "quic.h"
#include "capture.h"
#include "cbpf.h"
#undef CTX_FN
#undef CTX_T

#define CTX_T struct xdp_md
#define CTX_FN(name) name##_xdp
#include "parse.h"
#include "dns.h"
#include "quic.h"
#include "capture.h"
#include "cbpf.h"
#undef CTX_FN
#undef CTX_T

/* TLS hellos, HTTP requests and DNS over TCP: what a TCP payload can hold. */
static __always_inline void tc__tcp_payload(struct __sk_buff *skb, const struct pkt_meta *m,
					    const struct flow_key *k, struct flow_value *v,
					    __u32 hook_dir)
{
	__u8 dir = hook_dir__dir(hook_dir);

	/* The flow's states, read here, spare most packets the calls. */
	if (v->tls_state[dir] != WF_TLS_NOT_TLS && v->tls_state[dir] != WF_TLS_DONE)
		wf_tls_handle(skb, m, k, v, hook_dir);
	/* Requests inside TLS are encrypted: only plain streams can carry them. */
	if (v->tls_state[dir] != WF_TLS_CAPTURE && v->http_state[dir] != WF_HTTP_NOT_HTTP)
		wf_http_handle(skb, m, k, v, hook_dir);
	if (v->dns_port)
		wf_dns_tcp(skb, m, k, v, hook_dir);
}

static __always_inline int tc__handle(struct __sk_buff *skb, __u8 hook)
{
	__u32 ifindex = skb->ifindex;
	__u64 now = clock__coarse(skb), netns = dev__netns_cookie(skb);
	__u32 fl = dev__flags(skb, netns, hook), hd;
	bool xdp_in = (fl & WF_IFACE_XDP) && hook == WF_HOOK_INGRESS;
	struct wf_iface_stats *is = NULL;
	struct pkt_meta m = {};
	struct flow_key k = {};
	struct flow_value *v;
	int status;
	__u8 dir;

	/* On loopback the same packet comes back at ingress: it was counted at
	 * egress. (-r replays files on loopback's ingress: those count.) */
	if ((fl & WF_IFACE_LOOPBACK) && hook == WF_HOOK_INGRESS && !offline)
		return TC_ACT_UNSPEC_;
	if (!xdp_in) {
		stat__inc(WF_STAT_PACKETS);
		is = dev__stats(netns, ifindex, now);
		if (is)
			is->seen++;
	}
	if (!(hooks_wanted & (1 << hook))) {
		stat__inc(WF_STAT_FILTERED);
		return TC_ACT_UNSPEC_;
	}
	status = wf_parse(skb, &m, fl);
	if (record_last)
		last_meta = m;
	/* The filter expression, like tcpdump's, decides first, for every packet. */
	if (cbpf_len[(fl & WF_IFACE_NO_L2) ? WF_CBPF_RAW : WF_CBPF_ETHERNET] &&
	    !wf_cbpf_match(skb, (fl & WF_IFACE_NO_L2) ? WF_CBPF_RAW : WF_CBPF_ETHERNET)) {
		if (!xdp_in)
			stat__inc(WF_STAT_EXPR_FILTERED);
		return TC_ACT_UNSPEC_;
	}
	if (!xdp_in)
		stat__parse(status, &m, is);
	if (status == PARSE_L4_OTHER && m.frag == PARSE_FRAG_LATER && m.l4_proto == IPPROTO_UDP)
		wf_dns_frag(skb, &m, hook);
	/* Other IP protocols still make flows (without ports); the rest stops here,
	 * but is still copied for -w when no selector could have left it out. */
	if (status != PARSE_OK && !(status == PARSE_L4_OTHER && m.frag != PARSE_FRAG_LATER)) {
		if (capture_snaplen && !xdp_in && !filter__any()) {
			k.netns = netns;
			k.ifindex = ifindex;
			wf_capture(skb, &m, &k, NULL, hook_dir__pack(hook, 0, fl & WF_IFACE_NO_L2));
		}
		return TC_ACT_UNSPEC_;
	}
	if (filter__sel() && !wf_filter(&m)) {
		if (!xdp_in)
			stat__inc(WF_STAT_FILTERED);
		return TC_ACT_UNSPEC_;
	}
	/* Ingress of an interface in XDP mode: XDP counted it, took its DNS and its
	 * owner; what is left is TCP payload work, which needs the skb. */
	if (xdp_in) {
		v = flow__get(&k, &m, netns, ifindex, hook, now, &dir, false);
		if (status == PARSE_OK && v && m.l4_proto == IPPROTO_TCP && m.payload_len)
			tc__tcp_payload(skb, &m, &k, v, hook_dir__pack(hook, dir, 0));
		return TC_ACT_UNSPEC_;
	}
	v = flow__get(&k, &m, netns, ifindex, hook, now, &dir, true);
	hd = hook_dir__pack(hook, dir, fl & WF_IFACE_NO_L2);
	if (v)
		flow__account(v, &m, skb, dir, now);
	/* Owners are per flow: once both ends are settled, packets skip the join;
	 * an end nobody owns (a remote host) is retried at most once a ms. A
	 * flow's first egress packets also note its local socket, if any. */
	if (!offline && v &&
	    (flow__owner_work(v, now) || (hook == WF_HOOK_EGRESS && !v->had_sk && flow__young(v))))
		wf_owner_resolve(skb, &m, &k, v, hd);
	if (status == PARSE_OK && m.l4_proto == IPPROTO_UDP && (v ? v->dns_port : 1))
		wf_dns_capture(skb, &m, &k, v, hd);
	if (status == PARSE_OK && v && m.l4_proto == IPPROTO_UDP && quic__candidate(&m, v))
		wf_quic_handle(skb, &m, &k, v, hd);
	if (status == PARSE_OK && v && m.l4_proto == IPPROTO_TCP && m.payload_len)
		tc__tcp_payload(skb, &m, &k, v, hd);
	/* Last: a DNS question or ClientHello in this very packet may select its flow. */
	if (capture_snaplen)
		wf_capture(skb, &m, &k, v, hd);
	return TC_ACT_UNSPEC_;
}

SEC("tc")
int wf_tc_ingress(struct __sk_buff *skb)
{
	return tc__handle(skb, WF_HOOK_INGRESS);
}

SEC("tc")
int wf_tc_egress(struct __sk_buff *skb)
{
	return tc__handle(skb, WF_HOOK_EGRESS);
}

/*
 * XDP ingress (--xdp): the same parser over struct xdp_md, flow accounting,
 * the receiver's owner and DNS over UDP, before the kernel builds an skb. The
 * TC ingress classifier stays for TCP payload (TLS, HTTP, DNS over TCP) and
 * later IP fragments, which it handles without counting the packet again.
 */
SEC("xdp")
int wf_xdp_ingress(struct xdp_md *ctx)
{
	__u32 ifindex = ctx->ingress_ifindex;
	__u64 now = bpf_ktime_get_coarse_ns(), netns = xdp__netns_cookie(ctx);
	struct wf_iface_stats *is = dev__stats(netns, ifindex, now);
	struct pkt_meta m = {};
	struct flow_key k = {};
	struct flow_value *v;
	int status;
	__u8 dir;

	stat__inc(WF_STAT_PACKETS);
	if (is)
		is->seen++;
	if (!(hooks_wanted & (1 << WF_HOOK_INGRESS))) {
		stat__inc(WF_STAT_FILTERED);
		return XDP_PASS;
	}
	status = wf_parse_xdp(ctx, &m, 0); /* XDP is offered on Ethernet devices only */
	/* As at TC: the filter expression decides first. */
	if (cbpf_len[WF_CBPF_ETHERNET] && !wf_cbpf_match_xdp(ctx, WF_CBPF_ETHERNET)) {
		stat__inc(WF_STAT_EXPR_FILTERED);
		return XDP_PASS;
	}
	stat__parse(status, &m, is);
	if (status != PARSE_OK && !(status == PARSE_L4_OTHER && m.frag != PARSE_FRAG_LATER)) {
		if (capture_snaplen && !filter__any()) {
			k.netns = netns;
			k.ifindex = ifindex;
			wf_capture_xdp(ctx, &m, &k, NULL, hook_dir__pack(WF_HOOK_INGRESS, 0, 0));
		}
		return XDP_PASS;
	}
	if (filter__sel() && !wf_filter(&m)) {
		stat__inc(WF_STAT_FILTERED);
		return XDP_PASS;
	}
	v = flow__get(&k, &m, netns, ifindex, WF_HOOK_INGRESS, now, &dir, true);
	if (v) {
		flow__count(v, &m, 1, bpf_xdp_get_buff_len(ctx), dir, now);
		if (flow__owner_work(v, now))
			wf_owner_resolve_nosk(&m, &k, v, dir);
	}
	if (status == PARSE_OK && m.l4_proto == IPPROTO_UDP && (v ? v->dns_port : 1))
		wf_dns_capture_xdp(ctx, &m, &k, v, hook_dir__pack(WF_HOOK_INGRESS, dir, 0));
	if (status == PARSE_OK && v && m.l4_proto == IPPROTO_UDP && quic__candidate(&m, v))
		wf_quic_handle_xdp(ctx, &m, &k, v, hook_dir__pack(WF_HOOK_INGRESS, dir, 0));
	if (capture_snaplen)
		wf_capture_xdp(ctx, &m, &k, v, hook_dir__pack(WF_HOOK_INGRESS, dir, 0));
	return XDP_PASS;
}
