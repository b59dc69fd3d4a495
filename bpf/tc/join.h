/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The owner join: which process owns each end of a flow (socket cookie, tuple
 * in the namespace, host-wide tuple, forwarded-packet hints), and which one a
 * record names.
 */
#ifndef WHOFLOW_TC_JOIN_H
#define WHOFLOW_TC_JOIN_H

/*
 * Whether skb->sk at ingress is the packet's sender: a veth hands its peer the
 * skb with the sending socket still attached (in the other namespace), so at
 * a container's host-side veth the sender is known from the first packet.
 * The socket must be the one that sent this packet (its protocol and source
 * port): a receiver's socket is only attached later, in the IP layer, and an
 * address translation on the way changes the port.
 */
static __always_inline bool sender__ingress_sk(struct __sk_buff *skb, const struct pkt_meta *m)
{
	struct bpf_sock *sk = skb->sk;

	if (!sk)
		return false;
	sk = bpf_sk_fullsock(sk);
	return sk && sk->protocol == m->l4_proto && sk->src_port == m->sport;
}

/*
 * An ingress packet's sender socket that no watched process owns: made
 * outside --cgroup and holding no socket storage, which every scoped hook
 * that names an owner gives its socket (sock_create, PASSIVE_ESTABLISHED, a
 * watched thread's first send or receive). A local service outside the
 * scope answering a watched container would have its owner looked up, and
 * missed, on each young packet. (A socket made outside the scope and handed
 * to a watched process before the agent started, and not used since, is
 * left to the addresses' tables until its first use gives it storage.)
 */
static __always_inline bool sender__unowned(struct __sk_buff *skb)
{
	struct sk_buff *kskb;
	struct sock *sk;

	if (!owner_scope_enabled)
		return false;
	kskb = bpf_cast_to_kern_ctx(skb);
	sk = kskb->sk;
	return sk && !sk->sk_bpf_storage && bpf_skb_under_cgroup(skb, &sock_scope, 0) == 0;
}

/*
 * The owner of the packet's own socket: as it leaves (egress), or as it
 * arrives over a veth from another namespace (ingress, see above). Looked up
 * only when a record is built or the owner join runs, not for every packet.
 */
static __always_inline struct pkt_sender *sender__load(struct __sk_buff *skb,
						       const struct pkt_meta *m, __u8 hook)
{
	__u32 zero = 0;
	struct pkt_sender *cur = bpf_map_lookup_elem(&pkt_sender, &zero);
	struct wf_owner *o;

	if (!cur)
		return NULL;
	cur->valid = cur->found = 0;
	cur->cookie =
		hook == WF_HOOK_EGRESS || (sender__ingress_sk(skb, m) && !sender__unowned(skb)) ?
			bpf_get_socket_cookie(skb) :
			0;
	if (cur->cookie && (o = bpf_map_lookup_elem(&owners, &cur->cookie))) {
		cur->o = *o;
		cur->found = 1;
		cur->valid = o->tgid != 0;
	}
	return cur;
}

/* No socket at hand (XDP). */
static __always_inline struct pkt_sender *sender__none(void)
{
	__u32 zero = 0;
	struct pkt_sender *cur = bpf_map_lookup_elem(&pkt_sender, &zero);

	if (cur) {
		cur->valid = cur->found = 0;
		cur->cookie = 0;
	}
	return cur;
}

static __always_inline struct pkt_sender *sender__xdp(struct xdp_md *xdp, const struct pkt_meta *m,
						      __u8 hook)
{
	return sender__none();
}

#define ctx_sender(c, m, hook) CTX_PICK(c, sender__load, sender__xdp)(c, m, hook)

static __always_inline bool attr__found(__u8 a)
{
	return a == WF_ATTR_COOKIE || a == WF_ATTR_TUPLE || a == WF_ATTR_TUPLE_OTHER_NS ||
	       a == WF_ATTR_PENDING;
}

/* Chooses the process a packet record names; see struct pkt_event_hdr. */
static __always_inline void owner__pick(struct pkt_event_hdr *h, const struct flow_key *k,
					const struct flow_value *v, const struct pkt_sender *cur,
					__u8 hook, __u8 dir)
{
	__u8 local = hook == WF_HOOK_EGRESS ? dir & 1 : !(dir & 1), e;

	h->has_sk = cur && cur->cookie;
	if (cur && cur->valid && hook == WF_HOOK_EGRESS) {
		h->owner = cur->o;
		h->attr = WF_ATTR_COOKIE;
		h->from_socket = 1;
		return;
	}
	if (!v)
		return;
	if (attr__found(v->ep_attr[local]) && FLOW_EP(v, local)->netns == k->netns)
		e = local;
	else if (attr__found(v->ep_attr[WF_DIR_ORIG]))
		e = WF_DIR_ORIG;
	else if (attr__found(v->ep_attr[WF_DIR_REPLY]))
		e = WF_DIR_REPLY;
	else {
		h->attr = v->ep_attr[local];
		return;
	}
	h->owner = *FLOW_EP(v, e);
	h->attr = v->ep_attr[e];
}

