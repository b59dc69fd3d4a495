// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tags every IPv4 packet with VLAN 10 the way a NIC with VLAN offload hands it
 * over: bpf_skb_vlan_push() puts the tag in skb->vlan_tci, not in the data.
 * This host has no 8021q module, so the capture test makes offloaded tags with it.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

char LICENSE[] SEC("license") = "GPL";

#define ETH_P_IP_ 0x0800
#define ETH_P_8021Q_ 0x8100
#define TC_ACT_OK_ 0

SEC("tc")
int vlan_push(struct __sk_buff *skb)
{
	if (skb->protocol == bpf_htons(ETH_P_IP_) && !skb->vlan_present)
		bpf_skb_vlan_push(skb, bpf_htons(ETH_P_8021Q_), 10 | 3 << 13);
	return TC_ACT_OK_;
}
