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

/* An IPv6 address that carries an IPv4 one (::ffff:a.b.c.d). */
static __always_inline bool addr__v4mapped(const __u32 *a)
{
	return a[0] == 0 && a[1] == 0 && a[2] == bpf_htonl(0xffff);
}

/* Fills family and addresses; a v4-mapped pair is keyed as IPv4, as its packets are. */
static __always_inline void tuple__set_addrs(struct wf_tuple_key *k, __u32 family, __u32 l4,
					     const __u32 *l6, __u32 r4, const __u32 *r6)
{
	if (family == AF_INET6 && !(addr__v4mapped(l6) && (addr__v4mapped(r6) || !(r6[0] | r6[1] | r6[2] | r6[3])))) {
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
