// SPDX-License-Identifier: GPL-2.0-only
/*
 * Socket owners: cgroup socket hooks and socket tracepoints record which process
 * owns each socket (by cookie) and index sockets by their addresses, so that the
 * classifiers (bpf/tc/flow.bpf.c) can name the process behind every packet.
 *
 * Every hook here runs in the context of a task that uses the socket, except
 * sock_ops' establishment callbacks, which run in softirq: there the owner is
 * left unknown (tgid 0) until the accepting process sends or receives.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "owner_maps.h"
#include "owner_helpers.h"

char LICENSE[] SEC("license") = "GPL";

extern void *bpf_cast_to_kern_ctx(void *) __ksym;

/*
 * The tracepoints are host-wide: they honour --cgroup, by its id at its depth
 * when the agent knows the depth (scope_by_id), else through sock_scope
 * (owner_maps.h).
 */
const volatile bool scope_enabled = false;
const volatile bool scope_by_id = false;
const volatile __u64 scope_id = 0;
const volatile __u32 scope_level = 0;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, WF_SOCK_STAT__MAX);
	__type(key, __u32);
	__type(value, __u64);
} sock_stats SEC(".maps");

/*
 * Per socket, the thread last recorded as its owner and (UDP) the addresses
 * last indexed: a thread that keeps using its socket (the common case: every
 * send and receive) skips the scope check, the owners lookup and the tuple
 * index. Every 64th use goes the whole way, so that an entry the LRU tables
 * dropped is put back.
 */
struct sock_last {
	__u64 pid_tgid;
	/* A thread whose fill-only hooks find another thread's owner (a receiver
	 * thread beside a sender): they would change nothing. */
	__u64 fill_pid_tgid;
	__u32 uses;
	__u32 indexed; /* enum sock_indexed */
	struct wf_tuple_key tuple;
};

enum sock_indexed {
	SOCK_NOT_INDEXED = 0,
	SOCK_INDEXED = 1, /* tuple holds what the tuple tables have for this socket */
	SOCK_UNINDEXED = 2, /* TCP: its entries are gone (its release or its close took them) */
};

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct sock_last);
} sock_last SEC(".maps");

#define SOCK_LAST_RECHECK 63

#define IPPROTO_TCP_ 6
#define IPPROTO_UDP_ 17
#define TCP_CLOSE_ 7

static __always_inline void stat__inc(__u32 which)
{
	__u64 *n = bpf_map_lookup_elem(&sock_stats, &which);

	if (n)
		*n += 1;
}

/*
 * Records the current task as the socket's owner, unless it already is. Hooks
 * that run after the packet left (fill_only) only name an owner nobody named:
 * overriding there would give the next packet the previous sender.
 */
enum owner_set {
	OWNER_NONE = 0, /* nothing recorded (not TCP/UDP, or the table refused) */
	OWNER_CURRENT, /* the current thread is the owner */
	OWNER_OTHER, /* fill-only, and another thread is the owner: left as it is */
};

static __always_inline enum owner_set owner__set(__u64 cookie, __u64 netns, __u32 family,
						 __u32 proto, __u8 how, bool fill_only)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct wf_owner *cur = bpf_map_lookup_elem(&owners, &cookie), o = {};

	if (!cookie || (proto != IPPROTO_TCP_ && proto != IPPROTO_UDP_))
		return OWNER_NONE;
	if (cur && cur->tgid == pid_tgid >> 32 && cur->tid == (__u32)pid_tgid)
		return OWNER_CURRENT;
	if (cur && cur->tgid && fill_only)
		return OWNER_OTHER;
	owner__fill_current(&o, how);
	o.cookie = cookie;
	o.netns = netns;
	o.family = family == AF_INET6 ? 6 : 4;
	o.proto = proto;
	if (bpf_map_update_elem(&owners, &cookie, &o, BPF_ANY)) {
		stat__inc(WF_SOCK_OWNERS_FULL);
		return OWNER_NONE;
	}
	return OWNER_CURRENT;
}

