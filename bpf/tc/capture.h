/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * -w: packet copies, selected in the kernel.
 */
#ifndef WHOFLOW_TC_CAPTURE_H
#define WHOFLOW_TC_CAPTURE_H

/*
 * The agent's verdict on the owner's current image: 1 or 0, or -1 when it has
 * none yet (a process it has not judged, a reused pid, a cgroup move): such
 * packets are copied and judged in userspace, so nothing selected is lost.
 */
static __always_inline int capture__image_verdict(const struct wf_owner *o)
{
	struct wf_proc_image img = { .tgid = o->tgid };
	struct wf_proc_verdict *v;
	__u32 *gen = bpf_map_lookup_elem(&proc_gen, &img.tgid);
	__u64 d;

	img.gen = gen ? *gen : 0;
	v = bpf_map_lookup_elem(&proc_verdicts, &img);
	if (!v)
		return -1;
	d = v->start_ns > o->start_ns ? v->start_ns - o->start_ns : o->start_ns - v->start_ns;
	if (d >= 20000000 || (v->cgroup_id && v->cgroup_id != o->cgroup_id))
		return -1;
	return v->selected != 0;
}

static __always_inline bool capture__owner_selected(const struct pkt_event_hdr *h)
{
	bool ok;

	if (capture_by_image) {
		if (h->attr == WF_ATTR_PENDING)
			return true; /* its owner is known in userspace only */
		if (h->attr == WF_ATTR_NONE || h->attr == WF_ATTR_AMBIGUOUS || !h->owner.tgid ||
		    !capture__image_verdict(&h->owner))
			return false;
	}
	if (!capture_npids && !capture_ncomms)
		return true;
	if (h->attr == WF_ATTR_NONE || h->attr == WF_ATTR_AMBIGUOUS || !h->owner.tgid)
		return false;
	ok = false;
	for (int i = 0; i < WF_CAP_PIDS; i++)
		if (i < capture_npids && capture_pids[i] == h->owner.tgid)
			ok = true;
	for (int i = 0; i < WF_CAP_COMMS; i++) {
		bool same = i < capture_ncomms;

		for (int c = 0; c < WF_OWNER_COMM_LEN && same; c++) {
			if (capture_comms[i][c] != h->owner.comm[c])
				same = false;
			else if (!h->owner.comm[c])
				break;
		}
		if (same)
			ok = true;
	}
	return ok;
}

static __always_inline void capture__drop(__u64 netns, __u32 ifindex)
{
	struct wf_attach_key key = { .netns = netns, .ifindex = ifindex };
	__u64 one = 1, *n;

	stat__inc(WF_STAT_CAP_LOST);
	n = bpf_map_lookup_elem(&capture_drops, &key);
	if (n)
		__sync_fetch_and_add(n, 1);
	else
		bpf_map_update_elem(&capture_drops, &key, &one, BPF_NOEXIST);
}

/*
 * Copies up to capture_snaplen bytes into a record of the size class that
 * holds them; LOAD(dst, len) reads the packet (skb or XDP frame).
 */
#define CAPTURE_CLASS(size, LOAD)                                               \
	do {                                                                    \
		rsize = sizeof(*e) + (size);                                    \
		e = bpf_ringbuf_reserve(&pkt_capture, sizeof(*e) + (size), 0);  \
		if (!e) {                                                       \
			capture__drop(netns, ifindex);                          \
			return 0;                                               \
		}                                                               \
		/* Verifier: keep the bound on the register the helper gets. */ \
		barrier_var(len);                                               \
		if (len > (size) || LOAD(e->data, len)) {                       \
			bpf_ringbuf_discard(e, 0);                              \
			return 0;                                               \
		}                                                               \
	} while (0)

/* A packet smaller than its class is copied whole: size-1 masks are exact. */
#define CAPTURE_COPY(LOAD)                          \
	do {                                        \
		if (len <= 256)                     \
			CAPTURE_CLASS(256, LOAD);   \
		else if (len <= 2048)               \
			CAPTURE_CLASS(2048, LOAD);  \
		else if (len <= 16384)              \
			CAPTURE_CLASS(16384, LOAD); \
		else                                \
			CAPTURE_CLASS(65536, LOAD); \
	} while (0)

/* Whether -w wants the packet: its flow's name selection, then its owner. */
static __always_inline bool capture__wanted(const struct pkt_meta *m, const struct flow_key *k,
					    const struct flow_value *v,
					    const struct pkt_sender *cur, __u8 hook, __u8 dir,
					    struct pkt_event_hdr *hdr)
{
	if (capture_by_name && !(v && v->capture_sel)) {
		if (!v || !bpf_map_lookup_elem(&capture_flows, k)) {
			stat__inc(WF_STAT_CAP_FILTERED);
			return false;
		}
		((struct flow_value *)v)->capture_sel = 1;
	}
	event__fill(hdr, 0, m, k, v, cur, hook, dir, 0);
	if (!capture__owner_selected(hdr)) {
		stat__inc(WF_STAT_CAP_FILTERED);
		return false;
	}
	return true;
}

static __always_inline void capture__submit(struct cap_event *e, const struct pkt_event_hdr *hdr,
					    __u64 netns, __u32 ifindex, __u32 wire_len, __u32 len,
					    __u8 hook, __u64 rsize)
{
	e->netns = netns;
	e->ifindex = ifindex;
	e->wire_len = wire_len;
	e->cap_len = len;
	e->hook = hook;
	e->attr = hdr->attr;
	e->has_sk = hdr->has_sk;
	e->owner = hdr->owner;
	bpf_ringbuf_submit(e, ring__flags_reserved(&pkt_capture, capture_wake_shift, rsize));
	stat__inc(WF_STAT_CAPTURED);
}

/* -w reads the packet from its start (skb or XDP frame: see ctx.h). */
#define CAPTURE_LOAD(dst, n) ctx_load_bytes(ctx, 0, dst, n)

#endif

/*
 * Per context (see ctx.h): copies the packet for -w. At XDP it is the frame as
 * XDP got it, before the kernel builds an skb (a tag the NIC stripped is not
 * there to put back), and there is no socket at that hook: the owner is the
 * flow's, which the socket hooks and the tuple join fill.
 */
#ifdef CTX_T
__noinline int CTX_FN(wf_capture)(CTX_T *ctx, const struct pkt_meta *m, const struct flow_key *k,
				  const struct flow_value *v, __u32 hook_dir)
{
	__u8 hook = hook_dir__hook(hook_dir), dir = hook_dir__dir(hook_dir);
	struct pkt_event_hdr hdr = {};
	__u32 ifindex, wire;
	struct cap_event *e;
	__u64 netns, len, rsize;

	if (!ctx || !m || !k ||
	    !capture__wanted(m, k, v, ctx_sender(ctx, m, hook), hook, dir, &hdr))
		return 0;
	netns = k->netns;
	ifindex = ctx_ifindex(ctx);
	wire = ctx_len(ctx);
	len = wire < capture_snaplen ? wire : capture_snaplen;
	if (len == 0)
		return 0;
	CAPTURE_COPY(CAPTURE_LOAD);
	e->ts_ns = ctx_now(ctx);
	e->vlan_present = ctx_vlan_present(ctx);
	e->vlan_tci = ctx_vlan_tci(ctx);
	e->vlan_proto = ctx_vlan_proto(ctx);
	e->no_l2 = hook_dir__no_l2(hook_dir);
	capture__submit(e, &hdr, netns, ifindex, wire, len, hook, rsize);
	return 0;
}
#endif /* CTX_T */
