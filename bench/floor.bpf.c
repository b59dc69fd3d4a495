// SPDX-License-Identifier: GPL-2.0-only
/* The floor for `make bench`: a TC classifier that does nothing, attached as whoflow's are. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

SEC("tc")
int bench_floor(struct __sk_buff *skb)
{
	return -1; /* TC_ACT_UNSPEC: pass it on, as whoflow does */
}