/* The common head of every packet record: the packet's endpoints and its flow. */
static __always_inline void event__fill(struct pkt_event_hdr *h, __u32 kind,
					const struct pkt_meta *m, const struct flow_key *k,
					const struct flow_value *v, const struct pkt_sender *cur,
					__u8 hook, __u8 dir, __u64 now)
{
	h->kind = kind;
	h->ifindex = k->ifindex;
	h->ts_ns = now;
	h->netns = k->netns;
	h->socket_cookie = v ? v->socket_cookie : 0;
	h->flow_first_ns = v ? v->first_ns : 0;
	h->family = m->family;
	h->proto = m->l4_proto;
	h->hook = hook;
	h->flow_dir = dir;
	h->sport = m->sport;
	h->dport = m->dport;
	__builtin_memcpy(h->saddr, m->saddr, 16);
	__builtin_memcpy(h->daddr, m->daddr, 16);
	h->from_socket = 0;
	h->attr = WF_ATTR_NONE;
	owner__pick(h, k, v, cur, hook, dir);
}

static __always_inline void ep__set(struct flow_value *v, __u8 e, const struct wf_owner *o,
				    __u8 attr)
{
	*FLOW_EP(v, e) = *o;
	v->ep_attr[e] = o->tgid ? attr : WF_ATTR_PENDING;
}

static __always_inline void ep__key(struct wf_tuple_key *key, const struct pkt_meta *m, __u64 netns,
				    bool sender)
{
	key->netns = netns;
	key->family = m->family;
	key->proto = m->l4_proto;
	key->lport = sender ? m->sport : m->dport;
	key->rport = sender ? m->dport : m->sport;
	__builtin_memcpy(key->laddr, sender ? m->saddr : m->daddr, 16);
	__builtin_memcpy(key->raddr, sender ? m->daddr : m->saddr, 16);
}

/*
 * Finds the owner of one endpoint of the flow (e, by direction; sender: whether
 * it sent this packet): the packet's socket (sk_owner, its entry in owners as
 * sender__load found it), else the socket with its addresses in the packet's
 * namespace, else in any namespace of the host if exactly one.
 */
static __always_inline void ep__resolve(const struct pkt_meta *m, const struct flow_key *k,
					struct flow_value *v, __u8 e, bool sender,
					const struct wf_owner *sk_owner, struct wf_tuple_key *kp)
{
	struct wf_tuple_val *tv;
	struct wf_owner *o;
	__u8 a = v->ep_attr[e];

	if (a == WF_ATTR_PENDING) {
		/* The socket was accepted before anyone used it: has someone now? */
		o = bpf_map_lookup_elem(&owners, &FLOW_EP(v, e)->cookie);
		if (o && o->tgid)
			ep__set(v, e, o, WF_ATTR_TUPLE);
		return;
	}
	if (a != WF_ATTR_NONE)
		return;
	if (sender && sk_owner) {
		ep__set(v, e, sk_owner, WF_ATTR_COOKIE);
		return;
	}
	/* Every table below is keyed by this end's port: none holds it yet. */
	if (!tuple_port__seen(sender ? m->sport : m->dport))
		return;
	ep__key(kp, m, k->netns, sender);
	tv = tuple__lookup(kp);
	if (tv && (o = bpf_map_lookup_elem(&owners, &tv->cookie))) {
		ep__set(v, e, o, WF_ATTR_TUPLE);
		return;
	}
	ep__key(kp, m, 0, sender);
	tv = bpf_map_lookup_elem(&tuples_any, kp);
	if (!tv) {
		/* Forwarded from a namespace whose socket came with the packet. */
		ep__key(kp, m, k->netns, sender);
		o = bpf_map_lookup_elem(&owner_hints, kp);
		if (o)
			ep__set(v, e, o, WF_ATTR_TUPLE_OTHER_NS);
		return;
	}
	if (tv->ambiguous) {
		v->ep_attr[e] = WF_ATTR_AMBIGUOUS;
		return;
	}
	o = bpf_map_lookup_elem(&owners, &tv->cookie);
	if (o)
		ep__set(v, e, o, WF_ATTR_TUPLE_OTHER_NS);
}

