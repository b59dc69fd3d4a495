/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * HTTP/1.x requests on any TCP port.
 */
#ifndef WHOFLOW_TC_HTTP_H
#define WHOFLOW_TC_HTTP_H

/* Whether a payload starts with an HTTP/1.x request method and a space. */
static __always_inline bool http__is_request(const __u8 *h)
{
	__u32 w = (__u32)h[0] << 24 | (__u32)h[1] << 16 | (__u32)h[2] << 8 | h[3];

	switch (w) {
	case 0x47455420: /* "GET " */
	case 0x50555420: /* "PUT " */
		return true;
	case 0x504f5354: /* "POST" */
	case 0x48454144: /* "HEAD" */
		return h[4] == ' ';
	case 0x44454c45: /* "DELE"TE */
		return h[4] == 'T' && h[5] == 'E' && h[6] == ' ';
	case 0x50415443: /* "PATC"H */
		return h[4] == 'H' && h[5] == ' ';
	case 0x4f505449: /* "OPTI"ONS */
		return h[4] == 'O' && h[5] == 'N' && h[6] == 'S' && h[7] == ' ';
	case 0x434f4e4e: /* "CONN"ECT: a proxy tunnel (its TLS follows: see tls.h) */
		return h[4] == 'E' && h[5] == 'C' && h[6] == 'T' && h[7] == ' ';
	}
	return false;
}

/*
 * Whether this direction's segment starts a request, and what the direction
 * is: a direction whose first payload is no request is never looked at again
 * (bulk transfers pay nothing); one whose start was not seen (the flow began
 * before the agent) gets WF_HTTP_TRIES segments first.
 */
static __always_inline bool http__judge(struct __sk_buff *skb, const struct pkt_meta *m,
					struct flow_value *v, __u8 d)
{
	__u8 h[8] = {};
	bool req = m->payload_len >= 8 && !ctx__skb_load(skb, m->payload_off, h, sizeof(h)) &&
		   http__is_request(h);

	if (req)
		v->http_state[d] = WF_HTTP_REQUESTS;
	else if (v->http_state[d] == WF_HTTP_UNKNOWN &&
		 ((v->orig.tcp_flags & 0x02) || ++v->http_tries >= WF_HTTP_TRIES))
		v->http_state[d] = WF_HTTP_NOT_HTTP;
	return req;
}

/*
 * HTTP/1.x on any TCP port: a segment that starts with a request method is
 * shipped (up to WF_TLS_CHUNK bytes), so that each request of a keep-alive
 * connection is seen. Headers beyond that segment are not.
 */
__noinline int wf_http_handle(struct __sk_buff *skb, const struct pkt_meta *m,
			      const struct flow_key *k, struct flow_value *v, __u32 hook_dir)
{
	__u8 hook = hook_dir__hook(hook_dir), d = hook_dir__dir(hook_dir);
	struct chunk_event *e;
	__u32 zero = 0, room;
	__u64 len;

	if (!skb || !m || !k || !v || v->http_state[d] == WF_HTTP_NOT_HTTP)
		return 0;
	if (!http__judge(skb, m, v, d))
		return 0;
	e = bpf_map_lookup_elem(&tls_scratch, &zero);
	if (!e)
		return 0;
	room = skb->len > m->payload_off ? skb->len - m->payload_off : 0;
	len = m->payload_len < room ? m->payload_len : room;
	if (len > WF_TLS_CHUNK)
		len = WF_TLS_CHUNK;
	/* Verifier workaround: keep the bounds on the register passed to the helper. */
	barrier_var(len);
	if (len < 8 || len > WF_TLS_CHUNK || bpf_skb_load_bytes(skb, m->payload_off, e->data, len))
		return 0;
	chunk__fill(e, WF_PKT_EVENT_HTTP, skb, m, k, v, hook, d);
	e->stream_off = m->tcp_seq;
	e->len = len;
	e->want = m->payload_len;
	if (bpf_ringbuf_output(&pkt_events, e, offsetof(struct chunk_event, data) + len,
			       ring__flags(&pkt_events, events_wake_shift,
					   offsetof(struct chunk_event, data) + len)))
		stat__inc(WF_STAT_HTTP_LOST);
	return 0;
}

#endif
