/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_IFACE_H
#define WHOFLOW_IFACE_H

#include <stdbool.h>
#include <net/if.h>

struct iface {
	unsigned int ifindex;
	char name[IF_NAMESIZE];
	bool no_l2; /* no Ethernet header: tun, wireguard, ipip (ARPHRD other than ether) */
	bool up;
	bool loopback;
};

/*
 * Lists the interfaces of the current network namespace (netlink through
 * if_nameindex, flags and link type through ioctl: /sys may show another
 * namespace's). Returns the count, or -errno; *out is malloc'd.
 */
int iface__list(struct iface **out);
/* Fills one interface by name; -ENODEV when there is none. */
int iface__get(const char *name, struct iface *out);

/*
 * -D: prints the interfaces of the namespace (the agent's, or netns) with
 * index, namespace, state, link type and whether whoflow's classifiers are on
 * them. Returns the exit code.
 */
int iface__print_list(const char *netns);

#endif
