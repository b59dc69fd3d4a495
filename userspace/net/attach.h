/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_ATTACH_H
#define WHOFLOW_ATTACH_H

#include <stdbool.h>
#include "iface.h"
#include "flow_events.h"

/* whoflow's own TC filter identity, so that other filters are never touched. */
#define WF_TC_HANDLE 0x77f1
#define WF_TC_PRIORITY 0x77f1

/* How the classifiers hang on an interface's TC hooks. */
enum tc_mode {
	TC_MODE_AUTO = 0, /* TCX links where the kernel has them (6.6+), else clsact */
	TC_MODE_TCX, /* TCX links only */
	TC_MODE_CLSACT, /* cls_bpf filters on a clsact qdisc: they outlive the process */
};

/* One interface with whoflow's classifiers on it. */
struct tc_attachment {
	struct iface iface;
	const char *netns; /* the --netns it lives in, NULL: the agent's own */
	unsigned long long netns_cookie;
	bool created_qdisc; /* clsact was ours: remove it on detach */
	bool ingress, egress;
	bool xdp, xdp_skb; /* monitor --xdp: ingress through XDP as well */
	/* TCX: the links (file descriptors; -1 or 0 when none). The kernel detaches
	 * a link when its last reference goes, so a killed monitor leaves nothing. */
	bool tcx;
	int link_in, link_out;
	unsigned int slot; /* its packet counters in iface_stats (0: none) */
	struct wf_iface_stats counted; /* their last reading (flow_tracker__iface_counts) */
};

/*
 * Puts whoflow's classifiers on both hooks. TC_MODE_AUTO and TC_MODE_TCX make
 * TCX links (ingress first among the interface's programs, as tcpdump sees a
 * packet before tc does; egress last, as the packet leaves); TC_MODE_CLSACT and
 * AUTO on a kernel without TCX add clsact (tolerating one that exists) and
 * cls_bpf filters. On failure nothing stays attached. Prints what failed.
 */
int attach__tc_mode(struct tc_attachment *a, int ingress_fd, int egress_fd, enum tc_mode mode);
/* clsact filters (what pinned classifiers use: they must outlive the command). */
int attach__tc(struct tc_attachment *a, int ingress_fd, int egress_fd);
/* Whether the program prog_id hangs on the interface's TCX ingress or egress hook. */
bool attach__tcx_has_prog(unsigned int ifindex, bool ingress, __u32 prog_id);
/* Whether whoflow's ingress classifier hangs on the interface as a TCX link. */
bool attach__tcx_has_whoflow(unsigned int ifindex);
/* Whether the interface has a clsact qdisc (its filters can be listed). */
bool attach__clsact_exists(unsigned int ifindex);
/* Whether the interface's clsact holds no filter at all (ours included). */
bool attach__clsact_unused(unsigned int ifindex);
/* Removes exactly the links or filters attach__tc_mode added, and clsact only
 * if it made it and no other filter uses it. */
void attach__tc_detach(struct tc_attachment *a);
/* The interface is gone, and its classifiers with it: lets go of the links
 * and forgets a clsact mark its index might pass on to a later interface. */
void attach__forget(struct tc_attachment *a);

#endif
