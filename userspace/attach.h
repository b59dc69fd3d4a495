/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_ATTACH_H
#define WHOFLOW_ATTACH_H

#include <stdbool.h>
#include "iface.h"

/* whoflow's own TC filter identity, so that other filters are never touched. */
#define WF_TC_HANDLE 0x77f1
#define WF_TC_PRIORITY 0x77f1

/* One interface with whoflow's classifiers on it. */
struct tc_attachment {
	struct iface iface;
	const char *netns; /* the --netns it lives in, NULL: the agent's own */
	unsigned long long netns_cookie;
	bool created_qdisc; /* clsact was ours: remove it on detach */
	bool ingress, egress;
	bool xdp, xdp_skb; /* monitor --xdp: ingress through XDP as well */
};

/*
 * Adds clsact (tolerating one that exists) and whoflow's filters on both hooks.
 * On failure nothing stays attached. Prints what failed.
 */
int attach__tc(struct tc_attachment *a, int ingress_fd, int egress_fd);
/* Whether the interface's clsact holds no filter at all (ours included). */
bool attach__clsact_unused(unsigned int ifindex);
/* Removes exactly the filters attach__tc added, and clsact only if it made it
 * and no other filter uses it. */
void attach__tc_detach(struct tc_attachment *a);

#endif
