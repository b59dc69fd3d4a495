/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * TLS on any TCP port: hellos shipped by stream offset, the SNI read in the
 * kernel from the first segment.
 */
#ifndef WHOFLOW_TC_TLS_H
#define WHOFLOW_TC_TLS_H

/*
 * How many bytes of this direction to ship, judged from its first payload
 * segment: a TLS handshake record holding a ClientHello (1) or ServerHello (2),
 * or an SSLv2-format ClientHello. 0: the stream is something else.
 */
static __always_inline __u32 tls__want(struct __sk_buff *skb, const struct pkt_meta *m)
{
	__u8 h[9] = {};
	__u32 rec, hs, need;

	if (m->payload_len < 9 || ctx__skb_load(skb, m->payload_off, h, sizeof(h)))
		return 0;
	if ((h[0] & 0x80) && h[2] == 1 && h[3] <= 3) /* SSLv2 CLIENT-HELLO */
		return 2 + (((__u32)h[0] & 0x7f) << 8 | h[1]);
	if (h[0] != 22 || h[1] != 3 || (h[5] != 1 && h[5] != 2))
		return 0;
	rec = (__u32)h[3] << 8 | h[4];
	if (h[5] == 2)
		return 5 + rec < WF_TLS_SERVER_MAX ? 5 + rec : WF_TLS_SERVER_MAX;
	hs = ((__u32)h[6] << 16 | (__u32)h[7] << 8 | h[8]) + 4;
	/* A hello spread over several records pays a 5-byte header per record. */
	need = hs <= rec ? 5 + rec : hs + 5 * (hs / (rec ? rec : 1) + 1);
	return need < WF_TLS_CLIENT_MAX ? need : WF_TLS_CLIENT_MAX;
}

/*
 * The SNI, read in the kernel from a ClientHello's first segment, so that
 * selection in the kernel can use it. Offsets walk the fixed fields, then up to
 * WF_TLS_EXT_MAX extensions; anything not in this segment just ends the walk.
 */
static __always_inline __u32 tls__skip16(struct __sk_buff *skb, __u32 off)
{
	__u8 l[2];

	if (ctx__skb_load(skb, off, l, 2))
		return 0;
	return off + 2 + ((__u32)l[0] << 8 | l[1]);
}

static __always_inline bool tls__is_client_hello(struct __sk_buff *skb, const struct pkt_meta *m)
{
	__u8 h[6];

	return !ctx__skb_load(skb, m->payload_off, h, sizeof(h)) && h[0] == 22 && h[5] == 1;
}

__noinline int wf_tls_sni(struct __sk_buff *skb, const struct pkt_meta *m,
			  struct chunk_event *e)
{
	__u32 off, end, rec_end;
	__u8 b[5];

	if (!skb || !m || !e)
		return 0;
	e->sni_len = 0;
	/* Only the first record is read: a hello split over records is left to userspace. */
	if (ctx__skb_load(skb, m->payload_off + 3, b, 2))
		return 0;
	rec_end = m->payload_off + 5 + ((__u32)b[0] << 8 | b[1]);
	off = m->payload_off + 5 + 4 + 2 + 32; /* record, handshake header, version, random */
	if (ctx__skb_load(skb, off, b, 1))
		return 0;
	off += 1 + b[0]; /* session id */
	off = tls__skip16(skb, off); /* cipher suites */
	if (!off || ctx__skb_load(skb, off, b, 1))
		return 0;
	off += 1 + b[0]; /* compression methods */
	end = tls__skip16(skb, off); /* extensions */
	if (end > rec_end)
		end = rec_end;
	off += 2;
	for (int i = 0; i < WF_TLS_EXT_MAX && off && off + 4 <= end; i++) {
		__u32 type, len;

		if (ctx__skb_load(skb, off, b, 4))
			return 0;
		type = (__u32)b[0] << 8 | b[1];
		len = (__u32)b[2] << 8 | b[3];
		if (type == 0) {
			/* list length (2), name type (1), name length (2), name */
			__u64 n;

			if (ctx__skb_load(skb, off + 4, b, 5) || b[2] != 0)
				return 0;
			n = (__u32)b[3] << 8 | b[4];
			if (off + 9 + n > end)
				return 0; /* the name is not all in this record */
			if (n > WF_SNI_MAX - 1)
				n = WF_SNI_MAX - 1;
			/* Verifier workaround: keep the bounds on the register passed to the helper. */
			barrier_var(n);
			if (n < 1 || n > WF_SNI_MAX - 1 ||
			    bpf_skb_load_bytes(skb, off + 9, e->sni, n))
				return 0;
			e->sni[n & (WF_SNI_MAX - 1)] = '\0';
			e->sni_len = n;
			return 0;
		}
		off += 4 + len;
	}
	return 0;
}

/*
 * Whether a ServerHello at the start of this segment is a HelloRetryRequest:
 * its random is SHA-256("HelloRetryRequest") (RFC 8446, 4.1.3).
 */
