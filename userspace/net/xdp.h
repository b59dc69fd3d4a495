/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_XDP_H
#define WHOFLOW_XDP_H

#include <stdbool.h>

/*
 * Attaches the XDP ingress program through libxdp (its dispatcher where the
 * kernel allows freplace, else a single program). Never displaces an XDP
 * program whoflow did not load: that is refused, with the reason. Prints what
 * failed and what to do.
 */
int xdp__attach(int prog_fd, unsigned int ifindex, const char *ifname, bool skb_mode);
/* Removes it, only if the program on the interface is still ours. */
void xdp__detach(int prog_fd, unsigned int ifindex, const char *ifname, bool skb_mode);
/* Routes libxdp's messages through whoflow's -v levels (call after libbpf's). */
void xdp__init_logging(void);
/* Whether prog_fd's program is attached to the interface (directly or in libxdp's dispatcher). */
bool xdp__attached(int prog_fd, unsigned int ifindex);

#endif