/*
 * Indexes a socket by its addresses, in its namespace and, when both ends are
 * known, over every namespace. Two live sockets with one tuple in different
 * namespaces mark the host-wide entry ambiguous: it then names nobody.
 */
static __always_inline void tuple__index(struct wf_tuple_key *k, __u64 cookie, __u64 netns,
					 bool connected)
{
	struct wf_tuple_val v = { .cookie = cookie, .netns = netns }, *any, *cur;

	tuple_port__mark(k->lport);
	k->netns = netns;
	/* A UDP socket sends to the same peer again and again: an entry that is
	 * already right is left alone (a lookup, not an update, per datagram). */
	cur = bpf_map_lookup_elem(&tuples, k);
	if ((!cur || cur->cookie != cookie || cur->netns != netns) &&
	    bpf_map_update_elem(&tuples, k, &v, BPF_ANY))
		stat__inc(WF_SOCK_TUPLES_FULL);
	if (!connected)
		return;
	k->netns = 0;
	any = bpf_map_lookup_elem(&tuples_any, k);
	if (any && any->cookie != cookie && any->netns != netns)
		any->ambiguous = 1;
	else if (!any && bpf_map_update_elem(&tuples_any, k, &v, BPF_NOEXIST))
		stat__inc(WF_SOCK_TUPLES_FULL);
}

/* Removes the socket's entries, leaving those another socket has since taken. */
static __always_inline void tuple__unindex(struct wf_tuple_key *k, __u64 cookie, __u64 netns)
{
	struct wf_tuple_val *v;

	k->netns = netns;
	v = bpf_map_lookup_elem(&tuples, k);
	if (v && v->cookie == cookie)
		bpf_map_delete_elem(&tuples, k);
	k->netns = 0;
	v = bpf_map_lookup_elem(&tuples_any, k);
	if (v && v->cookie == cookie && !v->ambiguous)
		bpf_map_delete_elem(&tuples_any, k);
}

static __always_inline bool tuple__same(const struct wf_tuple_key *a, const struct wf_tuple_key *b)
{
	const __u64 *x = (const __u64 *)a, *y = (const __u64 *)b;

	for (int i = 0; i < sizeof(*a) / 8; i++)
		if (x[i] != y[i])
			return false;
	return true;
}

/* A socket from a tracepoint: its addresses as they are now. */
static __always_inline void tuple__from_sk(struct wf_tuple_key *k, struct sock *sk)
{
	__u32 family = sk->__sk_common.skc_family;

	k->proto = sk->sk_protocol;
	k->lport = sk->__sk_common.skc_num;
	k->rport = bpf_ntohs(sk->__sk_common.skc_dport);
	tuple__set_addrs(k, family, sk->__sk_common.skc_rcv_saddr,
			 sk->__sk_common.skc_v6_rcv_saddr.in6_u.u6_addr32,
			 sk->__sk_common.skc_daddr, sk->__sk_common.skc_v6_daddr.in6_u.u6_addr32);
}

/*
 * The current thread's cgroup at the scope's depth is the scope itself: one
 * helper and no map lookup, about 20 ns less per out-of-scope call than the
 * cgroup array's check (TLS handshakes, whose server is outside --cgroup).
 * (A task above that depth has no ancestor there: the helper gives 0.)
 */
static __always_inline bool scope__contains_current(void)
{
	if (!scope_enabled)
		return true;
	if (scope_by_id)
		return bpf_get_current_ancestor_cgroup_id(scope_level) == scope_id;
	return bpf_current_task_under_cgroup(&sock_scope, 0) == 1;
}

/*
 * The tracepoints see sends and receives in the context of the thread that
 * made them. tcp_sendmsg_locked runs before TCP transmits: it names the sender
 * of what follows (a child sharing its parent's socket included). The
 * sock_*_length ones run after the fact: they name the owner of an accepted
 * socket nobody had used (a pre-fork worker), and index UDP sockets once the
 * kernel has bound and routed them.
 */