static __always_inline bool tls__is_hrr(struct __sk_buff *skb, const struct pkt_meta *m)
{
	/* The HRR random as four 64-bit words, in the byte order they load in. */
	static const __u8 hrr[32] = { 0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11,
				      0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
				      0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e,
				      0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c };
	__u8 h[6];
	__u64 r[4];

	/* record header (5), handshake type (1), length (3), version (2), random (32) */
	if (m->payload_len < 43 || ctx__skb_load(skb, m->payload_off, h, sizeof(h)) ||
	    h[0] != 22 || h[5] != 2 || ctx__skb_load(skb, m->payload_off + 11, r, sizeof(r)))
		return false;
	for (int i = 0; i < 4; i++)
		if (r[i] != ((const __u64 *)hrr)[i])
			return false;
	return true;
}

/*
 * After a HelloRetryRequest the client sends a second hello (often after a
 * ChangeCipherSpec record), and the server a second ServerHello: a segment past
 * what was wanted that starts with such a record extends the capture. Without
 * one, what follows the hellos is encrypted: never shipped.
 */
static __always_inline bool tls__extend(struct __sk_buff *skb, const struct pkt_meta *m,
					struct flow_value *v, __u8 d, __u32 off)
{
	__u8 h[2] = {};
	__u32 want;

	if (!v->tls_hrr || off >= WF_TLS_CLIENT_MAX ||
	    ctx__skb_load(skb, m->payload_off, h, sizeof(h)) ||
	    (h[0] != 20 && h[0] != 22) || h[1] != 3)
		return false;
	want = off + m->payload_len;
	v->tls_want[d & 1] = want < WF_TLS_CLIENT_MAX ? want : WF_TLS_CLIENT_MAX;
	return true;
}

/*
 * TLS on any TCP port: a direction whose first payload is a hello has its
 * first bytes shipped by stream offset, so userspace reassembles hellos split
 * over segments and records, larger than the MTU, retransmitted or reordered.
 */
__noinline int wf_tls_handle(struct __sk_buff *skb, const struct pkt_meta *m,
			     const struct flow_key *k, struct flow_value *v, __u32 hook_dir)
{
	__u8 hook = hook_dir__hook(hook_dir), d = hook_dir__dir(hook_dir);
	__u32 zero = 0, off, n, room;
	struct chunk_event *e;

	if (!skb || !m || !k || !v)
		return 0;
	if (v->tls_state[d] == WF_TLS_NOT_TLS || v->tls_state[d] == WF_TLS_DONE)
		return 0;
	if (v->tls_state[d] == WF_TLS_UNKNOWN) {
		v->tls_want[d] = tls__want(skb, m);
		v->tls_isn[d] = m->tcp_seq;
		v->tls_state[d] = v->tls_want[d] ? WF_TLS_CAPTURE : WF_TLS_NOT_TLS;
		if (!v->tls_want[d])
			return 0;
		if (tls__is_hrr(skb, m))
			v->tls_hrr = 1;
	}
	off = m->tcp_seq - v->tls_isn[d]; /* wraps correctly across 2^32 */
	/* Past every byte a hello could use (not a segment from before the start,
	 * whose offset wraps): this direction needs nothing more. */
	if (off >= WF_TLS_CLIENT_MAX && off < (1u << 31)) {
		v->tls_state[d] = WF_TLS_DONE;
		return 0;
	}
	if (off >= v->tls_want[d] && !tls__extend(skb, m, v, d, off))
		return 0;
	/*
	 * After a HelloRetryRequest the whole segment goes (up to the cap), not
	 * just up to tls_want: bytes past it (a ChangeCipherSpec) must not leave a
	 * gap before the next hello. Otherwise what follows the hello is
	 * encrypted and stays in the kernel (a server's first flight is kilobytes).
	 */
	room = skb->len > m->payload_off ? skb->len - m->payload_off : 0;
	n = m->payload_len < room ? m->payload_len : room;
	if (!v->tls_hrr && off < v->tls_want[d] && n > v->tls_want[d] - off)
		n = v->tls_want[d] - off;
	if (n > WF_TLS_CLIENT_MAX - off)
		n = WF_TLS_CLIENT_MAX - off;
	e = bpf_map_lookup_elem(&tls_scratch, &zero);
	if (!e || !n)
		return 0;
	chunk__fill(e, WF_PKT_EVENT_TLS, skb, m, k, v, hook, d);
	e->sni_len = 0;
	if (off == 0 && tls__is_client_hello(skb, m)) {
		wf_tls_sni(skb, m, e);
		if (capture_by_name && e->sni_len && !v->capture_sel)
			v->capture_sel = wf_name_selected((const struct wf_name *)e->sni, e->sni_len);
	}
	chunk__ship(skb, m, e, off, n, WF_STAT_TLS_LOST);
	return 0;
}

#endif
