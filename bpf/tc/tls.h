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
 * The SNI's place in a ClientHello's first segment, found in the kernel so
 * that selection in the kernel can use it. Offsets walk the fixed fields, then
 * up to WF_TLS_EXT_MAX extensions; anything not in this segment just ends the
 * walk. The name's bytes are read only for -w's selection by name: the record
 * says where they are in the stream it carries.
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

/* The name at packet offset at, n bytes (found by wf_tls_sni): into the scratch, for -w. */
static __always_inline void tls__sni_read(struct __sk_buff *skb, struct chunk_scratch *s, __u32 at,
					  __u64 n)
{
	if (n > WF_SNI_MAX - 1)
		n = WF_SNI_MAX - 1;
	/* Verifier workaround: keep the bounds on the register passed to the helper. */
	barrier_var(n);
	if (n < 1 || n > WF_SNI_MAX - 1 || bpf_skb_load_bytes(skb, at, s->sni, n))
		return;
	s->sni[n & (WF_SNI_MAX - 1)] = '\0';
}

__noinline int wf_tls_sni(struct __sk_buff *skb, const struct pkt_meta *m, struct chunk_scratch *s)
{
	__u32 off, end, rec_end;
	__u8 b[5];

	if (!skb || !m || !s)
		return 0;
	s->e.sni_len = 0;
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
			__u32 n;

			if (ctx__skb_load(skb, off + 4, b, 5) || b[2] != 0)
				return 0;
			n = (__u32)b[3] << 8 | b[4];
			/* The name must be all in this record and this segment, and
			 * within the bytes the agent is shipped (sni_off's range). */
			if (!n || off + 9 + n > end ||
			    off + 9 + n > m->payload_off + m->payload_len ||
			    off + 9 + n > skb->len || off + 9 - m->payload_off >= WF_TLS_CLIENT_MAX)
				return 0;
			if (n > WF_SNI_MAX - 1)
				n = WF_SNI_MAX - 1;
			s->e.sni_off = off + 9 - m->payload_off;
			if (capture_by_name)
				tls__sni_read(skb, s, off + 9, n);
			s->e.sni_len = n;
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
	if (m->payload_len < 43 || ctx__skb_load(skb, m->payload_off, h, sizeof(h)) || h[0] != 22 ||
	    h[5] != 2 || ctx__skb_load(skb, m->payload_off + 11, r, sizeof(r)))
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
	    ctx__skb_load(skb, m->payload_off, h, sizeof(h)) || (h[0] != 20 && h[0] != 22) ||
	    h[1] != 3)
		return false;
	want = off + m->payload_len;
	v->tls_want[d & 1] = want < WF_TLS_CLIENT_MAX ? want : WF_TLS_CLIENT_MAX;
	return true;
}

/*
 * The 4 bytes a direction of a connection that turns to TLS later starts with:
 * an HTTP proxy's CONNECT, a PROXY header, or a STARTTLS protocol's greeting
 * or first command (SMTP, FTP, POP3, IMAP, XMPP).
 */
static __always_inline bool tls__upgrade_start(const __u8 *h)
{
	__u32 w = (__u32)h[0] << 24 | (__u32)h[1] << 16 | (__u32)h[2] << 8 | h[3];

	switch (w) {
	case 0x434f4e4e: /* "CONN"ECT */
	case 0x50524f58: /* "PROX"Y, v1, with nothing after it in its segment */
	case 0x0d0a0d0a: /* PROXY v2 signature */
	case 0x32323020: /* "220 ": SMTP and FTP greetings */
	case 0x3232302d: /* "220-" */
	case 0x2b4f4b20: /* "+OK ": POP3 */
	case 0x2a204f4b: /* "* OK": IMAP */
	case 0x2a205052: /* "* PR"EAUTH */
	case 0x3c3f786d: /* "<?xm"l: XMPP */
	case 0x3c737472: /* "<str"eam */
	case 0x45484c4f: /* "EHLO" */
	case 0x48454c4f: /* "HELO" */
	case 0x53544152: /* "STAR"TTLS */
	case 0x53544c53: /* "STLS" */
	case 0x41555448: /* "AUTH" TLS */
		return true;
	}
	return false;
}

/*
 * The length of a PROXY protocol header at the payload's start (v2: 16 bytes
 * and its length field; v1: a text line of at most 107 bytes), 0 if none: the
 * client's own bytes, a hello among them, follow it in the same segment.
 */
static __always_inline __u32 tls__proxy_len(struct __sk_buff *skb, const struct pkt_meta *m)
{
	static const __u8 sig2[12] = { 0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d,
				       0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a };
	static const __u8 sig1[6] = { 'P', 'R', 'O', 'X', 'Y', ' ' };
	__u8 h[16];
	bool v1 = true, v2 = true;

	if (m->payload_len < 16 || ctx__skb_load(skb, m->payload_off, h, sizeof(h)))
		return 0;
	for (int i = 0; i < 12; i++) {
		v2 &= h[i] == sig2[i];
		v1 &= i >= 6 || h[i] == sig1[i];
	}
	if (v2)
		return 16 + ((__u32)h[14] << 8 | h[15]);
	if (!v1)
		return 0;
	for (__u32 at = 0; at < 112; at += 8) {
		__u32 from = at + 8 <= m->payload_len ? at : m->payload_len - 8;
		__u8 w[8];

		if (ctx__skb_load(skb, m->payload_off + from, w, sizeof(w)))
			return 0;
		for (int j = 0; j < 8; j++)
			if (w[j] == '\n')
				return from + j + 1;
		if (from != at)
			break;
	}
	return 0;
}

