// SPDX-License-Identifier: GPL-2.0-only
/*
 * A reference for `make bench` (part 1): the least a socket owner tracker can
 * do on the socket tracepoints, in whoflow's design (bpf/cgroup/sock.bpf.c)
 * with everything else taken out. A socket made in the watched cgroup gets
 * socket storage naming its creating thread (cgroup/sock_create); each send
 * and receive of a socket with storage looks it up and names the thread if
 * another one uses it. No scope check (a socket without storage returns),
 * no owners table, no addresses indexed, no statistics.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} minown_owner SEC(".maps");

static __always_inline int minown__used(struct sock *sk)
{
	__u64 *owner, pid_tgid;

	if (!sk->sk_bpf_storage)
		return 0;
	owner = bpf_sk_storage_get(&minown_owner, sk, 0, 0);
	if (!owner)
		return 0;
	pid_tgid = bpf_get_current_pid_tgid();
	if (*owner != pid_tgid)
		*owner = pid_tgid;
	return 0;
}

SEC("cgroup/sock_create")
int minown_sock_create(struct bpf_sock *ctx)
{
	__u64 *owner = bpf_sk_storage_get(&minown_owner, ctx, 0, BPF_SK_STORAGE_GET_F_CREATE);

	if (owner)
		*owner = bpf_get_current_pid_tgid();
	return 1;
}

SEC("tp_btf/tcp_sendmsg_locked")
int BPF_PROG(minown_tcp_sendmsg, struct sock *sk)
{
	return minown__used(sk);
}

SEC("tp_btf/sock_send_length")
int BPF_PROG(minown_sock_send, struct sock *sk)
{
	return minown__used(sk);
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(minown_sock_recv, struct sock *sk)
{
	return minown__used(sk);
}
