/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers shared by the socket hooks and the classifiers: who is running, and
 * how a socket's addresses become an index key. BPF only; include after
 * vmlinux.h, the libbpf headers and owner_maps.h.
 */
#ifndef WHOFLOW_OWNER_HELPERS_H
#define WHOFLOW_OWNER_HELPERS_H

#ifndef AF_INET
#define AF_INET 2
#define AF_INET6 10
#endif

/* The current task as a socket owner (cookie, netns and family left to the caller). */
static __always_inline void owner__fill_current(struct wf_owner *o, __u8 how)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u64 pid_tgid = bpf_get_current_pid_tgid();

	o->tgid = pid_tgid >> 32;
	o->tid = (__u32)pid_tgid;
	o->uid = (__u32)bpf_get_current_uid_gid();
	o->cgroup_id = bpf_get_current_cgroup_id();
	o->start_ns = BPF_CORE_READ(task, group_leader, start_boottime);
	bpf_get_current_comm(o->comm, sizeof(o->comm));
	o->how = how;
}

/*
 * Notes that an index entry with this local port is about to exist: before the
 * entry, so that a reader that sees no bit finds no entry either. A set bit
 * is only read, so a UDP socket's sends do not write the shared word again.
 */
static __always_inline void tuple_port__mark(__u16 port)
{
	__u32 w = port >> 6;
	__u64 bit = 1ull << (port & 63), *p = bpf_map_lookup_elem(&tuple_ports, &w);

	if (p && !(*p & bit))
		__sync_fetch_and_or(p, bit);
}

/* Whether an index entry with this local port may exist. */
static __always_inline bool tuple_port__seen(__u16 port)
{
	__u32 w = port >> 6;
	__u64 *p = bpf_map_lookup_elem(&tuple_ports, &w);

	return !p || (*p & (1ull << (port & 63)));
}

/* A socket by one endpoint's addresses: the connection, else (UDP) the bound socket. */
static __always_inline struct wf_tuple_val *tuple__lookup(struct wf_tuple_key *key)
{
	struct wf_tuple_val *tv = bpf_map_lookup_elem(&tuples, key);

	if (tv || key->proto != IPPROTO_UDP)
		return tv;
	key->rport = 0;
	__builtin_memset(key->raddr, 0, sizeof(key->raddr));
	tv = bpf_map_lookup_elem(&tuples, key);
	if (tv)
		return tv;
	__builtin_memset(key->laddr, 0, sizeof(key->laddr));
	return bpf_map_lookup_elem(&tuples, key);
}

/* An IPv6 address that carries an IPv4 one (::ffff:a.b.c.d). */
static __always_inline bool addr__v4mapped(const __u32 *a)
{
	return a[0] == 0 && a[1] == 0 && a[2] == bpf_htonl(0xffff);
}

/* Fills family and addresses; a v4-mapped pair is keyed as IPv4, as its packets are. */
static __always_inline void tuple__set_addrs(struct wf_tuple_key *k, __u32 family, __u32 l4,
					     const __u32 *l6, __u32 r4, const __u32 *r6)
{
	if (family == AF_INET6 &&
	    !(addr__v4mapped(l6) && (addr__v4mapped(r6) || !(r6[0] | r6[1] | r6[2] | r6[3])))) {
		k->family = 6;
		__builtin_memcpy(k->laddr, l6, 16);
		__builtin_memcpy(k->raddr, r6, 16);
		return;
	}
	k->family = 4;
	if (family == AF_INET6) {
		l4 = l6[3];
		r4 = r6[3];
	}
	__builtin_memcpy(k->laddr, &l4, 4);
	__builtin_memcpy(k->raddr, &r4, 4);
}

#endif
