// SPDX-License-Identifier: GPL-2.0-only
/* A stand-in for someone else's XDP program: whoflow must never displace it. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

SEC("xdp")
int foreign_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}