/*
 * A packet that arrived with its sender's socket from another namespace (a
 * container's, over its veth) names its sender here; the same packet routed
 * or bridged out of another interface of this namespace has no socket any
 * more, and finds its owner by these addresses (ep__resolve).
 */
static __always_inline void hint__note(const struct pkt_meta *m, const struct flow_key *k,
				       const struct wf_owner *o, struct wf_tuple_key *kp)
{
	tuple_port__mark(m->sport);
	ep__key(kp, m, k->netns, true);
	bpf_map_update_elem(&owner_hints, kp, o, BPF_ANY);
}

/*
 * An end nobody owns (a remote host, a process outside --cgroup) would cost
 * its lookups on every packet of a bulk flow. They are tried on each of a
 * flow's first packets (flow__young), while a server's accepted socket
 * comes into being, and then at most once a millisecond (coarse clock).
 */
#define EP_RETRY_NS 1000000ull

static __always_inline bool ep__throttled(struct flow_value *v, __u64 now)
{
	if (flow__young(v))
		return false;
	if (now < v->ep_retry_ns)
		return true;
	v->ep_retry_ns = now + EP_RETRY_NS;
	return false;
}

/* An end is settled once its owner is known, or known to be ambiguous. */
static __always_inline bool ep__settled(__u8 a)
{
	return a == WF_ATTR_COOKIE || a == WF_ATTR_TUPLE || a == WF_ATTR_TUPLE_OTHER_NS ||
	       a == WF_ATTR_AMBIGUOUS;
}

/* Whether the flow's owners need no more work: the common case of a bulk packet. */
static __always_inline bool flow__owners_settled(const struct flow_value *v)
{
	return ep__settled(v->ep_attr[0]) && ep__settled(v->ep_attr[1]);
}

/* Whether this packet should try the owner join: an end is still unsettled,
 * and the flow is in its first packets or its retry is due. */
static __always_inline bool flow__owner_work(struct flow_value *v, __u64 now)
{
	return !flow__owners_settled(v) && !ep__throttled(v, now);
}

/*
 * An egress packet's own socket names its sender: the hooks that run before a
 * send (sendmsg, tcp_sendmsg_locked, connect) keep the socket's owner current,
 * so a child that shares its parent's socket is named for what it sends.
 */
__noinline int wf_owner_resolve(struct __sk_buff *skb, const struct pkt_meta *m,
				const struct flow_key *k, struct flow_value *v, __u32 hook_dir)
{
	__u8 hook = hook_dir__hook(hook_dir), dir = hook_dir__dir(hook_dir);
	struct pkt_sender *cur;

	if (!skb || !m || !k || !v)
		return 0;
	/*
	 * The packet's own socket settles the end that sent it, notes the flow's
	 * local socket (egress) and leaves a hint for the packet's forwarded
	 * copies (ingress over a veth). Once that is done, the join runs for the
	 * other end (a remote host still unknown), and the socket's cookie and
	 * owner are not looked up again on every young packet. On ingress only
	 * an end settled by its own socket is done: that call noted the hint.
	 */
	if (hook == WF_HOOK_EGRESS ? v->had_sk && ep__settled(v->ep_attr[dir]) :
				     v->ep_attr[dir] == WF_ATTR_COOKIE)
		cur = sender__none();
	else
		cur = sender__load(skb, m, hook);
	if (!cur)
		return 0;
	/* A socket on ingress is another namespace's: not this flow's local one. */
	if (cur->cookie && hook == WF_HOOK_EGRESS) {
		v->had_sk = 1;
		if (!v->socket_cookie)
			v->socket_cookie = cur->cookie;
	}
	if (cur->valid && (v->ep_attr[dir] == WF_ATTR_NONE || v->ep_attr[dir] == WF_ATTR_PENDING))
		ep__set(v, dir, &cur->o, WF_ATTR_COOKIE);
	if (cur->valid && hook == WF_HOOK_INGRESS)
		hint__note(m, k, &cur->o, &cur->key);
	ep__resolve(m, k, v, dir, true, cur->found ? &cur->o : NULL, &cur->key);
	ep__resolve(m, k, v, !dir, false, NULL, &cur->key);
	return 0;
}

/* The same for a packet with no socket at hand (XDP ingress). */
__noinline int wf_owner_resolve_nosk(const struct pkt_meta *m, const struct flow_key *k,
				     struct flow_value *v, __u32 dir)
{
	struct pkt_sender *cur = sender__none();

	if (!m || !k || !v || !cur)
		return 0;
	ep__resolve(m, k, v, dir & 1, true, NULL, &cur->key);
	ep__resolve(m, k, v, !(dir & 1), false, NULL, &cur->key);
	return 0;
}

#endif
