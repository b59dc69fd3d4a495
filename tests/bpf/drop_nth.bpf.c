// SPDX-License-Identifier: GPL-2.0-only
/*
 * Loses TCP data for the TCP health test: every 5th IPv4 TCP segment that
 * carries data is dropped, 10 at most, so that the sender retransmits and
 * the connection still ends soon. This host has neither netem nor gact.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

char LICENSE[] SEC("license") = "GPL";

#define ETH_P_IP_ 0x0800
#define TC_ACT_OK_ 0
#define TC_ACT_SHOT_ 2

__u32 seen = 0, dropped = 0;

SEC("tc")
int drop_nth(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct tcphdr *tcp;
	__u32 payload;

	if ((void *)(ip + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP_) ||
	    ip->protocol != IPPROTO_TCP || ip->ihl != 5)
		return TC_ACT_OK_;
	tcp = (void *)(ip + 1);
	if ((void *)(tcp + 1) > end)
		return TC_ACT_OK_;
	payload = bpf_ntohs(ip->tot_len) - 20 - tcp->doff * 4;
	if (!payload || payload > 65535)
		return TC_ACT_OK_;
	if (++seen % 5 || dropped >= 10)
		return TC_ACT_OK_;
	dropped++;
	return TC_ACT_SHOT_;
}
