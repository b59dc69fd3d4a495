/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_STALE_H
#define WHOFLOW_STALE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "iface.h"

/*
 * What a whoflow that died left on the interfaces of the current namespace:
 * its clsact filters (handle and priority 0x77f1) and its XDP program
 * (wf_xdp_ingress) whose program no process holds and no pin keeps, and the
 * clsact qdiscs a whoflow made (marked under /run/whoflow when made). Nothing
 * else is ever reported or touched. TCX links leave nothing: the kernel
 * removes them with their last reference.
 */
struct stale_tc {
	struct iface iface;
	__u32 prog_in, prog_out; /* the orphaned filters' program ids (0: none on that hook) */
	__u32 prog_xdp; /* an orphaned wf_xdp_ingress attached in XDP (0: none) */
	bool xdp_skb; /* ... in generic (skb) mode */
	bool qdisc_marked; /* the clsact qdisc is a whoflow's own */
};

/* Marks (or forgets) the clsact qdisc of ifindex in the current namespace as whoflow's. */
void clsact_mark__set(unsigned int ifindex);
bool clsact_mark__exists(unsigned int ifindex);
void clsact_mark__clear(unsigned int ifindex);

/*
 * Finds the stale attachments of the current namespace; keep holds program ids
 * pinned on purpose (whoflow attach). Returns the count (*out malloc'd), or
 * -errno.
 */
int stale__scan(struct stale_tc **out, const __u32 *keep, size_t nkeep);
/* Removes one: its filters, and its clsact when whoflow made it and nothing else uses it. */
int stale__remove(const struct stale_tc *s);
/* One line for people: "IFACE: filter on ingress (program N) ..." */
void stale__describe(const struct stale_tc *s, char *buf, size_t sz);

#endif
