// SPDX-License-Identifier: GPL-2.0-only
/*
 * The floor of the socket tracepoints for `make bench`: empty programs on the
 * tracepoints whoflow uses, so that their ns per run (which bpf_stats measure
 * with their own overhead) stand beside what whoflow's cost on the same calls.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

SEC("tp_btf/tcp_sendmsg_locked")
int BPF_PROG(floor_tcp_sendmsg, struct sock *sk)
{
	return 0;
}

SEC("tp_btf/sock_send_length")
int BPF_PROG(floor_sock_send, struct sock *sk)
{
	return 0;
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(floor_sock_recv, struct sock *sk)
{
	return 0;
}
