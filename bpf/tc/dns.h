/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * DNS over UDP (the first question read in the kernel), its IP fragments, and
 * DNS over TCP.
 */
#ifndef WHOFLOW_TC_DNS_H
#define WHOFLOW_TC_DNS_H

/*
 * The first question's name, from the copied message: one pass over at most
 * 255 name bytes, where `left` counts the bytes still due in the current label.
 */
static __always_inline void dns__question(struct dns_event *e)
{
	__u32 pos = 12, out = 0, left = 0;
	__u8 c;

	e->status = WF_DNS_NAME_TRUNCATED;
	for (int i = 0; i < 255; i++) {
		if (pos >= e->cap_len)
			break;
		c = e->msg[pos & (WF_DNS_MAX - 1)];
		pos++;
		if (left) {
			e->qname[out & (WF_DNS_NAME_MAX - 1)] = c;
			out++;
			left--;
			continue;
		}
		if (c == 0) {
			e->status = WF_DNS_PARSED;
			break;
		}
		if (c & 0xc0) {
			e->status = WF_DNS_NAME_MALFORMED;
			break;
		}
		if (out)
			e->qname[out++ & (WF_DNS_NAME_MAX - 1)] = '.';
		left = c;
	}
	/* Whatever was read is kept, NUL-terminated: the scratch holds older names. */
	if (out > WF_DNS_NAME_MAX - 1)
		out = WF_DNS_NAME_MAX - 1;
	e->qname[out & (WF_DNS_NAME_MAX - 1)] = '\0';
	e->qname_len = out;
	if (e->status != WF_DNS_PARSED)
		return;
	if (pos + 4 > e->cap_len) {
		e->status = WF_DNS_NAME_TRUNCATED;
		return;
	}
	e->qtype = e->msg[pos & (WF_DNS_MAX - 1)] << 8 | e->msg[(pos + 1) & (WF_DNS_MAX - 1)];
	e->qclass =
		e->msg[(pos + 2) & (WF_DNS_MAX - 1)] << 8 | e->msg[(pos + 3) & (WF_DNS_MAX - 1)];
}

static __always_inline void dns__header(struct dns_event *e)
{
	__u16 *w = (__u16 *)e->msg;

	e->id = bpf_ntohs(w[0]);
	e->flags = bpf_ntohs(w[1]);
	e->qdcount = bpf_ntohs(w[2]);
	e->ancount = bpf_ntohs(w[3]);
	e->nscount = bpf_ntohs(w[4]);
	e->arcount = bpf_ntohs(w[5]);
}

/* A UDP packet that may carry a DNS message: on a DNS port, with room for the header. */
static __always_inline bool dns__candidate(const struct pkt_meta *m)
{
	return m->l4_proto == IPPROTO_UDP && m->payload_len >= 12 &&
	       (dns__is_port(m->sport) || dns__is_port(m->dport));
}

/* Bytes of the DNS message to copy from a packet of pkt_len bytes, at most WF_DNS_MAX. */
static __always_inline __u64 dns__cap_len(__u64 pkt_len, const struct pkt_meta *m)
{
	/* A first fragment carries less than the IP header promises: take what is here. */
	__u64 room = pkt_len > m->payload_off ? pkt_len - m->payload_off : 0;
	__u64 len = m->payload_len < room ? m->payload_len : room;

	if (len > WF_DNS_MAX) {
		len = WF_DNS_MAX;
		stat__inc(WF_STAT_DNS_TOO_BIG);
	}
	return len;
}

/*
 * The rest of a DNS record once its len message bytes are in e->msg (TC and XDP
 * alike): a first fragment registers its datagram so that later fragments are
 * shipped, the header and first question are read, -w may select the flow by
 * name, and the record goes out.
 */
static __always_inline void dns__ship(struct dns_event *e, const struct pkt_meta *m,
				      const struct flow_key *k, struct flow_value *v,
				      const struct pkt_sender *cur, __u8 hook, __u8 dir, __u64 now,
				      __u64 len)
{
	e->msg_len = m->payload_len;
	e->cap_len = len;
	e->first_fragment = m->frag == PARSE_FRAG_FIRST;
	e->ip_id = m->ip_id;
	if (e->first_fragment) {
		struct frag_key fk = { .netns = k->netns, .ip_id = m->ip_id, .family = m->family };

		/* The whole message's length is the UDP header's, not this fragment's. */
		e->msg_len = m->udp_len > 8 ? m->udp_len - 8 : 0;
		__builtin_memcpy(fk.saddr, m->saddr, 16);
		__builtin_memcpy(fk.daddr, m->daddr, 16);
		if (bpf_map_update_elem(&dns_frags, &fk, &now, BPF_ANY))
			stat__inc(WF_STAT_FRAG_LOST);
	}
	event__fill(&e->h, WF_PKT_EVENT_DNS, m, k, v, cur, hook, dir, now);
	dns__header(e);
	e->qtype = e->qclass = 0;
	e->qname_len = 0;
	e->qname[0] = '\0';
	if (e->qdcount)
		dns__question(e);
	else
		e->status = WF_DNS_NO_QUESTION;
	if (capture_by_name && v && e->qname_len && !v->capture_sel)
		v->capture_sel = wf_name_selected((const struct wf_name *)e->qname, e->qname_len);
	if (record_last) {
		last_dns_status = e->status;
		__builtin_memcpy(last_dns_qname, e->qname, sizeof(last_dns_qname));
	}
	if (bpf_ringbuf_output(&pkt_events, e, offsetof(struct dns_event, msg) + len,
			       ring__flags(&pkt_events, events_wake_shift,
					   offsetof(struct dns_event, msg) + len)))
		stat__inc(WF_STAT_RINGBUF_LOST);
}

