/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The classifiers' configuration: `const volatile` data the agent sets through
 * the skeleton's rodata before load (so the verifier prunes what is off), and
 * the few globals the agent or the BPF tests read and write (.bss).
 * Included once, by bpf/tc/flow.bpf.c.
 */
#ifndef WHOFLOW_FLOW_CONFIG_H
#define WHOFLOW_FLOW_CONFIG_H

/* Set by the agent before load. */
const volatile __u16 dns_ports[WF_DNS_PORTS_MAX] = { 53 };
const volatile bool record_last = false; /* tests: keep the last parse in last_meta */
/* -r: packets are replayed through bpf_prog_test_run with their capture time in skb->tstamp. */
const volatile bool offline = false;
/* Some interface may take ingress by XDP (monitor --xdp, or pinned programs that a
 * later attach --xdp may use): only then does TC ingress look up iface_flags. */
const volatile bool xdp_ingress = false;
/* Packet filters (tcpdump's -Q, port and host): all given lists must match, any entry of one. */
const volatile __u8 hooks_wanted = 3; /* bit WF_HOOK_INGRESS, bit WF_HOOK_EGRESS */
const volatile __u16 filter_ports[3][WF_FILTER_MAX] = {};
const volatile __u8 filter_nports[3] = {};
const volatile struct wf_cidr filter_nets[3][WF_FILTER_MAX] = {};
const volatile __u8 filter_nnets[3] = {};
/* Ring records wake the agent when the data waiting crosses a multiple of
 * 1 << this (bpf/tc/ring.h); 0: the kernel's default, a wakeup whenever the
 * reader had caught up. */
const volatile __u32 events_wake_shift = 0;
/* sock_scope holds the watched cgroup (the socket hooks' --cgroup). */
const volatile bool owner_scope_enabled = false;
const volatile __u32 capture_wake_shift = 0;
/* -w: copy selected packets, this many bytes of each (0: no capture). */
const volatile __u32 capture_snaplen = 0;
/* -w with process selectors: only packets whose owner is one of these tgids, or
 * whose comm is one of these (checked in the kernel, so others are not copied). */
#define WF_CAP_PIDS 8
#define WF_CAP_COMMS 4
const volatile __u32 capture_pids[WF_CAP_PIDS] = {};
const volatile __u8 capture_npids = 0;
const volatile char capture_comms[WF_CAP_COMMS][WF_OWNER_COMM_LEN] = {};
const volatile __u8 capture_ncomms = 0;
/* -w with --domain/--sni: only flows whose DNS question or SNI matched are copied. */
const volatile bool capture_by_name = false;
/* Other process selectors: the agent's verdict per process image (proc_verdict_maps.h). */
const volatile bool capture_by_image = false;
/* Instructions in each filter-expression program (enum wf_cbpf_link); 0: none.
 * Data, not read-only: set with the program after load (tests swap programs). */
__u32 cbpf_len[2];
__u32 last_cbpf_verdict; /* tests: the last expression's verdict (with record_last) */

/* Read by the BPF tests through the skeleton's .bss. */
struct pkt_meta last_meta;
__u32 last_dns_status;
char last_dns_qname[WF_DNS_NAME_MAX]; /* the qname stays in the kernel's scratch */

#endif