/*
 * A segment of a direction not yet known to carry TLS: a hello at its start
 * (or after a PROXY header) opens the capture there. Otherwise the direction
 * is not TLS for good, unless it starts the way an upgraded connection does
 * (or the flow's other direction did): then the next segments are judged too,
 * up to WF_TLS_LATER_TRIES, and the hello after CONNECT or STARTTLS is seen.
 */
static __always_inline void tls__judge(struct __sk_buff *skb, const struct pkt_meta *m,
				       struct flow_value *v, __u8 d)
{
	bool first = v->tls_state[d] == WF_TLS_UNKNOWN;
	struct pkt_meta after = *m;
	__u32 skip = 0, want;
	__u8 h[4] = {};

	want = tls__want(skb, m);
	if (!want && first) {
		skip = tls__proxy_len(skb, m);
		if (skip && skip < m->payload_len) {
			after.payload_off += skip;
			after.payload_len -= skip;
			want = tls__want(skb, &after);
		}
	}
	if (want) {
		v->tls_want[d] = want;
		v->tls_isn[d] = m->tcp_seq + skip;
		v->tls_state[d] = WF_TLS_CAPTURE;
		if (!skip && tls__is_hrr(skb, m))
			v->tls_hrr = 1;
		return;
	}
	if (!first) {
		if (++v->tls_tries >= WF_TLS_LATER_TRIES)
			v->tls_state[d] = WF_TLS_NOT_TLS;
		return;
	}
	if (skip || v->tls_upgrade ||
	    (m->payload_len >= 4 && !ctx__skb_load(skb, m->payload_off, h, sizeof(h)) &&
	     tls__upgrade_start(h))) {
		v->tls_upgrade = 1;
		v->tls_state[d] = WF_TLS_LATER;
	} else {
		v->tls_state[d] = WF_TLS_NOT_TLS;
	}
}

/*
 * TLS on any TCP port: a direction whose first payload is a hello (or whose
 * hello follows a CONNECT, a STARTTLS dialogue or a PROXY header) has its
 * first bytes shipped by stream offset, so userspace reassembles hellos split
 * over segments and records, larger than the MTU, retransmitted or reordered.
 */
__noinline int wf_tls_handle(struct __sk_buff *skb, const struct pkt_meta *m,
			     const struct flow_key *k, struct flow_value *v, __u32 hook_dir)
{
	__u8 hook = hook_dir__hook(hook_dir), d = hook_dir__dir(hook_dir);
	__u32 zero = 0, off, n, room;
	struct pkt_meta seg;
	struct chunk_scratch *s;
	struct chunk_event *e;

	if (!skb || !m || !k || !v)
		return 0;
	if (v->tls_state[d] == WF_TLS_NOT_TLS || v->tls_state[d] == WF_TLS_DONE)
		return 0;
	if (v->tls_state[d] == WF_TLS_UNKNOWN || v->tls_state[d] == WF_TLS_LATER) {
		tls__judge(skb, m, v, d);
		if (v->tls_state[d] != WF_TLS_CAPTURE)
			return 0;
	}
	seg = *m;
	off = m->tcp_seq - v->tls_isn[d]; /* wraps correctly across 2^32 */
	/* A segment that starts before the stream (a PROXY header ahead of the
	 * hello, a retransmit from before it): only its part from the start on. */
	if (off >= (1u << 31)) {
		__u32 skip = -off;

		if (skip >= seg.payload_len)
			return 0;
		seg.payload_off += skip;
		seg.payload_len -= skip;
		off = 0;
	}
	/* Past every byte a hello could use: this direction needs nothing more. */
	if (off >= WF_TLS_CLIENT_MAX) {
		v->tls_state[d] = WF_TLS_DONE;
		return 0;
	}
	if (off >= v->tls_want[d] && !tls__extend(skb, &seg, v, d, off))
		return 0;
	/*
	 * After a HelloRetryRequest the whole segment goes (up to the cap), not
	 * just up to tls_want: bytes past it (a ChangeCipherSpec) must not leave a
	 * gap before the next hello. Otherwise what follows the hello is
	 * encrypted and stays in the kernel (a server's first flight is kilobytes).
	 */
	room = skb->len > seg.payload_off ? skb->len - seg.payload_off : 0;
	n = seg.payload_len < room ? seg.payload_len : room;
	if (!v->tls_hrr && off < v->tls_want[d] && n > v->tls_want[d] - off)
		n = v->tls_want[d] - off;
	if (n > WF_TLS_CLIENT_MAX - off)
		n = WF_TLS_CLIENT_MAX - off;
	s = bpf_map_lookup_elem(&tls_scratch, &zero);
	if (!s || !n)
		return 0;
	e = &s->e;
	chunk__fill(e, WF_PKT_EVENT_TLS, skb, &seg, k, v, hook, d);
	if (off == 0 && tls__is_client_hello(skb, &seg)) {
		wf_tls_sni(skb, &seg, s);
		if (capture_by_name && e->sni_len && !v->capture_sel)
			v->capture_sel =
				wf_name_selected((const struct wf_name *)s->sni, e->sni_len);
	}
	chunk__ship(skb, &seg, e, off, n, WF_STAT_TLS_LOST);
	return 0;
}

#endif
