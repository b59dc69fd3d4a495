/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Packet-chunk records (struct chunk_event): a stream's bytes by offset,
 * shipped in chunks.
 */
#ifndef WHOFLOW_TC_CHUNK_H
#define WHOFLOW_TC_CHUNK_H

/* The head of a chunk record of the given kind (enum wf_pkt_event_kind). */
static __always_inline void chunk__fill(struct chunk_event *e, __u32 kind, struct __sk_buff *skb,
					const struct pkt_meta *m, const struct flow_key *k,
					const struct flow_value *v, __u8 hook, __u8 dir)
{
	event__fill(&e->h, kind, m, k, v, sender__load(skb, m, hook), hook, dir, clock__now(skb));
	e->want = v->tls_want[dir & 1];
	e->sni_off = 0;
	e->sni_len = 0;
}

/* Ships [off, off + n) of the direction's stream from this packet, in chunks. */
static __always_inline void chunk__ship(struct __sk_buff *skb, const struct pkt_meta *m,
					struct chunk_event *e, __u32 off, __u32 n, __u32 lost_stat)
{
	for (int i = 0; i < WF_TLS_CHUNKS_PER_PACKET; i++) {
		__u64 len = n > WF_TLS_CHUNK ? WF_TLS_CHUNK : n;

		if (!n)
			break;
		/* Verifier workaround: keep the bounds on the register passed to the helper. */
		barrier_var(len);
		if (len < 1 || len > WF_TLS_CHUNK ||
		    bpf_skb_load_bytes(skb, m->payload_off + i * WF_TLS_CHUNK, e->data, len))
			return;
		e->stream_off = off + i * WF_TLS_CHUNK;
		e->len = len;
		if (bpf_ringbuf_output(&pkt_events, e, offsetof(struct chunk_event, data) + len,
				       ring__flags(&pkt_events, events_wake_shift,
						   offsetof(struct chunk_event, data) + len)))
			stat__inc(lost_stat);
		n -= len;
	}
}

#endif
