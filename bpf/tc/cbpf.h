/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The filter expression: classic BPF from libpcap, interpreted in the kernel
 * (bpf_loop, one instruction a step).
 */
#ifndef WHOFLOW_TC_CBPF_H
#define WHOFLOW_TC_CBPF_H

/* Classic BPF opcodes (linux/filter.h, linux/bpf_common.h). */
/* Kept by hand: clang-format 14 drops the spaces around & in macros. */
/* clang-format off */
#define C_CLASS(c) ((c) & 0x07)

#define C_SIZE(c) ((c) & 0x18)

#define C_MODE(c) ((c) & 0xe0)

#define C_OP(c) ((c) & 0xf0)

#define C_SRC(c) ((c) & 0x08)

#define C_RVAL(c) ((c) & 0x18)

#define C_MISCOP(c) ((c) & 0xf8)
/* clang-format on */

/* A big-endian load of size bytes at off of the window; false when it runs past the packet. */
static __always_inline bool cbpf__load(struct cbpf_state *s, __u32 off, __u32 size, __u32 *out)
{
	__u32 v = 0;

	if (off >= WF_CBPF_WINDOW || off + size > s->data_len)
		return false;
	for (__u32 i = 0; i < 4; i++) {
		__u32 idx = off + i;

		if (i >= size)
			break;
		/* Verifier: the mask must reach the access, not be folded away. */
		barrier_var(idx);
		idx &= WF_CBPF_WINDOW - 1;
		barrier_var(idx);
		v = v << 8 | s->data[idx];
	}
	*out = v;
	return true;
}

/* One instruction; 1 ends the run (verdict set). Loops are impossible: classic
 * BPF only jumps forward, so a program runs at most its length. */
static long cbpf__step(__u64 idx, void *unused)
{
	__u32 zero = 0, slot, v = 0, src;
	struct cbpf_state *s = bpf_map_lookup_elem(&cbpf_scratch, &zero);
	struct cbpf_insn *in;
	__u16 c;

	if (!s)
		return 1;
	if (s->pc >= s->plen || s->pc >= WF_CBPF_MAX) {
		s->verdict = 0;
		return 1;
	}
	slot = s->base + s->pc;
	in = bpf_map_lookup_elem(&cbpf_prog, &slot);
	if (!in) {
		s->verdict = 0;
		return 1;
	}
	c = in->code;
	s->pc++;
	switch (C_CLASS(c)) {
	case 0x00: /* LD */
	case 0x01: /* LDX */ {
		__u32 size = C_SIZE(c) == 0x00 ? 4 : C_SIZE(c) == 0x08 ? 2 : 1;

		switch (C_MODE(c)) {
		case 0x00: /* IMM */
			v = in->k;
			break;
		case 0x20: /* ABS */
			if (!cbpf__load(s, in->k, size, &v))
				goto reject;
			break;
		case 0x40: /* IND */
			if (!cbpf__load(s, in->k + s->X, size, &v))
				goto reject;
			break;
		case 0x60: /* MEM */
			v = s->M[in->k & 15];
			break;
		case 0x80: /* LEN */
			v = s->len;
			break;
		case 0xa0: /* MSH: 4 * (P[k] & 0xf), the IPv4 header length */
			if (!cbpf__load(s, in->k, 1, &v))
				goto reject;
			v = (v & 0xf) << 2;
			break;
		default:
			goto reject;
		}
		if (C_CLASS(c) == 0x00)
			s->A = v;
		else
			s->X = v;
		return 0;
	}
	case 0x02: /* ST */
		s->M[in->k & 15] = s->A;
		return 0;
	case 0x03: /* STX */
		s->M[in->k & 15] = s->X;
		return 0;
	case 0x04: /* ALU */
		src = C_SRC(c) ? s->X : in->k;
		switch (C_OP(c)) {
		/* One line per operation, as in a table. */
		/* clang-format off */
		case 0x00: s->A += src; break;
		case 0x10: s->A -= src; break;
		case 0x20: s->A *= src; break;
		case 0x30:
			if (!src)
				goto reject;
			s->A /= src;
			break;
		case 0x40: s->A |= src; break;
		case 0x50: s->A &= src; break;
		case 0x60: s->A = src < 32 ? s->A << src : 0; break;
		case 0x70: s->A = src < 32 ? s->A >> src : 0; break;
		case 0x80: s->A = -s->A; break;
		case 0x90:
			if (!src)
				goto reject;
			s->A %= src;
			break;
		case 0xa0: s->A ^= src; break;
		/* clang-format on */
		default:
			goto reject;
		}
		return 0;
	case 0x05: /* JMP */ {
		bool t;

		src = C_SRC(c) ? s->X : in->k;
		switch (C_OP(c)) {
		case 0x00: /* JA */
			s->pc += in->k;
			return 0;
		/* One line per operation, as in a table. */
		/* clang-format off */
		case 0x10: t = s->A == src; break;
		case 0x20: t = s->A > src; break;
		case 0x30: t = s->A >= src; break;
		case 0x40: t = (s->A & src) != 0; break;
		/* clang-format on */
		default:
			goto reject;
		}
		s->pc += t ? in->jt : in->jf;
		return 0;
	}
	case 0x06: /* RET */
		s->verdict = C_RVAL(c) == 0x10 ? s->A : C_RVAL(c) == 0x00 ? in->k : s->X;
		return 1;
	case 0x07: /* MISC */
		if (C_MISCOP(c) == 0x00)
			s->X = s->A; /* TAX */
		else
			s->A = s->X; /* TXA */
		return 0;
	}
reject:
	/* What classic BPF does on a load past the packet or a division by zero. */
	s->verdict = 0;
	return 1;
}