static __always_inline void frag__key(struct frag_key *fk, struct __sk_buff *skb,
				      const struct pkt_meta *m)
{
	fk->netns = dev__netns_cookie(skb);
	fk->ip_id = m->ip_id;
	fk->family = m->family;
	__builtin_memcpy(fk->saddr, m->saddr, 16);
	__builtin_memcpy(fk->daddr, m->daddr, 16);
}

/*
 * A later IP fragment of a DNS datagram whose first fragment was seen: shipped
 * with its offset in the datagram, for userspace to join. The last one (no MF)
 * ends the tracking.
 */
__noinline int wf_dns_frag(struct __sk_buff *skb, const struct pkt_meta *m, __u32 hook)
{
	struct frag_key fk = {};
	struct chunk_event *e;
	__u32 zero = 0, room, n;

	if (!skb || !m)
		return 0;
	frag__key(&fk, skb, m);
	if (!bpf_map_lookup_elem(&dns_frags, &fk))
		return 0;
	e = bpf_map_lookup_elem(&tls_scratch, &zero);
	if (!e)
		return 0;
	room = skb->len > m->l4_off ? skb->len - m->l4_off : 0;
	n = m->payload_len < room ? m->payload_len : room;
	if (n > WF_TLS_CHUNK)
		n = WF_TLS_CHUNK;
	__builtin_memset(e, 0, offsetof(struct chunk_event, data));
	e->h.kind = WF_PKT_EVENT_DNS_FRAG;
	e->h.ifindex = skb->ifindex;
	e->h.ts_ns = clock__now(skb);
	e->h.netns = fk.netns;
	e->h.family = m->family;
	e->h.proto = IPPROTO_UDP;
	e->h.hook = hook;
	__builtin_memcpy(e->h.saddr, m->saddr, 16);
	__builtin_memcpy(e->h.daddr, m->daddr, 16);
	e->ip_id = m->ip_id;
	e->want = m->more_frags ? 0 : m->frag_off + m->payload_len;
	{
		__u64 len = n;

		/* Verifier workaround: keep the bounds on the register passed to the helper. */
		barrier_var(len);
		if (len < 1 || len > WF_TLS_CHUNK ||
		    bpf_skb_load_bytes(skb, m->l4_off, e->data, len))
			return 0;
		e->stream_off = m->frag_off;
		e->len = len;
		if (bpf_ringbuf_output(&pkt_events, e, offsetof(struct chunk_event, data) + len,
				       ring__flags(&pkt_events, events_wake_shift,
						   offsetof(struct chunk_event, data) + len)))
			stat__inc(WF_STAT_FRAG_LOST);
	}
	if (!m->more_frags)
		bpf_map_delete_elem(&dns_frags, &fk);
	return 0;
}

/*
 * DNS over TCP: payload on a DNS port is shipped with its sequence number
 * (stream_off); userspace reassembles the length-prefixed messages, which may
 * span segments.
 */
__noinline int wf_dns_tcp(struct __sk_buff *skb, const struct pkt_meta *m, const struct flow_key *k,
			  struct flow_value *v, __u32 hook_dir)
{
	__u8 hook = hook_dir__hook(hook_dir), d = hook_dir__dir(hook_dir);
	struct chunk_event *e;
	__u32 zero = 0, room, n;

	if (!skb || !m || !k || !v || !v->dns_port)
		return 0;
	e = bpf_map_lookup_elem(&tls_scratch, &zero);
	if (!e)
		return 0;
	room = skb->len > m->payload_off ? skb->len - m->payload_off : 0;
	n = m->payload_len < room ? m->payload_len : room;
	if (n > WF_TLS_CHUNK * WF_TLS_CHUNKS_PER_PACKET)
		n = WF_TLS_CHUNK * WF_TLS_CHUNKS_PER_PACKET;
	chunk__fill(e, WF_PKT_EVENT_DNS_TCP, skb, m, k, v, hook, d);
	e->want = m->payload_len;
	chunk__ship(skb, m, e, m->tcp_seq, n, WF_STAT_RINGBUF_LOST);
	return 0;
}

#endif

/*
 * Per context (see ctx.h): a DNS message over UDP, copied into the record and
 * shipped with its first question read. Global functions (not static) are
 * verified once, on their own: this keeps the classifiers far below the
 * verifier's complexity limit. Pointer arguments may be NULL as far as the
 * verifier knows: they are checked.
 */
#ifdef CTX_T
__noinline int CTX_FN(wf_dns_capture)(CTX_T *ctx, const struct pkt_meta *m,
				      const struct flow_key *k, struct flow_value *v,
				      __u32 hook_dir)
{
	__u8 hook = hook_dir__hook(hook_dir), dir = hook_dir__dir(hook_dir);
	struct dns_event *e;
	__u32 zero = 0;
	__u64 len, now;

	if (!ctx || !m || !k || !dns__candidate(m))
		return 0;
	now = ctx_now(ctx);
	e = bpf_map_lookup_elem(&dns_scratch, &zero);
	if (!e)
		return 0;
	len = dns__cap_len(ctx_len(ctx), m);
	/* Verifier workaround: keep the bounds on the very register passed to the helper. */
	barrier_var(len);
	if (len < 12 || len > WF_DNS_MAX || ctx_load_bytes(ctx, m->payload_off, e->msg, len))
		return 0;
	dns__ship(e, m, k, v, ctx_sender(ctx, m, hook), hook, dir, now, len);
	return 0;
}
#endif /* CTX_T */
