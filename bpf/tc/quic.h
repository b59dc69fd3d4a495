/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * QUIC client Initials: the datagram shipped whole, for the agent to decrypt
 * (keys come from the packet itself) and read the hellos from. A packet pays
 * for this only when it could be one: UDP of 1200 bytes or more (each side
 * pads a datagram with an ack-eliciting Initial to that, RFC 9000 14.1) among
 * its flow's first packets. The same function serves TC and XDP (ctx.h).
 */
#ifndef WHOFLOW_TC_QUIC_H
#define WHOFLOW_TC_QUIC_H

#define QUIC_V1_ 0x00000001u
#define QUIC_V2_ 0x6b3343cfu
#define WF_QUIC_MIN 1200
/* Initials come first: a flow's first packets only (flow__young). */
static __always_inline bool quic__candidate(const struct pkt_meta *m, struct flow_value *v)
{
	return m->payload_len >= WF_QUIC_MIN && !v->dns_port && flow__young(v);
}

/*
 * A long header of version 1 or 2 whose type is Initial (0 in version 1, 1 in
 * version 2). The fixed bit is not checked: a peer that allows it clears it at
 * random (RFC 9287, greasing the QUIC bit), servers' Initials included.
 */
static __always_inline bool quic__is_initial(const __u8 *h)
{
	__u32 version = (__u32)h[1] << 24 | (__u32)h[2] << 16 | (__u32)h[3] << 8 | h[4];
	__u8 type = (h[0] >> 4) & 3;

	if (!(h[0] & 0x80))
		return false;
	return (version == QUIC_V1_ && type == 0) || (version == QUIC_V2_ && type == 1);
}

#endif

#ifdef CTX_T
__noinline int CTX_FN(wf_quic_handle)(CTX_T *ctx, const struct pkt_meta *m,
				      const struct flow_key *k, struct flow_value *v,
				      __u32 hook_dir)
{
	__u8 h[5], hook = hook_dir__hook(hook_dir), d = hook_dir__dir(hook_dir);
	struct chunk_event *e;
	__u32 zero = 0;
	__u64 len;

	if (!ctx || !m || !k || !v)
		return 0;
	if (ctx_load_bytes(ctx, m->payload_off, h, sizeof(h)) || !quic__is_initial(h))
		return 0;
	e = bpf_map_lookup_elem(&tls_scratch, &zero);
	if (!e)
		return 0;
	/* Datagrams are at most a path MTU in practice; a larger one goes cut. */
	len = m->payload_len < WF_TLS_CHUNK ? m->payload_len : WF_TLS_CHUNK;
	/* Verifier workaround: keep the bounds on the very register passed to the helper. */
	barrier_var(len);
	if (len < 1 || len > WF_TLS_CHUNK || ctx_load_bytes(ctx, m->payload_off, e->data, len))
		return 0;
	event__fill(&e->h, WF_PKT_EVENT_QUIC, m, k, v, ctx_sender(ctx, m, hook), hook, d,
		    ctx_now(ctx));
	e->want = m->payload_len;
	e->sni_off = 0;
	e->sni_len = 0;
	e->stream_off = 0;
	e->len = len;
	if (bpf_ringbuf_output(&pkt_events, e, offsetof(struct chunk_event, data) + len,
			       ring__flags(&pkt_events, events_wake_shift,
					   offsetof(struct chunk_event, data) + len)))
		stat__inc(WF_STAT_TLS_LOST);
	return 0;
}
#endif /* CTX_T */