static __always_inline int sock__used(struct sock *sk, __u8 how, bool fill_only)
{
	__u32 family = sk->__sk_common.skc_family, proto = sk->sk_protocol;
	__u64 cookie, netns, pid_tgid;
	struct wf_tuple_key k = {};
	struct sock_last *last;
	enum owner_set set;
	bool known, scoped = false;

	if ((family != AF_INET && family != AF_INET6) ||
	    (proto != IPPROTO_TCP_ && proto != IPPROTO_UDP_))
		return 0;
	/* A socket outside the watched scope gets no storage: its sends leave at the
	 * scope check, and the host's other sockets cost no allocation. A socket
	 * with no storage of any map is seen without the helper's call. */
	last = sk->sk_bpf_storage ? bpf_sk_storage_get(&sock_last, sk, 0, 0) : NULL;
	if (!last) {
		if (!scope__contains_current())
			return 0;
		scoped = true;
		last = bpf_sk_storage_get(&sock_last, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	}
	pid_tgid = bpf_get_current_pid_tgid();
	known = last &&
		(last->pid_tgid == pid_tgid || (fill_only && last->fill_pid_tgid == pid_tgid)) &&
		(++last->uses & SOCK_LAST_RECHECK);
	if (!known) {
		/* Sockets outside the watched scope leave here. */
		if (!scoped && !scope__contains_current())
			return 0;
		cookie = bpf_get_socket_cookie(sk);
		netns = sk->__sk_common.skc_net.net->net_cookie;
		set = owner__set(cookie, netns, family, proto, how, fill_only);
		/* Each thread's verdict is kept beside the other's, so a sender and
		 * a receiver thread on one socket both stay on the fast path. */
		if (last && set == OWNER_CURRENT) {
			last->pid_tgid = pid_tgid;
			if (last->fill_pid_tgid == pid_tgid)
				last->fill_pid_tgid = 0;
		} else if (last && set == OWNER_OTHER) {
			last->fill_pid_tgid = pid_tgid;
		} else if (last) {
			last->pid_tgid = last->fill_pid_tgid = 0;
		}
	}
	if (proto != IPPROTO_UDP_ || !sk->__sk_common.skc_num)
		return 0;
	tuple__from_sk(&k, sk);
	if (last && last->indexed && last->uses & SOCK_LAST_RECHECK &&
	    tuple__same(&k, &last->tuple))
		return 0;
	cookie = bpf_get_socket_cookie(sk);
	netns = sk->__sk_common.skc_net.net->net_cookie;
	if (last) {
		last->tuple = k;
		last->indexed = SOCK_INDEXED;
	}
	tuple__index(&k, cookie, netns, k.rport != 0);
	return 0;
}

SEC("tp_btf/tcp_sendmsg_locked")
int BPF_PROG(wf_tcp_sendmsg, struct sock *sk, struct msghdr *msg, struct sk_buff *skb, int goal)
{
	return sock__used(sk, WF_OWN_SEND, false);
}

/*
 * A UDP send or receive that failed moved nothing (mostly EAGAIN: a
 * non-blocking reader that polls by calling, as dnsperf does). A UDP socket
 * with storage has its owner named already (its creation or a watched
 * thread's first use named it; these hooks only fill an owner nobody named),
 * and its addresses are indexed by the next call that moves data. A TCP
 * receive that failed still counts: a server's first read of an accepted
 * socket often fails (EAGAIN, then it waits), and names the socket's owner
 * before the request arrives; a socket without storage may be one made
 * outside the scope and handed in. (The storage seen is any program's: a
 * socket made outside and handed in that holds another program's storage
 * is named at its first call that moves data, not at a failed one.)
 */
static __always_inline bool sock__failed_udp(struct sock *sk, int ret)
{
	return ret < 0 && sk->sk_protocol == IPPROTO_UDP_ && sk->sk_bpf_storage;
}

SEC("tp_btf/sock_send_length")
int BPF_PROG(wf_sock_send, struct sock *sk, int ret, int flags)
{
	/* TCP: tcp_sendmsg_locked, before the send, did all this already. */
	if (sk->sk_protocol == IPPROTO_TCP_ || sock__failed_udp(sk, ret))
		return 0;
	return sock__used(sk, WF_OWN_SEND, true);
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(wf_sock_recv, struct sock *sk, int ret, int flags)
{
	if (sock__failed_udp(sk, ret))
		return 0;
	return sock__used(sk, WF_OWN_RECV, true);
}

/*
 * The creator is the socket's first owner. Its storage is made here, once per
 * socket, naming the creating thread: the send and receive tracepoints then
 * find a socket they know from its first use, instead of each allocating the
 * storage inside a send (a cost every short connection paid on its first
 * send, about a microsecond).
 */
SEC("cgroup/sock_create")
int wf_sock_create(struct bpf_sock *ctx)
{
	struct sock_last *last;

	if (owner__set(bpf_get_socket_cookie(ctx), bpf_get_netns_cookie(ctx), ctx->family,
		       ctx->protocol, WF_OWN_CREATE, false) != OWNER_CURRENT ||
	    (ctx->family != AF_INET && ctx->family != AF_INET6))
		return 1;
	last = bpf_sk_storage_get(&sock_last, ctx, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (last)
		last->pid_tgid = bpf_get_current_pid_tgid();
	return 1;
}

/* A bound UDP socket receives from anyone: it is indexed by its local end alone. */
/* v6: a constant, so post_bind4 never reads src_ip6 (its context forbids it). */
static __always_inline int sock__bound(struct bpf_sock *ctx, __u8 how, bool v6)
{
	__u64 cookie = bpf_get_socket_cookie(ctx), netns = bpf_get_netns_cookie(ctx);
	__u32 zero6[4] = {}, l6[4] = {};
	struct wf_tuple_key k = {};

	owner__set(cookie, netns, ctx->family, ctx->protocol, how, false);
	if (ctx->protocol != IPPROTO_UDP_ || !ctx->src_port)
		return 1;
	k.proto = ctx->protocol;
	k.lport = ctx->src_port;
	if (v6) {
		l6[0] = ctx->src_ip6[0];
		l6[1] = ctx->src_ip6[1];
		l6[2] = ctx->src_ip6[2];
		l6[3] = ctx->src_ip6[3];
	}
	tuple__set_addrs(&k, v6 ? AF_INET6 : AF_INET, v6 ? 0 : ctx->src_ip4, l6, 0, zero6);
	tuple__index(&k, cookie, netns, false);
	/* A dual-stack socket on [::] also receives IPv4, unless a v4 socket holds the port. */
	if (v6 && !(l6[0] | l6[1] | l6[2] | l6[3])) {
		struct wf_tuple_val v = { .cookie = cookie, .netns = netns };

		k.family = 4;
		k.netns = netns;
		bpf_map_update_elem(&tuples, &k, &v, BPF_NOEXIST);
	}
	return 1;
}

SEC("cgroup/post_bind4")
int wf_post_bind4(struct bpf_sock *ctx)
{
	return sock__bound(ctx, WF_OWN_BIND, false);
}

SEC("cgroup/post_bind6")
int wf_post_bind6(struct bpf_sock *ctx)
{
	return sock__bound(ctx, WF_OWN_BIND, true);
}

/*
 * connect and sendmsg run before their packets: the caller is their sender.
 * recvmsg runs after the datagram arrived: it only names a missing owner.
 * Tuples come from sock_ops and the tracepoints.
 */
static __always_inline int sock__addr_hook(struct bpf_sock_addr *ctx, __u8 how)
{
	struct bpf_sock *sk = ctx->sk;

	if (sk)
		owner__set(bpf_get_socket_cookie(ctx), bpf_get_netns_cookie(ctx), sk->family,
			   sk->protocol, how, how == WF_OWN_RECVMSG);
	return 1;
}

SEC("cgroup/connect4")
int wf_connect4(struct bpf_sock_addr *ctx)
{
	return sock__addr_hook(ctx, WF_OWN_CONNECT);
}

SEC("cgroup/connect6")
int wf_connect6(struct bpf_sock_addr *ctx)
{
	return sock__addr_hook(ctx, WF_OWN_CONNECT);
}

SEC("cgroup/sendmsg4")
int wf_sendmsg4(struct bpf_sock_addr *ctx)
{
	return sock__addr_hook(ctx, WF_OWN_SENDMSG);
}

SEC("cgroup/sendmsg6")
int wf_sendmsg6(struct bpf_sock_addr *ctx)
{
	return sock__addr_hook(ctx, WF_OWN_SENDMSG);
}

SEC("cgroup/recvmsg4")
int wf_recvmsg4(struct bpf_sock_addr *ctx)
{
	return sock__addr_hook(ctx, WF_OWN_RECVMSG);
}

SEC("cgroup/recvmsg6")
int wf_recvmsg6(struct bpf_sock_addr *ctx)
{
	return sock__addr_hook(ctx, WF_OWN_RECVMSG);
}

static __always_inline void tuple__from_ops(struct wf_tuple_key *k, struct bpf_sock_ops *ops)
{
	__u32 l6[4] = { ops->local_ip6[0], ops->local_ip6[1], ops->local_ip6[2],
			ops->local_ip6[3] };
	__u32 r6[4] = { ops->remote_ip6[0], ops->remote_ip6[1], ops->remote_ip6[2],
			ops->remote_ip6[3] };

	k->proto = IPPROTO_TCP_;
	k->lport = ops->local_port;
	/* remote_port holds the big-endian port in its upper half on little-endian hosts */
	k->rport = bpf_ntohl(ops->remote_port);
	tuple__set_addrs(k, ops->family, ops->local_ip4, l6, ops->remote_ip4, r6);
}

/*
 * TCP: a connection is indexed once its four-tuple exists. TCP_CONNECT runs in
 * the connecting task; PASSIVE_ESTABLISHED in softirq, where the task is
 * nobody's, so an accepted socket starts with no owner (WF_OWN_ACCEPTED).
 */
#include "tcp_health.h"

/* The socket's storage, made by sock_create or PASSIVE_ESTABLISHED (NULL: none). */
static __always_inline struct sock_last *sockops__last(struct bpf_sock_ops *ops)
{
	struct bpf_sock *sk = ops->sk; /* read once: the verifier checks this very register */

	return sk ? bpf_sk_storage_get(&sock_last, sk, 0, 0) : NULL;
}

/*
 * A connection's four-tuple, indexed when it connects and again when it is
 * established (an accepted one: established only). The second time finds
 * what the first wrote: the socket's storage says so without the lookups.
 */
static __always_inline void sockops__index(struct bpf_sock_ops *ops, __u64 cookie, __u64 netns)
{
	struct sock_last *last = sockops__last(ops);
	struct wf_tuple_key k = {};

	tuple__from_ops(&k, ops);
	if (last && last->indexed == SOCK_INDEXED && tuple__same(&k, &last->tuple))
		return;
	if (last) {
		last->tuple = k;
		last->indexed = SOCK_INDEXED;
	}
	tuple__index(&k, cookie, netns, true);
}

/*
 * Closed: its entries go, unless its release took them already (a close()
 * of an open connection releases the socket first, and TCP reaches its
 * closed state after the goodbyes; a reset or a failed connect comes first).
 */
static __always_inline void sockops__unindex(struct bpf_sock_ops *ops, __u64 cookie, __u64 netns)
{
	struct sock_last *last = sockops__last(ops);
	struct wf_tuple_key k = {};

	if (last && last->indexed == SOCK_UNINDEXED)
		return;
	tuple__from_ops(&k, ops);
	tuple__unindex(&k, cookie, netns);
	if (last)
		last->indexed = SOCK_UNINDEXED;
}

SEC("sockops")
int wf_sockops(struct bpf_sock_ops *ops)
{
	__u64 cookie = bpf_get_socket_cookie(ops), netns = bpf_get_netns_cookie(ops);
	struct bpf_sock *sk;

	if (ops->family != AF_INET && ops->family != AF_INET6)
		return 1;
	switch (ops->op) {
	case BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB: {
		struct wf_owner o = { .cookie = cookie,
				      .netns = netns,
				      .how = WF_OWN_ACCEPTED,
				      .family = ops->family == AF_INET6 ? 6 : 4,
				      .proto = IPPROTO_TCP_ };

		if (bpf_map_update_elem(&owners, &cookie, &o, BPF_NOEXIST) &&
		    !bpf_map_lookup_elem(&owners, &cookie))
			stat__inc(WF_SOCK_OWNERS_FULL);
		/*
		 * An accepted socket never passes cgroup/sock_create: its storage is
		 * made here, once per connection, naming nobody yet (no process runs
		 * here), so that its first send does not allocate it inside
		 * tcp_sendmsg (about a microsecond, on the sender's path).
		 */
		sk = ops->sk; /* read once: the verifier checks this very register */
		if (sk)
			bpf_sk_storage_get(&sock_last, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	}
		/* fall through */
	case BPF_SOCK_OPS_TCP_CONNECT_CB:
	case BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB:
		bpf_sock_ops_cb_flags_set(ops,
					  ops->bpf_sock_ops_cb_flags | BPF_SOCK_OPS_STATE_CB_FLAG);
		sockops__index(ops, cookie, netns);
		break;
	case BPF_SOCK_OPS_STATE_CB: {
		/* Read once, at fixed offsets: the verifier refuses a computed context offset. */
		__u32 old_state = ops->args[0], new_state = ops->args[1];

		health__state(ops, cookie, old_state, new_state);
		if (new_state == TCP_CLOSE_)
			sockops__unindex(ops, cookie, netns);
		break;
	}
	}
	return 1;
}

/*
 * The socket is gone: its addresses may be reused by another. Its owner stays
 * for records still in flight, marked released: the agent deletes it a while
 * later, so that dead sockets never crowd live ones out of the LRU table.
 */
SEC("cgroup/sock_release")
int wf_sock_release(struct bpf_sock *ctx)
{
	/* This context exposes no addresses: read them from the socket itself. */
	struct sock *sk = bpf_cast_to_kern_ctx(ctx);
	__u64 cookie = bpf_get_socket_cookie(ctx), netns = bpf_get_netns_cookie(ctx);
	struct wf_tuple_key k = {};
	struct sock_last *last;
	struct wf_owner *o;

	if (ctx->protocol != IPPROTO_UDP_ && ctx->protocol != IPPROTO_TCP_)
		return 1;
	o = bpf_map_lookup_elem(&owners, &cookie);
	if (o)
		o->released = 1;
	/* A TCP connection's entries went if it closed first (sockops__unindex);
	 * else they go here, and its closing later need not look for them. */
	last = bpf_sk_storage_get(&sock_last, ctx, 0, 0);
	if (ctx->protocol == IPPROTO_TCP_ && last) {
		if (last->indexed == SOCK_UNINDEXED)
			return 1;
		last->indexed = SOCK_UNINDEXED;
	}
	tuple__from_sk(&k, sk);
	tuple__unindex(&k, cookie, netns);
	if (k.rport && ctx->protocol == IPPROTO_UDP_) {
		/* a connected UDP socket was also indexed by its bound end */
		k.rport = 0;
		__builtin_memset(k.raddr, 0, sizeof(k.raddr));
		tuple__unindex(&k, cookie, netns);
	}
	return 1;
}