/* Runs the expression of link type link over the window in s (data, len, data_len set). */
static __always_inline int cbpf__run(struct cbpf_state *s, __u32 link)
{
	s->A = s->X = s->pc = 0;
	s->base = link ? WF_CBPF_MAX : 0;
	s->plen = link ? cbpf_len[1] : cbpf_len[0];
	s->verdict = 0;
	bpf_loop(WF_CBPF_MAX, cbpf__step, NULL, 0);
	if (record_last)
		last_cbpf_verdict = s->verdict;
	return s->verdict != 0;
}

#endif

/* Per context (see ctx.h): the expression over a packet. */
#ifdef CTX_T
/*
 * A tag the kernel holds apart from the data (skb->vlan_tci) is put back after
 * the MAC addresses, as in the -w copy: the expression then sees what tcpdump
 * and the file show, so `vlan 10` matches an offloaded tag too. 0: nothing
 * could be read.
 */
static __always_inline __u32 CTX_FN(cbpf__window_tagged)(struct cbpf_state *s, CTX_T *ctx)
{
	__u16 proto = bpf_ntohs((__u16)ctx_vlan_proto(ctx)), tci = ctx_vlan_tci(ctx);
	__u64 total = ctx_len(ctx), rest;

	if (total < 12 || ctx_load_bytes(ctx, 0, s->data, 12))
		return 0;
	s->data[12] = proto >> 8;
	s->data[13] = proto & 0xff;
	s->data[14] = tci >> 8;
	s->data[15] = tci & 0xff;
	rest = total - 12;
	if (rest > WF_CBPF_WINDOW - 16)
		rest = WF_CBPF_WINDOW - 16;
	barrier_var(rest);
	if (rest > WF_CBPF_WINDOW - 16)
		return 0;
	if (rest && ctx_load_bytes(ctx, 12, s->data + 16, rest))
		return 0;
	s->len = total + 4;
	return rest + 16;
}

/* Whether the packet matches the expression compiled for its link type. */
__noinline int CTX_FN(wf_cbpf_match)(CTX_T *ctx, __u32 link)
{
	__u32 zero = 0;
	__u64 len;
	struct cbpf_state *s = bpf_map_lookup_elem(&cbpf_scratch, &zero);

	if (!ctx || !s || link > 1)
		return 0;
	if (ctx_vlan_present(ctx) && link == WF_CBPF_ETHERNET) {
		s->data_len = CTX_FN(cbpf__window_tagged)(s, ctx);
		return cbpf__run(s, link);
	}
	s->len = ctx_len(ctx);
	len = s->len < WF_CBPF_WINDOW ? s->len : WF_CBPF_WINDOW;
	/* Verifier: keep the bounds on the very register passed to the helper. */
	barrier_var(len);
	if (len < 1 || len > WF_CBPF_WINDOW || ctx_load_bytes(ctx, 0, s->data, len))
		len = 0;
	s->data_len = len;
	return cbpf__run(s, link);
}
#endif /* CTX_T */
